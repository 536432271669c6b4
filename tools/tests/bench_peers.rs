//! `veil bench peers`'s arguments and the errors it gives before any key is made: without the peers' Python
//! environment it says how to make it; a row or a model that does not exist is named. Fast: nothing here
//! generates keys or starts Python.

mod cli_common;

use cli_common::*;
use std::path::{Path, PathBuf};

fn models_dir() -> String {
    repo("../shared/models")
}

/// A folder that looks like tools/peers with its environment (empty files: nothing here runs them).
fn fake_peers(name: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::create_dir_all(dir.join(".venv/bin")).expect("venv folder");
    for file in [".venv/bin/python", "concrete_peer.py", "tenseal_peer.py"] {
        std::fs::write(dir.join(file), "").expect("fake file");
    }
    dir
}

fn bench_peers(peers_dir: &Path, extra: &[&str]) -> String {
    let models = models_dir();
    let mut args = vec!["bench", "peers", "--peers-dir", s(peers_dir), "--models-dir", &models];
    args.extend_from_slice(extra);
    fails(&args)
}

#[test]
fn a_missing_environment_says_how_to_make_it() {
    let dir = scratch("no-venv");
    let err = bench_peers(&dir, &[]);
    let setup = dir.join("setup.sh");
    assert!(err.contains("the peers' Python environment"), "{err}");
    assert!(err.contains(&format!("make it with `{}`", setup.display())), "{err}");
    // The default folder is the repository's tools/peers, run from the repository root.
    let out = veil(&["bench", "peers", "--help"]);
    assert!(out.stdout.contains("[default: tools/peers]"), "{}", out.stdout);
}

#[test]
fn rows_and_models_are_checked_before_any_key() {
    let dir = fake_peers("fake-venv");
    let err = bench_peers(&dir, &["--model", "digits_mlp", "--rows", "0,100000"]);
    assert!(err.contains("--rows") && err.contains("row 100000"), "{err}");
    let err = bench_peers(&dir, &["--model", "no_such_model"]);
    assert!(err.contains("model 'no_such_model'"), "{err}");
    // A peer program missing from the folder is named.
    std::fs::remove_file(dir.join("tenseal_peer.py")).expect("remove");
    let err = bench_peers(&dir, &[]);
    assert!(err.contains("tenseal_peer.py"), "{err}");
}

#[test]
fn peer_and_row_arguments_are_parsed() {
    let dir = fake_peers("args");
    let err = bench_peers(&dir, &["--peer", "nope"]);
    assert!(err.contains("concrete-exact") && err.contains("concrete-approximate") && err.contains("tenseal"), "{err}");
    let err = bench_peers(&dir, &["--rows", "0,x"]);
    assert!(err.contains("--rows"), "{err}");
    let err = bench_peers(&dir, &["--veil", "lut"]);
    assert!(err.contains("lut-exact") && err.contains("lut-approximate") && err.contains("radix"), "{err}");
    let help = veil(&["bench", "--help"]).stdout;
    let err = bench_peers(&dir, &["--tenseal-accuracy-rows", "many"]);
    assert!(err.contains("--tenseal-accuracy-rows"), "{err}");
    for option in ["--rows", "--peer <PEERS>", "--veil <VEIL>", "--tenseal-accuracy-rows <N>", "--peers-dir", "peers"] {
        assert!(help.contains(option), "{option} missing from:\n{help}");
    }
}
