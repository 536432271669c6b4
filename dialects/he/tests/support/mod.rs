//! A stand-in for the repository's file-test harness (written in parallel), shared by the he and rt crates'
//! tests: runs the IR files of one `test/dialects/<name>/` folder. Valid files are parsed, verified and printed,
//! and their `// CHECK:` / `// CHECK-LABEL:` / `// CHECK-NEXT:` lines (literal text) are matched against the
//! printed output; `invalid.mlir` is split at `// -----` and every case must fail with exactly its
//! `// expected-error @+N {{...}}` messages, on the right lines.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use veil_ir::{parse_and_verify, print_module, Registry};

/// The folder of a dialect's file tests.
pub fn test_dir(dialect: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test/dialects").join(dialect)
}

/// The `.mlir` files of a folder, sorted.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "mlir"))
        .collect();
    files.sort();
    files
}

/// Runs every file of the folder; returns the texts of the valid files and of `invalid.mlir`.
pub fn run_dir(dialect: &str, registry: &Registry) -> (String, String) {
    let (mut valid, mut invalid) = (String::new(), String::new());
    for path in files(&test_dir(dialect)) {
        let text = std::fs::read_to_string(&path).expect("readable test file");
        let name = path.display().to_string();
        let run =
            text.lines().find_map(|l| l.strip_prefix("// RUN: ")).unwrap_or_else(|| panic!("{name}: no RUN line"));
        if run.contains("--verify-diagnostics") {
            assert!(run.contains("--split-input-file"), "{name}: invalid cases are split");
            run_invalid(&name, &text, registry);
            invalid.push_str(&text);
        } else {
            assert_eq!(run, "veil-opt %s", "{name}: unexpected RUN line");
            run_valid(&name, &text, registry);
            valid.push_str(&text);
        }
    }
    (valid, invalid)
}

/// Parses, verifies and prints a file, then matches its CHECK lines against the output; the output must also
/// read back to itself.
pub fn run_valid(name: &str, text: &str, registry: &Registry) {
    let m = parse_and_verify(name, text, registry).unwrap_or_else(|e| panic!("{name} must verify:\n{e}"));
    let out = print_module(&m);
    let again = parse_and_verify("printed", &out, registry).unwrap_or_else(|e| panic!("{name} printed:\n{e}\n{out}"));
    assert_eq!(print_module(&again), out, "{name}: printing is not stable");
    filecheck(name, text, &out);
}

/// A literal FileCheck: CHECK and CHECK-LABEL find the text after the previous match, CHECK-NEXT on the line
/// after it, CHECK-SAME on the same line. FileCheck's `[[` and `{{` syntax is refused, so that these files mean
/// the same to the real FileCheck.
pub fn filecheck(name: &str, text: &str, out: &str) {
    let lines: Vec<&str> = out.lines().collect();
    let (mut line, mut col) = (0usize, 0usize);
    let mut checks = 0;
    for (n, source) in text.lines().enumerate() {
        let Some(rest) = source.trim_start().strip_prefix("// CHECK") else { continue };
        checks += 1;
        let (kind, pattern) = rest.split_once(": ").unwrap_or_else(|| panic!("{name}:{}: malformed check", n + 1));
        assert!(!pattern.contains("[[") && !pattern.contains("{{"), "{name}:{}: keep checks literal", n + 1);
        let find = |l: usize, from: usize| {
            lines.get(l).and_then(|t| t.get(from..)).and_then(|t| t.find(pattern)).map(|c| (l, from + c))
        };
        let found = match kind {
            "" | "-LABEL" => find(line, col).or_else(|| (line + 1..lines.len()).find_map(|l| find(l, 0))),
            "-NEXT" => find(line + usize::from(checks > 1), 0),
            "-SAME" => find(line, col),
            other => panic!("{name}:{}: unsupported directive CHECK{other}", n + 1),
        };
        match found {
            Some((l, c)) => (line, col) = (l, c + pattern.len()),
            None => {
                panic!("{name}:{}: CHECK{kind}: `{pattern}` not found after output line {}:\n{out}", n + 1, line + 1)
            }
        }
    }
    assert!(checks > 0, "{name}: a valid-case file needs CHECK lines");
}

/// One `// expected-error @+N {{text}}`: the 1-based line it points at and the message substring.
fn expectations(case: &str) -> Vec<(usize, String)> {
    let mut out = vec![];
    for (n, line) in case.lines().enumerate() {
        let Some(rest) = line.split_once("// expected-error").map(|(_, r)| r.trim_start()) else { continue };
        let (target, rest) = match rest.strip_prefix('@') {
            Some(r) => {
                let (offset, r) = r.split_once(' ').expect("expected-error @+N {{...}}");
                (n as i64 + 1 + offset.parse::<i64>().expect("offset @+N or @-N"), r)
            }
            None => (n as i64 + 1, rest),
        };
        let msg = rest.trim().strip_prefix("{{").and_then(|r| r.strip_suffix("}}")).expect("{{message}}");
        out.push((target as usize, msg.to_string()));
    }
    out
}

/// Splits at `// -----`; each case must fail with exactly its expected errors.
pub fn run_invalid(name: &str, text: &str, registry: &Registry) {
    for (i, case) in text.split("// -----").enumerate() {
        let expected = expectations(case);
        if i == 0 && expected.is_empty() {
            continue;
        }
        assert!(!expected.is_empty(), "{name}: case {i} has no expected-error");
        let Err(diags) = parse_and_verify(name, case, registry) else { panic!("{name}: case {i} must fail:\n{case}") };
        let got: Vec<(usize, String)> = diags
            .list
            .iter()
            .map(|d| (diags.sources.line_col(&d.loc).map_or(0, |(_, line, _)| line), d.message.clone()))
            .collect();
        for (line, msg) in &expected {
            assert!(
                got.iter().any(|(l, m)| l == line && m.contains(msg.as_str())),
                "{name}: case {i}: expected error on line {line} containing `{msg}`, got {got:#?}\n{case}"
            );
        }
        for (line, msg) in &got {
            assert!(
                expected.iter().any(|(l, m)| l == line && msg.contains(m.as_str())),
                "{name}: case {i}: unexpected error on line {line}: {msg}\n{case}"
            );
        }
    }
}

/// Every op of the dialect appears in the valid files and in `invalid.mlir`.
pub fn assert_every_op_tested(ops: &[&veil_ir::OpDef], valid: &str, invalid: &str) {
    for op in ops {
        let quoted = format!("\"{}\"", op.name);
        assert!(valid.contains(&quoted), "{} has no valid case", op.name);
        assert!(invalid.contains(&quoted), "{} has no invalid case", op.name);
    }
}

/// Replaces each integer of each case (split at `// -----`), one at a time, by extreme values, and parses and
/// verifies the result: whatever it says, it must not panic.
pub fn mutate_integers(text: &str, registry: &Registry) {
    for case in text.split("// -----") {
        let bytes = case.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if !bytes[i].is_ascii_digit() {
                i += 1;
                continue;
            }
            let end = (i..bytes.len()).find(|&j| !bytes[j].is_ascii_digit()).unwrap_or(bytes.len());
            for v in ["0", "1", "2", "13", "63", "64", "4097", "9223372036854775807", "99999999999999999999999"] {
                let mutated = format!("{}{v}{}", &case[..i], &case[end..]);
                let _ = parse_and_verify("mutated", &mutated, registry);
            }
            i = end;
        }
    }
}
