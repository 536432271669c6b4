// RUN: veil-opt %s --he-to-rt

// A dense layer: encode becomes rt.const, each op one kernel call. Widths round up to whole 2-bit radix blocks
// (i7 -> i8, i5 -> i6, i15 -> i16, i11 -> i12) and `blocks` is the result width / 2; matmul_plain, rescale and
// relu have one form (no variant).

// CHECK-LABEL: func.func @layer(%arg0: !ct0) -> !ct1
// CHECK-NEXT: %0 = "rt.const"() {value = dense<{{.*}}> : tensor<4x3xi8>} : () -> !pt0
// CHECK-NEXT: %1 = "rt.const"() {value = dense<[256, 0, -256]> : tensor<3xi16>} : () -> !pt1
// CHECK-NEXT: %2 = "rt.call"(%arg0, %0, %1) {blocks = 8, callee = @matmul_plain, signed = true} : (!ct0, !pt0, !pt1) -> !ct2
// CHECK-NEXT: %3 = "rt.call"(%2) {blocks = 6, callee = @rescale, shift = 4, signed = true} : (!ct2) -> !ct3
// CHECK-NEXT: %4 = "rt.call"(%3) {blocks = 4, callee = @relu, signed = true} : (!ct3) -> !ct1
// CHECK-NEXT: func.return %4 : !ct1
// CHECK-NOT: he.
func.func @layer(%x: !he.ct<1x4xi7, frac = 4>) -> !he.ct<1x3xi7, frac = 4> {
  %w = "he.encode"() {value = dense<[[1, 2, 3], [4, 5, 6], [7, 8, 9], [-1, -2, -3]]> : tensor<4x3xi8>} : () -> !he.pt<4x3xi5, frac = 4>
  %b = "he.encode"() {value = dense<[256, 0, -256]> : tensor<3xi16>} : () -> !he.pt<3xi11, frac = 8>
  %0 = "he.matmul_plain"(%x, %w, %b) : (!he.ct<1x4xi7, frac = 4>, !he.pt<4x3xi5, frac = 4>, !he.pt<3xi11, frac = 8>) -> !he.ct<1x3xi15, frac = 8>
  %1 = "he.rescale"(%0) {shift = 4} : (!he.ct<1x3xi15, frac = 8>) -> !he.ct<1x3xi11, frac = 4>
  %2 = "he.relu"(%1) : (!he.ct<1x3xi11, frac = 4>) -> !he.ct<1x3xi7, frac = 4>
  func.return %2 : !he.ct<1x3xi7, frac = 4>
}
