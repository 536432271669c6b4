//! veil-opt in-process: what the file tests cannot show (stdin, `-o`, help, exit codes of usage errors) and
//! the order of passes across flags and `--pass-pipeline`.

use veil_tools::opt::{run, run_in, OptOutput};

const DUPLICATES: &str = "func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = \"nn.relu\"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = \"nn.relu\"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %2 = \"nn.neg\"(%1) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
";

fn opt(args: &[&str], stdin: &str) -> OptOutput {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    run(&args, stdin)
}

/// The passes that ran, from the `--print-ir-after-all` headers.
fn ran(out: &OptOutput) -> Vec<String> {
    out.stderr
        .lines()
        .filter_map(|l| l.strip_prefix("// -----// IR Dump After "))
        .map(|l| l.trim_end_matches(" //----- //").to_string())
        .collect()
}

#[test]
fn reads_stdin_without_a_file_or_with_dash() {
    for args in [&[][..], &["-"][..]] {
        let out = opt(args, DUPLICATES);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(out.stdout.starts_with("module {\n  func.func @f("), "{}", out.stdout);
    }
    let out = opt(&["-"], "func.func @f( {");
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("┌─ <stdin>:1:15"), "{}", out.stderr);
}

#[test]
fn passes_run_in_command_line_order() {
    let out = opt(&["--print-ir-after-all", "--dce", "--pass-pipeline=cse,dce", "--cse", "-"], DUPLICATES);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(ran(&out), vec!["dce", "cse", "dce", "cse"]);
    let out = opt(&["--pass-pipeline", "builtin.module(cse)", "--print-ir-after-all", "--dce", "-"], DUPLICATES);
    assert_eq!(ran(&out), vec!["cse", "dce"]);
    assert!(!out.stdout.contains("nn.neg") && out.stdout.matches("nn.relu").count() == 1, "{}", out.stdout);
}

#[test]
fn writes_the_output_file() {
    let dir = std::env::temp_dir().join(format!("veil-opt-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("in.mlir"), DUPLICATES).unwrap();
    let args: Vec<String> = ["in.mlir", "--cse", "-o", "out.mlir"].iter().map(|s| s.to_string()).collect();
    let out = run_in(&dir, &args, &mut |_| Ok(String::new()));
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{}", out.stderr);
    let written = std::fs::read_to_string(dir.join("out.mlir")).unwrap();
    assert_eq!(written.matches("nn.relu").count(), 1);
    let out = run_in(&dir, &["missing.mlir".to_string()], &mut |_| Ok(String::new()));
    assert_eq!(out.code, 1);
    assert!(out.stderr.starts_with("error: cannot read 'missing.mlir': "), "{}", out.stderr);
    std::fs::write(dir.join("binary.mlir"), [0xff, 0xfe, 0x00]).unwrap();
    let out = run_in(&dir, &["binary.mlir".to_string()], &mut |_| Ok(String::new()));
    assert_eq!(out.stderr, "error: cannot read 'binary.mlir': it is not UTF-8 text\n");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn help_lists_the_passes() {
    let out = opt(&["--help"], "");
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("Passes:\n"), "{}", out.stdout);
    assert!(out.stdout.contains("--cse"), "{}", out.stdout);
    let list = opt(&["--list-passes"], "");
    assert_eq!(list.code, 0);
    assert!(list.stdout.starts_with("Passes:\n") && list.stdout.contains("\n  cse "), "{}", list.stdout);
}

#[test]
fn usage_errors_exit_1_without_panicking() {
    for args in [
        &["--verify-each=maybe"][..],
        &["--split-input-fle"][..],
        &["a.mlir", "b.mlir"][..],
        &["--cse=", "--dce=x"][..],
        &["--pass-pipeline=builtin.module(cse"][..],
        &["--pass-pipeline={}"][..],
        &["-o"][..],
    ] {
        let out = opt(args, DUPLICATES);
        assert_eq!(out.code, 1, "{args:?}: {}", out.stdout);
        assert!(out.stderr.starts_with("error: "), "{args:?}: {}", out.stderr);
    }
    let out = opt(&["--split-input-fle"], "");
    assert!(out.stderr.contains("a similar argument exists: '--split-input-file'"), "{}", out.stderr);
    let out = opt(&["--verify-each=false", "--cse", "-"], DUPLICATES);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn verify_diagnostics_needs_every_chunk_to_match() {
    let expected = "func.func @f() {\n  // expected-error @+1 {{unknown operation}}\n  %0 = \"nn.nope\"() : () -> i32\n  return\n}\n";
    let out = opt(&["--verify-diagnostics", "-"], expected);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    let unexpected = "func.func @f() {\n  %0 = \"nn.nope\"() : () -> i32\n  return\n}\n";
    let out = opt(&["--verify-diagnostics", "-"], unexpected);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.starts_with("<stdin>:2:8: error: unexpected error: unknown operation 'nn.nope'"),
        "{}",
        out.stderr
    );
    let malformed = "// expected-error {{unclosed\nfunc.func @f() {\n  return\n}\n";
    let out = opt(&["--verify-diagnostics", "-"], malformed);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("error: malformed expectation"), "{}", out.stderr);
}
