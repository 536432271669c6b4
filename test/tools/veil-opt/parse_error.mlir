// RUN: not veil-opt %s --cse

// A syntax error is reported at file:line:col with the source line and a caret.

// CHECK: error: unexpected 'tensor'; expected '->'
// CHECK-NEXT: ┌─ test/tools/veil-opt/parse_error.mlir:13:40
// CHECK-NEXT: │
// CHECK-NEXT: 13 │   %0 = "nn.relu"(%x) : (tensor<4xf32>) tensor<4xf32>
// CHECK-NEXT: │ {{ +}}^^^^^^{{$}}
// CHECK-NOT: module
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // The arrow between the operand and result types is missing.
  %0 = "nn.relu"(%x) : (tensor<4xf32>) tensor<4xf32>
  return %0 : tensor<4xf32>
}
