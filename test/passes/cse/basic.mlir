// RUN: veil-opt %s --cse

// Identical pure ops are merged into the first; the uses of the later ones move to it.

// CHECK-LABEL: func.func @duplicate_unary(
// CHECK-NEXT: %0 = "nn.relu"(%arg0) : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT: %1 = "nn.add"(%0, %0) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT: func.return %1 : tensor<4xf32>
func.func @duplicate_unary(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "nn.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "nn.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %2 = "nn.add"(%0, %1) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %2 : tensor<4xf32>
}

// Merging the first pair makes the users of the pair identical too: whole chains fold in one run.
// CHECK-LABEL: func.func @chains(
// CHECK-NEXT: %0 = "nn.relu"(%arg0)
// CHECK-NEXT: %1 = "nn.neg"(%0)
// CHECK-NEXT: %2 = "nn.mul"(%1, %1)
// CHECK-NEXT: func.return %2
func.func @chains(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = "nn.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %b = "nn.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %c = "nn.neg"(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %d = "nn.neg"(%b) : (tensor<4xf32>) -> tensor<4xf32>
  %e = "nn.mul"(%c, %d) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %e : tensor<4xf32>
}

// Duplicates without uses go too (nothing refers to them after the merge).
// CHECK-LABEL: func.func @unused_duplicate(
// CHECK-NEXT: %0 = "nn.relu"(%arg0)
// CHECK-NEXT: func.return %0
func.func @unused_duplicate(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "nn.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "nn.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
