// RUN: not veil-opt %s --cse

// Unknown ops and verifier errors are reported at the op, with a hint where one is close.

// CHECK: error: unknown operation 'nn.ad'
// CHECK-NEXT: ┌─ test/tools/veil-opt/verify_error.mlir:9:8
// CHECK: = did you mean 'nn.add'?
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "nn.ad"(%x, %x) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
