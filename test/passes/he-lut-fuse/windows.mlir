// RUN: veil-opt %s --he-lut-fuse --split-input-file

// A calibrated window: `veil.window = [lo, hi]` (reals) on the op defining a table's input (or on the rescale the
// table fuses) makes the table read `he.clamp` of it. x is proven to lie in [-100, 100] (i12 at frac 4); the
// window [-3, 5] is [-48, 80] at frac 4, an i8, so the square reads it with its 5 index bits at a box of 8 units
// (0.5) instead of 128 (8.0): each entry squares the middle of its box, at frac 4 (e.g. index 10, the box of 80:
// 5.25^2 = 27.5625, 441/16).
// CHECK-LABEL: func.func @square_in_a_window
// CHECK-NEXT: %0 = "he.encode"
// CHECK-NEXT: %1 = "he.mul_plain"(%arg0, %0) {veil.window = [-3.0, 5.0]}
// CHECK-NEXT: %2 = "he.clamp"(%1) {hi = 80, lo = -48} : (!ct0) -> !ct2
// CHECK-NEXT: %3 = "he.lut"(%2) {shift = 3, table = dense<[961, 841, 729, 625, 529, 441, 361, 289, 225, 169, 121, 81, 49, 25, 9, 1, 1, 9, 25, 49, 81, 121, 169, 225, 289, 361, 441, 529, 625, 729, 841, 961]> : tensor<32xi20>, veil.real = "square"} : (!ct2) -> !ct1
func.func @square_in_a_window(%x: !he.ct<4xi12, frac = 4> {veil.range = [-100.0, 100.0]}) -> !he.ct<4xi20, frac = 4> {
  %w = "he.encode"() {value = dense<1> : tensor<4xi2>} : () -> !he.pt<4xi2, frac = 0>
  %a = "he.mul_plain"(%x, %w) {veil.window = [-3.0, 5.0]} : (!he.ct<4xi12, frac = 4>, !he.pt<4xi2, frac = 0>) -> !he.ct<4xi12, frac = 4>
  %0 = "he.rescale"(%a) {shift = 2} : (!he.ct<4xi12, frac = 4>) -> !he.ct<4xi10, frac = 2>
  %1 = "he.square"(%0) : (!he.ct<4xi10, frac = 2>) -> !he.ct<4xi20, frac = 4>
  func.return %1 : !he.ct<4xi20, frac = 4>
}

// -----

// The window on the rescale the table fuses (where nn-to-he puts an activation's): the same clamp.
// CHECK-LABEL: func.func @window_on_the_rescale
// CHECK: "he.clamp"(%arg0) {hi = 80, lo = -48}
func.func @window_on_the_rescale(%x: !he.ct<4xi12, frac = 4> {veil.range = [-100.0, 100.0]}) -> !he.ct<4xi10, frac = 2> {
  %0 = "he.rescale"(%x) {shift = 2, veil.window = [-3.0, 5.0]} : (!he.ct<4xi12, frac = 4>) -> !he.ct<4xi10, frac = 2>
  %1 = "he.relu"(%0) : (!he.ct<4xi10, frac = 2>) -> !he.ct<4xi10, frac = 2>
  func.return %1 : !he.ct<4xi10, frac = 2>
}

// -----

// A window more than half as wide as the proven range buys nothing worth a bootstrap: no clamp, the table reads
// the proven range (x within [-100, 100], the window [-60, 60]).
// CHECK-LABEL: func.func @wide_window
// CHECK-NOT: he.clamp
// CHECK: "he.lut"(%arg0) {shift = 7
func.func @wide_window(%x: !he.ct<4xi12, frac = 4> {veil.range = [-100.0, 100.0]}) -> !he.ct<4xi5, frac = -3> {
  %0 = "he.rescale"(%x) {shift = 7, veil.window = [-60.0, 60.0]} : (!he.ct<4xi12, frac = 4>) -> !he.ct<4xi5, frac = -3>
  %1 = "he.relu"(%0) : (!he.ct<4xi5, frac = -3>) -> !he.ct<4xi5, frac = -3>
  func.return %1 : !he.ct<4xi5, frac = -3>
}

// -----

// A window that is no pair of finite reals lo <= hi is ignored (it is a discardable attribute).
// CHECK-LABEL: func.func @malformed_window
// CHECK-NOT: he.clamp
func.func @malformed_window(%x: !he.ct<4xi12, frac = 4> {veil.range = [-100.0, 100.0]}) -> !he.ct<4xi10, frac = 2> {
  %0 = "he.rescale"(%x) {shift = 2, veil.window = [5.0, -3.0]} : (!he.ct<4xi12, frac = 4>) -> !he.ct<4xi10, frac = 2>
  %1 = "he.relu"(%0) : (!he.ct<4xi10, frac = 2>) -> !he.ct<4xi10, frac = 2>
  func.return %1 : !he.ct<4xi10, frac = 2>
}
