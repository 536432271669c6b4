//! A build without the `mlir` feature (the default) recognizes upstream MLIR programs and says how to build the
//! front end, rather than failing to parse them as Veil IR; `veil-opt --verify-with-mlir` says the same.

#![cfg(not(feature = "mlir"))]

mod cli_common;

use cli_common::*;

#[test]
fn upstream_programs_ask_for_the_mlir_feature() {
    let program = repo("test/inputs/mlir/digits_mlp.linalg.mlir");
    for command in ["import", "compile"] {
        let e = fails(&[command, &program, "--input-range", "0,1"]);
        assert!(e.contains("needs an upstream MLIR program ('arith.constant')"), "{e}");
        assert!(e.contains("rebuild with `cargo build --features mlir`"), "{e}");
    }
    let out = veil_tools::opt::run(&[repo("test/models/mlp.mlir"), "--verify-with-mlir".into()], "");
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("--verify-with-mlir needs veil-opt built with the MLIR front end"), "{}", out.stderr);
}
