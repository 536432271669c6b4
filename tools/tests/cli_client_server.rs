//! The client/server split through files on a small program, in both execution models: keygen, encrypt (client
//! key), eval (server key only, rt programs only), decrypt; the result equals `veil run --backend clear` bit for
//! bit. Keys and ciphertexts of other parameters or of the other model, truncated and corrupted files are clear
//! errors, each checked word for word.

#![cfg(feature = "tfhe")]

mod cli_common;

use std::path::{Path, PathBuf};

use cli_common::*;
use veil_rt::tfhe_config::{LutKeyset, LutParams, TfheConfig};
use veil_runtime::files::describe_lut_keyset;
use veil_runtime::{LweClientKey, LweEncryptedTensor, Persist, Tensor, Width};

#[test]
fn split_round_trips_and_equals_clear() {
    let dir = scratch("split");
    let keys = keys();
    let x = mlp_input(&dir);
    let rt = dir.join("mlp.rt.mlir");
    ok(&["compile", &repo("test/models/mlp.mlir"), "--strategy", "radix", "-o", s(&rt)]);
    let (ct, out_ct, y) = (dir.join("x.ct"), dir.join("y.ct"), dir.join("y.npy"));
    ok(&["encrypt", "--keys", s(keys), "--input", s(&x), "--model", s(&rt), "-o", s(&ct)]);
    let eval = ok(&["eval", s(&rt), "--server-key", s(&keys.join("server.key")), "--input", s(&ct), "-o", s(&out_ct)]);
    assert!(eval.contains("PBS"), "{eval}");
    let decrypted = ok(&["decrypt", "--keys", s(keys), s(&out_ct), "-o", s(&y)]);
    let clear = ok(&["run", s(&rt), "--input", s(&x), "--backend", "clear"]);
    let clear_values = clear.lines().find(|l| l.starts_with("output #0")).expect("output line");
    let split_values = decrypted.lines().next().expect("output line");
    assert_eq!(split_values.split(':').nth(1), clear_values.split(':').nth(1), "{decrypted}\n{clear}");

    // eval has no client key: a key directory without client.key works.
    let server_only = dir.join("server-only");
    std::fs::create_dir_all(&server_only).expect("dir");
    std::fs::copy(keys.join("server.key"), server_only.join("server.key")).expect("copy");
    let again = dir.join("y2.ct");
    ok(&["eval", s(&rt), "--server-key", s(&server_only.join("server.key")), "--input", s(&ct), "-o", s(&again)]);

    // eval refuses programs that are not rt.
    let err = fails(&[
        "eval",
        &repo("test/models/mlp.mlir"),
        "--server-key",
        s(&keys.join("server.key")),
        "--input",
        s(&ct),
        "-o",
        s(&again),
    ]);
    assert!(err.contains("rt programs only"), "{err}");
}

#[test]
fn wrong_parameters_and_corruption_are_clear_errors() {
    let dir = scratch("corrupt");
    let keys = keys();
    let x = mlp_input(&dir);
    let rt = dir.join("mlp.rt.mlir");
    ok(&["compile", &repo("test/models/mlp.mlir"), "--strategy", "radix", "-o", s(&rt)]);
    let ct = dir.join("x.ct");
    ok(&["encrypt", "--keys", s(keys), "--input", s(&x), "--model", s(&rt), "-o", s(&ct)]);
    let bytes = std::fs::read(&ct).expect("ciphertext");

    // A flipped payload byte: checksum mismatch.
    let mut corrupted = bytes.clone();
    let last = corrupted.len() - 10;
    corrupted[last] ^= 0x55;
    let bad = dir.join("bad.ct");
    std::fs::write(&bad, &corrupted).expect("write");
    let err = fails(&["decrypt", "--keys", s(keys), s(&bad)]);
    assert!(err.contains("corrupted"), "{err}");

    // Truncated.
    std::fs::write(&bad, &bytes[..bytes.len() / 2]).expect("write");
    assert!(fails(&["decrypt", "--keys", s(keys), s(&bad)]).contains("truncated"));

    // Another parameter fingerprint (bytes 12..20 of the header): other parameters.
    let mut other = bytes.clone();
    other[12] ^= 0xff;
    std::fs::write(&bad, &other).expect("write");
    let err = fails(&[
        "eval",
        s(&rt),
        "--server-key",
        s(&keys.join("server.key")),
        "--input",
        s(&bad),
        "-o",
        s(&dir.join("y.ct")),
    ]);
    assert!(err.contains("other TFHE parameters"), "{err}");

    // A key file made under other parameters.
    let mut key = std::fs::read(keys.join("client.key")).expect("key");
    key[12] ^= 0xff;
    let other_keys = dir.join("other-keys");
    std::fs::create_dir_all(&other_keys).expect("dir");
    std::fs::write(other_keys.join("client.key"), &key).expect("write");
    let err = fails(&["decrypt", "--keys", s(&other_keys), s(&ct)]);
    assert!(err.contains("other TFHE parameters"), "{err}");

    // A ciphertext where a key is expected, and a missing key.
    assert!(fails(&["eval", s(&rt), "--server-key", s(&ct), "--input", s(&ct), "-o", s(&bad)]).contains("expected"));
    assert!(fails(&["decrypt", "--keys", s(&dir.join("none")), s(&ct)]).contains("client.key"));
}

const PRECISION: &str = "assign-precision{act-frac=4 weight-frac=4}";
const LUT_BITS: &str = "he-lut-fuse{index-bits=4}";

/// The compile flags of the lut test program: test/models/mlp.mlir (16 -> 8 ReLU -> 4) with 4 index bits, exact
/// rounding (so that it equals the clear backend bit for bit): 64 bootstraps at N = 2048.
fn lut_flags() -> Vec<&'static str> {
    vec!["--pass-option", PRECISION, "--pass-option", LUT_BITS, "--strategy", "lut", "--rounding", "exact"]
}

/// Compiles the lut test program into `dir`.
fn compile_lut(dir: &Path) -> PathBuf {
    let rt = dir.join("mlp.lut.mlir");
    let model = repo("test/models/mlp.mlir");
    ok(&[&["compile", &model][..], &lut_flags(), &["-o", s(&rt)]].concat());
    rt
}

/// The parameters an rt program records.
fn lut_params(rt: &Path) -> LutKeyset {
    let text = std::fs::read_to_string(rt).expect("program");
    let m = veil_ir::parse_and_verify("p.mlir", &text, &veil_lowering::registry()).expect("an rt program");
    TfheConfig::read(&m).expect("rt.tfhe").expect("a lut program").keyset
}

/// Small, insecure parameters (fast keys): "other parameters" for the rejection tests.
fn other_params() -> LutKeyset {
    LutKeyset::single(LutParams {
        lwe_dimension: 64,
        glwe_dimension: 1,
        polynomial_size: 256,
        lwe_noise_std: 2f64.powi(-30),
        glwe_noise_std: 2f64.powi(-40),
        pbs_base_log: 15,
        pbs_level: 2,
        ks_base_log: 4,
        ks_level: 4,
    })
}

/// `veil` that must fail with exactly `message`.
fn fails_with(args: &[&str], message: String) {
    assert_eq!(fails(args), format!("error: {message}\n"), "veil {args:?}");
}

/// Keys made by `veil keygen --model` from the nn program (compiled with the same flags) serve the rt program
/// compiled apart; the server evaluates with server.key alone; the decrypted result equals the clear backend's.
#[test]
fn lut_split_round_trips_and_equals_clear() {
    let dir = scratch("lut_split");
    let x = mlp_input(&dir);
    let rt = compile_lut(&dir);
    let keys = dir.join("keys");
    let model = repo("test/models/mlp.mlir");
    let keygen = ok(&[&["keygen", "--out-dir", s(&keys), "--model", &model][..], &lut_flags()].concat());
    let described = describe_lut_keyset(&lut_params(&rt), false);
    assert!(keygen.starts_with(&format!("generated keys for the lut model ({described}) in ")), "{keygen}");

    let (ct, out_ct, y) = (dir.join("x.ct"), dir.join("y.ct"), dir.join("y.npy"));
    let encrypted = ok(&["encrypt", "--keys", s(&keys), "--input", s(&x), "--model", s(&rt), "-o", s(&ct)]);
    // The argument's encoding width: the program's own (its first layer's partition, widened for an exact floor).
    let text = std::fs::read_to_string(&rt).expect("program");
    let m = veil_ir::parse_and_verify("p.mlir", &text, &veil_lowering::registry()).expect("an rt program");
    let width = veil_tools::pipeline::encoding(&m).expect("encoding").args[0].width;
    assert!(width > 6, "the argument (6 bits) is encoded at its layer's width, {width}");
    assert_eq!(encrypted, format!("encrypted [1, 16] at i{width}, frac 4 (lut model) into {}\n", ct.display()));
    let server = dir.join("server-only");
    std::fs::create_dir_all(&server).expect("dir");
    std::fs::copy(keys.join("server.key"), server.join("server.key")).expect("copy");
    let eval =
        ok(&["eval", s(&rt), "--server-key", s(&server.join("server.key")), "--input", s(&ct), "-o", s(&out_ct)]);
    // The bootstraps counted on the server are those the compiler recorded for the program (rt.tfhe's pbs).
    let program = std::fs::read_to_string(&rt).expect("rt program");
    let recorded = program.split("pbs = ").nth(1).and_then(|r| r.split([',', '}']).next()).expect("rt.tfhe pbs");
    assert!(eval.contains(&format!("({recorded} PBS;")), "{eval}\nrecorded: {recorded}");
    let decrypted = ok(&["decrypt", "--keys", s(&keys), s(&out_ct), "-o", s(&y)]);
    let clear = ok(&["run", s(&rt), "--input", s(&x), "--backend", "clear"]);
    let clear_values = clear.lines().find(|l| l.starts_with("output #0")).expect("output line");
    let split_values = decrypted.lines().next().expect("output line");
    assert_eq!(split_values.split(':').nth(1), clear_values.split(':').nth(1), "{decrypted}\n{clear}");
}

/// A program of several partitions (test/models/two_partitions.mlir: 3-bit tables in one, a 5-bit table and an
/// exact floor's chunks in others, keyswitches between them) through the four commands: the key files hold a key
/// pair per partition and a keyswitch key per route, the ciphertexts carry their partitions, and the result is the
/// clear backend's and the one worked out by hand.
#[test]
fn lut_split_with_several_partitions() {
    let dir = scratch("lut_partitions");
    let x = dir.join("x.npy");
    write_f32(&x, &[1, 2], vec![1.0, -1.0]);
    let rt = dir.join("two.rt.mlir");
    let model = repo("test/models/two_partitions.mlir");
    ok(&["compile", &model, "--strategy", "lut", "--rounding", "exact", "-o", s(&rt)]);
    let keyset = lut_params(&rt);
    assert!(keyset.partitions.len() >= 3 && keyset.routes.len() >= 3, "{keyset:?}");
    let keys = dir.join("keys");
    let keygen = ok(&["keygen", "--out-dir", s(&keys), "--model", s(&rt)]);
    assert!(keygen.contains(&describe_lut_keyset(&keyset, false)), "{keygen}");
    let (ct, out_ct, y) = (dir.join("x.ct"), dir.join("y.ct"), dir.join("y.npy"));
    ok(&encrypt_args(&keys, &x, &rt, &ct));
    let server = dir.join("server-only");
    std::fs::create_dir_all(&server).expect("dir");
    std::fs::copy(keys.join("server.key"), server.join("server.key")).expect("copy");
    ok(&eval_args(&rt, &server.join("server.key"), &ct, &out_ct));
    let decrypted = ok(&["decrypt", "--keys", s(&keys), s(&out_ct), "-o", s(&y)]);
    let clear = ok(&["run", s(&rt), "--input", s(&x), "--backend", "clear"]);
    let clear_values = clear.lines().find(|l| l.starts_with("output #0")).expect("output line");
    let split_values = decrypted.lines().next().expect("output line");
    assert_eq!(split_values.split(':').nth(1), clear_values.split(':').nth(1), "{decrypted}\n{clear}");
    // By hand: the first layer gives [2, -2, 0, -1, 1, -1, 1, 0], its ReLU [2, 0, 0, 0, 1, 0, 1, 0]; the second
    // [2·3 + 3 + 2, 2·(-3) - 1 + 3] = [11, -4], its ReLU [11, 0] (odd, so the 5-bit table's box middle is exact).
    assert!(split_values.contains("[11.0000, 0.0000]"), "{decrypted}");
}

fn eval_args<'a>(rt: &'a Path, key: &'a Path, input: &'a Path, out: &'a Path) -> Vec<&'a str> {
    vec!["eval", s(rt), "--server-key", s(key), "--input", s(input), "-o", s(out)]
}

fn encrypt_args<'a>(keys: &'a Path, x: &'a Path, rt: &'a Path, out: &'a Path) -> Vec<&'a str> {
    vec!["encrypt", "--keys", s(keys), "--input", s(x), "--model", s(rt), "-o", s(out)]
}

/// Keys and ciphertexts made for other lut parameters, or for the radix model, truncated or corrupted lut files:
/// each refused with a message that says which.
#[test]
fn lut_files_of_other_parameters_models_or_corrupted_are_refused() {
    let dir = scratch("lut_refused");
    let x = mlp_input(&dir);
    let rt = compile_lut(&dir);
    let (params, other) = (lut_params(&rt), other_params());
    let mismatch = format!(
        "made for other TFHE parameters ({}) than expected ({})",
        describe_lut_keyset(&other, false),
        describe_lut_keyset(&params, false)
    );
    let lut_keys = dir.join("keys");
    ok(&["keygen", "--out-dir", s(&lut_keys), "--model", s(&rt)]);
    let (ct, y) = (dir.join("x.ct"), dir.join("y.ct"));
    ok(&encrypt_args(&lut_keys, &x, &rt, &ct));
    let server_key = lut_keys.join("server.key");

    // Keys and a ciphertext made for other parameters (small ones, fast to generate).
    let other_keys = dir.join("other-keys");
    std::fs::create_dir_all(&other_keys).expect("dir");
    let (other_client_key, other_server_key) = (other_keys.join("client.key"), other_keys.join("server.key"));
    let other_client = LweClientKey::generate(other.clone()).expect("keys");
    other_client.save(&other_client_key).expect("save");
    other_client.compressed_server_key().save(&other_server_key).expect("save");
    fails_with(
        &encrypt_args(&other_keys, &x, &rt, &y),
        format!("cannot read client key {}: {mismatch}", other_client_key.display()),
    );
    fails_with(
        &eval_args(&rt, &other_server_key, &ct, &y),
        format!("cannot read server key {}: {mismatch}", other_server_key.display()),
    );
    let other_ct = dir.join("other.ct");
    let width = Width::new(6).expect("width");
    let tensor = other_client.encrypt(&Tensor::new(vec![1, 16], vec![3; 16]).expect("tensor"), width).expect("encrypt");
    LweEncryptedTensor { keyset: other, width, frac: 4, tensor }.save(&other_ct).expect("save");
    fails_with(
        &eval_args(&rt, &server_key, &other_ct, &y),
        format!("argument #0: cannot read ciphertext tensor {}: {mismatch}", other_ct.display()),
    );
    fails_with(
        &["decrypt", "--keys", s(&lut_keys), s(&other_ct)],
        format!("cannot read ciphertext tensor {}: {mismatch}", other_ct.display()),
    );

    // The radix model's files given for a lut program, and the reverse.
    let radix = keys();
    fails_with(
        &encrypt_args(radix, &x, &rt, &y),
        format!(
            "cannot read client key {}: the file holds a client key (radix model), expected a client key (lut model)",
            radix.join("client.key").display()
        ),
    );
    fails_with(
        &eval_args(&rt, &radix.join("server.key"), &ct, &y),
        format!(
            "cannot read server key {}: the file holds a compressed server key (radix model), expected a server key \
             (lut model)",
            radix.join("server.key").display()
        ),
    );
    let radix_rt = dir.join("mlp.radix.mlir");
    ok(&["compile", &repo("test/models/mlp.mlir"), "--strategy", "radix", "-o", s(&radix_rt)]);
    fails_with(
        &encrypt_args(&lut_keys, &x, &radix_rt, &y),
        format!(
            "cannot read client key {}: the file holds a client key (lut model), expected a client key (radix model)",
            lut_keys.join("client.key").display()
        ),
    );
    fails_with(
        &["decrypt", "--keys", s(radix), s(&ct)],
        format!(
            "cannot read ciphertext tensor {}: the file holds a ciphertext tensor (lut model), expected a ciphertext \
             tensor (radix model)",
            ct.display()
        ),
    );

    // Truncated and corrupted lut files.
    let bytes = std::fs::read(&ct).expect("ciphertext");
    let bad = dir.join("bad.ct");
    std::fs::write(&bad, &bytes[..bytes.len() / 2]).expect("write");
    fails_with(
        &["decrypt", "--keys", s(&lut_keys), s(&bad)],
        format!("cannot read ciphertext tensor {}: the file is truncated", bad.display()),
    );
    let mut corrupted = bytes.clone();
    let last = corrupted.len() - 10;
    corrupted[last] ^= 0x55;
    std::fs::write(&bad, &corrupted).expect("write");
    fails_with(
        &eval_args(&rt, &server_key, &bad, &y),
        format!(
            "argument #0: cannot read ciphertext tensor {}: checksum mismatch: the file is corrupted",
            bad.display()
        ),
    );
    // The header's fingerprint (bytes 12..20) no longer that of the parameters the file records.
    let mut fingerprint = bytes.clone();
    fingerprint[12] ^= 0xff;
    std::fs::write(&bad, &fingerprint).expect("write");
    fails_with(
        &["decrypt", "--keys", s(&lut_keys), s(&bad)],
        format!(
            "cannot read ciphertext tensor {}: the parameter fingerprint does not match the parameters the file \
             records: the file is corrupted",
            bad.display()
        ),
    );
    let key_bytes = std::fs::read(&server_key).expect("server key");
    let bad_key = dir.join("bad.key");
    std::fs::write(&bad_key, &key_bytes[..key_bytes.len() - 1]).expect("write");
    fails_with(
        &eval_args(&rt, &bad_key, &ct, &y),
        format!("cannot read server key {}: the file is truncated", bad_key.display()),
    );
}
