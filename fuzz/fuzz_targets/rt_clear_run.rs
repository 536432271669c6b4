//! rt text → parse → verify → the interpreter on the clear backend, with all-zero arguments of the declared types:
//! never a panic or an abort, only errors. Programs with a value of more than 4,096 elements are skipped, so that
//! every run takes milliseconds (the resource limits themselves are ir_text's and the no_panic test's business).
#![no_main]

use libfuzzer_sys::fuzz_target;
use veil_he::{FixedTensor, Kind};
use veil_ir::{parse_and_verify_with_limits, Limits, Registry};
use veil_rt::RtTensor;
use veil_runtime::interp::{self, Buffer};
use veil_runtime::tensor::Tensor;
use veil_runtime::ClearBackend;

const MOST_ELEMENTS: u64 = 4096;

fn registry() -> Registry {
    let mut r = Registry::new();
    r.register(&veil_he::DIALECT).register(&veil_rt::DIALECT);
    r
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(m) = parse_and_verify_with_limits("fuzz.mlir", text, &registry(), Limits::default()) else { return };
    let small = m.walk().into_iter().all(|op| {
        m.op(op)
            .results
            .iter()
            .all(|&v| FixedTensor::of_rt(&m, m.value_type(v)).is_none_or(|t| t.numel() <= MOST_ELEMENTS))
    });
    let Ok(func) = interp::find_function(&m, None) else { return };
    let Ok((args, _)) = interp::signature(&m, func) else { return };
    if !small || args.iter().any(|t| t.numel() > MOST_ELEMENTS) {
        return;
    }
    let inputs = args
        .iter()
        .map(|t| {
            let zeros = Tensor::new(t.shape.iter().map(|&d| d as usize).collect(), vec![0i64; t.numel() as usize])
                .expect("the shape's own element count");
            match t.kind {
                Kind::Plain => Buffer::Pt(zeros),
                Kind::Cipher => Buffer::Ct(zeros),
            }
        })
        .collect();
    let _ = interp::run(&m, None, inputs, &ClearBackend::checked());
});
