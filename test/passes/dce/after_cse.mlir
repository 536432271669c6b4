// RUN: veil-opt %s --cse --dce
// RUN: veil-opt %s --pass-pipeline='builtin.module(cse,dce)'

// The usual pair: cse merges duplicates, dce then removes what only the duplicates used. Both spellings of the
// pipeline run the same passes in the same order.

// CHECK-LABEL: func.func @main(
// CHECK-NEXT: %0 = "nn.constant"() {value = dense<0.5> : tensor<1x4xf32>}
// CHECK-NEXT: %1 = "nn.mul"(%arg0, %0)
// CHECK-NEXT: %2 = "nn.relu"(%1)
// CHECK-NEXT: func.return %2
// CHECK-NOT: nn.
func.func @main(%x: tensor<1x4xf32> {veil.secret}) -> tensor<1x4xf32> {
  %h0 = "nn.constant"() {value = dense<0.5> : tensor<1x4xf32>} : () -> tensor<1x4xf32>
  %h1 = "nn.constant"() {value = dense<0.5> : tensor<1x4xf32>} : () -> tensor<1x4xf32>
  %0 = "nn.mul"(%x, %h0) : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %1 = "nn.mul"(%h1, %x) : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %2 = "nn.relu"(%0) : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %3 = "nn.sub"(%1, %0) : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  return %2 : tensor<1x4xf32>
}
