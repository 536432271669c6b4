//! The interpreter on the clear backend: dependency order, rt.const buffers, plaintext arguments, and argument
//! checks that name the argument.

mod common;

use common::program::{parse, MLP};
use common::{t, CLEAR};
use veil_runtime::{run, Buffer, RuntimeError};

#[test]
fn runs_a_layer_matmul_rescale_relu() {
    let m = parse(MLP);
    let out = run(&m, Some("mlp"), vec![Buffer::Ct(t(&[1, 4], &[1, 2, 3, -4]))], &CLEAR).unwrap();
    // x·w = [34, 44, 54]; + bias = [290, 44, -202]; floor(/16) = [18, 2, -13]; relu.
    assert_eq!(out, vec![Buffer::Ct(t(&[1, 3], &[18, 2, 0]))]);
}

#[test]
fn plaintext_arguments_and_tables() {
    let m = parse(MLP);
    let out = run(&m, Some("tables"), vec![Buffer::Pt(t(&[4], &[-8, 7, 0, -1]))], &CLEAR).unwrap();
    assert_eq!(out, vec![Buffer::Ct(t(&[4], &[-4, 3, 0, -1]))]);
}

#[test]
fn arguments_are_checked_against_the_signature() {
    let m = parse(MLP);
    let arg = |r: Result<_, RuntimeError>| match r {
        Err(RuntimeError::Argument { name, message }) => format!("{name}: {message}"),
        other => panic!("expected an argument error, got {other:?}"),
    };
    let e = arg(run(&m, Some("mlp"), vec![Buffer::Ct(t(&[4], &[1, 2, 3, 4]))], &CLEAR));
    assert_eq!(e, "#0: shape [4], the function expects [1, 4]");
    let e = arg(run(&m, Some("mlp"), vec![Buffer::Ct(t(&[1, 4], &[1, 200, 3, 4]))], &CLEAR));
    assert_eq!(e, "#0: element [0, 1]: 200 is outside i8");
    let e = arg(run(&m, Some("tables"), vec![Buffer::Ct(t(&[4], &[1, 2, 3, 4]))], &CLEAR));
    assert_eq!(e, "#0: a ciphertext where the function expects a plaintext");
    let e = run(&m, None, vec![], &CLEAR).unwrap_err().to_string();
    assert!(e.contains("2 functions (@mlp, @tables)"), "{e}");
    let e = run(&m, Some("mlp"), vec![], &CLEAR).unwrap_err().to_string();
    assert!(e.contains("takes 1 arguments, 0 given"), "{e}");
}

#[test]
fn kernel_failures_name_the_op() {
    let m = parse(MLP);
    // The matmul and the rescale fit their widths; relu's second output, 135, does not fit i8.
    let e = run(&m, Some("mlp"), vec![Buffer::Ct(t(&[1, 4], &[127, 127, 127, -128]))], &CLEAR).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("= rt.call @relu: relu: element [0, 1] = 135 does not fit in i8"), "{text}");
}

#[test]
fn a_splat_constant_fills_its_shape() {
    // `dense<3> : tensor<3xi4>` is one value for all three elements (MLIR's splat), as passes write a uniform bias.
    let m = parse(
        r#"
func.func @bias(%x: !rt.ct<1x3xi8, frac = 0>) -> !rt.ct<1x3xi8, frac = 0> {
  %b = "rt.const"() {value = dense<3> : tensor<3xi4>} : () -> !rt.pt<3xi4, frac = 0>
  %0 = "rt.call"(%x, %b) {callee = @add_plain, blocks = 4, signed = true, variant = "propagate"} : (!rt.ct<1x3xi8, frac = 0>, !rt.pt<3xi4, frac = 0>) -> !rt.ct<1x3xi8, frac = 0>
  func.return %0 : !rt.ct<1x3xi8, frac = 0>
}
"#,
    );
    let out = run(&m, None, vec![Buffer::Ct(t(&[1, 3], &[1, -2, 5]))], &CLEAR).unwrap();
    assert_eq!(out, vec![Buffer::Ct(t(&[1, 3], &[4, 1, 8]))]);
}

#[test]
fn a_sum_keeps_its_axes_unless_keepdims_is_false() {
    // he.sum's default, which he-to-rt leaves implicit, is keepdims = true (the kernel used to default to false and
    // return [1, 2] for this [1, 2, 1] result).
    let m = parse(
        r#"
func.func @sums(%x: !rt.ct<1x2x3xi8, frac = 0>) -> (!rt.ct<1x2x1xi8, frac = 0>, !rt.ct<1x2xi8, frac = 0>) {
  %0 = "rt.call"(%x) {callee = @sum, axes = [2], blocks = 4, signed = true} : (!rt.ct<1x2x3xi8, frac = 0>) -> !rt.ct<1x2x1xi8, frac = 0>
  %1 = "rt.call"(%x) {callee = @sum, axes = [2], keepdims = false, blocks = 4, signed = true} : (!rt.ct<1x2x3xi8, frac = 0>) -> !rt.ct<1x2xi8, frac = 0>
  func.return %0, %1 : !rt.ct<1x2x1xi8, frac = 0>, !rt.ct<1x2xi8, frac = 0>
}
"#,
    );
    let out = run(&m, None, vec![Buffer::Ct(t(&[1, 2, 3], &[1, 2, 3, -4, 5, -6]))], &CLEAR).unwrap();
    assert_eq!(out, vec![Buffer::Ct(t(&[1, 2, 1], &[6, -5])), Buffer::Ct(t(&[1, 2], &[6, -5]))]);
}
