//! One end-to-end encrypted inference of the bundled digits MLP (`examples/digits_mlp.onnx`, input 0) at the
//! precision the README's main command uses (4 fraction bits for activations and weights, which keeps the float
//! model's accuracy on the saved test rows: docs/accuracy.md): the tfhe backend's integers equal the clear
//! backend's exactly, the prediction is the label, and the bootstraps counted equal the cost model's estimate,
//! in total and kernel call by kernel call (`--profile`).
//! About two minutes of TFHE work on two cores: the only whole-model encrypted run in the test suite.

#![cfg(feature = "tfhe")]

mod cli_common;

use cli_common::*;

#[test]
fn digits_mlp_tfhe_equals_clear() {
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
    let pbs = tfhe.lines().find(|l| l.starts_with("PBS:")).unwrap_or_else(|| panic!("no PBS line in\n{tfhe}"));
    let counts: Vec<&str> = pbs.split_whitespace().filter(|w| w.chars().all(|c| c.is_ascii_digit())).collect();
    assert_eq!(counts.len(), 2, "{pbs}");
    assert_eq!(counts[0], counts[1], "measured and estimated bootstraps differ: {pbs}");

    // The profile lists the kernel calls in order, each with its measured PBS equal to its estimate.
    let profile: Vec<&str> = tfhe.lines().skip_while(|l| !l.starts_with("profile")).skip(1).collect();
    let kernels: Vec<&str> = profile.iter().filter_map(|l| l.split_whitespace().next()).collect();
    assert_eq!(kernels, ["matmul_plain", "rescale", "relu", "matmul_plain", "rescale"], "{tfhe}");
    let mut total = 0;
    for line in &profile {
        let words: Vec<&str> = line.split_whitespace().collect();
        let (measured, estimated) = (words[words.len() - 2], words[words.len() - 1]);
        assert_eq!(measured, estimated, "{line}");
        total += measured.parse::<u64>().expect("a count");
    }
    assert_eq!(total.to_string(), counts[0], "{tfhe}");
}
