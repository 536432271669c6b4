// RUN: veil-opt %s --split-input-file --nn-to-he

// Layout ops applied directly to a function argument: nn-to-he retypes the arguments to ciphertexts first, so
// their attributes must be read with the ciphertext's rank (a pad of a 4-d argument and a 3-d transpose used to
// be rejected because of it: ONNX node tests test_constant_pad and test_transpose_default).

// CHECK-LABEL: func.func @pad
// CHECK: "he.pad"(%arg0) {pads = [0, 0, 1, 3, 0, 0, 2, 4]}
// CHECK: "he.add_plain"
func.func @pad(%x: tensor<1x3x4x5xf32> {veil.secret, veil.range = [-2.5, 2.5]}) -> tensor<1x3x7x12xf32> {
  %0 = "nn.pad"(%x) {pads = [0, 0, 1, 3, 0, 0, 2, 4], value = 1.2} : (tensor<1x3x4x5xf32>) -> tensor<1x3x7x12xf32>
  func.return %0 : tensor<1x3x7x12xf32>
}

// -----

// CHECK-LABEL: func.func @transpose
// CHECK: "he.transpose"(%arg0) {perm = [2, 1, 0]}
func.func @transpose(%x: tensor<2x3x4xf32> {veil.secret, veil.range = [0.0, 1.0]}) -> tensor<4x3x2xf32> {
  %0 = "nn.transpose"(%x) {perm = [2, 1, 0]} : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
  func.return %0 : tensor<4x3x2xf32>
}
