//! The lut model's files on small, insecure parameters (keys in milliseconds): client keys, seeded server keys and
//! ciphertext tensors survive a save/load round trip, with one parameter set or several partitions, the
//! decompressed server key bootstraps like the in-memory one (across partitions too); files made for other
//! parameters (named both), of another kind or with keys that do not match the parameters they record are
//! refused.
#![cfg(feature = "tfhe")]

mod common;

use std::sync::Arc;

use common::{t, w, CLEAR};
use veil_rt::tfhe_config::{LutKeyset, LutParams};
use veil_runtime::files::{check, describe_lut_keyset, reseal, Kind};
use veil_runtime::lwe_backend::Rounding;
use veil_runtime::{
    Backend, Lookup, LweBackend, LweClientKey, LweCompressedServerKey, LweEncryptedTensor, Persist, RuntimeError,
};

fn small_params() -> LutParams {
    LutParams {
        lwe_dimension: 64,
        glwe_dimension: 1,
        polynomial_size: 256,
        lwe_noise_std: 2f64.powi(-30),
        glwe_noise_std: 2f64.powi(-40),
        pbs_base_log: 15,
        pbs_level: 2,
        ks_base_log: 4,
        ks_level: 4,
    }
}

fn small() -> LutKeyset {
    LutKeyset::single(small_params())
}

/// Two partitions: the inputs' (which bootstraps too) and a wider one, with keyswitches into both.
fn two_partitions() -> LutKeyset {
    let wide = LutParams { lwe_dimension: 72, polynomial_size: 512, ..small_params() };
    LutKeyset { partitions: vec![small_params(), wide], routes: vec![(0, 0), (0, 1)] }
}

fn message(err: RuntimeError) -> String {
    err.to_string()
}

#[test]
fn keys_and_ciphertexts_round_trip_and_the_server_key_decompresses() {
    for keyset in [small(), two_partitions()] {
        let client = LweClientKey::generate(keyset.clone()).unwrap();
        let back = LweClientKey::from_bytes_for(&client.to_bytes().unwrap(), &Some(keyset.clone())).unwrap();
        assert_eq!((&back.keyset, &back.small, &back.glwe), (&keyset, &client.small, &client.glwe));

        let x = t(&[2, 4], &[-4, -3, -1, 0, 1, 2, 3, -2]);
        let encrypted = client.encrypt(&x, w(3)).unwrap();
        let tensor = LweEncryptedTensor { keyset: keyset.clone(), width: w(3), frac: 1, tensor: encrypted };
        let read = LweEncryptedTensor::from_bytes_for(&tensor.to_bytes().unwrap(), &Some(keyset.clone())).unwrap();
        assert_eq!((&read.keyset, read.width, read.frac), (&keyset, w(3), 1));
        assert_eq!(read.tensor, tensor.tensor);

        let compressed = client.compressed_server_key();
        let bytes = compressed.to_bytes().unwrap();
        let server = LweCompressedServerKey::from_bytes(&bytes).unwrap().decompress();
        let backend = LweBackend::new(Arc::new(server), Rounding::Exact);
        let table = [5, -7, 0, 1, 2, 3, -1, 6];
        let clear = CLEAR.lut(&x, &Lookup::new(w(3), &table, w(4))).unwrap();
        // Into every partition: the result is under that partition's key, and a tensor file keeps it so.
        for partition in 0..keyset.partitions.len() {
            let looked_up =
                backend.lut(&read.tensor, &Lookup::new(w(3), &table, w(4)).in_partition(partition)).unwrap();
            assert!(looked_up.data.iter().all(|v| v.key == Some(partition)));
            let out = LweEncryptedTensor { keyset: keyset.clone(), width: w(4), frac: 1, tensor: looked_up };
            let out = LweEncryptedTensor::from_bytes(&out.to_bytes().unwrap()).unwrap();
            assert_eq!(client.decrypt(&out.tensor).unwrap(), clear, "partition {partition}");
        }
    }
}

/// A trivial ciphertext (a constant: a body without a mask, under no key) survives a tensor file and decrypts.
#[test]
fn trivial_ciphertexts_round_trip() {
    let client = LweClientKey::generate(two_partitions()).unwrap();
    let server = Arc::new(client.server_key());
    let backend = LweBackend::new(server, Rounding::Exact);
    let constants = backend.trivial(&t(&[1, 2], &[3, -4]), w(4)).unwrap();
    assert!(constants.data.iter().all(|v| v.key.is_none()));
    let tensor = LweEncryptedTensor { keyset: two_partitions(), width: w(4), frac: 0, tensor: constants };
    let read = LweEncryptedTensor::from_bytes(&tensor.to_bytes().unwrap()).unwrap();
    assert_eq!(client.decrypt(&read.tensor).unwrap(), t(&[1, 2], &[3, -4]));
}

#[test]
fn files_for_other_parameters_are_refused_naming_both() {
    let params = small();
    let client = LweClientKey::generate(params.clone()).unwrap();
    let bytes = client.to_bytes().unwrap();
    let other = LutKeyset::single(LutParams { lwe_dimension: 65, ..small_params() });
    for other in [other, two_partitions()] {
        assert_eq!(
            message(LweClientKey::from_bytes_for(&bytes, &Some(other.clone())).unwrap_err()),
            format!(
                "cannot read client key: made for other TFHE parameters ({}) than expected ({})",
                describe_lut_keyset(&params, false),
                describe_lut_keyset(&other, false)
            )
        );
    }
    // Parameters that print alike when rounded are printed in full.
    let close = LutParams { glwe_noise_std: small_params().glwe_noise_std * (1.0 + f64::EPSILON), ..small_params() };
    assert_eq!(
        message(LweClientKey::from_bytes_for(&bytes, &Some(LutKeyset::single(close))).unwrap_err()),
        "cannot read client key: made for other TFHE parameters (n = 64, k = 1, N = 256, PBS 2^15 x 2, keyswitch 2^4 \
         x 4, noise 9.313225746154785e-10 / 9.094947017729282e-13) than expected (n = 64, k = 1, N = 256, PBS 2^15 x \
         2, keyswitch 2^4 x 4, noise 9.313225746154785e-10 / 9.094947017729284e-13)"
    );
    // Without expected parameters, a key is read with those it records.
    assert_eq!(LweClientKey::from_bytes(&bytes).unwrap().keyset, params);
}

#[test]
fn other_kinds_and_keys_unlike_their_parameters_are_refused() {
    let client = LweClientKey::generate(two_partitions()).unwrap();
    let bytes = client.to_bytes().unwrap();
    assert_eq!(
        message(LweCompressedServerKey::from_bytes(&bytes).unwrap_err()),
        "cannot read server key: the file holds a client key (lut model), expected a server key (lut model)"
    );
    assert_eq!(
        message(veil_runtime::ClientKey::from_bytes(&bytes).unwrap_err()),
        "cannot read client key: the file holds a client key (lut model), expected a client key (radix model)"
    );
    // A key recorded under parameters it does not have: the header is consistent, the payload is not.
    let mut keyset = two_partitions();
    keyset.partitions[1].polynomial_size = 1024;
    let server = client.compressed_server_key();
    let liar = LweClientKey { keyset: keyset.clone(), ..client };
    assert_eq!(
        message(LweClientKey::from_bytes(&liar.to_bytes().unwrap()).unwrap_err()),
        "cannot read client key: the keys do not conform to the parameters the file records"
    );
    let liar = LweCompressedServerKey { keyset, ..server };
    assert_eq!(
        message(LweCompressedServerKey::from_bytes(&liar.to_bytes().unwrap()).unwrap_err()),
        "cannot read server key: the keys do not conform to the parameters the file records"
    );
}

/// A server key file of the format before 32-bit keyswitch keys (its payload type named
/// `veil::lut::SeededServerKey`, here a same-length stand-in so that the framing stays valid) is refused by name.
#[test]
fn a_server_key_of_another_payload_type_is_refused_by_name() {
    let client = LweClientKey::generate(small()).unwrap();
    let bytes = client.compressed_server_key().to_bytes().unwrap();
    let (ours, other) = (b"veil::lut::SeededServerKeyKs32", b"veil::lut::SeededServerKeyKs64");
    let at = bytes.windows(ours.len()).position(|w| w == ours).expect("the payload names its type");
    let mut renamed = bytes.clone();
    renamed[at..at + other.len()].copy_from_slice(other);
    let error = message(LweCompressedServerKey::from_bytes(&reseal(&renamed).unwrap()).unwrap_err());
    assert!(error.starts_with("cannot read server key"), "{error}");
    assert!(error.contains("veil::lut::SeededServerKeyKs64"), "the error names what the file holds: {error}");
}

/// A server key file recording a keyswitch decomposition over the keyswitch's 32-bit words is refused when read,
/// before tfhe could panic on it.
#[test]
fn a_server_key_recording_a_keyswitch_over_32_bits_is_refused() {
    let client = LweClientKey::generate(small()).unwrap();
    let mut keyset = small();
    keyset.partitions[0].ks_level = 9;
    let liar = LweCompressedServerKey { keyset, ..client.compressed_server_key() };
    let error = message(LweCompressedServerKey::from_bytes(&liar.to_bytes().unwrap()).unwrap_err());
    assert!(error.starts_with("cannot read server key"), "{error}");
    assert!(error.contains("ks decomposition base_log 4 × level 9 must be in 1..=32"), "{error}");
}

/// Every file kind of the lut model, truncated inside its payload or with a length inside the payload made huge,
/// then resealed (lengths, checksum and fingerprint made consistent, as the runtime_files fuzz target does) so that
/// the damage reaches TFHE-rs's deserializer: an error each time, never a panic. Bytes flipped across the payload
/// give an error or a value, never a panic.
#[test]
fn resealed_damaged_payloads_are_errors() {
    let keyset = two_partitions();
    let client = LweClientKey::generate(keyset.clone()).unwrap();
    let x = t(&[1, 2], &[1, -2]);
    let tensor = LweEncryptedTensor { keyset, width: w(3), frac: 1, tensor: client.encrypt(&x, w(3)).unwrap() };
    let files: [(&str, Vec<u8>, Reader); 3] = [
        ("client key", client.to_bytes().unwrap(), |b| LweClientKey::from_bytes(b).map(drop)),
        ("server key", client.compressed_server_key().to_bytes().unwrap(), |b| {
            LweCompressedServerKey::from_bytes(b).map(drop)
        }),
        ("ciphertexts", tensor.to_bytes().unwrap(), |b| LweEncryptedTensor::from_bytes(b).map(drop)),
    ];
    for (what, bytes, read) in files {
        assert_eq!(reseal(&bytes).as_deref(), Some(bytes.as_slice()), "{what}: resealing an intact file changes it");
        read(&bytes).unwrap();
        let start = bytes.len() - payload_len(&bytes);
        // The first u64 of a payload is its first item's length.
        let mut huge = bytes.clone();
        huge[start..start + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(read(&reseal(&huge).unwrap()).is_err(), "{what}: a huge item length reads");
        let mut flipped_errors = 0;
        for cut in (start..bytes.len()).step_by(bytes.len() / 97 + 1) {
            let truncated = reseal(&bytes[..cut]).unwrap();
            assert!(read(&truncated).is_err(), "{what}: truncated at {cut} of {} reads", bytes.len());
            let mut flipped = bytes.clone();
            flipped[cut] ^= 0x5a;
            flipped_errors += usize::from(read(&reseal(&flipped).unwrap()).is_err());
        }
        assert!(flipped_errors > 0, "{what}: no flipped byte was noticed");
    }
}

/// Reads a file as one kind, dropping what it read.
type Reader = fn(&[u8]) -> Result<(), RuntimeError>;

/// The payload length a file's header records.
fn payload_len(bytes: &[u8]) -> usize {
    u64::from_le_bytes(bytes[24..32].try_into().unwrap()) as usize
}

/// `file_format::check` (the framing the fuzzers exercise without TFHE-rs) reads what each lut file holds: its kind,
/// the parameters it records, a tensor's meta and the count of payload items; a file whose items do not make up
/// its tensor is refused.
#[test]
fn check_reads_the_framing_of_every_lut_file() {
    let keyset = two_partitions();
    let client = LweClientKey::generate(keyset.clone()).unwrap();
    let x = t(&[1, 3], &[1, -2, 0]);
    let encrypted = client.encrypt(&x, w(3)).unwrap();
    let tensor = LweEncryptedTensor { keyset: keyset.clone(), width: w(3), frac: 1, tensor: encrypted };
    let key = check(&client.to_bytes().unwrap()).unwrap();
    // Two keys per partition.
    assert_eq!((key.kind, key.lut_params, key.tensor, key.items), (Kind::LutClientKey, Some(keyset), None, Some(4)));
    let server = check(&client.compressed_server_key().to_bytes().unwrap()).unwrap();
    assert_eq!((server.kind, server.items), (Kind::LutServerKey, None));
    let bytes = tensor.to_bytes().unwrap();
    let framing = check(&bytes).unwrap();
    assert_eq!(framing.tensor, Some((w(3), 1, vec![1, 3])));
    assert_eq!(framing.items, Some(3));
    // The meta says 1 x 3; drop the last item (its length prefix and bytes) and reseal.
    let last = bytes.len() - item_len(&bytes);
    assert_eq!(
        message(check(&reseal(&bytes[..last]).unwrap()).unwrap_err()),
        "cannot read file: the payload does not hold a tensor of shape [1, 3]"
    );
}

/// The length of the last payload item of a file whose items all have the same length, prefix included.
fn item_len(bytes: &[u8]) -> usize {
    let start = bytes.len() - payload_len(bytes);
    8 + u64::from_le_bytes(bytes[start..start + 8].try_into().unwrap()) as usize
}
