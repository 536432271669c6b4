//! Key and ciphertext file bytes → `veil_runtime::file_format::check`, the framing every reader checks before
//! TFHE-rs deserializes anything (magic, format, kind, lengths, checksum, a lut file's recorded parameters against
//! its fingerprint, a tensor's meta, the payload's length-prefixed items): never a panic or an abort, only errors.
//! Each input is also resealed (lengths, checksum and fingerprint made to agree, `file_format::reseal`) so that
//! the fuzzer gets past the checksum to the meta and the items; resealing twice must change nothing. Built without
//! TFHE-rs; `runtime_files` (feature `tfhe`, by hand) runs the full readers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use veil_runtime::file_format::{check, reseal};

fuzz_target!(|data: &[u8]| {
    let _ = check(data);
    if let Some(resealed) = reseal(data) {
        let _ = check(&resealed);
        assert_eq!(reseal(&resealed).as_deref(), Some(resealed.as_slice()), "resealing is not idempotent");
    }
});
