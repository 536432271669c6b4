// RUN: veil-opt %s --he-to-rt

// Every server-side he op becomes its kernel, with the op's attributes kept.

// CHECK-LABEL: func.func @arith
// CHECK-NEXT: %0 = "rt.call"(%arg0, %arg1) {blocks = 5, callee = @add, signed = true, variant = "propagate"}
// CHECK-NEXT: %1 = "rt.call"(%arg1, %arg0) {blocks = 5, callee = @sub, signed = true, variant = "propagate"}
// CHECK-NEXT: %2 = "rt.call"(%0, %1) {blocks = 5, callee = @max, signed = true}
// CHECK-NEXT: %3 = "rt.call"(%arg0, %arg2) {blocks = 5, callee = @add_plain, signed = true, variant = "propagate"}
// CHECK-NEXT: %4 = "rt.call"(%3, %arg2) {blocks = 5, callee = @sub_plain, signed = true, variant = "propagate"}
// CHECK-NEXT: %5 = "rt.call"(%arg0) {blocks = 5, callee = @neg, signed = true, variant = "propagate"}
// CHECK-NEXT: %6 = "rt.call"(%5) {blocks = 4, callee = @relu, signed = true}
// CHECK-NEXT: %7 = "rt.call"(%arg0, %arg0) {blocks = 8, callee = @mul, signed = true}
// CHECK-NEXT: %8 = "rt.call"(%arg0, %arg2) {blocks = 6, callee = @mul_plain, signed = true, variant = "propagate"}
// CHECK-NEXT: %9 = "rt.call"(%arg0) {blocks = 8, callee = @square, signed = true}
// CHECK-NEXT: %10 = "rt.call"(%9) {blocks = 8, callee = @rescale, shift = 6, signed = true}
// CHECK-NEXT: %11 = "rt.call"(%10) {blocks = 8, callee = @shl, shift = 2, signed = true}
func.func @arith(%a: !he.ct<2x3xi8, frac = 4>, %b: !he.ct<3xi8, frac = 4>, %p: !he.pt<1x3xi4, frac = 4>) -> !he.ct<2x3xi16, frac = 2> {
  %0 = "he.add"(%a, %b) : (!he.ct<2x3xi8, frac = 4>, !he.ct<3xi8, frac = 4>) -> !he.ct<2x3xi9, frac = 4>
  %1 = "he.sub"(%b, %a) : (!he.ct<3xi8, frac = 4>, !he.ct<2x3xi8, frac = 4>) -> !he.ct<2x3xi9, frac = 4>
  %2 = "he.max"(%0, %1) : (!he.ct<2x3xi9, frac = 4>, !he.ct<2x3xi9, frac = 4>) -> !he.ct<2x3xi9, frac = 4>
  %3 = "he.add_plain"(%a, %p) : (!he.ct<2x3xi8, frac = 4>, !he.pt<1x3xi4, frac = 4>) -> !he.ct<2x3xi9, frac = 4>
  %4 = "he.sub_plain"(%3, %p) : (!he.ct<2x3xi9, frac = 4>, !he.pt<1x3xi4, frac = 4>) -> !he.ct<2x3xi10, frac = 4>
  %5 = "he.neg"(%a) : (!he.ct<2x3xi8, frac = 4>) -> !he.ct<2x3xi9, frac = 4>
  %6 = "he.relu"(%5) : (!he.ct<2x3xi9, frac = 4>) -> !he.ct<2x3xi8, frac = 4>
  %7 = "he.mul"(%a, %a) : (!he.ct<2x3xi8, frac = 4>, !he.ct<2x3xi8, frac = 4>) -> !he.ct<2x3xi16, frac = 8>
  %8 = "he.mul_plain"(%a, %p) : (!he.ct<2x3xi8, frac = 4>, !he.pt<1x3xi4, frac = 4>) -> !he.ct<2x3xi11, frac = 8>
  %9 = "he.square"(%a) : (!he.ct<2x3xi8, frac = 4>) -> !he.ct<2x3xi15, frac = 8>
  %10 = "he.rescale"(%9) {shift = 6} : (!he.ct<2x3xi15, frac = 8>) -> !he.ct<2x3xi16, frac = 2>
  %11 = "he.shl"(%10) {shift = 2} : (!he.ct<2x3xi16, frac = 2>) -> !he.ct<2x3xi16, frac = 2>
  func.return %11 : !he.ct<2x3xi16, frac = 2>
}

// A lut table is indexed by the input width: the i3 input becomes i4, so the 8-entry table grows to 16; the
// entries for -8..-5 and 4..7 (which an i3 value never takes) repeat the nearest entry.
// CHECK-LABEL: func.func @tables
// CHECK-NEXT: %0 = "rt.const"() {value = dense<[1, -2, 3, 0]> : tensor<4xi8>} : () -> !pt1
// CHECK-NEXT: %1 = "rt.call"(%0) {blocks = 2, callee = @trivial, signed = true} : (!pt1) -> !ct5
// CHECK-NEXT: %2 = "rt.call"(%1) {blocks = 2, callee = @lut, signed = true, table = dense<[0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 7, 7, 7, 7]> : tensor<16xi8>} : (!ct5) -> !ct5
func.func @tables() -> !he.ct<4xi4, frac = 0> {
  %p = "he.encode"() {value = dense<[1, -2, 3, 0]> : tensor<4xi8>} : () -> !he.pt<4xi3, frac = 0>
  %t = "he.trivial"(%p) : (!he.pt<4xi3, frac = 0>) -> !he.ct<4xi3, frac = 0>
  %0 = "he.lut"(%t) {table = dense<[0, 1, 2, 3, 4, 5, 6, 7]> : tensor<8xi8>} : (!he.ct<4xi3, frac = 0>) -> !he.ct<4xi4, frac = 0>
  func.return %0 : !he.ct<4xi4, frac = 0>
}

// CHECK-LABEL: func.func @windows
// CHECK-NEXT: %0 = "rt.call"(%arg0, %arg1) {blocks = 10, callee = @conv2d_plain, groups = 2, pads = [1, 1, 1, 1], signed = true, strides = [2, 2]}
// CHECK-NEXT: %1 = "rt.call"(%0) {blocks = 10, callee = @max_pool2d, kernel = [2, 2], signed = true, strides = [2, 2]}
// CHECK-NEXT: %2 = "rt.call"(%1) {blocks = 12, callee = @avg_pool2d, kernel = [2, 2], multiplier_frac = 2, signed = true}
// CHECK-NEXT: %3 = "rt.call"(%0) {axes = [2, 3], blocks = 12, callee = @sum, keepdims = true, signed = true}
func.func @windows(%x: !he.ct<1x4x8x8xi8, frac = 4>, %w: !he.pt<6x2x3x3xi8, frac = 4>) -> !he.ct<1x6x1x1xi23, frac = 10> {
  %0 = "he.conv2d_plain"(%x, %w) {groups = 2, pads = [1, 1, 1, 1], strides = [2, 2]} : (!he.ct<1x4x8x8xi8, frac = 4>, !he.pt<6x2x3x3xi8, frac = 4>) -> !he.ct<1x6x4x4xi19, frac = 8>
  %1 = "he.max_pool2d"(%0) {kernel = [2, 2], strides = [2, 2]} : (!he.ct<1x6x4x4xi19, frac = 8>) -> !he.ct<1x6x2x2xi19, frac = 8>
  %2 = "he.avg_pool2d"(%1) {kernel = [2, 2], multiplier_frac = 2} : (!he.ct<1x6x2x2xi19, frac = 8>) -> !he.ct<1x6x1x1xi23, frac = 10>
  %3 = "he.sum"(%0) {axes = [2, 3], keepdims = true} : (!he.ct<1x6x4x4xi19, frac = 8>) -> !he.ct<1x6x1x1xi23, frac = 8>
  func.return %2 : !he.ct<1x6x1x1xi23, frac = 10>
}

// Data movement keeps the width.
// CHECK-LABEL: func.func @movement
// CHECK-NEXT: %0 = "rt.call"(%arg0) {blocks = 3, callee = @reshape, signed = true}
// CHECK-NEXT: %1 = "rt.call"(%0) {blocks = 3, callee = @transpose, perm = [1, 0], signed = true}
// CHECK-NEXT: %2 = "rt.call"(%1) {blocks = 3, callee = @pad, pads = [0, 1, 0, 1], signed = true}
// CHECK-NEXT: %3 = "rt.call"(%2, %arg1) {axis = 1, blocks = 3, callee = @concat, signed = true}
func.func @movement(%x: !he.ct<2x3xi5, frac = 4>, %y: !he.ct<2x5xi5, frac = 4>) -> !he.ct<2x10xi5, frac = 4> {
  %0 = "he.reshape"(%x) : (!he.ct<2x3xi5, frac = 4>) -> !he.ct<3x2xi5, frac = 4>
  %1 = "he.transpose"(%0) {perm = [1, 0]} : (!he.ct<3x2xi5, frac = 4>) -> !he.ct<2x3xi5, frac = 4>
  %2 = "he.pad"(%1) {pads = [0, 1, 0, 1]} : (!he.ct<2x3xi5, frac = 4>) -> !he.ct<2x5xi5, frac = 4>
  %3 = "he.concat"(%2, %y) {axis = 1} : (!he.ct<2x5xi5, frac = 4>, !he.ct<2x5xi5, frac = 4>) -> !he.ct<2x10xi5, frac = 4>
  func.return %3 : !he.ct<2x10xi5, frac = 4>
}
