// RUN: veil-opt %s --he-to-rt=strategy=lut

// The lookup-table model: every ciphertext becomes !rt.lwe (one LWE ciphertext per element). Ciphertexts joined by
// leveled ops (linear maps, data movement) share one encoding, the widest of them: the argument (i6) is encoded at
// the first accumulator's i14; the table's output (i5) at the second accumulator's i12 (the types !lwe6 to !lwe8
// are @floor's, below). Calls carry no radix
// attributes (blocks, variant); plaintexts stay !rt.pt.

// CHECK: !lwe0 = !rt.lwe<1x4xi14, frac = 4>
// CHECK: !lwe1 = !rt.lwe<1x2xi12, frac = 8>
// CHECK: !lwe2 = !rt.lwe<1x3xi14, frac = 8>
// CHECK: !lwe3 = !rt.lwe<1x3xi12, frac = 4>
// CHECK: !lwe4 = !rt.lwe<4xi8, frac = 0>
// CHECK-NEXT: !lwe5 = !rt.lwe<4xi5, frac = 0>
// CHECK-NEXT: !lwe6 = !rt.lwe<4xi14, frac = 0>
// CHECK-NEXT: !lwe7 = !rt.lwe<4xi10, frac = -2>
// CHECK-NEXT: !lwe8 = !rt.lwe<4xi10, frac = -4>
// CHECK-LABEL: func.func @mlp(%arg0: !lwe0) -> !lwe1
// CHECK: %2 = "rt.call"(%arg0, %0) {callee = @matmul_plain, signed = true} : (!lwe0, !pt0) -> !lwe2
// CHECK-NEXT: %3 = "rt.call"(%2) {callee = @lut, shift = 8, signed = true, table = dense<{{.*}}> : tensor<64xi5>} : (!lwe2) -> !lwe3
// CHECK-NEXT: %4 = "rt.call"(%3, %1) {callee = @matmul_plain, signed = true} : (!lwe3, !pt1) -> !lwe1
func.func @mlp(%x: !he.ct<1x4xi6, frac = 4>) -> !he.ct<1x2xi12, frac = 8> {
  %w1 = "he.encode"() {value = dense<[[100, -100, 3], [-100, 100, 3], [50, 50, 3], [-50, 50, 3]]> : tensor<4x3xi8>} : () -> !he.pt<4x3xi8, frac = 4>
  %w2 = "he.encode"() {value = dense<[[1, -1], [2, 2], [-3, 3]]> : tensor<3x2xi8>} : () -> !he.pt<3x2xi3, frac = 4>
  %0 = "he.matmul_plain"(%x, %w1) : (!he.ct<1x4xi6, frac = 4>, !he.pt<4x3xi8, frac = 4>) -> !he.ct<1x3xi14, frac = 8>
  %1 = "he.lut"(%0) {shift = 8, table = dense<[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15]> : tensor<64xi5>} : (!he.ct<1x3xi14, frac = 8>) -> !he.ct<1x3xi5, frac = 4>
  %2 = "he.matmul_plain"(%1, %w2) : (!he.ct<1x3xi5, frac = 4>, !he.pt<3x2xi3, frac = 4>) -> !he.ct<1x2xi12, frac = 8>
  func.return %2 : !he.ct<1x2xi12, frac = 8>
}

// A max's difference, read only by its table, stays apart at its own width (i5) although a shares the i8 encoding
// of the shift its maximum feeds: the subtraction re-encodes a (times 2^3), and the table reads its input at i5, its
// own width. b, read by nothing else, is encoded at the difference's i5 (an encoding never widens without a
// bootstrap).
// CHECK-LABEL: func.func @difference(%arg0: !lwe4, %arg1: !lwe5) -> !lwe4
// CHECK-NEXT: %0 = "rt.call"(%arg1, %arg0) {callee = @sub, signed = true} : (!lwe5, !lwe4) -> !lwe5
// CHECK-NEXT: %1 = "rt.call"(%0) {callee = @lut, signed = true, table = dense<{{.*}}> : tensor<32xi5>} : (!lwe5) -> !lwe4
// CHECK-NEXT: %2 = "rt.call"(%arg0, %1) {callee = @add, signed = true} : (!lwe4, !lwe4) -> !lwe4
// CHECK-NEXT: %3 = "rt.call"(%2) {callee = @shl, shift = 3, signed = true} : (!lwe4) -> !lwe4
func.func @difference(%a: !he.ct<4xi4, frac = 0>, %b: !he.ct<4xi4, frac = 0>) -> !he.ct<4xi8, frac = 0> {
  %0 = "he.sub"(%b, %a) : (!he.ct<4xi4, frac = 0>, !he.ct<4xi4, frac = 0>) -> !he.ct<4xi5, frac = 0>
  %1 = "he.lut"(%0) {table = dense<[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]> : tensor<32xi5>} : (!he.ct<4xi5, frac = 0>) -> !he.ct<4xi5, frac = 0>
  %2 = "he.add"(%a, %1) : (!he.ct<4xi4, frac = 0>, !he.ct<4xi5, frac = 0>) -> !he.ct<4xi5, frac = 0>
  %3 = "he.shl"(%2) {shift = 3} : (!he.ct<4xi5, frac = 0>) -> !he.ct<4xi8, frac = 0>
  func.return %3 : !he.ct<4xi8, frac = 0>
}

// A table input that a wider linear op also reads (here an argument, i4, in the add's i5 partition) is re-encoded:
// shl by 1 puts its bits at the top of the i5 encoding, and the table drops that bit again (shift 1): the same 16
// entries, read at the same index. The bit is zero (zero_bits 1): an exact floor need not clear it.
// CHECK-LABEL: func.func @shared(%arg0: !lwe5) -> !lwe5
// CHECK-NEXT: %0 = "rt.call"(%arg0) {callee = @shl, shift = 1, signed = true} : (!lwe5) -> !lwe5
// CHECK-NEXT: %1 = "rt.call"(%0) {callee = @lut, shift = 1, signed = true, table = dense<[0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]> : tensor<16xi4>, zero_bits = 1} : (!lwe5) -> !lwe5
// CHECK-NEXT: %2 = "rt.call"(%arg0, %1) {callee = @add, signed = true} : (!lwe5, !lwe5) -> !lwe5
func.func @shared(%x: !he.ct<4xi4, frac = 0>) -> !he.ct<4xi5, frac = 0> {
  %0 = "he.lut"(%x) {table = dense<[0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]> : tensor<16xi4>} : (!he.ct<4xi4, frac = 0>) -> !he.ct<4xi4, frac = 0>
  %1 = "he.add"(%x, %0) : (!he.ct<4xi4, frac = 0>, !he.ct<4xi4, frac = 0>) -> !he.ct<4xi5, frac = 0>
  func.return %1 : !he.ct<4xi5, frac = 0>
}

// An exact floor (he-abs-relu's rescale with a chunk, exact rounding) returns its input's ciphertext with the low
// bits cleared: the quotient k is encoded exactly `shift` bits narrower than x. k's partition is the i10 of the
// product z, so x's (i8 alone) is widened to 14. The table reads k (i4) re-encoded at the top of its i10 encoding:
// shl by 6, shift 6, and zero_bits 6: those bits are zero, an exact floor clears none of them.
// CHECK-LABEL: func.func @floor(%arg0: !lwe6) -> !lwe7
// CHECK-NEXT: %0 = "rt.call"(%arg0) {callee = @rescale, chunk = 4, shift = 4, signed = true} : (!lwe6) -> !lwe8
// CHECK: %3 = "rt.call"(%0) {callee = @shl, shift = 6, signed = true} : (!lwe8) -> !lwe8
// CHECK-NEXT: %4 = "rt.call"(%3) {callee = @lut, shift = 6, signed = true, table = dense<{{.*}}> : tensor<16xi7>, zero_bits = 6} : (!lwe8) -> !lwe7
func.func @floor(%x: !he.ct<4xi8, frac = 0>) -> !he.ct<4xi10, frac = -2> {
  %k = "he.rescale"(%x) {chunk = 4, shift = 4} : (!he.ct<4xi8, frac = 0>) -> !he.ct<4xi4, frac = -4>
  %two = "he.encode"() {value = dense<2> : tensor<i3>} : () -> !he.pt<i3, frac = 2>
  %v = "he.mul_plain"(%k, %two) : (!he.ct<4xi4, frac = -4>, !he.pt<i3, frac = 2>) -> !he.ct<4xi7, frac = -2>
  %t = "he.lut"(%k) {table = dense<[16, 14, 12, 10, 8, 6, 4, 2, 2, 4, 6, 8, 10, 12, 14, 16]> : tensor<16xi7>} : (!he.ct<4xi4, frac = -4>) -> !he.ct<4xi7, frac = -2>
  %s = "he.add"(%v, %t) : (!he.ct<4xi7, frac = -2>, !he.ct<4xi7, frac = -2>) -> !he.ct<4xi7, frac = -2>
  %three = "he.encode"() {value = dense<3> : tensor<i3>} : () -> !he.pt<i3, frac = 0>
  %z = "he.mul_plain"(%s, %three) : (!he.ct<4xi7, frac = -2>, !he.pt<i3, frac = 0>) -> !he.ct<4xi10, frac = -2>
  func.return %z : !he.ct<4xi10, frac = -2>
}

// A trivial encryption joined to a wider ciphertext (a constant concatenated with the argument, ONNX's
// test_concat_2d_axis_0) is encoded at the partition's i11; its plaintext keeps its whole radix blocks (i10).
// CHECK-LABEL: func.func @trivial
// CHECK: "rt.call"(%0) {callee = @trivial, signed = true} : (!pt{{[0-9]+}}) -> !lwe{{[0-9]+}}
// CHECK-NEXT: "rt.call"(%arg0, %1) {axis = 0, callee = @concat, signed = true}
func.func @trivial(%x: !he.ct<2x2xi11, frac = 8>) -> !he.ct<4x2xi11, frac = 8> {
  %0 = "he.encode"() {value = dense<[[384, -64], [192, 256]]> : tensor<2x2xi10>} : () -> !he.pt<2x2xi10, frac = 8>
  %1 = "he.trivial"(%0) : (!he.pt<2x2xi10, frac = 8>) -> !he.ct<2x2xi10, frac = 8>
  %2 = "he.concat"(%x, %1) {axis = 0} : (!he.ct<2x2xi11, frac = 8>, !he.ct<2x2xi10, frac = 8>) -> !he.ct<4x2xi11, frac = 8>
  func.return %2 : !he.ct<4x2xi11, frac = 8>
}
