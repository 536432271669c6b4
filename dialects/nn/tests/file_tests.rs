//! Runs the nn dialect's file tests (test/dialects/nn) through the IR core with the nn dialect registered:
//! valid files must parse, verify, round-trip through the printer and satisfy their `// CHECK` lines;
//! `--verify-diagnostics` files must produce exactly their `// expected-error` messages, case by case.
//! A small stand-in for veil-opt + FileCheck, which also checks that every op has a valid and an invalid case.

use std::path::{Path, PathBuf};

use veil_ir::{parse, parse_and_verify, print_module, verify, Diagnostics, Registry};

fn registry() -> Registry {
    let mut r = Registry::new();
    r.register(&veil_nn::DIALECT);
    r
}

fn test_files() -> Vec<(PathBuf, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test/dialects/nn");
    let mut files: Vec<(PathBuf, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "mlir"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .mlir files in {}", dir.display());
    files
}

fn run_line(text: &str) -> &str {
    text.lines().find_map(|l| l.trim().strip_prefix("// RUN:")).unwrap_or("")
}

fn is_diagnostics_file(text: &str) -> bool {
    run_line(text).contains("--verify-diagnostics")
}

// ---- CHECK lines ---------------------------------------------------------------------------------------------

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A pattern with `{{regex}}` blocks as plain text; only regexes that are escaped literals (`{{\\[\\[}}`, the way
/// to write `[[` in FileCheck) are supported, and `[[variables]]` not at all.
fn literal(pattern: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some((text, after)) = rest.split_once("{{") {
        if text.contains("[[") {
            return Err("FileCheck variables ([[...]]) are not supported; write [[ as {{\\[\\[}}".into());
        }
        out.push_str(text);
        let (regex, after) = after.split_once("}}").ok_or("unterminated {{")?;
        let mut chars = regex.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => out.push(chars.next().ok_or("dangling \\ in {{...}}")?),
                '.' | '*' | '+' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '|' | '^' | '$' => {
                    return Err(format!("only escaped literals are supported inside {{{{...}}}}, got {regex}"))
                }
                c => out.push(c),
            }
        }
        rest = after;
    }
    if rest.contains("[[") {
        return Err("FileCheck variables ([[...]]) are not supported; write [[ as {{\\[\\[}}".into());
    }
    out.push_str(rest);
    Ok(out)
}

/// FileCheck's CHECK, CHECK-LABEL and CHECK-NEXT with literal patterns, matched line by line.
fn file_check(name: &str, text: &str, output: &str) {
    let lines: Vec<String> = output.lines().map(squash).collect();
    let mut next = 0;
    let mut checks = 0;
    for (n, l) in text.lines().enumerate() {
        let Some(rest) = l.trim().strip_prefix("// CHECK") else { continue };
        let (kind, pattern) = rest.split_once(':').unwrap_or_else(|| panic!("{name}:{}: bad CHECK line", n + 1));
        let pattern = squash(&literal(pattern).unwrap_or_else(|e| panic!("{name}:{}: {e}", n + 1)));
        let found = match kind {
            "" | "-LABEL" => lines.iter().skip(next).position(|x| x.contains(&pattern)).map(|i| next + i),
            "-NEXT" => (next < lines.len() && lines[next].contains(&pattern)).then_some(next),
            other => panic!("{name}:{}: unsupported directive CHECK{other}", n + 1),
        };
        let Some(i) = found else {
            let context = lines.get(next).map_or("<end of output>", String::as_str);
            panic!("{name}:{}: CHECK{kind}: '{pattern}' not found; next output line:\n  {context}\n\n{output}", n + 1)
        };
        next = i + 1;
        checks += 1;
    }
    assert!(checks > 0, "{name} has no CHECK lines");
}

#[test]
fn valid_files_verify_round_trip_and_match_their_checks() {
    for (path, text) in test_files().into_iter().filter(|(_, t)| !is_diagnostics_file(t)) {
        let name = path.display().to_string();
        let m = parse_and_verify(&name, &text, &registry()).unwrap_or_else(|e| panic!("{name}:\n{e}"));
        veil_nn::args::verify_args(&m).unwrap_or_else(|e| panic!("{name}:\n{e}"));
        let printed = print_module(&m);
        let again = parse_and_verify("printed", &printed, &registry()).unwrap_or_else(|e| panic!("{printed}\n{e}"));
        assert_eq!(printed, print_module(&again), "{name}: printing is not stable");
        file_check(&name, &text, &printed);
    }
}

// ---- expected-error cases ------------------------------------------------------------------------------------

/// One `// expected-error @+N {{message}}`: the 1-based line it points at and the message substring.
struct Expected {
    line: usize,
    message: String,
}

fn expectations(case: &str) -> Vec<Expected> {
    let mut out = vec![];
    for (i, l) in case.lines().enumerate() {
        let Some(rest) = l.split_once("// expected-error").map(|(_, r)| r.trim()) else { continue };
        let (offset, rest) = match rest.strip_prefix('@') {
            Some(r) => {
                let (off, r) = r.split_once(char::is_whitespace).expect("expected-error @N {{...}}");
                (off.parse::<i64>().unwrap_or_else(|_| panic!("bad offset in: {l}")), r.trim())
            }
            None => (0, rest),
        };
        let message = rest.strip_prefix("{{").and_then(|r| r.strip_suffix("}}")).unwrap_or_else(|| panic!("{l}"));
        let line = usize::try_from(i as i64 + 1 + offset).unwrap();
        out.push(Expected { line, message: message.to_string() });
    }
    out
}

fn errors_of(name: &str, case: &str) -> Result<(), Diagnostics> {
    let m = parse(name, case, &registry())?;
    verify(&m, &registry())
}

#[test]
fn invalid_cases_report_their_expected_errors() {
    for (path, text) in test_files().into_iter().filter(|(_, t)| is_diagnostics_file(t)) {
        assert!(run_line(&text).contains("--split-input-file"), "{}: use --split-input-file", path.display());
        for (k, case) in text.split("// -----").enumerate() {
            let name = format!("{} case {k}", path.display());
            let expected = expectations(case);
            let Err(diags) = errors_of(&name, case) else {
                assert!(expected.is_empty(), "{name}: verified, but expects errors:\n{case}");
                continue;
            };
            assert!(!expected.is_empty(), "{name}: unexpected errors:\n{diags}");
            let found: Vec<(usize, &str)> = diags
                .list
                .iter()
                .map(|d| (diags.sources.line_col(&d.loc).map_or(0, |(_, line, _)| line), d.message.as_str()))
                .collect();
            for (line, message) in &found {
                let ok = expected.iter().any(|e| e.line == *line && message.contains(&e.message));
                assert!(ok, "{name}: unexpected error at line {line}: {message}\n{case}");
            }
            for e in &expected {
                let ok = found.iter().any(|(line, message)| e.line == *line && message.contains(&e.message));
                assert!(ok, "{name}: no error at line {} containing '{}':\n{diags}", e.line, e.message);
            }
        }
    }
}

// ---- coverage ------------------------------------------------------------------------------------------------

#[test]
fn every_op_has_a_valid_and_an_invalid_case() {
    let files = test_files();
    for op in veil_nn::ops::ALL {
        let quoted = format!("\"{}\"", op.name);
        let valid = files.iter().any(|(_, t)| !is_diagnostics_file(t) && t.contains(&quoted));
        assert!(valid, "{} has no valid case", op.name);
        let invalid = files.iter().filter(|(_, t)| is_diagnostics_file(t)).any(|(_, t)| {
            t.split("// -----").any(|case| {
                let lines: Vec<&str> = case.lines().collect();
                expectations(case).iter().any(|e| lines.get(e.line - 1).is_some_and(|l| l.contains(&quoted)))
            })
        });
        assert!(invalid, "{} has no invalid case whose expected error points at it", op.name);
    }
}
