//! Runs test/dialects/rt (until the repository's file-test harness lands) with the harness stand-in shared with
//! the he crate: valid files verify and match their CHECK lines, every case of invalid.mlir fails with its
//! expected message, both ops and every kernel have valid and invalid cases, mutated integers never panic.

#[path = "../../he/tests/support/mod.rs"]
mod support;

use veil_ir::Registry;

fn registry() -> Registry {
    let mut r = Registry::new();
    r.register(&veil_he::DIALECT).register(&veil_rt::DIALECT);
    r
}

#[test]
fn rt_file_tests() {
    let (valid, invalid) = support::run_dir("rt", &registry());
    support::assert_every_op_tested(veil_rt::DIALECT.ops, &valid, &invalid);
    for k in veil_rt::KERNELS {
        let calls = |text: &str| [",", "}"].iter().any(|end| text.contains(&format!("callee = {}{end}", k.symbol())));
        assert!(calls(&valid), "kernel {} has no valid call", k.symbol());
        assert!(calls(&invalid), "kernel {} has no invalid call", k.symbol());
    }
}

#[test]
fn rt_files_survive_mutation() {
    for path in support::files(&support::test_dir("rt")) {
        let text = std::fs::read_to_string(path).expect("readable test file");
        support::mutate_integers(&text, &registry());
    }
}
