// RUN: veil-opt %s

// Elementwise arithmetic and the scale rules: add/sub/max need equal frac; mul adds fracs; rescale subtracts
// the shift; shl keeps the scale. Shapes broadcast as in numpy.

// CHECK: !ct0 = !he.ct<2x3xi8, frac = 4>
// CHECK: !ct2 = !he.ct<2x3xi9, frac = 4>
// CHECK-LABEL: func.func @additive
// CHECK-NEXT: %0 = "he.add"(%arg0, %arg1) : (!ct0, !ct1) -> !ct2
// CHECK-NEXT: %1 = "he.sub"(%arg1, %arg0) : (!ct1, !ct0) -> !ct2
// CHECK-NEXT: %2 = "he.max"(%0, %1) : (!ct2, !ct2) -> !ct2
// CHECK-NEXT: %3 = "he.add_plain"(%arg0, %arg2) : (!ct0, !pt0) -> !ct2
// CHECK-NEXT: %4 = "he.sub_plain"(%3, %arg2) : (!ct2, !pt0) -> !he.ct<2x3xi10, frac = 4>
// CHECK-NEXT: %5 = "he.neg"(%arg0) : (!ct0) -> !ct2
// CHECK-NEXT: %6 = "he.relu"(%5) : (!ct2) -> !ct0
func.func @additive(%a: !he.ct<2x3xi8, frac = 4>, %b: !he.ct<3xi8, frac = 4>, %p: !he.pt<1x3xi8, frac = 4>) -> !he.ct<2x3xi8, frac = 4> {
  %0 = "he.add"(%a, %b) : (!he.ct<2x3xi8, frac = 4>, !he.ct<3xi8, frac = 4>) -> !he.ct<2x3xi9, frac = 4>
  %1 = "he.sub"(%b, %a) : (!he.ct<3xi8, frac = 4>, !he.ct<2x3xi8, frac = 4>) -> !he.ct<2x3xi9, frac = 4>
  %2 = "he.max"(%0, %1) : (!he.ct<2x3xi9, frac = 4>, !he.ct<2x3xi9, frac = 4>) -> !he.ct<2x3xi9, frac = 4>
  %3 = "he.add_plain"(%a, %p) : (!he.ct<2x3xi8, frac = 4>, !he.pt<1x3xi8, frac = 4>) -> !he.ct<2x3xi9, frac = 4>
  %4 = "he.sub_plain"(%3, %p) : (!he.ct<2x3xi9, frac = 4>, !he.pt<1x3xi8, frac = 4>) -> !he.ct<2x3xi10, frac = 4>
  %5 = "he.neg"(%a) : (!he.ct<2x3xi8, frac = 4>) -> !he.ct<2x3xi9, frac = 4>
  %6 = "he.relu"(%5) : (!he.ct<2x3xi9, frac = 4>) -> !he.ct<2x3xi8, frac = 4>
  func.return %6 : !he.ct<2x3xi8, frac = 4>
}

// CHECK-LABEL: func.func @multiplicative
// CHECK-NEXT: %0 = "he.mul"(%arg0, %arg1) : (!ct0, !ct3) -> !ct5
// CHECK-NEXT: %1 = "he.mul_plain"(%arg0, %arg2) : (!ct0, !pt1) -> !he.ct<2x3xi12, frac = 7>
// CHECK-NEXT: %2 = "he.square"(%arg0) : (!ct0) -> !he.ct<2x3xi16, frac = 8>
// CHECK-NEXT: %3 = "he.rescale"(%0) {shift = 6} : (!ct5) -> !ct4
// CHECK-NEXT: %4 = "he.shl"(%3) {shift = 2} : (!ct4) -> !ct4
func.func @multiplicative(%a: !he.ct<2x3xi8, frac = 4>, %b: !he.ct<2x1xi8, frac = 2>, %p: !he.pt<3xi4, frac = 3>) -> !he.ct<2x3xi16, frac = 0> {
  %0 = "he.mul"(%a, %b) : (!he.ct<2x3xi8, frac = 4>, !he.ct<2x1xi8, frac = 2>) -> !he.ct<2x3xi16, frac = 6>
  %1 = "he.mul_plain"(%a, %p) : (!he.ct<2x3xi8, frac = 4>, !he.pt<3xi4, frac = 3>) -> !he.ct<2x3xi12, frac = 7>
  %2 = "he.square"(%a) : (!he.ct<2x3xi8, frac = 4>) -> !he.ct<2x3xi16, frac = 8>
  %3 = "he.rescale"(%0) {shift = 6} : (!he.ct<2x3xi16, frac = 6>) -> !he.ct<2x3xi16, frac = 0>
  %4 = "he.shl"(%3) {shift = 2} : (!he.ct<2x3xi16, frac = 0>) -> !he.ct<2x3xi16, frac = 0>
  func.return %4 : !he.ct<2x3xi16, frac = 0>
}

// A rescale may take the frac below zero; negative frac counts units of 2^-frac.
// CHECK-LABEL: func.func @negative_frac
// CHECK-NEXT: %0 = "he.rescale"(%arg0) {shift = 8} : (!ct6) -> !ct7
func.func @negative_frac(%a: !he.ct<4xi32, frac = 2>) -> !he.ct<4xi24, frac = -6> {
  %0 = "he.rescale"(%a) {shift = 8} : (!he.ct<4xi32, frac = 2>) -> !he.ct<4xi24, frac = -6>
  func.return %0 : !he.ct<4xi24, frac = -6>
}

// A table for i3 inputs -4..3 (here: clamp to 0..2), results in i3 at another scale.
// CHECK-LABEL: func.func @lookup
// CHECK-NEXT: %0 = "he.lut"(%arg0) {table = dense<[0, 0, 0, 0, 0, 1, 2, 2]> : tensor<8xi8>} : (!ct8) -> !ct9
func.func @lookup(%a: !he.ct<2x2xi3, frac = 1>) -> !he.ct<2x2xi3, frac = 0> {
  %0 = "he.lut"(%a) {table = dense<[0, 0, 0, 0, 0, 1, 2, 2]> : tensor<8xi8>} : (!he.ct<2x2xi3, frac = 1>) -> !he.ct<2x2xi3, frac = 0>
  func.return %0 : !he.ct<2x2xi3, frac = 0>
}

// A clamp to a window of the operand's integers: its scale kept, its result as narrow as the window.
// CHECK-LABEL: func.func @window
// CHECK-NEXT: %0 = "he.clamp"(%arg0) {hi = 20, lo = -12} : (!ct10) -> !ct11
func.func @window(%a: !he.ct<4xi12, frac = 4>) -> !he.ct<4xi6, frac = 4> {
  %0 = "he.clamp"(%a) {lo = -12, hi = 20} : (!he.ct<4xi12, frac = 4>) -> !he.ct<4xi6, frac = 4>
  func.return %0 : !he.ct<4xi6, frac = 4>
}
