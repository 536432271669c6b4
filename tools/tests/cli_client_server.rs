//! The client/server split through files on a small program: keygen, encrypt (client key), eval (server key
//! only, rt programs only), decrypt; the result equals `veil run --backend clear` bit for bit. Wrong key
//! parameters and corrupted ciphertexts are clear errors.

#![cfg(feature = "tfhe")]

mod cli_common;

use cli_common::*;

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

/// The client/server files are radix ones for now: a lookup-table-model program is refused with a clear error.
#[test]
fn a_lut_program_is_refused_by_the_client_server_commands() {
    let dir = scratch("lut_refused");
    let keys = keys();
    let x = mlp_input(&dir);
    let rt = dir.join("mlp.lut.mlir");
    let model = repo("test/models/mlp.mlir");
    let mut compile = vec!["compile", &model, "--pass-option", "assign-precision{act-frac=4 weight-frac=4}"];
    compile.extend(["--strategy", "lut", "--rounding", "approximate", "--pass-option", "he-lut-fuse{index-bits=4}"]);
    compile.extend(["-o", s(&rt)]);
    ok(&compile);
    let err = fails(&["encrypt", "--keys", s(keys), "--input", s(&x), "--model", s(&rt), "-o", s(&dir.join("x.ct"))]);
    assert!(err.contains("run radix-model programs only for now"), "{err}");
}
