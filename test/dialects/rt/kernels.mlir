// RUN: veil-opt %s

// One call of every kernel. Each call names its kernel, the radix blocks of its result (width / 2), that its
// integers are signed, its variant where the kernel has a leveled and a carry-propagating form, and the
// kernel's own attributes; shapes and scales follow the he ops the kernels mirror.

// CHECK: !ct0 = !rt.ct<1x4xi8, frac = 4>
// CHECK-LABEL: func.func @mlp(%arg0: !ct0) -> !ct1
// CHECK-NEXT: %0 = "rt.const"() {value = dense<[
// CHECK-NEXT: %1 = "rt.const"() {value = dense<[256, 0, -256]> : tensor<3xi16>} : () -> !pt1
// CHECK-NEXT: %2 = "rt.call"(%arg0, %0, %1) {blocks = 8, callee = @matmul_plain, signed = true} : (!ct0, !pt0, !pt1) -> !ct2
// CHECK-NEXT: %3 = "rt.call"(%2) {blocks = 6, callee = @rescale, shift = 4, signed = true} : (!ct2) -> !ct3
// CHECK-NEXT: %4 = "rt.call"(%3) {blocks = 4, callee = @relu, signed = true} : (!ct3) -> !ct1
func.func @mlp(%x: !rt.ct<1x4xi8, frac = 4>) -> !rt.ct<1x3xi8, frac = 4> {
  %w = "rt.const"() {value = dense<[[1, 2, 3], [4, 5, 6], [7, 8, 9], [-1, -2, -3]]> : tensor<4x3xi8>} : () -> !rt.pt<4x3xi8, frac = 4>
  %b = "rt.const"() {value = dense<[256, 0, -256]> : tensor<3xi16>} : () -> !rt.pt<3xi16, frac = 8>
  %0 = "rt.call"(%x, %w, %b) {callee = @matmul_plain, blocks = 8, signed = true} : (!rt.ct<1x4xi8, frac = 4>, !rt.pt<4x3xi8, frac = 4>, !rt.pt<3xi16, frac = 8>) -> !rt.ct<1x3xi16, frac = 8>
  %1 = "rt.call"(%0) {callee = @rescale, blocks = 6, signed = true, shift = 4} : (!rt.ct<1x3xi16, frac = 8>) -> !rt.ct<1x3xi12, frac = 4>
  %2 = "rt.call"(%1) {callee = @relu, blocks = 4, signed = true} : (!rt.ct<1x3xi12, frac = 4>) -> !rt.ct<1x3xi8, frac = 4>
  func.return %2 : !rt.ct<1x3xi8, frac = 4>
}

// CHECK-LABEL: func.func @elementwise
// CHECK-NEXT: %0 = "rt.call"(%arg0, %arg1) {blocks = 5, callee = @add, signed = true, variant = "leveled"} : (!ct4, !ct5) -> !ct7
// CHECK-NEXT: %1 = "rt.call"(%arg1, %arg0) {blocks = 5, callee = @sub, signed = true, variant = "propagate"} : (!ct5, !ct4) -> !ct7
// CHECK-NEXT: %2 = "rt.call"(%0, %1) {blocks = 5, callee = @max, signed = true} : (!ct7, !ct7) -> !ct7
// CHECK-NEXT: %3 = "rt.call"(%arg0, %arg2) {blocks = 5, callee = @add_plain, signed = true, variant = "leveled"} : (!ct4, !pt2) -> !ct7
// CHECK-NEXT: %4 = "rt.call"(%3, %arg2) {blocks = 5, callee = @sub_plain, signed = true, variant = "propagate"} : (!ct7, !pt2) -> !ct7
// CHECK-NEXT: %5 = "rt.call"(%arg0) {blocks = 5, callee = @neg, signed = true, variant = "leveled"} : (!ct4) -> !ct7
// CHECK-NEXT: %6 = "rt.call"(%arg0, %arg0) {blocks = 8, callee = @mul, signed = true} : (!ct4, !ct4) -> !ct6
// CHECK-NEXT: %7 = "rt.call"(%arg0, %arg2) {blocks = 8, callee = @mul_plain, signed = true, variant = "propagate"} : (!ct4, !pt2) -> !ct6
// CHECK-NEXT: %8 = "rt.call"(%arg0) {blocks = 8, callee = @square, signed = true} : (!ct4) -> !ct6
// CHECK-NEXT: %9 = "rt.call"(%8) {blocks = 8, callee = @shl, shift = 2, signed = true} : (!ct6) -> !ct6
func.func @elementwise(%a: !rt.ct<2x3xi8, frac = 4>, %b: !rt.ct<3xi8, frac = 4>, %p: !rt.pt<1x3xi8, frac = 4>) -> !rt.ct<2x3xi16, frac = 8> {
  %0 = "rt.call"(%a, %b) {callee = @add, blocks = 5, signed = true, variant = "leveled"} : (!rt.ct<2x3xi8, frac = 4>, !rt.ct<3xi8, frac = 4>) -> !rt.ct<2x3xi10, frac = 4>
  %1 = "rt.call"(%b, %a) {callee = @sub, blocks = 5, signed = true, variant = "propagate"} : (!rt.ct<3xi8, frac = 4>, !rt.ct<2x3xi8, frac = 4>) -> !rt.ct<2x3xi10, frac = 4>
  %2 = "rt.call"(%0, %1) {callee = @max, blocks = 5, signed = true} : (!rt.ct<2x3xi10, frac = 4>, !rt.ct<2x3xi10, frac = 4>) -> !rt.ct<2x3xi10, frac = 4>
  %3 = "rt.call"(%a, %p) {callee = @add_plain, blocks = 5, signed = true, variant = "leveled"} : (!rt.ct<2x3xi8, frac = 4>, !rt.pt<1x3xi8, frac = 4>) -> !rt.ct<2x3xi10, frac = 4>
  %4 = "rt.call"(%3, %p) {callee = @sub_plain, blocks = 5, signed = true, variant = "propagate"} : (!rt.ct<2x3xi10, frac = 4>, !rt.pt<1x3xi8, frac = 4>) -> !rt.ct<2x3xi10, frac = 4>
  %5 = "rt.call"(%a) {callee = @neg, blocks = 5, signed = true, variant = "leveled"} : (!rt.ct<2x3xi8, frac = 4>) -> !rt.ct<2x3xi10, frac = 4>
  %6 = "rt.call"(%a, %a) {callee = @mul, blocks = 8, signed = true} : (!rt.ct<2x3xi8, frac = 4>, !rt.ct<2x3xi8, frac = 4>) -> !rt.ct<2x3xi16, frac = 8>
  %7 = "rt.call"(%a, %p) {callee = @mul_plain, blocks = 8, signed = true, variant = "propagate"} : (!rt.ct<2x3xi8, frac = 4>, !rt.pt<1x3xi8, frac = 4>) -> !rt.ct<2x3xi16, frac = 8>
  %8 = "rt.call"(%a) {callee = @square, blocks = 8, signed = true} : (!rt.ct<2x3xi8, frac = 4>) -> !rt.ct<2x3xi16, frac = 8>
  %9 = "rt.call"(%8) {callee = @shl, blocks = 8, shift = 2, signed = true} : (!rt.ct<2x3xi16, frac = 8>) -> !rt.ct<2x3xi16, frac = 8>
  func.return %9 : !rt.ct<2x3xi16, frac = 8>
}

// A table indexed by the rt input width: 16 entries for i4 inputs -8..7 (here: x / 2, floored).
// CHECK-LABEL: func.func @tables
// CHECK-NEXT: %0 = "rt.call"(%arg0) {blocks = 2, callee = @trivial, signed = true} : (!pt3) -> !ct9
// CHECK-NEXT: %1 = "rt.call"(%0) {blocks = 2, callee = @lut, signed = true, table = dense<[-4, -4, -3, -3, -2, -2, -1, -1, 0, 0, 1, 1, 2, 2, 3, 3]> : tensor<16xi8>} : (!ct9) -> !ct8
func.func @tables(%p: !rt.pt<4xi4, frac = 0>) -> !rt.ct<4xi4, frac = -1> {
  %0 = "rt.call"(%p) {callee = @trivial, blocks = 2, signed = true} : (!rt.pt<4xi4, frac = 0>) -> !rt.ct<4xi4, frac = 0>
  %1 = "rt.call"(%0) {callee = @lut, blocks = 2, signed = true, table = dense<[-4, -4, -3, -3, -2, -2, -1, -1, 0, 0, 1, 1, 2, 2, 3, 3]> : tensor<16xi8>} : (!rt.ct<4xi4, frac = 0>) -> !rt.ct<4xi4, frac = -1>
  func.return %1 : !rt.ct<4xi4, frac = -1>
}

// CHECK-LABEL: func.func @windows
// CHECK-NEXT: %0 = "rt.call"(%arg0, %arg1) {blocks = 10, callee = @conv2d_plain, groups = 2, pads = [1, 1, 1, 1], signed = true, strides = [2, 2]} : (!ct10, !pt4) -> !ct12
// CHECK-NEXT: %1 = "rt.call"(%0) {blocks = 10, callee = @max_pool2d, kernel = [2, 2], signed = true, strides = [2, 2]} : (!ct12) -> !ct13
// CHECK-NEXT: %2 = "rt.call"(%1) {blocks = 12, callee = @avg_pool2d, kernel = [2, 2], multiplier_frac = 2, signed = true} : (!ct13) -> !ct11
// CHECK-NEXT: %3 = "rt.call"(%0) {axes = [2, 3], blocks = 12, callee = @sum, keepdims = true, signed = true} : (!ct12) -> !rt.ct<1x6x1x1xi24, frac = 8>
func.func @windows(%x: !rt.ct<1x4x8x8xi8, frac = 4>, %w: !rt.pt<6x2x3x3xi8, frac = 4>) -> !rt.ct<1x6x1x1xi24, frac = 10> {
  %0 = "rt.call"(%x, %w) {callee = @conv2d_plain, blocks = 10, groups = 2, pads = [1, 1, 1, 1], signed = true, strides = [2, 2]} : (!rt.ct<1x4x8x8xi8, frac = 4>, !rt.pt<6x2x3x3xi8, frac = 4>) -> !rt.ct<1x6x4x4xi20, frac = 8>
  %1 = "rt.call"(%0) {callee = @max_pool2d, blocks = 10, kernel = [2, 2], signed = true, strides = [2, 2]} : (!rt.ct<1x6x4x4xi20, frac = 8>) -> !rt.ct<1x6x2x2xi20, frac = 8>
  %2 = "rt.call"(%1) {callee = @avg_pool2d, blocks = 12, kernel = [2, 2], multiplier_frac = 2, signed = true} : (!rt.ct<1x6x2x2xi20, frac = 8>) -> !rt.ct<1x6x1x1xi24, frac = 10>
  %3 = "rt.call"(%0) {axes = [2, 3], callee = @sum, blocks = 12, keepdims = true, signed = true} : (!rt.ct<1x6x4x4xi20, frac = 8>) -> !rt.ct<1x6x1x1xi24, frac = 8>
  func.return %2 : !rt.ct<1x6x1x1xi24, frac = 10>
}

// CHECK-LABEL: func.func @movement
// CHECK-NEXT: %0 = "rt.call"(%arg0) {blocks = 4, callee = @reshape, signed = true} : (!ct4) -> !ct16
// CHECK-NEXT: %1 = "rt.call"(%0) {blocks = 4, callee = @transpose, perm = [1, 0], signed = true} : (!ct16) -> !ct4
// CHECK-NEXT: %2 = "rt.call"(%1) {blocks = 4, callee = @pad, pads = [0, 1, 0, 1], signed = true} : (!ct4) -> !ct14
// CHECK-NEXT: %3 = "rt.call"(%2, %arg1) {axis = 1, blocks = 4, callee = @concat, signed = true} : (!ct14, !ct14) -> !ct15
func.func @movement(%x: !rt.ct<2x3xi8, frac = 4>, %y: !rt.ct<2x5xi8, frac = 4>) -> !rt.ct<2x10xi8, frac = 4> {
  %0 = "rt.call"(%x) {callee = @reshape, blocks = 4, signed = true} : (!rt.ct<2x3xi8, frac = 4>) -> !rt.ct<3x2xi8, frac = 4>
  %1 = "rt.call"(%0) {callee = @transpose, blocks = 4, perm = [1, 0], signed = true} : (!rt.ct<3x2xi8, frac = 4>) -> !rt.ct<2x3xi8, frac = 4>
  %2 = "rt.call"(%1) {callee = @pad, blocks = 4, pads = [0, 1, 0, 1], signed = true} : (!rt.ct<2x3xi8, frac = 4>) -> !rt.ct<2x5xi8, frac = 4>
  %3 = "rt.call"(%2, %y) {axis = 1, callee = @concat, blocks = 4, signed = true} : (!rt.ct<2x5xi8, frac = 4>, !rt.ct<2x5xi8, frac = 4>) -> !rt.ct<2x10xi8, frac = 4>
  func.return %3 : !rt.ct<2x10xi8, frac = 4>
}

// Saturation to a window (he.clamp): radix comparisons with the bounds, into a narrower result.
// CHECK-LABEL: func.func @clamp(%arg0: !ct17) -> !ct18
// CHECK-NEXT: %0 = "rt.call"(%arg0) {blocks = 3, callee = @clamp, hi = 20, lo = -12, signed = true} : (!ct17) -> !ct18
func.func @clamp(%x: !rt.ct<4xi8, frac = 2>) -> !rt.ct<4xi6, frac = 2> {
  %0 = "rt.call"(%x) {callee = @clamp, blocks = 3, hi = 20, lo = -12, signed = true} : (!rt.ct<4xi8, frac = 2>) -> !rt.ct<4xi6, frac = 2>
  func.return %0 : !rt.ct<4xi6, frac = 2>
}
