// RUN: veil-opt %s --he-to-rt=strategy=lut --tfhe-params=rounding=approximate,partitions=one

// partitions=one: one parameter set for the whole program (partitions.mlir's program), as N large enough for the
// second layer's 6-bit tables serves the first layer's too (4096: the approximate lookup's failure threshold is
// that of a 5-bit value, a whole box); no keyswitch routes, no partition on the calls.

// CHECK-NOT: partitions = [
// CHECK-NOT: routes =
// CHECK: polynomial_size = 4096
// CHECK-NOT: partition = 
func.func @two_layers(%x: !he.ct<1x4xi4, frac = 2>) -> !he.ct<1x2xi6, frac = 2> {
  %w1 = "he.encode"() {value = dense<[[7, -7, 3], [-7, 7, 3], [5, 5, 3], [-5, 5, 3]]> : tensor<4x3xi4>} : () -> !he.pt<4x3xi4, frac = 2>
  %w2 = "he.encode"() {value = dense<[[3, -3], [2, 2], [-3, 3]]> : tensor<3x2xi3>} : () -> !he.pt<3x2xi3, frac = 2>
  %0 = "he.matmul_plain"(%x, %w1) : (!he.ct<1x4xi4, frac = 2>, !he.pt<4x3xi4, frac = 2>) -> !he.ct<1x3xi9, frac = 4>
  %1 = "he.lut"(%0) {shift = 6, table = dense<[0, 0, 0, 0, 0, 1, 2, 3]> : tensor<8xi3>} : (!he.ct<1x3xi9, frac = 4>) -> !he.ct<1x3xi3, frac = 2>
  %2 = "he.matmul_plain"(%1, %w2) : (!he.ct<1x3xi3, frac = 2>, !he.pt<3x2xi3, frac = 2>) -> !he.ct<1x2xi8, frac = 4>
  %3 = "he.lut"(%2) {shift = 2, table = dense<[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31]> : tensor<64xi6>} : (!he.ct<1x2xi8, frac = 4>) -> !he.ct<1x2xi6, frac = 2>
  func.return %3 : !he.ct<1x2xi6, frac = 2>
}
