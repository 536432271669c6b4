//! Pipeline text (what `veil-opt --pass-pipeline=` takes, and `veil --pass-option` in part: pass and pipeline names
//! with `{key=value ...}` options) → the registry's parser → when it parses (at most 40 passes), the pass manager on an
//! MLP (test/models/mlp.mlir), then the clear backend when the result is an rt program: never a panic or an abort, only
//! errors. Passes in any order and with any options must refuse what they cannot handle.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use veil_ir::parse_and_verify;
use veil_lowering::{PassManager, PassOutput};

const MLP: &str = include_str!("../../test/models/mlp.mlir");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(passes) = veil_lowering::passes().parse_pipeline(text) else { return };
    if passes.len() > 40 {
        return;
    }
    let ops = veil_lowering::registry();
    let mut m = parse_and_verify("mlp.mlir", MLP, &ops).expect("the bundled MLP verifies");
    let mut pm = PassManager::new(&ops);
    pm.extend(passes);
    if pm.run(&mut m, &mut PassOutput::default()).is_ok() {
        common::run_with_zeros(&m);
    }
});
