// RUN: veil-opt %s --he-narrow-widths

// Every width becomes what the sound integer range needs: arguments with veil.range, sums from the actual
// weights, constants from their values; the signature follows.

// x in [-1, 1] at frac 4 is [-16, 16]: i6. W . x with W = [[1, -1], [2, 0]] is [-48, 48] for column 0
// and [-16, 16] for column 1: i7 for the tensor; + bias [4, -4]: [-44, 52] and [-20, 12]: i7.
// CHECK: !ct0 = !he.ct<1x2xi6, frac = 4>
// CHECK: !ct1 = !he.ct<1x2xi7, frac = 8>
// CHECK: !ct2 = !he.ct<4xi8, frac = 4>
// CHECK: !ct3 = !he.ct<4xi7, frac = 0>
// CHECK: !ct4 = !he.ct<4xi4, frac = 0>
// CHECK: !ct5 = !he.ct<2xi2, frac = 0>
// CHECK: !ct6 = !he.ct<2xi4, frac = 0>
// CHECK-LABEL: func.func @layer
// CHECK-SAME: (%arg0: !ct0 {veil.range = [-1.0, 1.0]}) -> !ct1
// CHECK-NEXT: %0 = "he.encode"() {value = dense<{{.}}[1, -1], [2, 0]]> : tensor<2x2xi3>} : () -> !pt0
// CHECK-NEXT: %1 = "he.encode"() {value = dense<[4, -4]> : tensor<2xi4>} : () -> !pt1
// CHECK-NEXT: %2 = "he.matmul_plain"(%arg0, %0, %1) : (!ct0, !pt0, !pt1) -> !ct1
func.func @layer(%x: !he.ct<1x2xi16, frac = 4> {veil.range = [-1.0, 1.0]}) -> !he.ct<1x2xi32, frac = 8> {
  %w = "he.encode"() {value = dense<[[1, -1], [2, 0]]> : tensor<2x2xi16>} : () -> !he.pt<2x2xi16, frac = 4>
  %b = "he.encode"() {value = dense<[4, -4]> : tensor<2xi16>} : () -> !he.pt<2xi16, frac = 8>
  %0 = "he.matmul_plain"(%x, %w, %b) : (!he.ct<1x2xi16, frac = 4>, !he.pt<2x2xi16, frac = 4>, !he.pt<2xi16, frac = 8>) -> !he.ct<1x2xi32, frac = 8>
  func.return %0 : !he.ct<1x2xi32, frac = 8>
}

// Without veil.range an argument keeps its full type range; relu of i8 is [0, 127] (i8), a rescale by 4 of
// it [0, 7] (i4), and a square of that [0, 49] (i7). A too-narrow declared width is widened to the range.
// CHECK-LABEL: func.func @chain
// CHECK-SAME: (%arg0: !ct2) -> !ct3
// CHECK-NEXT: %0 = "he.relu"(%arg0) : (!ct2) -> !ct2
// CHECK-NEXT: %1 = "he.rescale"(%0) {shift = 4} : (!ct2) -> !ct4
// CHECK-NEXT: %2 = "he.square"(%1) : (!ct4) -> !ct3
func.func @chain(%x: !he.ct<4xi8, frac = 4>) -> !he.ct<4xi5, frac = 0> {
  %0 = "he.relu"(%x) : (!he.ct<4xi8, frac = 4>) -> !he.ct<4xi16, frac = 4>
  %1 = "he.rescale"(%0) {shift = 4} : (!he.ct<4xi16, frac = 4>) -> !he.ct<4xi16, frac = 0>
  %2 = "he.square"(%1) : (!he.ct<4xi16, frac = 0>) -> !he.ct<4xi5, frac = 0>
  func.return %2 : !he.ct<4xi5, frac = 0>
}

// A lut's table is re-indexed for its narrower input: x in [-2, 1] (i2) keeps the entries for -2..1.
// CHECK-LABEL: func.func @table
// CHECK-NEXT: %0 = "he.lut"(%arg0) {table = dense<[4, 1, 0, 1]> : tensor<4xi8>} : (!ct5) -> !ct6
func.func @table(%x: !he.ct<2xi3, frac = 0> {veil.range = [-2.0, 1.0]}) -> !he.ct<2xi8, frac = 0> {
  %0 = "he.lut"(%x) {table = dense<[16, 9, 4, 1, 0, 1, 4, 9]> : tensor<8xi8>} : (!he.ct<2xi3, frac = 0>) -> !he.ct<2xi8, frac = 0>
  func.return %0 : !he.ct<2xi8, frac = 0>
}
