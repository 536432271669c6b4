// RUN: veil-opt %s --he-pool-first=rounding=approximate

// A 2x2 max pool after a rescale and a ReLU (a convolution's usual tail) moves before both: the maximum of x, then
// the rescale and the ReLU on the 4 pooled elements, where he-lut-fuse makes them one table each (4 bootstraps
// instead of 16). Both steps never decrease, so the integers are the same: max of floor(x / 4) = floor(max / 4).
// CHECK-DAG: !ct0 = !he.ct<1x1x4x4xi8, frac = 4>
// CHECK-DAG: !ct1 = !he.ct<1x1x2x2xi6, frac = 2>
// CHECK-DAG: !ct2 = !he.ct<1x1x2x2xi8, frac = 4>
// CHECK-LABEL: func.func @rescale_relu_pool
// CHECK-NEXT: %0 = "he.max_pool2d"(%arg0) {kernel = [2, 2], strides = [2, 2]} : (!ct0) -> !ct2
// CHECK-NEXT: %1 = "he.rescale"(%0) {shift = 2} : (!ct2) -> !ct1
// CHECK-NEXT: %2 = "he.relu"(%1) : (!ct1) -> !ct1
// CHECK-NEXT: func.return %2
func.func @rescale_relu_pool(%x: !he.ct<1x1x4x4xi8, frac = 4>) -> !he.ct<1x1x2x2xi6, frac = 2> {
  %r = "he.rescale"(%x) {shift = 2} : (!he.ct<1x1x4x4xi8, frac = 4>) -> !he.ct<1x1x4x4xi6, frac = 2>
  %y = "he.relu"(%r) : (!he.ct<1x1x4x4xi6, frac = 2>) -> !he.ct<1x1x4x4xi6, frac = 2>
  %p = "he.max_pool2d"(%y) {kernel = [2, 2], strides = [2, 2]} : (!he.ct<1x1x4x4xi6, frac = 2>) -> !he.ct<1x1x2x2xi6, frac = 2>
  func.return %p : !he.ct<1x1x2x2xi6, frac = 2>
}

// The chain stops at the first op that is not a step: here the convolution; its padding and strides stay on the
// pool.
// CHECK-LABEL: func.func @relu_pool_after_conv
// CHECK: %1 = "he.conv2d_plain"(%arg0, %0)
// CHECK-NEXT: %2 = "he.max_pool2d"(%1) {kernel = [3, 3], pads = [1, 1, 1, 1], strides = [2, 2]}
// CHECK-NEXT: %3 = "he.relu"(%2)
// CHECK-NEXT: func.return %3
func.func @relu_pool_after_conv(%x: !he.ct<1x1x4x4xi3, frac = 0>) -> !he.ct<1x1x2x2xi5, frac = 0> {
  %w = "he.encode"() {value = dense<1> : tensor<1x1x1x1xi2>} : () -> !he.pt<1x1x1x1xi2, frac = 0>
  %c = "he.conv2d_plain"(%x, %w) : (!he.ct<1x1x4x4xi3, frac = 0>, !he.pt<1x1x1x1xi2, frac = 0>) -> !he.ct<1x1x4x4xi5, frac = 0>
  %y = "he.relu"(%c) : (!he.ct<1x1x4x4xi5, frac = 0>) -> !he.ct<1x1x4x4xi5, frac = 0>
  %p = "he.max_pool2d"(%y) {kernel = [3, 3], pads = [1, 1, 1, 1], strides = [2, 2]} : (!he.ct<1x1x4x4xi5, frac = 0>) -> !he.ct<1x1x2x2xi5, frac = 0>
  func.return %p : !he.ct<1x1x2x2xi5, frac = 0>
}

// Left alone: the ReLU's result is returned too (moving it would compute it twice), ...
// CHECK-LABEL: func.func @relu_used_twice
// CHECK-NEXT: %0 = "he.relu"(%arg0)
// CHECK-NEXT: %1 = "he.max_pool2d"(%0)
func.func @relu_used_twice(%x: !he.ct<1x1x2x2xi4, frac = 0>) -> (!he.ct<1x1x1x1xi4, frac = 0>, !he.ct<1x1x2x2xi4, frac = 0>) {
  %y = "he.relu"(%x) : (!he.ct<1x1x2x2xi4, frac = 0>) -> !he.ct<1x1x2x2xi4, frac = 0>
  %p = "he.max_pool2d"(%y) {kernel = [2, 2], strides = [2, 2]} : (!he.ct<1x1x2x2xi4, frac = 0>) -> !he.ct<1x1x1x1xi4, frac = 0>
  func.return %p, %y : !he.ct<1x1x1x1xi4, frac = 0>, !he.ct<1x1x2x2xi4, frac = 0>
}

// ... a pool that keeps every element (stride 1, padded) would save no table, ...
// CHECK-LABEL: func.func @pool_keeps_every_element
// CHECK-NEXT: %0 = "he.relu"(%arg0)
// CHECK-NEXT: %1 = "he.max_pool2d"(%0)
func.func @pool_keeps_every_element(%x: !he.ct<1x1x2x2xi4, frac = 0>) -> !he.ct<1x1x2x2xi4, frac = 0> {
  %y = "he.relu"(%x) : (!he.ct<1x1x2x2xi4, frac = 0>) -> !he.ct<1x1x2x2xi4, frac = 0>
  %p = "he.max_pool2d"(%y) {kernel = [3, 3], pads = [1, 1, 1, 1], strides = [1, 1]} : (!he.ct<1x1x2x2xi4, frac = 0>) -> !he.ct<1x1x2x2xi4, frac = 0>
  func.return %p : !he.ct<1x1x2x2xi4, frac = 0>
}

// ... and an exact floor (a rescale with a chunk, he-abs-relu's) is no step: the ReLU after it moves, the floor
// stays.
// CHECK-LABEL: func.func @exact_floor_stays
// CHECK-NEXT: %0 = "he.rescale"(%arg0) {chunk = 2, shift = 2}
// CHECK-NEXT: %1 = "he.max_pool2d"(%0)
// CHECK-NEXT: %2 = "he.relu"(%1)
func.func @exact_floor_stays(%x: !he.ct<1x1x2x2xi8, frac = 2>) -> !he.ct<1x1x1x1xi6, frac = 0> {
  %r = "he.rescale"(%x) {chunk = 2, shift = 2} : (!he.ct<1x1x2x2xi8, frac = 2>) -> !he.ct<1x1x2x2xi6, frac = 0>
  %y = "he.relu"(%r) : (!he.ct<1x1x2x2xi6, frac = 0>) -> !he.ct<1x1x2x2xi6, frac = 0>
  %p = "he.max_pool2d"(%y) {kernel = [2, 2], strides = [2, 2]} : (!he.ct<1x1x2x2xi6, frac = 0>) -> !he.ct<1x1x1x1xi6, frac = 0>
  func.return %p : !he.ct<1x1x1x1xi6, frac = 0>
}
