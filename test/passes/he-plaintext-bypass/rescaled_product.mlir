// RUN: veil-opt %s --he-plaintext-bypass

// A product by ±2^k encoded with f fraction bits adds f fraction bits that the rescales after it drop again:
// floor(±x * 2^k / 2^s) = floor(±x * 2^(k-f) / 2^(s-f)), so each rescale reads ±shl(x, k - f) and shifts by
// s - f (no rescale at all when s = f). Same integers, same scales, no product.

// The real value 1.0 at frac 6 (the integer 64), then a rescale by 6: the operand itself.
// CHECK-LABEL: func.func @times_one
// CHECK-NEXT: func.return %arg0
func.func @times_one(%x: !he.ct<4xi8, frac = 4>) -> !he.ct<4xi8, frac = 4> {
  %one = "he.encode"() {value = dense<64> : tensor<4xi8>} : () -> !he.pt<4xi8, frac = 6>
  %0 = "he.mul_plain"(%x, %one) : (!he.ct<4xi8, frac = 4>, !he.pt<4xi8, frac = 6>) -> !he.ct<4xi14, frac = 10>
  %1 = "he.rescale"(%0) {shift = 6} : (!he.ct<4xi14, frac = 10>) -> !he.ct<4xi8, frac = 4>
  func.return %1 : !he.ct<4xi8, frac = 4>
}

// -2.0 at frac 6 (the integer -128), then rescales by 8 and by 6: neg(shl(x, 1)), rescaled by 2 and kept.
// CHECK-LABEL: func.func @times_minus_two
// CHECK-NEXT: %0 = "he.shl"(%arg0) {shift = 1} : (!ct0) -> !ct3
// CHECK-NEXT: %1 = "he.neg"(%0) : (!ct3) -> !ct2
// CHECK-NEXT: %2 = "he.rescale"(%1) {shift = 2} : (!ct2) -> !ct4
// CHECK-NEXT: %3 = "he.rescale"(%2) {shift = 1} : (!ct4) -> !ct1
// CHECK-NEXT: func.return %3, %1
func.func @times_minus_two(%x: !he.ct<4xi8, frac = 4>) -> (!he.ct<4xi8, frac = 1>, !he.ct<4xi10, frac = 4>) {
  %m2 = "he.encode"() {value = dense<-128> : tensor<4xi9>} : () -> !he.pt<4xi9, frac = 6>
  %0 = "he.mul_plain"(%x, %m2) : (!he.ct<4xi8, frac = 4>, !he.pt<4xi9, frac = 6>) -> !he.ct<4xi16, frac = 10>
  %1 = "he.rescale"(%0) {shift = 8} : (!he.ct<4xi16, frac = 10>) -> !he.ct<4xi8, frac = 2>
  %2 = "he.rescale"(%1) {shift = 1} : (!he.ct<4xi8, frac = 2>) -> !he.ct<4xi8, frac = 1>
  %3 = "he.rescale"(%0) {shift = 6} : (!he.ct<4xi16, frac = 10>) -> !he.ct<4xi10, frac = 4>
  func.return %2, %3 : !he.ct<4xi8, frac = 1>, !he.ct<4xi10, frac = 4>
}

// A product some other op reads, or whose rescale keeps fraction bits of the plaintext, stays.
// CHECK-LABEL: func.func @kept
// CHECK: "he.mul_plain"
// CHECK: "he.mul_plain"
func.func @kept(%x: !he.ct<4xi8, frac = 4>) -> (!he.ct<4xi14, frac = 10>, !he.ct<4xi12, frac = 7>) {
  %one = "he.encode"() {value = dense<64> : tensor<4xi8>} : () -> !he.pt<4xi8, frac = 6>
  %0 = "he.mul_plain"(%x, %one) : (!he.ct<4xi8, frac = 4>, !he.pt<4xi8, frac = 6>) -> !he.ct<4xi14, frac = 10>
  %1 = "he.mul_plain"(%x, %one) : (!he.ct<4xi8, frac = 4>, !he.pt<4xi8, frac = 6>) -> !he.ct<4xi14, frac = 10>
  %2 = "he.rescale"(%1) {shift = 3} : (!he.ct<4xi14, frac = 10>) -> !he.ct<4xi12, frac = 7>
  func.return %0, %2 : !he.ct<4xi14, frac = 10>, !he.ct<4xi12, frac = 7>
}
