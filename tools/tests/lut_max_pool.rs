//! Max pooling in the lookup-table model (he-lut-fuse's gathers and trees of `a + relu(b - a)`), on the exact clear
//! backend: the lut-model program of each pool equals the radix program and a direct reference (the maximum of each
//! window's in-bounds cells) on inputs that put a window's maximum at every position of every window (one high cell
//! among low ones, one low cell among high ones), ties (constant inputs, negative ones so that a padded 0 would win)
//! and pseudo-random ones; with a table that drops bits, each maximum is off by less than its bound, and with
//! approximate rounding (the halved form `(a + b + |b - a|) / 2`) by a quarter of it, on ciphertexts within a
//! neighbouring entry per level.

use veil_ir::parse_and_verify;
use veil_lowering::he_to_rt::Strategy;
use veil_nn::eval::Tensor as FloatTensor;
use veil_rt::tfhe_config::Rounding;
use veil_tools::pipeline::{self, Level, Loaded, Options};

/// One pool: input shape (NCHW), kernel, strides, pads `[top, left, bottom, right]`, the inputs' range.
struct Pool {
    shape: [usize; 4],
    kernel: [usize; 2],
    strides: [usize; 2],
    pads: [usize; 4],
    range: (i64, i64),
}

impl Pool {
    fn out(&self) -> [usize; 4] {
        let [n, c, h, w] = self.shape;
        let size =
            |i: usize, extent: usize| (extent + self.pads[i] + self.pads[i + 2] - self.kernel[i]) / self.strides[i] + 1;
        [n, c, size(0, h), size(1, w)]
    }

    /// The he program: the pool alone, at frac 0, width 6 (every range below fits).
    fn program(&self) -> String {
        let ty = |s: [usize; 4]| format!("!he.ct<{}x{}x{}x{}xi6, frac = 0>", s[0], s[1], s[2], s[3]);
        let (x, y) = (ty(self.shape), ty(self.out()));
        format!(
            "func.func @main(%x: {x} {{veil.range = [{}.0, {}.0]}}) -> {y} {{\n  %0 = \"he.max_pool2d\"(%x) {{kernel = {:?}, \
             strides = {:?}, pads = {:?}}} : ({x}) -> {y}\n  func.return %0 : {y}\n}}\n",
            self.range.0, self.range.1, self.kernel, self.strides, self.pads
        )
    }

    /// The maximum of each window's in-bounds cells.
    fn reference(&self, x: &[f32]) -> Vec<f32> {
        let [n, c, h, w] = self.shape;
        let [_, _, oh, ow] = self.out();
        let mut out = vec![];
        for plane in 0..n * c {
            for oy in 0..oh {
                for ox in 0..ow {
                    let cells = (0..self.kernel[0]).flat_map(|ky| (0..self.kernel[1]).map(move |kx| (ky, kx)));
                    let max = cells
                        .filter_map(|(ky, kx)| {
                            let iy = (oy * self.strides[0] + ky).checked_sub(self.pads[0]).filter(|&i| i < h)?;
                            let ix = (ox * self.strides[1] + kx).checked_sub(self.pads[1]).filter(|&i| i < w)?;
                            Some(x[(plane * h + iy) * w + ix])
                        })
                        .fold(f32::NEG_INFINITY, f32::max);
                    out.push(max);
                }
            }
        }
        out
    }

    /// Every cell high among low ones and low among high ones, constants at both ends, pseudo-random fillings.
    fn inputs(&self) -> Vec<Vec<f32>> {
        let count: usize = self.shape.iter().product();
        let (lo, hi) = (self.range.0 as f32, self.range.1 as f32);
        let mut inputs = vec![vec![lo; count], vec![hi; count]];
        for q in 0..count {
            let mut peak = vec![lo; count];
            peak[q] = hi;
            inputs.push(peak);
            let mut dip = vec![hi; count];
            dip[q] = lo;
            inputs.push(dip);
        }
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..8 {
            inputs.push(
                (0..count)
                    .map(|_| {
                        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        (self.range.0 + ((state >> 33) % (self.range.1 - self.range.0 + 1) as u64) as i64) as f32
                    })
                    .collect(),
            );
        }
        inputs
    }
}

fn compile(pool: &Pool, strategy: Strategy, pass_options: &[(&str, &str)]) -> pipeline::Compiled {
    compile_rounding(pool, strategy, Rounding::Exact, pass_options)
}

fn compile_rounding(
    pool: &Pool,
    strategy: Strategy,
    rounding: Rounding,
    pass_options: &[(&str, &str)],
) -> pipeline::Compiled {
    let text = pool.program();
    let module = parse_and_verify("pool.mlir", &text, &veil_lowering::registry()).unwrap_or_else(|d| panic!("{d}"));
    let options = Options {
        strategy: Some(strategy),
        rounding: Some(rounding),
        pass_options: pass_options.iter().map(|&(p, o)| (p.to_string(), o.to_string())).collect(),
        ..Options::default()
    };
    pipeline::compile(Loaded { level: Level::He, module, notes: vec![] }, &options)
        .unwrap_or_else(|e| panic!("{strategy:?}: {e}\n{text}"))
}

fn run(compiled: &pipeline::Compiled, pool: &Pool, x: &[f32]) -> Vec<f32> {
    let input = FloatTensor::new(pool.shape.iter().map(|&d| d as u64).collect(), x.to_vec()).unwrap();
    let out = pipeline::run_clear(&compiled.rt, std::slice::from_ref(&input)).unwrap_or_else(|e| panic!("{e}"));
    out.values[0].data().to_vec()
}

/// The number of tables in the lut program and how many of them drop bits.
fn tables(rt: &veil_ir::Module) -> (usize, usize) {
    let luts: Vec<_> = rt
        .walk()
        .into_iter()
        .filter(|&op| rt.op(op).attr("callee").and_then(|a| rt.attr_as_str(a)) == Some("lut"))
        .collect();
    let coarse = luts.iter().filter(|&&op| rt.op(op).attr("shift").is_some()).count();
    (luts.len(), coarse)
}

const POOLS: &[Pool] = &[
    // digits_cnn_maxpool's pool: 2x2, stride 2; a signed range.
    Pool { shape: [1, 2, 4, 4], kernel: [2, 2], strides: [2, 2], pads: [0; 4], range: (-8, 7) },
    // 3x3, stride 2, padding 1, a range below 0: the input is moved to start at 0 so that padding never wins.
    Pool { shape: [1, 2, 5, 5], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], range: (-6, 9) },
    // 3x3, stride 1, padding 1, a range from 0: a padded 0 never beats a cell.
    Pool { shape: [1, 1, 4, 4], kernel: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], range: (0, 7) },
    // Overlapping 2x3 windows with one-sided padding, a batch of two.
    Pool { shape: [2, 1, 3, 5], kernel: [2, 3], strides: [1, 2], pads: [0, 1, 1, 0], range: (-4, 3) },
    // A window of one with a stride: a gather, no table.
    Pool { shape: [1, 1, 4, 5], kernel: [1, 1], strides: [2, 2], pads: [0; 4], range: (-3, 3) },
];

#[test]
fn lut_max_pools_equal_the_radix_program_and_the_reference() {
    for pool in POOLS {
        let (lut, radix) = (compile(pool, Strategy::Lut, &[]), compile(pool, Strategy::Radix, &[]));
        let [_, _, oh, ow] = pool.out();
        let per_output = pool.kernel[0] * pool.kernel[1] - 1;
        // One table per maximum: kh*kw - 1 per output, none dropping a bit at these widths.
        let tables = tables(&lut.rt);
        assert_eq!(tables, (per_output, 0), "{}", pool.program());
        assert_eq!(pipeline::estimated_pbs(&lut.rt) as usize, per_output * pool.shape[0] * pool.shape[1] * oh * ow);
        for x in pool.inputs() {
            let expected = pool.reference(&x);
            assert_eq!(run(&lut, pool, &x), expected, "lut, input {x:?}\n{}", pool.program());
            assert_eq!(run(&radix, pool, &x), expected, "radix, input {x:?}\n{}", pool.program());
        }
    }
}

#[test]
fn a_table_that_drops_bits_stays_within_its_bound() {
    // Differences in [-15, 15] need 5 bits; with 3 index bits each table drops 3 (2, and one more for the
    // headroom): entries for 8-wide boxes, so each maximum is off by less than 2^3, and a 2x2 window (two levels of
    // maxima) by less than 2 * 2^3.
    let pool = Pool { shape: [1, 1, 4, 4], kernel: [2, 2], strides: [2, 2], pads: [0; 4], range: (0, 15) };
    let lut = compile(&pool, Strategy::Lut, &[("he-lut-fuse", "index-bits=3")]);
    assert_eq!(tables(&lut.rt), (3, 3));
    let mut off = 0.0f32;
    for x in pool.inputs() {
        for (got, max) in run(&lut, &pool, &x).into_iter().zip(pool.reference(&x)) {
            assert!((max - got).abs() < 16.0, "{got} for the maximum {max}, input {x:?}");
            off = off.max((max - got).abs());
        }
    }
    // The bound is approached: the tables do drop bits.
    assert!(off >= 8.0, "{off}");
}

/// The pool of [`a_table_that_drops_bits_stays_within_its_bound`], compiled with approximate rounding.
fn halved_pool() -> (Pool, pipeline::Compiled) {
    let pool = Pool { shape: [1, 1, 4, 4], kernel: [2, 2], strides: [2, 2], pads: [0; 4], range: (0, 15) };
    let lut = compile_rounding(&pool, Strategy::Lut, Rounding::Approximate, &[("he-lut-fuse", "index-bits=3")]);
    (pool, lut)
}

/// The `veil.real` of every table of an rt program.
fn reals(rt: &veil_ir::Module) -> Vec<String> {
    rt.walk()
        .into_iter()
        .filter(|&op| rt.op(op).attr("callee").and_then(|a| rt.attr_as_str(a)) == Some("lut"))
        .filter_map(|op| veil_lowering::he_lut_fuse::real_of(rt, op))
        .collect()
}

#[test]
fn with_approximate_rounding_a_maximum_that_drops_bits_is_halved() {
    // (a + b + |b - a|) / 2, |b - a| a full-domain table of 4 index bits (3 + the free one) with entries at the
    // middle of their boxes: level 1 reads [-15, 15] in boxes of 2 (off by 1 at most, halved: 0.5); level 2 the
    // doubled maxima in boxes of 4 at one more fraction bit (the same 0.5). At most 1 in all, where the relu form
    // above is off by up to 16.
    let (pool, lut) = halved_pool();
    assert_eq!(reals(&lut.rt), vec!["abs,half"; 3], "three maxima, each halved");
    let mut off = 0.0f32;
    for x in pool.inputs() {
        for (got, max) in run(&lut, &pool, &x).into_iter().zip(pool.reference(&x)) {
            assert!((max - got).abs() <= 1.0, "{got} for the maximum {max}, input {x:?}");
            off = off.max((max - got).abs());
        }
    }
    assert!(off > 0.0, "the tables drop bits, so some maximum is off");
    // Exact rounding keeps the relu form: its floors read values, not boxes.
    let exact = compile(&pool, Strategy::Lut, &[("he-lut-fuse", "index-bits=3")]);
    assert_eq!(reals(&exact.rt), vec!["relu"; 3]);
}

#[cfg(feature = "tfhe")]
#[test]
fn on_ciphertexts_the_halved_maxima_stay_within_a_neighbouring_entry() {
    // A bootstrap may read the entry next to the clear one: |b - a| off by one box, halved: 1 at either level.
    let (pool, lut) = halved_pool();
    let keys = pipeline::ProgramKeys::for_program(&lut.rt).expect("keys");
    let input = |x: &[f32]| FloatTensor::new(pool.shape.iter().map(|&d| d as u64).collect(), x.to_vec()).unwrap();
    let inputs = pool.inputs();
    for x in inputs.iter().step_by(7) {
        let (tfhe, _) = pipeline::run_tfhe(&lut.rt, &[input(x)], &keys).expect("an encrypted run");
        let clear = run(&lut, &pool, x);
        for (t, c) in tfhe.values[0].data().iter().zip(&clear) {
            assert!((t - c).abs() <= 2.0, "tfhe {t} against clear {c}, input {x:?}");
        }
    }
}
