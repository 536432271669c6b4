// RUN: veil-opt %s --he-defer-rescale=rounding=exact

// With exact rounding nothing moves: every deferred bit would be one more bit for the exact floor to resolve
// through the noise.
// CHECK-LABEL: func.func @between_layers
// CHECK: "he.rescale"(%1) {shift = 1}
func.func @between_layers(%x: !he.ct<1x2xi3, frac = 1>) -> !he.ct<1x1xi3, frac = 0> {
  %w = "he.encode"() {value = dense<[[1, -2], [3, 1]]> : tensor<2x2xi3>} : () -> !he.pt<2x2xi3, frac = 1>
  %y = "he.matmul_plain"(%x, %w) : (!he.ct<1x2xi3, frac = 1>, !he.pt<2x2xi3, frac = 1>) -> !he.ct<1x2xi5, frac = 2>
  %r = "he.rescale"(%y) {shift = 1} : (!he.ct<1x2xi5, frac = 2>) -> !he.ct<1x2xi4, frac = 1>
  %w2 = "he.encode"() {value = dense<[[1], [1]]> : tensor<2x1xi3>} : () -> !he.pt<2x1xi3, frac = 1>
  %z = "he.matmul_plain"(%r, %w2) : (!he.ct<1x2xi4, frac = 1>, !he.pt<2x1xi3, frac = 1>) -> !he.ct<1x1xi5, frac = 2>
  %o = "he.rescale"(%z) {shift = 2} : (!he.ct<1x1xi5, frac = 2>) -> !he.ct<1x1xi3, frac = 0>
  func.return %o : !he.ct<1x1xi3, frac = 0>
}
