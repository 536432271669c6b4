// RUN: veil-opt %s --cse

// Each function is its own scope: identical ops in two functions both stay, and a module with nothing to merge
// prints unchanged.

// CHECK-LABEL: func.func @f(
// CHECK-NEXT: %0 = "nn.constant"() {value = dense<1.0> : tensor<4xf32>}
// CHECK-NEXT: %1 = "nn.add"(%arg0, %0)
// CHECK-NEXT: func.return %1
// CHECK-LABEL: func.func @g(
// CHECK-NEXT: %0 = "nn.constant"() {value = dense<1.0> : tensor<4xf32>}
// CHECK-NEXT: %1 = "nn.add"(%arg0, %0)
// CHECK-NEXT: func.return %1
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = "nn.constant"() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %0 = "nn.add"(%x, %c) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
func.func @g(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = "nn.constant"() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %0 = "nn.add"(%x, %c) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
