//! What the `cli_*` tests share: running `veil` in-process, paths of the bundled models, a scratch directory per
//! test, small `.npy` inputs, and one key set per test binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use veil_tools::cli::{run, Output};

pub fn veil(args: &[&str]) -> Output {
    run(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
}

/// `veil` that must succeed; returns its stdout.
pub fn ok(args: &[&str]) -> String {
    let out = veil(args);
    assert_eq!(out.code, 0, "veil {args:?} failed:\n{}", out.stderr);
    out.stdout
}

/// `veil` that must fail with exit 1; returns its stderr.
pub fn fails(args: &[&str]) -> String {
    let out = veil(args);
    assert_eq!(out.code, 1, "veil {args:?} should fail; stdout:\n{}", out.stdout);
    assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
    out.stderr
}

pub fn repo(relative: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(relative).to_string_lossy().into_owned()
}

/// An empty scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("veil-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

pub fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// Writes a float32 `.npy` file.
pub fn write_f32(path: &Path, shape: &[usize], data: Vec<f32>) {
    let t = veil_runtime::Tensor::new(shape.to_vec(), data).expect("shape");
    veil_runtime::npy::write(path, &t).expect("write .npy");
}

/// Writes an int64 `.npy` file.
pub fn write_i64(path: &Path, shape: &[usize], data: Vec<i64>) {
    let t = veil_runtime::Tensor::new(shape.to_vec(), data).expect("shape");
    veil_runtime::npy::write(path, &t).expect("write .npy");
}

/// A deterministic input of test/models/mlp.mlir (`[1, 16]` in [0, 1]).
pub fn mlp_input(dir: &Path) -> PathBuf {
    let path = dir.join("x.npy");
    write_f32(&path, &[1, 16], (0..16).map(|i| ((i * 7) % 16) as f32 / 15.0).collect());
    path
}

/// One key set per test binary, made with `veil keygen`.
pub fn keys() -> &'static Path {
    static KEYS: OnceLock<PathBuf> = OnceLock::new();
    KEYS.get_or_init(|| {
        let dir = scratch("keys");
        ok(&["keygen", "--out-dir", s(&dir)]);
        dir
    })
}

/// The `integers: [...]` lines of `veil run`'s output.
pub fn integers(stdout: &str) -> Vec<String> {
    stdout.lines().filter(|l| l.trim_start().starts_with("integers:")).map(str::to_string).collect()
}

/// The `argmax: k` of `veil run`'s first output.
pub fn argmax(stdout: &str) -> usize {
    let line = stdout.lines().find_map(|l| l.trim().strip_prefix("argmax: ")).expect("an argmax line");
    line.parse().expect("an index")
}

/// The `max |clear - float|: d` of `veil run`.
pub fn max_diff(stdout: &str) -> f64 {
    let line = stdout.lines().find(|l| l.starts_with("max |")).expect("a difference line");
    line.rsplit(' ').next().and_then(|v| v.parse().ok()).expect("a number")
}

/// The kernels of `veil run --profile`'s per-call lines, in order, after checking that every call's measured
/// bootstraps equal its estimate and that the calls add up to the `PBS:` line's measured and estimated totals.
pub fn profile_kernels(stdout: &str) -> Vec<String> {
    let pbs = stdout.lines().find(|l| l.starts_with("PBS:")).unwrap_or_else(|| panic!("no PBS line in\n{stdout}"));
    let counts: Vec<&str> = pbs.split_whitespace().filter(|w| w.chars().all(|c| c.is_ascii_digit())).collect();
    assert_eq!(counts.len(), 2, "{pbs}");
    assert_eq!(counts[0], counts[1], "measured and estimated bootstraps differ: {pbs}");
    let profile: Vec<&str> = stdout.lines().skip_while(|l| !l.starts_with("profile")).skip(1).collect();
    let mut total = 0;
    for line in &profile {
        let words: Vec<&str> = line.split_whitespace().collect();
        let (measured, estimated) = (words[words.len() - 2], words[words.len() - 1]);
        assert_eq!(measured, estimated, "{line}");
        total += measured.parse::<u64>().expect("a count");
    }
    assert_eq!(total.to_string(), counts[0], "{stdout}");
    profile.iter().filter_map(|l| l.split_whitespace().next()).map(str::to_string).collect()
}

/// Holds off the other tests of this binary that count bootstraps: tfhe's PBS counter is process-wide, so two
/// encrypted runs at once would count each other's.
pub fn counting_alone() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}
