// RUN: veil-opt %s --dce

// Pure ops whose results are unused are removed; what the function returns stays.

// CHECK-LABEL: func.func @unused_op(
// CHECK-NEXT: %0 = "nn.relu"(%arg0)
// CHECK-NEXT: func.return %0
func.func @unused_op(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "nn.neg"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "nn.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// A dead chain goes as a whole: removing its last op frees the ones before it.
// CHECK-LABEL: func.func @dead_chain(
// CHECK-NOT: nn.
// CHECK: func.return %arg0
func.func @dead_chain(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = "nn.constant"() {value = dense<2.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %0 = "nn.mul"(%x, %c) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = "nn.relu"(%0) : (tensor<4xf32>) -> tensor<4xf32>
  %2 = "nn.add"(%1, %0) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %x : tensor<4xf32>
}

// Ops on the path to the return stay, even when a dead branch also uses them.
// CHECK-LABEL: func.func @partly_dead(
// CHECK-NEXT: %0 = "nn.constant"()
// CHECK-NEXT: %1 = "nn.add"(%arg0, %0)
// CHECK-NEXT: func.return %1
func.func @partly_dead(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = "nn.constant"() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %0 = "nn.add"(%x, %c) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = "nn.mul"(%0, %c) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %2 = "nn.neg"(%1) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// Nothing dead: unchanged.
// CHECK-LABEL: func.func @all_live(
// CHECK-NEXT: %0 = "nn.relu"(%arg0)
// CHECK-NEXT: %1 = "nn.neg"(%0)
// CHECK-NEXT: func.return %0, %1
func.func @all_live(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = "nn.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "nn.neg"(%0) : (tensor<4xf32>) -> tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}
