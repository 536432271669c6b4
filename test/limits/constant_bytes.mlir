// RUN: not veil-opt %s --limits constant-bytes=64

// The constants of a module are summed, each element at its type's width (4 bytes for f32); a splat counts at its
// full size, since passes expand it. The first 64 bytes pass; the second constant brings the total to 128.

// CHECK: constant_bytes.mlir:14:48: error: the constants of this module take more than 64 bytes, the limit (128 bytes so far)
// CHECK: = raise the limit with VEIL_LIMITS=constant-bytes=N or the flag `--limits constant-bytes=N` of veil and veil-opt (docs/limits.md)
// CHECK-NOT: module
module {
  func.func @main(%arg0: tensor<16xf32>) -> tensor<16xf32> {
    %0 = "nn.constant"() {value = dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0]> : tensor<16xf32>} : () -> tensor<16xf32>
    %1 = "nn.add"(%arg0, %0) : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
    // A splat: one literal, sixteen elements.
    %2 = "nn.constant"() {value = dense<1.0> : tensor<16xf32>} : () -> tensor<16xf32>
    %3 = "nn.add"(%1, %2) : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
    func.return %3 : tensor<16xf32>
  }
}
