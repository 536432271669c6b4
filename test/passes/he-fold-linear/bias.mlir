// RUN: veil-opt %s --he-fold-linear

// A per-output-channel constant added after a linear op is its bias: one accumulation, one carry propagation.

// No bias yet: the added constant becomes it; sub_plain subtracts from an existing one.
// CHECK-LABEL: func.func @fully_connected
// CHECK-NEXT: %0 = "he.encode"() {value = dense<{{.}}[1, 2], [3, 4], [5, 6]]> : tensor<3x2xi8>} : () -> !pt0
// CHECK-NEXT: %1 = "he.encode"() {value = dense<[16, -32]> : tensor<2xi6>} : () -> !pt1
// CHECK-NEXT: %2 = "he.matmul_plain"(%arg0, %0, %1) : (!ct0, !pt0, !pt1) -> !ct1
// CHECK-NEXT: func.return %2
func.func @fully_connected(%x: !he.ct<1x3xi8, frac = 4>) -> !he.ct<1x2xi17, frac = 8> {
  %w = "he.encode"() {value = dense<[[1, 2], [3, 4], [5, 6]]> : tensor<3x2xi8>} : () -> !he.pt<3x2xi8, frac = 4>
  %b = "he.encode"() {value = dense<[[16, -32]]> : tensor<1x2xi8>} : () -> !he.pt<1x2xi8, frac = 8>
  %0 = "he.matmul_plain"(%x, %w) : (!he.ct<1x3xi8, frac = 4>, !he.pt<3x2xi8, frac = 4>) -> !he.ct<1x2xi16, frac = 8>
  %1 = "he.add_plain"(%0, %b) : (!he.ct<1x2xi16, frac = 8>, !he.pt<1x2xi8, frac = 8>) -> !he.ct<1x2xi17, frac = 8>
  func.return %1 : !he.ct<1x2xi17, frac = 8>
}

// A per-channel constant [O, 1, 1] after a convolution with a bias: folded, twice.
// CHECK-LABEL: func.func @conv
// CHECK-NEXT: %0 = "he.encode"() {value = dense<1> : tensor<2x1x2x2xi8>} : () -> !pt2
// CHECK-NEXT: %1 = "he.encode"() {value = dense<[3, -6]> : tensor<2xi4>} : () -> !pt3
// CHECK-NEXT: %2 = "he.conv2d_plain"(%arg0, %0, %1) : (!ct2, !pt2, !pt3) -> !ct3
// CHECK-NEXT: func.return %2
func.func @conv(%x: !he.ct<1x1x3x3xi8, frac = 4>) -> !he.ct<1x2x2x2xi14, frac = 8> {
  %w = "he.encode"() {value = dense<1> : tensor<2x1x2x2xi8>} : () -> !he.pt<2x1x2x2xi8, frac = 4>
  %b = "he.encode"() {value = dense<[10, 0]> : tensor<2xi8>} : () -> !he.pt<2xi8, frac = 8>
  %c = "he.encode"() {value = dense<[[[3]], [[2]]]> : tensor<2x1x1xi8>} : () -> !he.pt<2x1x1xi8, frac = 8>
  %d = "he.encode"() {value = dense<-4> : tensor<i8>} : () -> !he.pt<i8, frac = 8>
  %0 = "he.conv2d_plain"(%x, %w, %b) : (!he.ct<1x1x3x3xi8, frac = 4>, !he.pt<2x1x2x2xi8, frac = 4>, !he.pt<2xi8, frac = 8>) -> !he.ct<1x2x2x2xi12, frac = 8>
  %1 = "he.sub_plain"(%0, %c) : (!he.ct<1x2x2x2xi12, frac = 8>, !he.pt<2x1x1xi8, frac = 8>) -> !he.ct<1x2x2x2xi13, frac = 8>
  %2 = "he.add_plain"(%1, %d) : (!he.ct<1x2x2x2xi13, frac = 8>, !he.pt<i8, frac = 8>) -> !he.ct<1x2x2x2xi14, frac = 8>
  func.return %2 : !he.ct<1x2x2x2xi14, frac = 8>
}

// Not foldable: the constant varies along the rows, or the product has another reader.
// CHECK-LABEL: func.func @kept
// CHECK: "he.matmul_plain"(%arg0, %0) :
// CHECK: "he.add_plain"
// CHECK: "he.add_plain"
func.func @kept(%x: !he.ct<2x3xi8, frac = 4>) -> (!he.ct<2x2xi17, frac = 8>, !he.ct<2x2xi17, frac = 8>, !he.ct<2x2xi16, frac = 8>) {
  %w = "he.encode"() {value = dense<1> : tensor<3x2xi8>} : () -> !he.pt<3x2xi8, frac = 4>
  %rows = "he.encode"() {value = dense<[[1], [2]]> : tensor<2x1xi8>} : () -> !he.pt<2x1xi8, frac = 8>
  %0 = "he.matmul_plain"(%x, %w) : (!he.ct<2x3xi8, frac = 4>, !he.pt<3x2xi8, frac = 4>) -> !he.ct<2x2xi16, frac = 8>
  %1 = "he.add_plain"(%0, %rows) : (!he.ct<2x2xi16, frac = 8>, !he.pt<2x1xi8, frac = 8>) -> !he.ct<2x2xi17, frac = 8>
  %b = "he.encode"() {value = dense<1> : tensor<2xi8>} : () -> !he.pt<2xi8, frac = 8>
  %2 = "he.add_plain"(%0, %b) : (!he.ct<2x2xi16, frac = 8>, !he.pt<2xi8, frac = 8>) -> !he.ct<2x2xi17, frac = 8>
  func.return %1, %2, %0 : !he.ct<2x2xi17, frac = 8>, !he.ct<2x2xi17, frac = 8>, !he.ct<2x2xi16, frac = 8>
}
