//! IR text → parse → verify (the nn, he and rt dialects, the default resource limits): never a panic or an abort,
//! only diagnostics. A module that verifies prints to text that parses and verifies again, and prints the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use veil_ir::{parse_and_verify_with_limits, print_module, Limits, Registry};

fn registry() -> Registry {
    let mut r = Registry::new();
    r.register(&veil_nn::DIALECT).register(&veil_he::DIALECT).register(&veil_rt::DIALECT);
    r
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let registry = registry();
    let Ok(m) = parse_and_verify_with_limits("fuzz.mlir", text, &registry, Limits::default()) else { return };
    let printed = print_module(&m);
    let again = parse_and_verify_with_limits("printed.mlir", &printed, &registry, Limits::default())
        .unwrap_or_else(|d| panic!("the printed module does not parse:\n{printed}\n{d}"));
    assert_eq!(print_module(&again), printed, "printing a printed module changes it");
});
