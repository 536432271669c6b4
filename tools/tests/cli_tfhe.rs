//! End-to-end encrypted inferences of the bundled digits MLP (`examples/digits_mlp.onnx`, input 0) at the
//! precision the README's main command uses (4 fraction bits for activations and weights):
//! - the lookup-table model with exact rounding (4 index bits, so that N = 2048 keeps it to seconds): the tfhe
//!   integers equal the clear backend's exactly, and the bootstraps counted equal the estimate;
//! - the lookup-table model with approximate rounding: every output lies within the error bound that one index of
//!   error per table and the client's approximate decryption allow, computed from the compiled program;
//! - the radix model: tfhe equals clear, the prediction is the label, and the bootstraps counted equal the cost
//!   model's estimate kernel call by kernel call (`--profile`); about two minutes of TFHE work on two cores.
//!
//! Beside them, a few squares, the radix kernel the bundled model lacks that the CryptoNets models spend much of
//! their time in.

#![cfg(feature = "tfhe")]

mod cli_common;

use cli_common::*;

const PRECISION: &str = "assign-precision{act-frac=4 weight-frac=4}";
const LUT_BITS: &str = "he-lut-fuse{index-bits=4}";

fn lut_args<'a>(model: &'a str, x: &'a str, rounding: &'a str, backend: &'a str) -> Vec<&'a str> {
    let mut args = vec!["run", model, "--input", x, "--input-range", "0,1", "--pass-option", PRECISION];
    args.extend(["--pass-option", LUT_BITS, "--strategy", "lut", "--rounding", rounding, "--backend", backend]);
    args
}

/// The number in `text` after `label` (up to the next space or comma).
fn number_after(text: &str, label: &str) -> u64 {
    let rest = &text[text.find(label).unwrap_or_else(|| panic!("no '{label}' in:\n{text}")) + label.len()..];
    rest.split([' ', ',', '\n']).next().and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{text}"))
}

#[test]
fn digits_mlp_lut_exact_equals_clear() {
    let _alone = counting_alone();
    let (model, x) = (repo("examples/digits_mlp.onnx"), repo("examples/digits_mlp.input0.npy"));
    let clear = ok(&lut_args(&model, &x, "exact", "clear"));
    let out = veil(&lut_args(&model, &x, "exact", "tfhe"));
    let (tfhe, stderr) = (&out.stdout, &out.stderr);
    assert_eq!(out.code, 0, "{stderr}");
    println!("{tfhe}{stderr}");
    assert_eq!(integers(tfhe), integers(&clear), "tfhe:\n{tfhe}\nclear:\n{clear}");
    assert_eq!(argmax(tfhe), argmax(&clear), "{tfhe}");
    // 32 hidden tables, each dropping 10 bits in two chunks of 5 (a sign and a 4-bit table each), then looking up:
    // 5 bootstraps each.
    assert!(stderr.contains("model: lut (one LWE ciphertext per value), rounding exact, 160 PBS per run"), "{stderr}");
    assert!(stderr.contains("failure probability:"), "{stderr}");
    assert!(tfhe.contains("PBS: 160 measured, 160 estimated"), "{tfhe}");
}

/// Approximate rounding: each table's index may be off by one, and the client decrypts the logits to the
/// activations' precision. The bound is computed here from the compiled program: the hidden table's largest step
/// times the output's Σ|w| over the hidden units, plus half a unit of the activations' precision.
#[test]
fn digits_mlp_lut_approximate_within_its_bound() {
    let _alone = counting_alone();
    let (model, x) = (repo("examples/digits_mlp.onnx"), repo("examples/digits_mlp.input0.npy"));
    let dir = scratch("lut_approximate");
    let rt = dir.join("mlp.lut.mlir");
    let mut compile = vec!["compile", &model, "--input-range", "0,1", "--pass-option", PRECISION];
    compile.extend(["--pass-option", LUT_BITS, "--strategy", "lut", "--rounding", "approximate", "-o", s(&rt)]);
    ok(&compile);
    let program = std::fs::read_to_string(&rt).unwrap();
    let m = veil_ir::parse_and_verify("mlp.lut.mlir", &program, &veil_lowering::registry()).unwrap();
    let (mut table, mut weights) = (None, vec![]);
    for op in m.walk() {
        let callee = m.op(op).attr("callee").and_then(|a| m.attr_as_str(a)).unwrap_or_default().to_string();
        if callee == "lut" {
            table = m.op(op).attr("table").and_then(|a| m.attr_as_dense(a)).map(|d| d.values.clone());
        }
        if callee == "matmul_plain" {
            weights.push(veil_lowering::he_to_rt::plain_values(&m, m.op(op).operands[1]).unwrap().to_vec());
        }
    }
    let Some(veil_ir::DenseValues::Int(table)) = table else { panic!("no table in:\n{program}") };
    let step = table.windows(2).map(|w| (w[1] - w[0]).abs()).max().unwrap();
    let w2 = &weights[1];
    let outputs = 10;
    let hidden = w2.len() / outputs;
    // The logits are at frac 8 and the activations at frac 4: the client's decryption may be off by 2^3 units.
    let bound: Vec<i64> =
        (0..outputs).map(|o| (0..hidden).map(|h| w2[h * outputs + o].abs()).sum::<i64>() * step + 8).collect();
    let clear = ok(&lut_args(&model, &x, "approximate", "clear"));
    let tfhe = ok(&lut_args(&model, &x, "approximate", "tfhe"));
    println!("{tfhe}");
    let ints = |text: &str| -> Vec<i64> {
        let line = integers(text).into_iter().next().unwrap();
        line.trim()
            .trim_start_matches("integers: [")
            .trim_end_matches(']')
            .split(", ")
            .map(|v| v.parse().unwrap())
            .collect()
    };
    let (t, c) = (ints(&tfhe), ints(&clear));
    for o in 0..outputs {
        assert!(
            (t[o] - c[o]).abs() <= bound[o],
            "output {o}: tfhe {} vs clear {} beyond {}\n{tfhe}",
            t[o],
            c[o],
            bound[o]
        );
    }
    assert_eq!(number_after(&tfhe, "PBS: "), 32, "{tfhe}");
    within_the_compilers_bound(&model, &x, &program, &t);
}

/// The decrypted logits `ints` of `program` (digits_mlp compiled as [`lut_args`] with approximate rounding) lie
/// within the compiler's error bound of the float model (docs/accuracy.md: its tables' deviations, a neighbouring
/// entry, the decryption's dropped bits).
fn within_the_compilers_bound(model: &str, x: &str, program: &str, ints: &[i64]) {
    use veil_lowering::he_to_rt::Strategy;
    use veil_nn::eval::Interval;
    use veil_rt::tfhe_config::Rounding;
    use veil_tools::cli::accuracy::{error_bound, Bounded, Lowering};
    use veil_tools::pipeline;
    let pass = |name: &str, options: &str| (name.to_string(), options.to_string());
    let options = pipeline::Options {
        input_range: Some((0.0, 1.0)),
        pass_options: vec![pass("assign-precision", "act-frac=4 weight-frac=4"), pass("he-lut-fuse", "index-bits=4")],
        strategy: Some(Strategy::Lut),
        rounding: Some(Rounding::Approximate),
        ..Default::default()
    };
    let compiled = pipeline::load_and_compile(std::path::Path::new(model), &options).expect("compiles");
    assert_eq!(veil_ir::print_module(&compiled.rt).trim(), program.trim(), "the program the CLI ran");
    let nn = compiled.nn.as_ref().expect("an nn program");
    let input = veil_tools::cli::npy::read_f32(std::path::Path::new(x)).expect("the input");
    let float = pipeline::run_float(nn, std::slice::from_ref(&input)).expect("float");
    let lowering = Lowering::of(&compiled).expect("the tables' deviations");
    let bounded = input.map(|v| Bounded::input(Interval::point(f64::from(v)), 4));
    let bound = error_bound(nn, &[bounded], 4, 4, &lowering).expect("a bound");
    let frac = pipeline::encoding(&compiled.rt).expect("an encoding").results[0].frac;
    for (o, ((&i, &f), b)) in ints.iter().zip(float[0].data()).zip(bound[0].data()).enumerate() {
        let value = i as f64 / f64::from(frac).exp2();
        let tolerance = b.err + 1e-3 + 1e-4 * f64::from(f.abs());
        assert!((value - f64::from(f)).abs() <= tolerance, "logit {o}: {value} vs float {f} beyond {}", b.err);
    }
}

#[test]
fn digits_mlp_radix_tfhe_equals_clear() {
    let _alone = counting_alone();
    let model = repo("examples/digits_mlp.onnx");
    let x = repo("examples/digits_mlp.input0.npy");
    let precision = PRECISION;
    let args = |backend| {
        let common = ["run", &model, "--input", &x, "--input-range", "0,1", "--pass-option", precision];
        [&common[..], &["--strategy", "radix", "--backend", backend]].concat()
    };
    let clear = ok(&args("clear"));
    let tfhe = ok(&[&args("tfhe")[..], &["--profile"]].concat());
    println!("{tfhe}");
    assert_eq!(integers(&tfhe), integers(&clear), "tfhe:\n{tfhe}\nclear:\n{clear}");
    assert_eq!(argmax(&tfhe), 2, "{tfhe}");
    let kernels = profile_kernels(&tfhe);
    assert_eq!(kernels, ["matmul_plain", "rescale", "relu", "matmul_plain", "rescale"], "{tfhe}");
}

/// Squares at twice the input's blocks, at more than twice (a wide input), and at the input's own width: each
/// decrypts to the clear backend's integers and costs the bootstraps the cost model estimates.
#[test]
fn squares_equal_clear_and_cost_their_estimate() {
    let _alone = counting_alone();
    let dir = scratch("squares");
    let program = dir.join("squares.rt.mlir");
    std::fs::write(&program, SQUARES).expect("write the program");
    let x = dir.join("x.npy");
    write_f32(&x, &[1, 4], vec![-8.0, 7.75, 0.25, -3.5]);
    let y = dir.join("y.npy");
    write_f32(&y, &[1, 2], vec![-11.0, 9.0]);
    let args = |backend| ["run", s(&program), "--input", s(&x), "--input", s(&y), "--backend", backend];
    let clear = ok(&args("clear"));
    let tfhe = ok(&[&args("tfhe")[..], &["--profile"]].concat());
    println!("{tfhe}");
    assert_eq!(integers(&clear), ["  integers: [1048576, 923521, 1, 38416]", "  integers: [121, 81]"], "{clear}");
    assert_eq!(integers(&tfhe), integers(&clear), "tfhe:\n{tfhe}\nclear:\n{clear}");
    // The two independent first squares run side by side, as one profile line.
    assert_eq!(profile_kernels(&tfhe), ["square", "square"], "{tfhe}");
    assert!(tfhe.contains("square 1x4 i12 + square 1x2 i8"), "{tfhe}");
}

const SQUARES: &str = r#"
func.func @main(%x: !rt.ct<1x4xi6, frac = 2>, %y: !rt.ct<1x2xi8, frac = 0>) -> (!rt.ct<1x4xi24, frac = 8>, !rt.ct<1x2xi8, frac = 0>) {
  %0 = "rt.call"(%x) {callee = @square, blocks = 6, signed = true} : (!rt.ct<1x4xi6, frac = 2>) -> !rt.ct<1x4xi12, frac = 4>
  %1 = "rt.call"(%0) {callee = @square, blocks = 12, signed = true} : (!rt.ct<1x4xi12, frac = 4>) -> !rt.ct<1x4xi24, frac = 8>
  %2 = "rt.call"(%y) {callee = @square, blocks = 4, signed = true} : (!rt.ct<1x2xi8, frac = 0>) -> !rt.ct<1x2xi8, frac = 0>
  func.return %1, %2 : !rt.ct<1x4xi24, frac = 8>, !rt.ct<1x2xi8, frac = 0>
}
"#;
