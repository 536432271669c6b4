// RUN: veil-opt %s --he-lut-fuse=index-bits=3,rounding=approximate

// With approximate rounding a maximum whose table would drop bits is (a + b + |b - a|) / 2: a + b leveled and
// exact, |b - a| a full-domain table (entries i and i + 2^(q-1) sum to a constant) of index-bits + 1 = 4 index bits
// at the cost of 3, its entries the middle of their boxes, and the sum read at one more fraction bit. Its error is
// at most a quarter of the relu form's (half the box, halved), both ways.

// The types of @halved: the maximum, two of its integers per unit, and the taps.
// CHECK-DAG: !ct1 = !he.ct<1x1x1x1xi5, frac = 1>
// CHECK-DAG: !ct2 = !he.ct<1x1x1x1xi4, frac = 0>

// x in [0, 7] (i4): the difference lies in [-7, 7], i4, where the 3-bit relu table drops 2 bits (one for the
// headroom; max_pool_index_bits.mlir). |d| reads all 16 values with its 4 bits (a full-domain table needs no
// headroom): the maximum is exact, its integers 2 max(a, b) in [0, 14] (i5: he-ranges bounds the form per box) at
// frac 1, and the return carries the fraction bit to the client.
// CHECK-LABEL: func.func @halved
// CHECK-SAME: -> !ct1
// CHECK: %4 = "he.sub"(%3, %1) : (!ct2, !ct2) -> !ct2
// CHECK-NEXT: %5 = "he.add"(%1, %3)
// CHECK-NEXT: %6 = "he.encode"() {value = dense<1> : tensor<i2>} : () -> !pt1
// CHECK-NEXT: %7 = "he.mul_plain"(%5, %6)
// CHECK-NEXT: %8 = "he.lut"(%4) {table = dense<[8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6, 7]> : tensor<16xi5>, veil.real = "abs,half"}
// CHECK-NEXT: %9 = "he.add"(%7, %8)
// CHECK-NEXT: func.return %9
func.func @halved(%x: !he.ct<1x1x2x1xi4, frac = 0> {veil.range = [0.0, 7.0]}) -> !he.ct<1x1x1x1xi4, frac = 0> {
  %0 = "he.max_pool2d"(%x) {kernel = [2, 1], strides = [2, 1]} : (!he.ct<1x1x2x1xi4, frac = 0>) -> !he.ct<1x1x1x1xi4, frac = 0>
  func.return %0 : !he.ct<1x1x1x1xi4, frac = 0>
}

// x in [0, 63]: the difference [-63, 63] needs 7 bits; |d| with 4 index bits drops 3 (boxes of 8, entries at
// their middle: |8j + 4|), so 2 max(a, b) is off by at most 4, the maximum by 2 (the relu form: by up to 15).
// CHECK-LABEL: func.func @coarse
// CHECK: "he.lut"(%4) {shift = 3, table = dense<[60, 52, 44, 36, 28, 20, 12, 4, 4, 12, 20, 28, 36, 44, 52, 60]> : tensor<16xi8>, veil.real = "abs,half"}
func.func @coarse(%x: !he.ct<1x1x2x1xi7, frac = 0> {veil.range = [0.0, 63.0]}) -> !he.ct<1x1x1x1xi7, frac = 0> {
  %0 = "he.max_pool2d"(%x) {kernel = [2, 1], strides = [2, 1]} : (!he.ct<1x1x2x1xi7, frac = 0>) -> !he.ct<1x1x1x1xi7, frac = 0>
  func.return %0 : !he.ct<1x1x1x1xi7, frac = 0>
}

// A maximum whose result reaches an op that cannot take a fraction bit more (here a product of two ciphertexts)
// keeps the relu form.
// CHECK-LABEL: func.func @kept
// CHECK: veil.real = "relu"
// CHECK-NOT: abs,half
func.func @kept(%x: !he.ct<1x1x2x1xi7, frac = 0> {veil.range = [0.0, 63.0]}) -> !he.ct<1x1x1x1xi14, frac = 0> {
  %0 = "he.max_pool2d"(%x) {kernel = [2, 1], strides = [2, 1]} : (!he.ct<1x1x2x1xi7, frac = 0>) -> !he.ct<1x1x1x1xi7, frac = 0>
  %1 = "he.mul"(%0, %0) : (!he.ct<1x1x1x1xi7, frac = 0>, !he.ct<1x1x1x1xi7, frac = 0>) -> !he.ct<1x1x1x1xi14, frac = 0>
  func.return %1 : !he.ct<1x1x1x1xi14, frac = 0>
}
