//! Keys and ciphertext tensors survive a save/load round trip; files made under other parameters, of another kind,
//! truncated or corrupted are rejected with an error that says so.
#![cfg(feature = "tfhe")]

mod common;

use common::{enc, keys, t, w};
use veil_runtime::keys::{Ciphertext, CompressedServerKey, ServerKey};
use veil_runtime::{Backend, ClientKey, EncryptedTensor, Persist, RuntimeError, Tensor, TfheBackend};

fn message(err: RuntimeError) -> String {
    err.to_string()
}

fn tensor_file() -> Vec<u8> {
    let x = t(&[2, 1], &[-7, 6]);
    EncryptedTensor { width: w(4), frac: 3, tensor: enc(&x, 4) }.to_bytes().unwrap()
}

#[test]
fn client_key_and_ciphertexts_round_trip() {
    let bytes = keys().client.to_bytes().unwrap();
    let client = ClientKey::from_bytes(&bytes).unwrap();
    let back = EncryptedTensor::from_bytes(&tensor_file()).unwrap();
    assert_eq!((back.width, back.frac, back.tensor.shape.clone()), (w(4), 3, vec![2, 1]));
    assert_eq!(client.decrypt(&back.tensor).unwrap(), t(&[2, 1], &[-7, 6]));
}

#[test]
fn compressed_server_key_round_trips_and_decompresses() {
    let compressed = keys().client.compressed_server_key();
    let bytes = compressed.to_bytes().unwrap();
    assert!(CompressedServerKey::from_bytes(&bytes).is_ok());
    // A server key loads from either form; the compressed one is decompressed.
    let server = ServerKey::from_bytes(&bytes).unwrap();
    let backend = TfheBackend::new(server);
    let x = t(&[1], &[5]);
    let sum = backend.add(&enc(&x, 4), &enc(&x, 4), w(6)).unwrap();
    assert_eq!(keys().client.decrypt(&sum).unwrap(), t(&[1], &[10]));
    let full = ServerKey::from_bytes(&backend.server_key().to_bytes().unwrap()).unwrap();
    let sum = TfheBackend::new(full).add_plain(&enc(&x, 4), &t(&[], &[-9]), w(6)).unwrap();
    assert_eq!(keys().client.decrypt(&sum).unwrap(), t(&[1], &[-4]));
}

#[test]
fn other_parameters_are_rejected() {
    let mut bytes = tensor_file();
    bytes[12] ^= 1; // the parameter fingerprint
    assert!(message(EncryptedTensor::from_bytes(&bytes).unwrap_err()).contains("other TFHE parameters"));
    // A ciphertext really encrypted under another parameter set, behind a correct header.
    let other =
        tfhe::integer::ClientKey::new(tfhe::shortint::parameters::PARAM_MESSAGE_3_CARRY_3_KS_PBS_GAUSSIAN_2M128);
    let ct: Ciphertext = other.encrypt_signed_radix(3i64, 2);
    let file = EncryptedTensor { width: w(4), frac: 0, tensor: Tensor::new(vec![1], vec![ct]).unwrap() };
    let err = EncryptedTensor::from_bytes(&file.to_bytes().unwrap()).unwrap_err();
    assert!(message(err).contains("does not conform"));
}

#[test]
fn wrong_kind_truncation_and_corruption_are_errors() {
    let key = keys().client.to_bytes().unwrap();
    let err = message(EncryptedTensor::from_bytes(&key).unwrap_err());
    assert!(err.contains("holds a client key (radix model), expected a ciphertext tensor (radix model)"), "{err}");
    let file = tensor_file();
    for cut in [0, 5, 30, 60, file.len() / 2, file.len() - 1] {
        let err = message(EncryptedTensor::from_bytes(&file[..cut]).unwrap_err());
        assert!(err.contains("truncated") || err.contains("magic"), "cut at {cut}: {err}");
    }
    let mut corrupted = file.clone();
    let at = corrupted.len() - 100;
    corrupted[at] ^= 0x40;
    assert!(message(EncryptedTensor::from_bytes(&corrupted).unwrap_err()).contains("corrupted"));
    // A payload length whose sum with the meta's overflows a u64 (found by the runtime_files fuzz target: it
    // panicked in the sum).
    let mut overflowing = file.clone();
    overflowing[24..32].copy_from_slice(&u64::MAX.to_le_bytes());
    assert_eq!(
        message(EncryptedTensor::from_bytes(&overflowing).unwrap_err()),
        "cannot read ciphertext tensor: the file is truncated"
    );
    let mut bad_magic = file;
    bad_magic[0] = b'X';
    assert!(message(ClientKey::from_bytes(&bad_magic).unwrap_err()).contains("magic"));
    assert!(ServerKey::from_bytes(&key).is_err());
}
