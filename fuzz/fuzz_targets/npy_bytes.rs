//! .npy bytes → the readers of inputs, labels and expected outputs (int64 and float64 views, every dtype they
//! accept): never a panic or an abort, only errors.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = veil_runtime::npy::i64_from_npy_bytes("fuzz", data);
    let _ = veil_runtime::npy::f64_from_npy_bytes("fuzz", data);
});
