//! rt text → parse → verify → the interpreter on the clear backend, with all-zero arguments of the declared types:
//! never a panic or an abort, only errors. Programs with a value of more than 4,096 elements are skipped, so that
//! every run takes milliseconds (the resource limits themselves are ir_text's and the no_panic test's business).
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use veil_ir::{parse_and_verify_with_limits, Limits, Registry};

fn registry() -> Registry {
    let mut r = Registry::new();
    r.register(&veil_he::DIALECT).register(&veil_rt::DIALECT);
    r
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(m) = parse_and_verify_with_limits("fuzz.mlir", text, &registry(), Limits::default()) else { return };
    common::run_with_zeros(&m);
});
