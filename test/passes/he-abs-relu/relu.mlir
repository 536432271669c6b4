// RUN: veil-opt %s --he-abs-relu=rounding=approximate,index-bits=3

// relu(y) = (y + |y|) / 2 at one more fraction bit than y: y exact (leveled), |y| a table that a bootstrap reads
// over the whole torus (|y| minus a constant is negacyclic), with index-bits = 3 index bits for the cost of 2.

// y = x · w: x in [0, 2] (frac 1), columns [1, 3] and [-2, 1]: y in [0, 8] and [-4, 2], i5 at frac 2. The rescale
// by 1 is dropped: the result comes at frac 3 (k = 2 more bits than the relu's frac 1) and the next matmul carries
// them: its bias 1 at frac 2 becomes 4 at frac 4, its result i5 at frac 2 becomes i7 at frac 4.
// The table drops 5 - 3 = 2 bits; entry j stands for the middle of its box, |(j - 4) * 4 + 2|: 14, 10, 6, 2, 2, 6,
// 10, 14 (i and i + 4 sum to 16: negacyclic up to 8).
// CHECK-DAG: !ct1 = !he.ct<1x1xi7, frac = 4>
// CHECK-DAG: !ct2 = !he.ct<1x2xi5, frac = 2>
// CHECK-DAG: !pt1 = !he.pt<i2, frac = 1>
// CHECK-DAG: !ct3 = !he.ct<1x2xi5, frac = 3>
// CHECK-DAG: !ct4 = !he.ct<1x2xi6, frac = 3>
// CHECK-DAG: !pt3 = !he.pt<1xi4, frac = 4>
// CHECK-LABEL: func.func @first_layer
// CHECK-SAME: -> !ct1
// CHECK: %1 = "he.matmul_plain"(%arg0, %0) : (!ct0, !pt0) -> !ct2
// CHECK-NEXT: %2 = "he.encode"() {value = dense<1> : tensor<i2>} : () -> !pt1
// CHECK-NEXT: %3 = "he.mul_plain"(%1, %2) : (!ct2, !pt1) -> !ct3
// CHECK-NEXT: %4 = "he.lut"(%1) {shift = 2, table = dense<[14, 10, 6, 2, 2, 6, 10, 14]> : tensor<8xi6>, veil.real = "abs,half"} : (!ct2) -> !ct4
// CHECK-NEXT: %5 = "he.add"(%3, %4) : (!ct3, !ct4) -> !ct4
// CHECK: %7 = "he.encode"() {value = dense<4> : tensor<1xi4>} : () -> !pt3
// CHECK-NEXT: %8 = "he.matmul_plain"(%5, %6, %7) : (!ct4, !pt2, !pt3) -> !ct1
// CHECK-NEXT: func.return %8 : !ct1
func.func @first_layer(%x: !he.ct<1x2xi3, frac = 1> {veil.range = [0.0, 1.0]}) -> !he.ct<1x1xi5, frac = 2> {
  %w = "he.encode"() {value = dense<[[1, -2], [3, 1]]> : tensor<2x2xi3>} : () -> !he.pt<2x2xi3, frac = 1>
  %y = "he.matmul_plain"(%x, %w) : (!he.ct<1x2xi3, frac = 1>, !he.pt<2x2xi3, frac = 1>) -> !he.ct<1x2xi5, frac = 2>
  %r = "he.rescale"(%y) {shift = 1} : (!he.ct<1x2xi5, frac = 2>) -> !he.ct<1x2xi4, frac = 1>
  %a = "he.relu"(%r) : (!he.ct<1x2xi4, frac = 1>) -> !he.ct<1x2xi4, frac = 1>
  %w2 = "he.encode"() {value = dense<[[1], [1]]> : tensor<2x1xi3>} : () -> !he.pt<2x1xi3, frac = 1>
  %b2 = "he.encode"() {value = dense<1> : tensor<1xi3>} : () -> !he.pt<1xi3, frac = 2>
  %z = "he.matmul_plain"(%a, %w2, %b2) : (!he.ct<1x2xi4, frac = 1>, !he.pt<2x1xi3, frac = 1>, !he.pt<1xi3, frac = 2>) -> !he.ct<1x1xi5, frac = 2>
  func.return %z : !he.ct<1x1xi5, frac = 2>
}

// A later rescale or table takes the deferred bits: its shift grows by k = 1 (relu at frac 0 of x at frac 0). The
// i4 x drops 1 bit for 3 index bits: entries |(j - 4) * 2 + 1| = 7, 5, 3, 1, 1, 3, 5, 7.
// CHECK-LABEL: func.func @rescale_after
// CHECK: "he.lut"(%arg0) {shift = 1, table = dense<[7, 5, 3, 1, 1, 3, 5, 7]> : tensor<8xi5>, veil.real = "abs,half"}
// CHECK: "he.rescale"(%{{[0-9]+}}) {shift = 2}
func.func @rescale_after(%x: !he.ct<4xi4, frac = 0>) -> !he.ct<4xi3, frac = -1> {
  %a = "he.relu"(%x) : (!he.ct<4xi4, frac = 0>) -> !he.ct<4xi4, frac = 0>
  %r = "he.rescale"(%a) {shift = 1} : (!he.ct<4xi4, frac = 0>) -> !he.ct<4xi3, frac = -1>
  func.return %r : !he.ct<4xi3, frac = -1>
}

// Left alone: y depends on a bootstrap (a table's output), whose noise the sum would carry into the next layer.
// CHECK-LABEL: func.func @after_a_bootstrap
// CHECK-NOT: he.mul_plain
// CHECK: "he.relu"
func.func @after_a_bootstrap(%x: !he.ct<4xi4, frac = 0>) -> !he.ct<4xi4, frac = 0> {
  %t = "he.lut"(%x) {table = dense<[0, 1, 2, 3, 4, 5, 6, 7, -8, -7, -6, -5, -4, -3, -2, -1]> : tensor<16xi4>} : (!he.ct<4xi4, frac = 0>) -> !he.ct<4xi4, frac = 0>
  %a = "he.relu"(%t) : (!he.ct<4xi4, frac = 0>) -> !he.ct<4xi4, frac = 0>
  func.return %a : !he.ct<4xi4, frac = 0>
}

// Left alone: the relu's result reaches an op that cannot take more fraction bits (a product of ciphertexts).
// CHECK-LABEL: func.func @other_use
// CHECK-NOT: he.lut
// CHECK: "he.relu"
func.func @other_use(%x: !he.ct<4xi4, frac = 0>) -> !he.ct<4xi8, frac = 0> {
  %a = "he.relu"(%x) : (!he.ct<4xi4, frac = 0>) -> !he.ct<4xi4, frac = 0>
  %p = "he.mul"(%a, %a) : (!he.ct<4xi4, frac = 0>, !he.ct<4xi4, frac = 0>) -> !he.ct<4xi8, frac = 0>
  func.return %p : !he.ct<4xi8, frac = 0>
}
