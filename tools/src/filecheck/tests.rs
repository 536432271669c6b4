//! Unit tests of the FileCheck directives, one behaviour each.

use super::{check, has_directives};

fn run(checks: &str, input: &str) -> Result<usize, String> {
    check("t.mlir", checks, &["CHECK"], "<stdout>", input)
}

#[test]
fn plain_checks_match_in_order() {
    let input = "a = 1\nb = 2\nc = 3\n";
    assert!(run("// CHECK: a = 1\n// CHECK: c = 3\n", input).is_ok());
    let e = run("// CHECK: c = 3\n// CHECK: a = 1\n", input).unwrap_err();
    assert!(e.starts_with("t.mlir:2:11: error: CHECK: expected string not found in input\n// CHECK: a = 1\n          ^\n<stdout>:3:6: note: scanning from here\n"), "{e}");
}

#[test]
fn whitespace_runs_match_any_run() {
    assert!(run("// CHECK: a b\n", "a \t  b\n").is_ok());
    assert!(run("// CHECK: ab\n", "a b\n").is_err());
}

#[test]
fn next_same_and_empty() {
    let input = "x\ny z\n\nw\n";
    assert!(run("// CHECK: x\n// CHECK-NEXT: y\n// CHECK-SAME: z\n// CHECK-EMPTY:\n// CHECK-NEXT: w\n", input).is_ok());
    let e = run("// CHECK: x\n// CHECK-NEXT: w\n", input).unwrap_err();
    assert!(e.contains("CHECK-NEXT: is not on the line after the previous match"), "{e}");
    let e = run("// CHECK: y\n// CHECK-NEXT: z\n", input).unwrap_err();
    assert!(e.contains("CHECK-NEXT: is on the same line as the previous match"), "{e}");
    let e = run("// CHECK: x\n// CHECK-SAME: z\n", input).unwrap_err();
    assert!(e.contains("CHECK-SAME: is not on the same line as the previous match"), "{e}");
    assert!(run("// CHECK: x\n// CHECK-EMPTY:\n", input).is_err());
}

#[test]
fn not_checks_the_gap_between_matches() {
    let input = "a\nbad\ngood\nc\n";
    assert!(run("// CHECK: good\n// CHECK-NOT: bad\n// CHECK: c\n", input).is_ok());
    let e = run("// CHECK: a\n// CHECK-NOT: bad\n// CHECK: good\n", input).unwrap_err();
    assert!(
        e.contains("CHECK-NOT: excluded string found in input") && e.contains("<stdout>:2:1: note: found here"),
        "{e}"
    );
    assert!(run("// CHECK: c\n// CHECK-NOT: a\n", input).is_ok());
    assert!(run("// CHECK-NOT: zzz\n", input).is_ok());
}

#[test]
fn dag_matches_in_any_order_without_overlap() {
    let input = "x = 1\ny = 2\nx = 1\nend\n";
    assert!(run("// CHECK-DAG: y = 2\n// CHECK-DAG: x = 1\n// CHECK-DAG: x = 1\n// CHECK: end\n", input).is_ok());
    assert!(run("// CHECK-DAG: x = 1\n// CHECK-DAG: x = 1\n// CHECK-DAG: x = 1\n", input).is_err());
    let e = run("// CHECK-NOT: y\n// CHECK-DAG: x = 1\n", "y\nx = 1\n").unwrap_err();
    assert!(e.contains("excluded string"), "{e}");
}

#[test]
fn labels_split_the_input() {
    let input = "func @a\n  op1\nfunc @b\n  op2\n";
    assert!(run("// CHECK-LABEL: func @a\n// CHECK: op1\n// CHECK-LABEL: func @b\n// CHECK: op2\n", input).is_ok());
    // op2 exists, but not in @a's block.
    let e = run("// CHECK-LABEL: func @a\n// CHECK: op2\n// CHECK-LABEL: func @b\n", input).unwrap_err();
    assert!(e.contains("t.mlir:2:11: error: CHECK: expected string not found in input"), "{e}");
    assert!(run("// CHECK-LABEL: func @a\n// CHECK-NEXT: op1\n", input).is_ok());
    assert!(run("// CHECK-LABEL: func @c\n", input).is_err());
}

#[test]
fn regexes_and_variables() {
    let input = "%0 = add %arg0\n%1 = mul %0, %0\nline 5\n";
    let checks = "// CHECK: [[X:%[0-9]+]] = add {{%arg[0-9]}}\n// CHECK-NEXT: mul [[X]], [[X]]\n";
    assert!(run(checks, input).is_ok());
    let e = run("// CHECK: [[X:%[0-9]+]] = add\n// CHECK: [[X]] = mul\n", input).unwrap_err();
    assert!(e.contains("note: with \"X\" equal to \"%0\""), "{e}");
    let e = run("// CHECK: [[Y]]\n", input).unwrap_err();
    assert!(e.contains("undefined variable: Y"), "{e}");
    assert!(run("// CHECK: {{[0-9]{2}}}\n", "ab 42\n").is_ok());
    assert!(run("// CHECK: {{^}}%1\n", input).is_ok());
    assert!(run("// CHECK: {{^}}0\n", input).is_err());
    assert!(run("// CHECK: [[V:[[:alpha:]]+]] 5\n// CHECK: [[@LINE+1]]\n", "line 5\nx 3\n").is_ok());
}

#[test]
fn malformed_check_files_are_errors() {
    assert!(run("// CHECK-NXT: a\n", "a\n").unwrap_err().contains("unsupported directive 'CHECK-NXT:'"));
    assert!(run("// CHECK:\n", "a\n").unwrap_err().contains("found empty check string with prefix 'CHECK:'"));
    assert!(run("// CHECK-NEXT: a\n", "a\n").unwrap_err().contains("without a previous positive directive"));
    assert!(run("// CHECK: {{a\n", "a\n").unwrap_err().contains("no end '}}'"));
    assert!(run("// nothing\n", "a\n").unwrap_err().contains("no check strings found with prefix 'CHECK:'"));
    assert!(run("// CHECK: {{(}}\n", "a\n").unwrap_err().contains("invalid regex"));
    assert!(!has_directives("// PRECHECK: a\n// CHECKS a\n", &["CHECK"]));
    assert!(has_directives("x // CHECK-DAG: a\n", &["CHECK"]));
}

#[test]
fn other_prefixes() {
    assert!(check("t", "// FOO: b\n// CHECK: zzz\n", &["FOO"], "in", "a b\n").is_ok());
}
