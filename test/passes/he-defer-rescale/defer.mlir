// RUN: veil-opt %s --he-defer-rescale=rounding=approximate

// A rescale between two linear layers is left to the rescale (a table, after he-lut-fuse) that follows: the second
// matmul takes y at frac 2 instead of its floor at frac 1, its bias 1 at frac 2 becomes 2 at frac 3 and its result
// is one bit wider and finer (i6 at frac 3); the last rescale drops 3 bits instead of 2. One bootstrap less per
// element of y, and the second layer computes on y unrounded.
// CHECK-DAG: !ct3 = !he.ct<1x1xi6, frac = 3>
// CHECK-DAG: !pt2 = !he.pt<1xi3, frac = 3>
// CHECK-DAG: !ct5 = !he.ct<1x1xi10, frac = 6>
// CHECK-LABEL: func.func @between_layers
// CHECK: %1 = "he.matmul_plain"(%arg0, %0) : (!ct0, !pt0) -> !ct2
// CHECK-NOT: "he.rescale"(%1)
// CHECK: %3 = "he.encode"() {value = dense<2> : tensor<1xi3>} : () -> !pt2
// CHECK-NEXT: %4 = "he.matmul_plain"(%1, %2, %3) : (!ct2, !pt1, !pt2) -> !ct3
// CHECK-NEXT: %5 = "he.rescale"(%4) {shift = 3}
// CHECK-NEXT: func.return %5
func.func @between_layers(%x: !he.ct<1x2xi3, frac = 1> {veil.range = [0.0, 1.0]}) -> !he.ct<1x1xi3, frac = 0> {
  %w = "he.encode"() {value = dense<[[1, -2], [3, 1]]> : tensor<2x2xi3>} : () -> !he.pt<2x2xi3, frac = 1>
  %y = "he.matmul_plain"(%x, %w) : (!he.ct<1x2xi3, frac = 1>, !he.pt<2x2xi3, frac = 1>) -> !he.ct<1x2xi5, frac = 2>
  %r = "he.rescale"(%y) {shift = 1} : (!he.ct<1x2xi5, frac = 2>) -> !he.ct<1x2xi4, frac = 1>
  %w2 = "he.encode"() {value = dense<[[1], [1]]> : tensor<2x1xi3>} : () -> !he.pt<2x1xi3, frac = 1>
  %b2 = "he.encode"() {value = dense<1> : tensor<1xi3>} : () -> !he.pt<1xi3, frac = 2>
  %z = "he.matmul_plain"(%r, %w2, %b2) : (!he.ct<1x2xi4, frac = 1>, !he.pt<2x1xi3, frac = 1>, !he.pt<1xi3, frac = 2>) -> !he.ct<1x1xi5, frac = 2>
  %o = "he.rescale"(%z) {shift = 2} : (!he.ct<1x1xi5, frac = 2>) -> !he.ct<1x1xi3, frac = 0>
  func.return %o : !he.ct<1x1xi3, frac = 0>
}

// Through pooling and data movement to the return: the client decodes the returned value at its own frac, two
// bits finer (!ct5 = i10 at frac 6 instead of i8 at frac 4).
// CHECK-LABEL: func.func @to_the_return
// CHECK-SAME: -> !ct5
// CHECK-NEXT: %0 = "he.avg_pool2d"(%arg0) {kernel = [2, 2], multiplier_frac = 2, strides = [2, 2]} : (!ct4) -> !ct6
// CHECK-NEXT: %1 = "he.reshape"(%0) : (!ct6) -> !ct5
// CHECK-NEXT: func.return %1 : !ct5
func.func @to_the_return(%x: !he.ct<1x1x2x2xi8, frac = 4>) -> !he.ct<1x1xi8, frac = 4> {
  %r = "he.rescale"(%x) {shift = 2} : (!he.ct<1x1x2x2xi8, frac = 4>) -> !he.ct<1x1x2x2xi6, frac = 2>
  %p = "he.avg_pool2d"(%r) {kernel = [2, 2], multiplier_frac = 2, strides = [2, 2]} : (!he.ct<1x1x2x2xi6, frac = 2>) -> !he.ct<1x1x1x1xi8, frac = 4>
  %f = "he.reshape"(%p) : (!he.ct<1x1x1x1xi8, frac = 4>) -> !he.ct<1x1xi8, frac = 4>
  func.return %f : !he.ct<1x1xi8, frac = 4>
}

// Left alone: a rescale that a relu reads (he-lut-fuse makes the two one table), and one that meets another
// ciphertext in a sum (both operands would have to move by the same bits).
// CHECK-LABEL: func.func @not_between_linear_layers
// CHECK: %0 = "he.rescale"(%arg0) {shift = 2}
// CHECK-NEXT: %1 = "he.relu"(%0)
// CHECK-NEXT: %2 = "he.rescale"(%arg0) {shift = 2}
// CHECK-NEXT: %3 = "he.add"(%2, %arg1)
func.func @not_between_linear_layers(%x: !he.ct<4xi8, frac = 4>, %y: !he.ct<4xi6, frac = 2>) -> (!he.ct<4xi6, frac = 2>, !he.ct<4xi7, frac = 2>) {
  %r = "he.rescale"(%x) {shift = 2} : (!he.ct<4xi8, frac = 4>) -> !he.ct<4xi6, frac = 2>
  %a = "he.relu"(%r) : (!he.ct<4xi6, frac = 2>) -> !he.ct<4xi6, frac = 2>
  %s = "he.rescale"(%x) {shift = 2} : (!he.ct<4xi8, frac = 4>) -> !he.ct<4xi6, frac = 2>
  %t = "he.add"(%s, %y) : (!he.ct<4xi6, frac = 2>, !he.ct<4xi6, frac = 2>) -> !he.ct<4xi7, frac = 2>
  func.return %a, %t : !he.ct<4xi6, frac = 2>, !he.ct<4xi7, frac = 2>
}
