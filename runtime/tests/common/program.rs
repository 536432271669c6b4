//! A small rt program (the shape of a one-layer MLP) and the registry that parses it.

use veil_ir::{parse_and_verify, Module, Registry};

pub const MLP: &str = r#"
func.func @mlp(%x: !rt.ct<1x4xi8, frac = 4>) -> !rt.ct<1x3xi8, frac = 4> {
  %w = "rt.const"() {value = dense<[[1, 2, 3], [4, 5, 6], [7, 8, 9], [-1, -2, -3]]> : tensor<4x3xi8>} : () -> !rt.pt<4x3xi8, frac = 4>
  %b = "rt.const"() {value = dense<[256, 0, -256]> : tensor<3xi16>} : () -> !rt.pt<3xi16, frac = 8>
  %0 = "rt.call"(%x, %w, %b) {callee = @matmul_plain, blocks = 8, signed = true} : (!rt.ct<1x4xi8, frac = 4>, !rt.pt<4x3xi8, frac = 4>, !rt.pt<3xi16, frac = 8>) -> !rt.ct<1x3xi16, frac = 8>
  %1 = "rt.call"(%0) {callee = @rescale, blocks = 6, signed = true, shift = 4} : (!rt.ct<1x3xi16, frac = 8>) -> !rt.ct<1x3xi12, frac = 4>
  %2 = "rt.call"(%1) {callee = @relu, blocks = 4, signed = true} : (!rt.ct<1x3xi12, frac = 4>) -> !rt.ct<1x3xi8, frac = 4>
  func.return %2 : !rt.ct<1x3xi8, frac = 4>
}

func.func @tables(%p: !rt.pt<4xi4, frac = 0>) -> !rt.ct<4xi4, frac = -1> {
  %0 = "rt.call"(%p) {callee = @trivial, blocks = 2, signed = true} : (!rt.pt<4xi4, frac = 0>) -> !rt.ct<4xi4, frac = 0>
  %1 = "rt.call"(%0) {callee = @lut, blocks = 2, signed = true, table = dense<[-4, -4, -3, -3, -2, -2, -1, -1, 0, 0, 1, 1, 2, 2, 3, 3]> : tensor<16xi8>} : (!rt.ct<4xi4, frac = 0>) -> !rt.ct<4xi4, frac = -1>
  func.return %1 : !rt.ct<4xi4, frac = -1>
}
"#;

pub fn parse(text: &str) -> Module {
    let mut registry = Registry::new();
    registry.register(&veil_he::DIALECT).register(&veil_rt::DIALECT);
    parse_and_verify("test.mlir", text, &registry).unwrap_or_else(|e| panic!("{e}"))
}
