// RUN: veil-opt %s --he-lut-fuse

// Each chain of element-wise non-linear steps becomes one he.lut; its index is floor(x / 2^shift).

// rescale then relu: one table. The argument may hold any 8-bit value, so dropping the rescale's 4 bits would let
// the index reach both ends of the table; one more bit is dropped to keep an index of headroom at each end (each
// entry stands for the middle of the two finer values it covers, floor(x / 32) * 2 + 1).
// CHECK-LABEL: func.func @rescale_relu
// CHECK-NEXT: %0 = "he.lut"(%arg0) {shift = 5, table = dense<[0, 0, 0, 0, 1, 3, 5, 7]> : tensor<8xi5>, veil.real = "relu"} : (!ct0) -> !ct1
// CHECK-NEXT: func.return %0 : !ct1
func.func @rescale_relu(%x: !he.ct<4xi8, frac = 8>) -> !he.ct<4xi5, frac = 4> {
  %0 = "he.rescale"(%x) {shift = 4} : (!he.ct<4xi8, frac = 8>) -> !he.ct<4xi5, frac = 4>
  %1 = "he.relu"(%0) : (!he.ct<4xi5, frac = 4>) -> !he.ct<4xi5, frac = 4>
  func.return %1 : !he.ct<4xi5, frac = 4>
}

// rescale then square (CryptoNets): the square of the rounded value (again one bit more for the headroom; entries
// square the middle values -3, -1, 1, 3 at frac 3 of the four indices).
// CHECK-LABEL: func.func @rescale_square
// CHECK-NEXT: %0 = "he.lut"(%arg0) {shift = 4, table = dense<[9, 1, 1, 9]> : tensor<4xi6>, veil.real = "square"} : (!ct2) -> !ct2
func.func @rescale_square(%x: !he.ct<4xi6, frac = 6>) -> !he.ct<4xi6, frac = 6> {
  %0 = "he.rescale"(%x) {shift = 3} : (!he.ct<4xi6, frac = 6>) -> !he.ct<4xi3, frac = 3>
  %1 = "he.square"(%0) : (!he.ct<4xi3, frac = 3>) -> !he.ct<4xi6, frac = 6>
  func.return %1 : !he.ct<4xi6, frac = 6>
}

// A proven range inside the width keeps the headroom without dropping more: x in [-100, 100] of i8, 4 index bits
// reach -7..6 of -8..7.
// CHECK-LABEL: func.func @ranged
// CHECK-NEXT: %0 = "he.lut"(%arg0) {shift = 4, table = dense<[0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]> : tensor<16xi5>, veil.real = "relu"} : (!ct0) -> !ct1
func.func @ranged(%x: !he.ct<4xi8, frac = 8> {veil.range = [-0.390625, 0.390625]}) -> !he.ct<4xi5, frac = 4> {
  %0 = "he.rescale"(%x) {shift = 4} : (!he.ct<4xi8, frac = 8>) -> !he.ct<4xi5, frac = 4>
  %1 = "he.relu"(%0) : (!he.ct<4xi5, frac = 4>) -> !he.ct<4xi5, frac = 4>
  func.return %1 : !he.ct<4xi5, frac = 4>
}

// A relu alone on a narrow value: a table with no shift.
// CHECK-LABEL: func.func @relu_alone
// CHECK-NEXT: %0 = "he.lut"(%arg0) {table = dense<[0, 0, 0, 0, 0, 1, 2, 3]> : tensor<8xi3>, veil.real = "relu"} : (!ct3) -> !ct3
func.func @relu_alone(%x: !he.ct<4xi3, frac = 0>) -> !he.ct<4xi3, frac = 0> {
  %0 = "he.relu"(%x) : (!he.ct<4xi3, frac = 0>) -> !he.ct<4xi3, frac = 0>
  func.return %0 : !he.ct<4xi3, frac = 0>
}

// max(a, b) = a + relu(b - a): one table per pair.
// CHECK-LABEL: func.func @max_pair
// CHECK-NEXT: %0 = "he.sub"(%arg1, %arg0) : (!ct3, !ct3) -> !ct4
// CHECK-NEXT: %1 = "he.lut"(%0) {table = dense<[0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]> : tensor<16xi4>, veil.real = "relu"} : (!ct4) -> !ct4
// CHECK-NEXT: %2 = "he.add"(%arg0, %1) : (!ct3, !ct4) -> !ct3
func.func @max_pair(%a: !he.ct<4xi3, frac = 0>, %b: !he.ct<4xi3, frac = 0>) -> !he.ct<4xi3, frac = 0> {
  %0 = "he.max"(%a, %b) : (!he.ct<4xi3, frac = 0>, !he.ct<4xi3, frac = 0>) -> !he.ct<4xi3, frac = 0>
  func.return %0 : !he.ct<4xi3, frac = 0>
}

// A rescale whose only use is the return is removed: the client decrypts the exact value (frac 8, not 4).
// CHECK-LABEL: func.func @output_rescale
// CHECK-SAME: -> !ct0
// CHECK-NEXT: func.return %arg0 : !ct0
func.func @output_rescale(%x: !he.ct<4xi8, frac = 8>) -> !he.ct<4xi4, frac = 4> {
  %0 = "he.rescale"(%x) {shift = 4} : (!he.ct<4xi8, frac = 8>) -> !he.ct<4xi4, frac = 4>
  func.return %0 : !he.ct<4xi4, frac = 4>
}
