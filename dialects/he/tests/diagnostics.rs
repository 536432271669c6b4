//! The rendered form of the scale-rule diagnostic, the one users meet most: message at the op, the source line,
//! a caret under the op.

use veil_ir::{parse_and_verify, Registry};

#[test]
fn scale_rule_diagnostic_renders_at_the_op() {
    let mut r = Registry::new();
    r.register(&veil_he::DIALECT);
    let src = "func.func @f(%a: !he.ct<4xi8, frac = 6>, %b: !he.ct<4xi8, frac = 4>) {
  %0 = \"he.add\"(%a, %b) : (!he.ct<4xi8, frac = 6>, !he.ct<4xi8, frac = 4>) -> !he.ct<4xi9, frac = 6>
  func.return
}
";
    let rendered = parse_and_verify("scale.mlir", src, &r).unwrap_err().to_string();
    let expected =
        "scale.mlir:2:3: error: 'he.add' operands have different fraction bits (6 vs 4): add needs equal scales; insert he.rescale
  ┌─ scale.mlir:2:3
  │
2 │   %0 = \"he.add\"(%a, %b) : (!he.ct<4xi8, frac = 6>, !he.ct<4xi8, frac = 4>) -> !he.ct<4xi9, frac = 6>
  │   ^^^^^^^^^^^^^

";
    assert_eq!(rendered, expected);
}
