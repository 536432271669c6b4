// RUN: veil-opt %s --dce --cse --print-ir-after-all 2>&1 | FileCheck %s

// The IR after each pass goes to stderr under MLIR's header, in the order the passes ran (command-line order);
// the final IR follows on stdout.

// CHECK: // -----// IR Dump After dce //----- //
// CHECK-NEXT: module {
// CHECK: "nn.relu"
// CHECK-NEXT: "nn.relu"
// CHECK: // -----// IR Dump After cse //----- //
// CHECK: "nn.relu"
// CHECK-NOT: "nn.relu"
// CHECK: module {
// CHECK-NEXT: func.func @f(
// CHECK-NEXT: %0 = "nn.relu"(%arg0)
// CHECK-NEXT: func.return %0, %0
func.func @f(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = "nn.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "nn.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %2 = "nn.neg"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}
