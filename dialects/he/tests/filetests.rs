//! Runs test/dialects/he (until the repository's file-test harness lands): valid files verify and match their
//! CHECK lines, every case of invalid.mlir fails with its expected message, every op has both kinds of case,
//! and mutated integers never make the parser or verifier panic.

mod support;

use veil_ir::Registry;

fn registry() -> Registry {
    let mut r = Registry::new();
    r.register(&veil_he::DIALECT);
    r
}

#[test]
fn he_file_tests() {
    let (valid, invalid) = support::run_dir("he", &registry());
    support::assert_every_op_tested(veil_he::DIALECT.ops, &valid, &invalid);
}

#[test]
fn he_files_survive_mutation() {
    for path in support::files(&support::test_dir("he")) {
        let text = std::fs::read_to_string(path).expect("readable test file");
        support::mutate_integers(&text, &registry());
    }
}
