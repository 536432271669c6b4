// RUN: veil-opt %s --he-pool-first=rounding=exact

// With exact rounding nothing moves: the maxima would read differences of the unrounded x, which no table's index
// holds without an exact floor of its own.
// CHECK-LABEL: func.func @rescale_relu_pool
// CHECK-NEXT: %0 = "he.rescale"(%arg0) {shift = 2}
// CHECK-NEXT: %1 = "he.relu"(%0)
// CHECK-NEXT: %2 = "he.max_pool2d"(%1)
func.func @rescale_relu_pool(%x: !he.ct<1x1x4x4xi8, frac = 4>) -> !he.ct<1x1x2x2xi6, frac = 2> {
  %r = "he.rescale"(%x) {shift = 2} : (!he.ct<1x1x4x4xi8, frac = 4>) -> !he.ct<1x1x4x4xi6, frac = 2>
  %y = "he.relu"(%r) : (!he.ct<1x1x4x4xi6, frac = 2>) -> !he.ct<1x1x4x4xi6, frac = 2>
  %p = "he.max_pool2d"(%y) {kernel = [2, 2], strides = [2, 2]} : (!he.ct<1x1x4x4xi6, frac = 2>) -> !he.ct<1x1x2x2xi6, frac = 2>
  func.return %p : !he.ct<1x1x2x2xi6, frac = 2>
}
