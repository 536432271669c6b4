//! The he optimization passes (he-plaintext-bypass, he-lazy-rescale, he-fold-linear, he-narrow-widths,
//! he-table-grid, he-pool-first) on every positive case of their file tests and on a small layer: each pass is idempotent (a
//! second run changes nothing), its output verifies, and it computes what the input computed: the same real numbers
//! (a pass may return a value at fewer fraction bits). Programs are evaluated on random inputs with the interval
//! analysis itself: seeded with one point per element, he_ranges' exact transfer functions are an integer
//! interpreter of he.

use std::path::{Path, PathBuf};

use veil_he::FixedTensor;
use veil_ir::builtin::{func_name, return_op};
use veil_ir::{parse_and_verify, print_module, Module};
use veil_lowering::he_ranges::{Interval, RangeAnalysis, TensorRange};
use veil_lowering::{passes, registry, PassManager, PassOutput};

/// The pass runs, each with what its rewrites promise: `Some(0)` exact, `Some(n)` every output within `n` units
/// of the input's (at the input's fraction bits), `None` no promise on the integers (a deliberate precision trade).
/// he-table-grid rounds a bias to the grid of the table before it: half of its factor (at most 4 in the file
/// tests) on a returned value.
const RUNS: &[(&str, &str, Option<i128>)] = &[
    ("he-plaintext-bypass", "", Some(0)),
    ("he-fold-linear", "", Some(0)),
    ("he-narrow-widths", "", Some(0)),
    ("he-lazy-rescale", "combine-sums=false", Some(0)),
    ("he-lazy-rescale", "", Some(16)),
    ("he-lazy-rescale", "block-aligned", None),
    ("he-table-grid", "", Some(2)),
    ("he-pool-first", "rounding=approximate", Some(0)),
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

/// Every chunk of the positive file tests of these passes (files whose RUN line expects success and no
/// diagnostics).
fn cases() -> Vec<(String, String)> {
    let mut out = vec![];
    let passes = [
        "he-plaintext-bypass",
        "he-lazy-rescale",
        "he-fold-linear",
        "he-narrow-widths",
        "he-table-grid",
        "he-pool-first",
    ];
    for pass in passes {
        let dir = workspace().join("test/passes").join(pass);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "mlir"))
            .collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).expect("readable test file");
            if text.contains("not veil-opt") || text.contains("expected-error") {
                continue;
            }
            out.push((f.display().to_string(), text));
        }
    }
    out.push(("layer".into(), LAYER.into()));
    out
}

/// A dense layer with the usual clutter around it: a scaled input, a bias add, a batch-norm scale and
/// shift, products by 1 and 0, rescales per term.
const LAYER: &str = r#"
func.func @layer(%x: !he.ct<2x3xi8, frac = 4> {veil.range = [-4.0, 4.0]}, %y: !he.ct<2x2xi12, frac = 8> {veil.range = [-2.0, 2.0]}) -> !he.ct<2x2xi24, frac = 8> {
  %s = "he.encode"() {value = dense<[1, 2, -1]> : tensor<3xi8>} : () -> !he.pt<3xi8, frac = 0>
  %w = "he.encode"() {value = dense<[[1, 3], [-2, 5], [7, 0]]> : tensor<3x2xi8>} : () -> !he.pt<3x2xi8, frac = 4>
  %b = "he.encode"() {value = dense<[100, -37]> : tensor<2xi16>} : () -> !he.pt<2xi16, frac = 8>
  %g = "he.encode"() {value = dense<[3, -5]> : tensor<2xi8>} : () -> !he.pt<2xi8, frac = 2>
  %h = "he.encode"() {value = dense<[11, 13]> : tensor<2xi16>} : () -> !he.pt<2xi16, frac = 10>
  %one = "he.encode"() {value = dense<4> : tensor<i8>} : () -> !he.pt<i8, frac = 2>
  %zero = "he.encode"() {value = dense<0> : tensor<2x2xi8>} : () -> !he.pt<2x2xi8, frac = 8>
  %0 = "he.mul_plain"(%x, %s) : (!he.ct<2x3xi8, frac = 4>, !he.pt<3xi8, frac = 0>) -> !he.ct<2x3xi10, frac = 4>
  %1 = "he.matmul_plain"(%0, %w) : (!he.ct<2x3xi10, frac = 4>, !he.pt<3x2xi8, frac = 4>) -> !he.ct<2x2xi20, frac = 8>
  %2 = "he.add_plain"(%1, %b) : (!he.ct<2x2xi20, frac = 8>, !he.pt<2xi16, frac = 8>) -> !he.ct<2x2xi21, frac = 8>
  %3 = "he.mul_plain"(%2, %g) : (!he.ct<2x2xi21, frac = 8>, !he.pt<2xi8, frac = 2>) -> !he.ct<2x2xi25, frac = 10>
  %4 = "he.add_plain"(%3, %h) : (!he.ct<2x2xi25, frac = 10>, !he.pt<2xi16, frac = 10>) -> !he.ct<2x2xi26, frac = 10>
  %5 = "he.rescale"(%4) {shift = 1} : (!he.ct<2x2xi26, frac = 10>) -> !he.ct<2x2xi25, frac = 9>
  %6 = "he.rescale"(%5) {shift = 1} : (!he.ct<2x2xi25, frac = 9>) -> !he.ct<2x2xi24, frac = 8>
  %7 = "he.mul_plain"(%y, %one) : (!he.ct<2x2xi12, frac = 8>, !he.pt<i8, frac = 2>) -> !he.ct<2x2xi14, frac = 10>
  %8 = "he.rescale"(%7) {shift = 2} : (!he.ct<2x2xi14, frac = 10>) -> !he.ct<2x2xi12, frac = 8>
  %9 = "he.add_plain"(%8, %zero) : (!he.ct<2x2xi12, frac = 8>, !he.pt<2x2xi8, frac = 8>) -> !he.ct<2x2xi13, frac = 8>
  %10 = "he.add"(%6, %9) : (!he.ct<2x2xi24, frac = 8>, !he.ct<2x2xi13, frac = 8>) -> !he.ct<2x2xi24, frac = 8>
  func.return %10 : !he.ct<2x2xi24, frac = 8>
}
"#;

fn parse(name: &str, text: &str) -> Module {
    parse_and_verify(name, text, &registry()).unwrap_or_else(|d| panic!("{name}: {}", d))
}

fn run(m: &mut Module, pass: &str, options: &str) -> bool {
    let ops = registry();
    let mut pm = PassManager::new(&ops);
    pm.extend(passes().create(pass, options).expect("registered pass"));
    let mut out = PassOutput::default();
    pm.run(m, &mut out).unwrap_or_else(|d| panic!("{pass}: {}", d));
    out.changed
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }

    fn within(&mut self, iv: Interval) -> i128 {
        let span = (iv.hi - iv.lo).min(u64::MAX as i128 - 1) as u64;
        iv.lo + self.below(span + 1) as i128
    }
}

/// The integers each function returns for inputs drawn by `draw` (per argument, per element).
fn evaluate(m: &Module, inputs: &[Vec<Vec<i128>>]) -> Vec<Vec<Vec<i128>>> {
    m.funcs()
        .into_iter()
        .zip(inputs)
        .map(|(f, args)| {
            let mut a = RangeAnalysis::new();
            let body = m.body(f).expect("function body");
            for (&arg, values) in m.block(body).args.iter().zip(args) {
                let t = FixedTensor::of(m, m.value_type(arg)).expect("he argument");
                a.set(arg, TensorRange { shape: t.shape, elems: values.iter().map(|&v| Interval::point(v)).collect() });
            }
            let mut ops = vec![];
            m.walk_into(f, &mut ops);
            for op in ops {
                a.visit(m, op).unwrap_or_else(|e| panic!("@{}: {e}", func_name(m, f)));
            }
            let ret = return_op(m, f).expect("func.return");
            m.op(ret)
                .operands
                .iter()
                .map(|&v| a.get(v).expect("returned value evaluated").elems.iter().map(|i| i.lo).collect())
                .collect()
        })
        .collect()
}

/// The fraction bits of each function's returned values.
fn returned_fracs(m: &Module) -> Vec<Vec<i32>> {
    m.funcs()
        .into_iter()
        .map(|f| {
            let ret = return_op(m, f).expect("func.return");
            let frac = |&v| FixedTensor::of(m, m.value_type(v)).expect("he result").frac;
            m.op(ret).operands.iter().map(frac).collect()
        })
        .collect()
}

/// Random inputs inside each argument's declared range (or its type's).
fn random_inputs(m: &Module, rng: &mut Rng) -> Vec<Vec<Vec<i128>>> {
    m.funcs()
        .into_iter()
        .map(|f| {
            let seeds = RangeAnalysis::of_function(m, f).ok();
            let body = m.body(f).expect("function body");
            m.block(body)
                .args
                .iter()
                .map(|&arg| {
                    let t = FixedTensor::of(m, m.value_type(arg)).expect("he argument");
                    let iv = seeds.as_ref().and_then(|s| s.hull(arg)).unwrap_or(Interval::of_width(t.width));
                    (0..t.numel()).map(|_| rng.within(iv)).collect()
                })
                .collect()
        })
        .collect()
}

#[test]
fn every_pass_is_idempotent_and_keeps_the_meaning() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut checked = 0;
    for (name, text) in cases() {
        for &(pass, options, tolerance) in RUNS {
            let before = parse(&name, &text);
            let mut after = before.clone();
            run(&mut after, pass, options);
            let once = print_module(&after);
            let changed_again = run(&mut after, pass, options);
            let twice = print_module(&after);
            assert_eq!(once, twice, "{name}: --{pass}={options} is not idempotent");
            assert!(!changed_again, "{name}: --{pass}={options} reports a change on its own output");
            parse(&format!("{name} after {pass}"), &once);
            let Some(tolerance) = tolerance else { continue };
            for _ in 0..20 {
                let inputs = random_inputs(&before, &mut rng);
                let (want, got) = (evaluate(&before, &inputs), evaluate(&after, &inputs));
                let fracs =
                    returned_fracs(&before).into_iter().flatten().zip(returned_fracs(&after).into_iter().flatten());
                let values = want.iter().flatten().zip(got.iter().flatten());
                for ((w, g), (fw, fg)) in values.zip(fracs) {
                    // Both at the input's fraction bits (a pass only ever removes fraction bits).
                    assert!(fg <= fw, "{name}: --{pass}={options} returns frac {fg} where the input had {fw}");
                    for (w, g) in w.iter().zip(g) {
                        let g = g << (fw - fg);
                        assert!((w - g).abs() <= tolerance, "{name}: --{pass}={options} computes {g} instead of {w}");
                    }
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "too few programs were compared: {checked}");
}

#[test]
fn the_layer_collapses() {
    let mut m = parse("layer", LAYER);
    for pass in ["he-plaintext-bypass", "he-fold-linear", "he-lazy-rescale", "he-narrow-widths"] {
        run(&mut m, pass, "");
    }
    let text = print_module(&m);
    let count = |op: &str| text.matches(&format!("\"he.{op}\"")).count();
    assert_eq!(count("matmul_plain"), 1, "{text}");
    assert_eq!((count("mul_plain"), count("add_plain")), (0, 0), "one accumulation with its bias:\n{text}");
    assert_eq!(count("rescale"), 1, "the rescales merged:\n{text}");
}
