//! The file-test harness. Every `*.mlir` under `test/` (except `test/inputs/`) states how to run it:
//!
//! ```text
//! // RUN: veil-opt %s --cse                          exit 0; CHECKs run on stdout
//! // RUN: not veil-opt %s --bad                      exit != 0; CHECKs run on stderr
//! // RUN: veil-opt %s --split-input-file --verify-diagnostics
//! // RUN: veil-opt %s --print-ir-after-all --cse 2>&1 | FileCheck %s --check-prefix=DUMP
//! ```
//!
//! `%s` is the file, relative to the workspace root; a RUN line ending in `\` continues on the next. The CHECK
//! lines (tools/src/filecheck.rs) are checked against the output, and the whole output of each RUN line is
//! snapshotted with insta in `snapshots/` next to the file (`<stem>.snap`, `<stem>.run<N>.snap` for the N-th
//! RUN line). Bless changed outputs with `cargo insta review`, or `INSTA_UPDATE=always cargo test -p veil-tools
//! --test filetests`; under `CI=true` a missing snapshot fails. `VEIL_FILETEST=substring` runs only the
//! matching files. All failing files are reported together. Built with the `mlir` feature, every module a RUN line
//! prints (each `// -----` chunk of stdout that Veil reads back as IR) is also parsed and verified by MLIR itself
//! (`veil_mlir::verify_text`, Veil's dialects unregistered there).

mod common;

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use common::{display, mlir_files, panic_message, workspace_root};
use veil_tools::{filecheck, opt};

/// One parsed RUN line.
#[derive(Debug)]
struct Run {
    text: String,
    expect_failure: bool,
    args: Vec<String>,
    merge_stderr: bool,
    prefixes: Vec<String>,
    /// `| FileCheck %s` was written: then directives must exist.
    explicit_filecheck: bool,
}

#[test]
fn file_tests() {
    let root = workspace_root();
    let filter = std::env::var("VEIL_FILETEST").ok();
    let files: Vec<PathBuf> = mlir_files(&["test"])
        .into_iter()
        .filter(|f| filter.as_deref().is_none_or(|s| display(f).contains(s)))
        .collect();
    // One line per panic instead of a backtrace: failures are collected and reported together below.
    std::panic::set_hook(Box::new(|info| eprintln!("panic: {info}")));
    let mut failures = vec![];
    let mut snapshots = BTreeSet::new();
    for file in &files {
        let result = catch_unwind(AssertUnwindSafe(|| test_file(&root, file, &mut snapshots)));
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => failures.push(format!("{}: {e}", display(file))),
            Err(p) => failures.push(format!("{}: panicked: {}", display(file), panic_message(&*p))),
        }
    }
    if filter.is_none() {
        failures.extend(stale_snapshots(&root, &snapshots));
    }
    let _ = std::panic::take_hook();
    assert!(filter.is_some() || !files.is_empty(), "no file test found under test/");
    if !failures.is_empty() {
        panic!("{} of {} file tests failed:\n\n{}", failures.len(), files.len(), failures.join("\n\n"));
    }
    println!("{} file tests passed", files.len());
}

/// Runs every RUN line of one file.
fn test_file(root: &Path, file: &Path, snapshots: &mut BTreeSet<PathBuf>) -> Result<(), String> {
    let rel = display(file);
    let text = std::fs::read_to_string(root.join(file)).map_err(|e| format!("cannot read: {e}"))?;
    let runs = parse_runs(&text, &rel)?;
    if runs.is_empty() {
        if rel.starts_with("test/inputs/") {
            return Ok(());
        }
        return Err("no '// RUN: veil-opt %s ...' line".into());
    }
    let mut errors = vec![];
    for (i, run) in runs.iter().enumerate() {
        let where_ = if runs.len() > 1 { format!("RUN line {}: ", i + 1) } else { String::new() };
        if let Err(e) = check_run(root, file, &rel, &text, run, i, runs.len(), snapshots) {
            errors.push(format!("{where_}{e}"));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join(&format!("\n{rel}: ")))
    }
}

#[allow(clippy::too_many_arguments)]
fn check_run(
    root: &Path,
    file: &Path,
    rel: &str,
    text: &str,
    run: &Run,
    index: usize,
    count: usize,
    snapshots: &mut BTreeSet<PathBuf>,
) -> Result<(), String> {
    let out = opt::run_in(root, &run.args, &mut |_| Ok(String::new()));
    if run.expect_failure && out.code == 0 {
        return Err(format!("`{}` succeeded but the RUN line says `not`\nstdout:\n{}", run.text, out.stdout));
    }
    if !run.expect_failure && out.code != 0 {
        return Err(format!("`{}` failed with exit code {}:\n{}", run.text, out.code, out.stderr));
    }
    let (stream, checked) = match (run.expect_failure, run.merge_stderr) {
        (_, true) => ("<stderr+stdout>", format!("{}{}", out.stderr, out.stdout)),
        (true, false) => ("<stderr>", out.stderr.clone()),
        (false, false) => ("<stdout>", out.stdout.clone()),
    };
    if cfg!(feature = "mlir") && !run.expect_failure {
        verify_with_mlir(rel, &out.stdout)?;
    }
    let prefixes: Vec<&str> = run.prefixes.iter().map(String::as_str).collect();
    if run.explicit_filecheck || filecheck::has_directives(text, &prefixes) {
        filecheck::check(rel, text, &prefixes, stream, &checked)?;
    }
    let stem = file.file_stem().map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let name = if count > 1 { format!("{stem}.run{}", index + 1) } else { stem };
    let dir = root.join(file.parent().unwrap_or(Path::new(""))).join("snapshots");
    let mut content = out.stdout.clone();
    if !out.stderr.is_empty() {
        content.push_str("--- stderr ---\n");
        content.push_str(&out.stderr);
    }
    let snap = dir.join(format!("{name}.snap"));
    let problem = if snap.exists() {
        "the output differs from its snapshot (diff above)"
    } else {
        "the output has no snapshot yet"
    };
    snapshots.insert(snap);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_input_file(root.join(file));
    settings.set_description(run.text.clone());
    settings.set_omit_expression(true);
    catch_unwind(AssertUnwindSafe(|| settings.bind(|| insta::assert_snapshot!(name.as_str(), content))))
        .map_err(|_| format!("{problem}; review with `cargo insta review` or bless with INSTA_UPDATE=always"))
}

/// MLIR's parser and verifiers on every chunk of `stdout` that is a module Veil reads back.
fn verify_with_mlir(rel: &str, stdout: &str) -> Result<(), String> {
    for chunk in stdout.split(&format!("{}\n", opt::SPLIT_MARKER)) {
        if veil_ir::parse_and_verify(rel, chunk, &veil_lowering::registry()).is_err() {
            continue; // a report or a dump, not a module
        }
        veil_mlir::verify_text(&format!("{rel} (output)"), chunk)
            .map_err(|e| format!("MLIR rejects the output:\n{e}"))?;
    }
    Ok(())
}

/// The RUN lines of a file, continuation lines joined.
fn parse_runs(text: &str, rel: &str) -> Result<Vec<Run>, String> {
    let mut commands = vec![];
    let mut pending: Option<String> = None;
    for line in text.lines() {
        let Some(rest) = line.trim_start().strip_prefix("//").map(str::trim_start) else { continue };
        let Some(command) = rest.strip_prefix("RUN:") else { continue };
        let command = command.trim();
        let mut joined = pending.take().unwrap_or_default();
        match command.strip_suffix('\\') {
            Some(head) => {
                joined.push_str(head.trim_end());
                joined.push(' ');
                pending = Some(joined);
            }
            None => {
                joined.push_str(command);
                commands.push(joined);
            }
        }
    }
    if pending.is_some() {
        return Err("the last RUN line ends in '\\' but no RUN line follows".into());
    }
    commands.into_iter().map(|c| parse_run(&c, rel)).collect()
}

fn parse_run(command: &str, rel: &str) -> Result<Run, String> {
    let words = shell_words(command).map_err(|e| format!("RUN line `{command}`: {e}"))?;
    let mut parts = words.split(|w| w == "|");
    let mut left = parts.next().unwrap_or_default().to_vec();
    let right = parts.next();
    if parts.next().is_some() {
        return Err(format!("RUN line `{command}`: only one '| FileCheck %s' is supported"));
    }
    let expect_failure = left.first().is_some_and(|w| w == "not");
    if expect_failure {
        left.remove(0);
    }
    if left.first().map(String::as_str) != Some("veil-opt") {
        return Err(format!("RUN line `{command}` must run veil-opt"));
    }
    left.remove(0);
    let merge_stderr = left.iter().any(|w| w == "2>&1");
    let args = left.into_iter().filter(|w| w != "2>&1").map(|w| w.replace("%s", rel)).collect();
    let mut prefixes = vec![];
    if let Some(right) = right {
        let mut words = right.iter();
        if words.next().map(String::as_str) != Some("FileCheck") || words.next().map(String::as_str) != Some("%s") {
            return Err(format!("RUN line `{command}`: expected '| FileCheck %s [--check-prefix=P]'"));
        }
        for w in words {
            let list = w
                .strip_prefix("--check-prefixes=")
                .or_else(|| w.strip_prefix("--check-prefix="))
                .ok_or_else(|| format!("RUN line `{command}`: unsupported FileCheck argument '{w}'"))?;
            prefixes.extend(list.split(',').map(str::to_string));
        }
    }
    if prefixes.is_empty() {
        prefixes.push("CHECK".into());
    }
    Ok(Run {
        text: command.to_string(),
        expect_failure,
        args,
        merge_stderr,
        prefixes,
        explicit_filecheck: right.is_some(),
    })
}

/// Splits a command into words: whitespace separates, single and double quotes group.
fn shell_words(command: &str) -> Result<Vec<String>, String> {
    let mut words = vec![];
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    for c in command.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.get_or_insert_with(String::new).push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            (None, c) if c.is_whitespace() => words.extend(word.take()),
            (None, c) => word.get_or_insert_with(String::new).push(c),
        }
    }
    if quote.is_some() {
        return Err("unterminated quote".into());
    }
    words.extend(word);
    Ok(words)
}

/// Snapshots under `test/` that no RUN line produced.
fn stale_snapshots(root: &Path, used: &BTreeSet<PathBuf>) -> Vec<String> {
    let mut stale = vec![];
    let mut stack = vec![root.join("test")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for path in entries.flatten().map(|e| e.path()) {
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "snap") && !used.contains(&path) {
                let rel = path.strip_prefix(root).map_or_else(|_| display(&path), display);
                stale.push(format!("{rel}: stale snapshot (no RUN line produces it); delete it"));
            }
        }
    }
    stale.sort();
    stale
}

#[test]
fn run_lines_parse_like_lit() {
    let run = parse_run("not veil-opt %s --cse 'a b' 2>&1 | FileCheck %s --check-prefixes=A,B", "t.mlir").unwrap();
    assert!(run.expect_failure && run.merge_stderr && run.explicit_filecheck);
    assert_eq!(run.args, vec!["t.mlir", "--cse", "a b"]);
    assert_eq!(run.prefixes, vec!["A", "B"]);
    let runs = parse_runs("// RUN: veil-opt %s \\\n// RUN:   --dce\n// RUN: veil-opt %s\n", "t.mlir").unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].args, vec!["t.mlir", "--dce"]);
    assert!(parse_run("veil-opt %s | grep x", "t").is_err());
    assert!(parse_run("cat %s", "t").is_err());
}
