// RUN: not veil-opt %s --limits elements=8
// RUN: veil-opt %s --limits elements=9 | FileCheck %s --check-prefix=RAISED

// `--limits elements=N` lowers or raises the most elements of one tensor: 3x3 is refused under 8 and accepted
// under 9.

// CHECK: elements.mlir:12:18: error: the type tensor<3x3xf32> has 9 elements, more than the limit of 8
// CHECK: = raise the limit with VEIL_LIMITS=elements=N
// CHECK-NOT: module

// RAISED: func.func @f(%arg0: tensor<3x3xf32>)
func.func @f(%a: tensor<3x3xf32>) -> tensor<3x3xf32> {
  return %a : tensor<3x3xf32>
}
