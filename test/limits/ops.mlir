// RUN: not veil-opt %s --limits ops=3

// The ops of a module are counted, functions included: @f and two of its ops fit under 3, the return does not.

// CHECK: ops.mlir:12:5: error: the module has more than 3 ops, the limit
// CHECK: = raise the limit with VEIL_LIMITS=ops=N or the flag `--limits ops=N` of veil and veil-opt (docs/limits.md)
// CHECK-NOT: module
module {
  func.func @f(%arg0: tensor<4xf32>) -> tensor<4xf32> {
    %0 = "nn.relu"(%arg0) : (tensor<4xf32>) -> tensor<4xf32>
    %1 = "nn.relu"(%0) : (tensor<4xf32>) -> tensor<4xf32>
    func.return %1 : tensor<4xf32>
  }
}
