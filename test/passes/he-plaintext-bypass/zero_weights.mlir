// RUN: veil-opt %s --he-plaintext-bypass=remarks --verify-diagnostics

// All-zero weights make a linear layer a constant: its bias (or zero) broadcast to the result, as a trivial
// encryption. Partly zero weights stay: the runtime's linear maps store no zero term, so they already cost
// nothing; the remarks say how many inputs no output reads and how many outputs are constants.

// CHECK-LABEL: func.func @all_zero_matmul
// CHECK-NEXT: %0 = "he.encode"() {value = dense<{{.}}[5, -3, 0], [5, -3, 0]]> : tensor<2x3xi16>} : () -> !pt0
// CHECK-NEXT: %1 = "he.trivial"(%0) : (!pt0) -> !ct0
// CHECK-NEXT: func.return %1
func.func @all_zero_matmul(%x: !he.ct<2x4xi8, frac = 4>) -> !he.ct<2x3xi16, frac = 8> {
  %w = "he.encode"() {value = dense<0> : tensor<4x3xi8>} : () -> !he.pt<4x3xi8, frac = 4>
  %b = "he.encode"() {value = dense<[5, -3, 0]> : tensor<3xi16>} : () -> !he.pt<3xi16, frac = 8>
  %0 = "he.matmul_plain"(%x, %w, %b) : (!he.ct<2x4xi8, frac = 4>, !he.pt<4x3xi8, frac = 4>, !he.pt<3xi16, frac = 8>) -> !he.ct<2x3xi16, frac = 8>
  func.return %0 : !he.ct<2x3xi16, frac = 8>
}

// CHECK-LABEL: func.func @all_zero_conv
// CHECK-NEXT: %0 = "he.encode"() {value = dense<0> : tensor<1x2x2x2xi20>} : () -> !pt1
// CHECK-NEXT: %1 = "he.trivial"(%0)
// CHECK-NEXT: func.return %1
func.func @all_zero_conv(%x: !he.ct<1x1x3x3xi8, frac = 4>) -> !he.ct<1x2x2x2xi20, frac = 9> {
  %w = "he.encode"() {value = dense<0> : tensor<2x1x2x2xi8>} : () -> !he.pt<2x1x2x2xi8, frac = 5>
  %0 = "he.conv2d_plain"(%x, %w) : (!he.ct<1x1x3x3xi8, frac = 4>, !he.pt<2x1x2x2xi8, frac = 5>) -> !he.ct<1x2x2x2xi20, frac = 9>
  func.return %0 : !he.ct<1x2x2x2xi20, frac = 9>
}

// CHECK-LABEL: func.func @partly_zero
// CHECK: "he.matmul_plain"
// CHECK: "he.conv2d_plain"
func.func @partly_zero(%x: !he.ct<1x3xi8, frac = 4>, %img: !he.ct<1x2x3x3xi8, frac = 4>) -> (!he.ct<1x2xi16, frac = 8>, !he.ct<1x2x2x2xi20, frac = 8>) {
  %w = "he.encode"() {value = dense<[[1, 0], [0, 0], [2, 0]]> : tensor<3x2xi8>} : () -> !he.pt<3x2xi8, frac = 4>
  // expected-remark @+1 {{4 of 6 weights are zero and cost nothing (the runtime's linear maps store no zero term): 1 of 3 inputs unused, 1 of 2 outputs constant}}
  %0 = "he.matmul_plain"(%x, %w) : (!he.ct<1x3xi8, frac = 4>, !he.pt<3x2xi8, frac = 4>) -> !he.ct<1x2xi16, frac = 8>
  %k = "he.encode"() {value = dense<[[[[1, 1], [1, 1]], [[0, 0], [0, 0]]], [[[1, 0], [0, 1]], [[0, 0], [0, 0]]]]> : tensor<2x2x2x2xi8>} : () -> !he.pt<2x2x2x2xi8, frac = 4>
  // expected-remark @+1 {{10 of 16 weights are zero and cost nothing (the runtime's linear maps store no zero term): 1 of 2 input channels unused, 0 of 2 output channels constant}}
  %1 = "he.conv2d_plain"(%img, %k) : (!he.ct<1x2x3x3xi8, frac = 4>, !he.pt<2x2x2x2xi8, frac = 4>) -> !he.ct<1x2x2x2xi20, frac = 8>
  func.return %0, %1 : !he.ct<1x2xi16, frac = 8>, !he.ct<1x2x2x2xi20, frac = 8>
}
