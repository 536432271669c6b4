// RUN: veil-opt %s --he-fold-linear

// Per-channel scalings fold into the weights: a batch norm after a layer (scale, then shift) becomes the
// layer's weights and bias; a per-input scale before a layer becomes its weight rows. The weights take the
// scale's fraction bits, so every type after the layer stays.

// CHECK-LABEL: func.func @batch_norm
// CHECK-NEXT: %0 = "he.encode"() {value = dense<{{.}}[2, -6], [4, -8]]> : tensor<2x2xi4>} : () -> !pt0
// CHECK-NEXT: %1 = "he.encode"() {value = dense<[3, 5]> : tensor<2xi4>} : () -> !pt1
// CHECK-NEXT: %2 = "he.matmul_plain"(%arg0, %0, %1) : (!ct0, !pt0, !pt1) -> !ct1
// CHECK-NEXT: func.return %2
func.func @batch_norm(%x: !he.ct<1x2xi8, frac = 4>) -> !he.ct<1x2xi20, frac = 10> {
  %w = "he.encode"() {value = dense<[[1, 3], [2, 4]]> : tensor<2x2xi8>} : () -> !he.pt<2x2xi8, frac = 4>
  %b = "he.encode"() {value = dense<[1, 1]> : tensor<2xi8>} : () -> !he.pt<2xi8, frac = 8>
  %s = "he.encode"() {value = dense<[2, -2]> : tensor<2xi8>} : () -> !he.pt<2xi8, frac = 2>
  %t = "he.encode"() {value = dense<[1, 7]> : tensor<2xi8>} : () -> !he.pt<2xi8, frac = 10>
  %0 = "he.matmul_plain"(%x, %w, %b) : (!he.ct<1x2xi8, frac = 4>, !he.pt<2x2xi8, frac = 4>, !he.pt<2xi8, frac = 8>) -> !he.ct<1x2xi16, frac = 8>
  %1 = "he.mul_plain"(%0, %s) : (!he.ct<1x2xi16, frac = 8>, !he.pt<2xi8, frac = 2>) -> !he.ct<1x2xi19, frac = 10>
  %2 = "he.add_plain"(%1, %t) : (!he.ct<1x2xi19, frac = 10>, !he.pt<2xi8, frac = 10>) -> !he.ct<1x2xi20, frac = 10>
  func.return %2 : !he.ct<1x2xi20, frac = 10>
}

// A scale per input channel before a grouped convolution: weight [o, ci] takes the scale of input channel
// (o / 2) * 1 + ci (two groups of one input channel each).
// CHECK-LABEL: func.func @input_scale
// CHECK-NEXT: %0 = "he.encode"() {value = dense<{{.*}}1]]], {{.*}}2]]], {{.*}}-3]]], {{.*}}-3]]]]> : tensor<4x1x1x1xi3>} : () -> !pt2
// CHECK-NEXT: %1 = "he.conv2d_plain"(%arg0, %0) {groups = 2} : (!ct2, !pt2) -> !ct3
func.func @input_scale(%x: !he.ct<1x2x2x2xi8, frac = 4>) -> !he.ct<1x4x2x2xi12, frac = 6> {
  %s = "he.encode"() {value = dense<[[[1]], [[-3]]]> : tensor<2x1x1xi8>} : () -> !he.pt<2x1x1xi8, frac = 1>
  %w = "he.encode"() {value = dense<[[[[1]]], [[[2]]], [[[1]]], [[[1]]]]> : tensor<4x1x1x1xi8>} : () -> !he.pt<4x1x1x1xi8, frac = 1>
  %0 = "he.mul_plain"(%x, %s) : (!he.ct<1x2x2x2xi8, frac = 4>, !he.pt<2x1x1xi8, frac = 1>) -> !he.ct<1x2x2x2xi10, frac = 5>
  %1 = "he.conv2d_plain"(%0, %w) {groups = 2} : (!he.ct<1x2x2x2xi10, frac = 5>, !he.pt<4x1x1x1xi8, frac = 1>) -> !he.ct<1x4x2x2xi12, frac = 6>
  func.return %1 : !he.ct<1x4x2x2xi12, frac = 6>
}

// An offset per input (x - mean) before a dense layer: bias -= mean . W.
// CHECK-LABEL: func.func @input_offset
// CHECK-NEXT: %0 = "he.encode"() {value = dense<{{.}}[1, 0], [2, -1]]> : tensor<2x2xi8>} : () -> !pt3
// CHECK-NEXT: %1 = "he.encode"() {value = dense<[-11, 4]> : tensor<2xi5>} : () -> !pt4
// CHECK-NEXT: %2 = "he.matmul_plain"(%arg0, %0, %1) : (!ct4, !pt3, !pt4) -> !ct5
func.func @input_offset(%x: !he.ct<2xi8, frac = 4>) -> !he.ct<2xi16, frac = 6> {
  %mean = "he.encode"() {value = dense<[3, 4]> : tensor<2xi8>} : () -> !he.pt<2xi8, frac = 4>
  %w = "he.encode"() {value = dense<[[1, 0], [2, -1]]> : tensor<2x2xi8>} : () -> !he.pt<2x2xi8, frac = 2>
  %0 = "he.sub_plain"(%x, %mean) : (!he.ct<2xi8, frac = 4>, !he.pt<2xi8, frac = 4>) -> !he.ct<2xi9, frac = 4>
  %1 = "he.matmul_plain"(%0, %w) : (!he.ct<2xi9, frac = 4>, !he.pt<2x2xi8, frac = 2>) -> !he.ct<2xi16, frac = 6>
  func.return %1 : !he.ct<2xi16, frac = 6>
}

// Not foldable: an offset before a padded convolution (the border windows see part of it only).
// CHECK-LABEL: func.func @padded
// CHECK: "he.add_plain"
// CHECK: "he.conv2d_plain"
func.func @padded(%x: !he.ct<1x1x2x2xi8, frac = 4>) -> !he.ct<1x1x3x3xi12, frac = 5> {
  %c = "he.encode"() {value = dense<1> : tensor<i8>} : () -> !he.pt<i8, frac = 4>
  %w = "he.encode"() {value = dense<1> : tensor<1x1x2x2xi8>} : () -> !he.pt<1x1x2x2xi8, frac = 1>
  %0 = "he.add_plain"(%x, %c) : (!he.ct<1x1x2x2xi8, frac = 4>, !he.pt<i8, frac = 4>) -> !he.ct<1x1x2x2xi9, frac = 4>
  %1 = "he.conv2d_plain"(%0, %w) {pads = [1, 1, 1, 1]} : (!he.ct<1x1x2x2xi9, frac = 4>, !he.pt<1x1x2x2xi8, frac = 1>) -> !he.ct<1x1x3x3xi12, frac = 5>
  func.return %1 : !he.ct<1x1x3x3xi12, frac = 5>
}
