// RUN: not veil-opt %s --nn-to-rt

// Reported: an argument type of 10^19 elements made assign-precision panic (`capacity overflow`). The parser
// refuses the type at its first occurrence, before any pass runs, and says how to raise the limit.

// CHECK: huge_argument.mlir:12:26: error: the type tensor<100000000000x100000000xf32> has 10000000000000000000 elements, more than the limit of 16777216
// CHECK-NEXT: ┌─ test/limits/huge_argument.mlir:12:26
// CHECK: ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
// CHECK: = raise the limit with VEIL_LIMITS=elements=N or the flag `--limits elements=N` of veil and veil-opt (docs/limits.md)
// CHECK-NOT: panicked
module {
  func.func @main(%arg0: tensor<100000000000x100000000xf32> {veil.range = [0.0, 1.0], veil.secret}) -> tensor<100000000000x100000000xf32> {
    %0 = "nn.relu"(%arg0) : (tensor<100000000000x100000000xf32>) -> tensor<100000000000x100000000xf32>
    func.return %0 : tensor<100000000000x100000000xf32>
  }
}
