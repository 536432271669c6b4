//! ONNX bytes → decode (prost) → import into nn (input range [0, 1], limits lowered to 4,096 elements per tensor and
//! 2,000 ops so that every run takes milliseconds) → compile to rt in the radix model → the clear backend on zeros:
//! never a panic or an abort, only errors. A model that imports is also compiled in the lookup-table model (up to
//! its last pass, the TFHE parameter search, which needs the feature `tfhe`).
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use veil_ir::Limits;
use veil_onnx::{decode_model, import_model, ImportOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(model) = decode_model("fuzz.onnx", data) else { return };
    let limits = Limits { max_elements: common::MOST_ELEMENTS, max_ops: 2000, ..Limits::default() };
    let options = ImportOptions { input_range: Some((0.0, 1.0)), limits, ..ImportOptions::default() };
    let Ok(imported) = import_model("fuzz.onnx", &model, &options) else { return };
    let mut lut = imported.module.clone();
    let mut radix = imported.module;
    if common::compile(&mut radix, "nn-to-rt") {
        common::run_with_zeros(&radix);
    }
    if common::compile(&mut lut, "nn-to-rt-lut") {
        common::run_with_zeros(&lut);
    }
});
