// RUN: not veil-opt %s --split-input-file --cse 2>&1 | FileCheck %s

// Each chunk is processed on its own: an error in one does not stop the others, its position is a position
// in the whole file, and the outputs are separated by the marker.

// CHECK: error: use of undefined value '%y'
// CHECK-NEXT: ┌─ test/tools/veil-opt/split_input_file.mlir:26:18
// CHECK: 26 │   %0 = "nn.relu"(%y)
// CHECK: func.func @first(
// CHECK-NEXT: %0 = "nn.relu"(%arg0)
// CHECK-NEXT: func.return %0, %0
// CHECK: {{^}}// -----
// CHECK-NEXT: {{^}}// -----
// CHECK-NEXT: module {
// CHECK-NEXT: func.func @third(

func.func @first(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = "nn.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "nn.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

func.func @second(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "nn.relu"(%y) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @third() {
  return
}
