//! Key and ciphertext file bytes → the readers of every file kind of both models (radix and lut): never a panic or
//! an abort, only errors. Each input is read as it is (the header checks: magic, format, kind, lengths, checksum,
//! parameter fingerprint) and again resealed (`files::reseal`: lengths, checksum and a lut file's fingerprint made
//! to agree), so that mutated metas and payloads reach TFHE-rs's deserializer and the conformance checks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use veil_runtime::files::{reseal, EncryptedTensor, Persist};
use veil_runtime::{
    ClientKey, CompressedServerKey, LweClientKey, LweCompressedServerKey, LweEncryptedTensor, ServerKey,
};

fn read_as_every_kind(bytes: &[u8]) {
    let _ = ClientKey::from_bytes(bytes);
    let _ = ServerKey::from_bytes(bytes);
    let _ = CompressedServerKey::from_bytes(bytes);
    let _ = EncryptedTensor::from_bytes(bytes);
    let _ = LweClientKey::from_bytes(bytes);
    let _ = LweCompressedServerKey::from_bytes(bytes);
    let _ = LweEncryptedTensor::from_bytes(bytes);
}

fuzz_target!(|data: &[u8]| {
    read_as_every_kind(data);
    if let Some(resealed) = reseal(data) {
        read_as_every_kind(&resealed);
    }
});
