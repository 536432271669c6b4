//! Unit tests of the precision pass: exact per-element ranges, idempotence, and the errors.

use super::*;

fn parse(text: &str) -> Module {
    veil_ir::parse_and_verify("test.mlir", text, &crate::registry()).unwrap_or_else(|d| panic!("{d}"))
}

fn pass() -> AssignPrecision {
    AssignPrecision { act_frac: 4, weight_frac: 4, max_width: 64, calibration: None, margin: 0.1 }
}

const DOT: &str = r#"func.func @main(%x: tensor<1x3xf32> {veil.range = [-1.0, 2.0], veil.secret}) -> tensor<1x2xf32> {
  %w = "nn.constant"() {value = dense<[[1.0, -0.5], [2.0, 0.0], [-1.0, 0.25]]> : tensor<3x2xf32>} : () -> tensor<3x2xf32>
  %0 = "nn.matmul"(%x, %w) : (tensor<1x3xf32>, tensor<3x2xf32>) -> tensor<1x2xf32>
  %1 = "nn.mul"(%0, %0) : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  func.return %1 : tensor<1x2xf32>
}"#;

#[test]
fn dot_products_sum_their_product_intervals() {
    let m = parse(DOT);
    let f = m.funcs()[0];
    let ranges = sound_ranges(&m, f).unwrap();
    let body = m.body(f).unwrap();
    let ops = &m.block(body).ops;
    let mm = &ranges[&m.op(ops[1]).result()];
    // Column 0: [-1,2] + [-2,4] + [-2,1] = [-5, 7]; column 1: [-1,0.5] + 0 + [-0.25,0.5] = [-1.25, 1].
    assert_eq!(mm.data(), &[FloatInterval::new(-5.0, 7.0), FloatInterval::new(-1.25, 1.0)]);
    // A square is never negative.
    let sq = &ranges[&m.op(ops[2]).result()];
    assert_eq!(sq.data(), &[FloatInterval::new(0.0, 49.0), FloatInterval::new(0.0, 1.5625)]);
}

#[test]
fn records_formats_and_is_idempotent() {
    let mut m = parse(DOT);
    assert!(pass().run(&mut m).unwrap().ir);
    let f = m.funcs()[0];
    let body = m.body(f).unwrap();
    let mm = m.op(m.block(body).ops[1]).result();
    // [-5, 7] at 4 fraction bits is [-80, 112]: 8 bits.
    assert_eq!(format_of(&m, f, mm), Some(((-5.0, 7.0), 4, 8)));
    let x = m.block(body).args[0];
    assert_eq!(format_of(&m, f, x), Some(((-1.0, 2.0), 4, 7)));
    assert_eq!(recorded_precision(&m), Some((4, 4, 64)));
    let before = veil_ir::print_module(&m);
    assert!(!pass().run(&mut m).unwrap().ir);
    assert_eq!(veil_ir::print_module(&m), before);
}

#[test]
fn errors_name_the_op_and_the_fix() {
    let mut m = parse(&DOT.replace("{veil.range = [-1.0, 2.0], veil.secret}", "{veil.secret}"));
    let e = pass().run(&mut m).unwrap_err().to_string();
    assert!(e.contains("argument #0 is secret but has no input range"), "{e}");
    assert!(e.contains("--input-range LO,HI"), "{e}");
    let mut m = parse(DOT);
    let narrow = AssignPrecision { max_width: 7, ..pass() };
    let e = narrow.run(&mut m).unwrap_err().to_string();
    assert!(e.contains("'nn.matmul' needs 8 bits for its range [-5, 7] at 4 fraction bits"), "{e}");
}

#[test]
fn calibration_narrows_computed_values_only() {
    let m = parse(DOT);
    let f = m.funcs()[0];
    // Two samples: x = [1, 1, 1] and x = [0, 0, 0].
    let observed = calibrate(&m, f, &[1.0, 1.0, 1.0, 0.0, 0.0, 0.0], 0.5).unwrap();
    let body = m.body(f).unwrap();
    let mm = m.op(m.block(body).ops[1]).result();
    // Column 0 is 2 or 0, column 1 is -0.25 or 0: hull [-0.25, 2], widened by half its width on each side.
    assert_eq!(observed[&mm], (-0.25 - 1.125, 2.0 + 1.125));
}
