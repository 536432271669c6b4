//! One end-to-end encrypted inference of the bundled digits MLP (`examples/digits_mlp.onnx`, input 0) at the
//! precision the README's main command uses (4 fraction bits for activations and weights, which keeps the float
//! model's accuracy on the saved test rows: docs/accuracy.md): the tfhe backend's integers equal the clear
//! backend's exactly, the prediction is the label, and the bootstraps counted equal the cost model's estimate,
//! in total and kernel call by kernel call (`--profile`).
//! About two minutes of TFHE work on two cores: the only whole-model encrypted run in the test suite. Beside it,
//! a few squares, the one kernel the bundled model lacks that the CryptoNets models spend much of their time in.

#![cfg(feature = "tfhe")]

mod cli_common;

use cli_common::*;

#[test]
fn digits_mlp_tfhe_equals_clear() {
    let _alone = counting_alone();
    let model = repo("examples/digits_mlp.onnx");
    let x = repo("examples/digits_mlp.input0.npy");
    let precision = "assign-precision{act-frac=4 weight-frac=4}";
    let args = |backend| {
        ["run", &model, "--input", &x, "--input-range", "0,1", "--pass-option", precision, "--backend", backend]
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
