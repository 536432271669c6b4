//! One end-to-end encrypted inference of the bundled digits MLP (`examples/digits_mlp.onnx`, input 0): the tfhe
//! backend's integers equal the clear backend's exactly, and the prediction is the label. It takes minutes on two
//! cores, so it is ignored by default; `.ci/run` runs it with `--ignored`.

#![cfg(feature = "tfhe")]

mod cli_common;

use cli_common::*;

#[test]
#[ignore = "minutes of TFHE work; .ci/run runs it explicitly"]
fn digits_mlp_tfhe_equals_clear() {
    let model = repo("examples/digits_mlp.onnx");
    let x = repo("examples/digits_mlp.input0.npy");
    let clear = ok(&["run", &model, "--input", &x, "--input-range", "0,1", "--backend", "clear"]);
    let tfhe = ok(&["run", &model, "--input", &x, "--input-range", "0,1", "--backend", "tfhe"]);
    println!("{tfhe}");
    assert_eq!(integers(&tfhe), integers(&clear), "tfhe:\n{tfhe}\nclear:\n{clear}");
    assert_eq!(argmax(&tfhe), 2, "{tfhe}");
    assert!(tfhe.contains("PBS:"), "{tfhe}");
}
