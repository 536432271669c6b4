// RUN: veil-opt %s --cse

// Ops merge only when everything matches: op, operands, attributes and result types.

// A commutative op (nn.add, nn.mul) matches with its operands swapped; a non-commutative one (nn.sub) does not.
// CHECK-LABEL: func.func @commutative(
// CHECK-NEXT: %0 = "nn.add"(%arg0, %arg1)
// CHECK-NEXT: %1 = "nn.sub"(%arg0, %arg1)
// CHECK-NEXT: %2 = "nn.sub"(%arg1, %arg0)
// CHECK-NEXT: %3 = "nn.mul"(%0, %0)
// CHECK-NEXT: %4 = "nn.mul"(%1, %2)
// CHECK-NEXT: func.return %3, %4
func.func @commutative(%x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = "nn.add"(%x, %y) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = "nn.add"(%y, %x) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %2 = "nn.sub"(%x, %y) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %3 = "nn.sub"(%y, %x) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %4 = "nn.mul"(%0, %1) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %5 = "nn.mul"(%2, %3) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %4, %5 : tensor<4xf32>, tensor<4xf32>
}

// Constants merge when their values are equal, not otherwise.
// CHECK-LABEL: func.func @constants(
// CHECK-NEXT: %0 = "nn.constant"() {value = dense<[1.0, 2.0]> : tensor<2xf32>}
// CHECK-NEXT: %1 = "nn.constant"() {value = dense<[1.0, 3.0]> : tensor<2xf32>}
// CHECK-NEXT: %2 = "nn.add"(%0, %0)
// CHECK-NEXT: %3 = "nn.add"(%2, %1)
// CHECK-NEXT: func.return %3
func.func @constants() -> tensor<2xf32> {
  %a = "nn.constant"() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %b = "nn.constant"() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = "nn.constant"() {value = dense<[1.0, 3.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %0 = "nn.add"(%a, %b) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %1 = "nn.add"(%0, %c) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %1 : tensor<2xf32>
}

// Different attributes keep ops apart; equal ones (in any order in the source) do not.
// CHECK-LABEL: func.func @attribute_values(
// CHECK-NEXT: %0 = "nn.transpose"(%arg0) {perm = [1, 0]}
// CHECK-NEXT: %1 = "nn.avg_pool2d"(%arg1) {kernel = [2, 2], strides = [2, 2]}
// CHECK-NEXT: %2 = "nn.avg_pool2d"(%arg1) {kernel = [2, 2], strides = [1, 1]}
// CHECK-NEXT: func.return %0, %1, %1, %2
func.func @attribute_values(%x: tensor<2x3xf32>, %y: tensor<1x1x4x4xf32>) -> (tensor<3x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x3x3xf32>) {
  %0 = "nn.transpose"(%x) {perm = [1, 0]} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %1 = "nn.transpose"(%x) {perm = [1, 0]} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %2 = "nn.avg_pool2d"(%y) {kernel = [2, 2], strides = [2, 2]} : (tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32>
  %3 = "nn.avg_pool2d"(%y) {strides = [2, 2], kernel = [2, 2]} : (tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32>
  %4 = "nn.avg_pool2d"(%y) {kernel = [2, 2], strides = [1, 1]} : (tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32>
  return %0, %2, %3, %4 : tensor<3x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x3x3xf32>
}

// Same op and operands, different result types: not interchangeable.
// CHECK-LABEL: func.func @result_types(
// CHECK-NEXT: %0 = "nn.reshape"(%arg0) : (tensor<2x3xf32>) -> tensor<6xf32>
// CHECK-NEXT: %1 = "nn.reshape"(%arg0) : (tensor<2x3xf32>) -> tensor<3x2xf32>
func.func @result_types(%x: tensor<2x3xf32>) -> (tensor<6xf32>, tensor<3x2xf32>) {
  %0 = "nn.reshape"(%x) : (tensor<2x3xf32>) -> tensor<6xf32>
  %1 = "nn.reshape"(%x) : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0, %1 : tensor<6xf32>, tensor<3x2xf32>
}
