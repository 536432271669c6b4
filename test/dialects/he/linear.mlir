// RUN: veil-opt %s

// Plaintext-weight linear layers, reductions and pooling.

// CHECK-LABEL: func.func @fully_connected
// CHECK-NEXT: %0 = "he.encode"() {value = dense<[
// CHECK-SAME: [1, 2, 3], [4, 5, 6], [7, 8, 9], [-1, -2, -3]]> : tensor<4x3xi8>} : () -> !pt0
// CHECK-NEXT: %1 = "he.encode"() {value = dense<[256, 0, -256]> : tensor<3xi16>} : () -> !pt1
// CHECK-NEXT: %2 = "he.matmul_plain"(%arg0, %0, %1) : (!ct0, !pt0, !pt1) -> !he.ct<1x3xi16, frac = 8>
// CHECK-NEXT: %3 = "he.matmul_plain"(%arg1, %0) : (!ct1, !pt0) -> !ct2
func.func @fully_connected(%x: !he.ct<1x4xi8, frac = 4>, %v: !he.ct<4xi8, frac = 4>) -> !he.ct<3xi16, frac = 8> {
  %w = "he.encode"() {value = dense<[[1, 2, 3], [4, 5, 6], [7, 8, 9], [-1, -2, -3]]> : tensor<4x3xi8>} : () -> !he.pt<4x3xi8, frac = 4>
  %b = "he.encode"() {value = dense<[256, 0, -256]> : tensor<3xi16>} : () -> !he.pt<3xi16, frac = 8>
  %0 = "he.matmul_plain"(%x, %w, %b) : (!he.ct<1x4xi8, frac = 4>, !he.pt<4x3xi8, frac = 4>, !he.pt<3xi16, frac = 8>) -> !he.ct<1x3xi16, frac = 8>
  %1 = "he.matmul_plain"(%v, %w) : (!he.ct<4xi8, frac = 4>, !he.pt<4x3xi8, frac = 4>) -> !he.ct<3xi16, frac = 8>
  func.return %1 : !he.ct<3xi16, frac = 8>
}

// CHECK-LABEL: func.func @conv
// CHECK-NEXT: %0 = "he.conv2d_plain"(%arg0, %arg1, %arg2) {groups = 2, pads = [1, 1, 1, 1], strides = [2, 2]} : (!ct3, !pt2, !pt3) -> !ct4
// CHECK-NEXT: %1 = "he.conv2d_plain"(%arg0, %arg1) {dilations = [2, 2], groups = 2} : (!ct3, !pt2) -> !ct4
func.func @conv(%x: !he.ct<1x4x8x8xi8, frac = 4>, %w: !he.pt<6x2x3x3xi8, frac = 5>, %b: !he.pt<6xi16, frac = 9>) -> !he.ct<1x6x4x4xi20, frac = 9> {
  %0 = "he.conv2d_plain"(%x, %w, %b) {groups = 2, pads = [1, 1, 1, 1], strides = [2, 2]} : (!he.ct<1x4x8x8xi8, frac = 4>, !he.pt<6x2x3x3xi8, frac = 5>, !he.pt<6xi16, frac = 9>) -> !he.ct<1x6x4x4xi20, frac = 9>
  %1 = "he.conv2d_plain"(%x, %w) {dilations = [2, 2], groups = 2} : (!he.ct<1x4x8x8xi8, frac = 4>, !he.pt<6x2x3x3xi8, frac = 5>) -> !he.ct<1x6x4x4xi20, frac = 9>
  func.return %1 : !he.ct<1x6x4x4xi20, frac = 9>
}

// CHECK-LABEL: func.func @reduce_and_pool
// CHECK-NEXT: %0 = "he.sum"(%arg0) {axes = [2, 3]} : (!ct5) -> !he.ct<1x2x1x1xi12, frac = 4>
// CHECK-NEXT: %1 = "he.sum"(%arg0) {axes = [0, 1], keepdims = false} : (!ct5) -> !he.ct<4x4xi9, frac = 4>
// CHECK-NEXT: %2 = "he.max_pool2d"(%arg0) {kernel = [2, 2], strides = [2, 2]} : (!ct5) -> !ct7
// CHECK-NEXT: %3 = "he.max_pool2d"(%arg0) {kernel = [3, 3], pads = [1, 1, 1, 1]} : (!ct5) -> !ct5
// CHECK-NEXT: %4 = "he.avg_pool2d"(%2) {kernel = [2, 2], multiplier_frac = 2} : (!ct7) -> !he.ct<1x2x1x1xi10, frac = 6>
// CHECK-NEXT: %5 = "he.avg_pool2d"(%arg0) {kernel = [4, 4], multiplier = 17, multiplier_frac = 8, pads = [0, 0, 0, 0], strides = [1, 1]} : (!ct5) -> !ct8
// CHECK-NEXT: %6 = "he.rescale"(%5) {shift = 4} : (!ct8) -> !ct6
func.func @reduce_and_pool(%x: !he.ct<1x2x4x4xi8, frac = 4>) -> !he.ct<1x2x1x1xi12, frac = 8> {
  %0 = "he.sum"(%x) {axes = [2, 3]} : (!he.ct<1x2x4x4xi8, frac = 4>) -> !he.ct<1x2x1x1xi12, frac = 4>
  %1 = "he.sum"(%x) {axes = [0, 1], keepdims = false} : (!he.ct<1x2x4x4xi8, frac = 4>) -> !he.ct<4x4xi9, frac = 4>
  %2 = "he.max_pool2d"(%x) {kernel = [2, 2], strides = [2, 2]} : (!he.ct<1x2x4x4xi8, frac = 4>) -> !he.ct<1x2x2x2xi8, frac = 4>
  %3 = "he.max_pool2d"(%x) {kernel = [3, 3], pads = [1, 1, 1, 1]} : (!he.ct<1x2x4x4xi8, frac = 4>) -> !he.ct<1x2x4x4xi8, frac = 4>
  // An average over 2x2 windows: sum, then multiplier 1 at 2 more fraction bits (exact, no multiplication).
  %4 = "he.avg_pool2d"(%2) {kernel = [2, 2], multiplier_frac = 2} : (!he.ct<1x2x2x2xi8, frac = 4>) -> !he.ct<1x2x1x1xi10, frac = 6>
  // Global average pooling over 4x4 with an average of 1/16 ~ 17/2^8 (a multiplier and its frac).
  %5 = "he.avg_pool2d"(%x) {kernel = [4, 4], multiplier = 17, multiplier_frac = 8, pads = [0, 0, 0, 0], strides = [1, 1]} : (!he.ct<1x2x4x4xi8, frac = 4>) -> !he.ct<1x2x1x1xi17, frac = 12>
  %6 = "he.rescale"(%5) {shift = 4} : (!he.ct<1x2x1x1xi17, frac = 12>) -> !he.ct<1x2x1x1xi12, frac = 8>
  func.return %6 : !he.ct<1x2x1x1xi12, frac = 8>
}
