//! IR text → parse → verify (the nn, he and rt dialects, the default resource limits): never a panic or an abort,
//! only diagnostics. A module that verifies prints to text that parses and verifies again, and prints the same.
//! An nn module whose values all have at most 4,096 elements is then compiled (`nn-to-rt`) and run on the clear
//! backend with all-zero arguments.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use veil_ir::{parse_and_verify_with_limits, print_module, Limits, Module};

/// Whether every op is of the nn dialect (or builtin) and every value has at most `common::MOST_ELEMENTS`.
fn small_nn(m: &Module) -> bool {
    m.walk().into_iter().all(|op| {
        let data = m.op(op);
        !data.def.name.starts_with("he.")
            && !data.def.name.starts_with("rt.")
            && data.results.iter().all(|&v| {
                m.static_shape(m.value_type(v)).is_some_and(|s| {
                    s.iter().try_fold(1u64, |n, &d| n.checked_mul(d)).is_some_and(|n| n <= common::MOST_ELEMENTS)
                })
            })
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let registry = veil_lowering::registry();
    let Ok(mut m) = parse_and_verify_with_limits("fuzz.mlir", text, &registry, Limits::default()) else { return };
    let printed = print_module(&m);
    let again = parse_and_verify_with_limits("printed.mlir", &printed, &registry, Limits::default())
        .unwrap_or_else(|d| panic!("the printed module does not parse:\n{printed}\n{d}"));
    assert_eq!(print_module(&again), printed, "printing a printed module changes it");
    if small_nn(&m) && common::compile(&mut m, "nn-to-rt") {
        common::run_with_zeros(&m);
    }
});
