// RUN: not veil-opt %s --nn-to-rt

// Reported: a one-element splat of a 1.6·10^10-element type aborted the process when a pass expanded it
// (`memory allocation of 256000000000 bytes failed`). The constant's type is refused where its op is read (its
// result type comes first), before anything can expand the splat.

// CHECK: huge_splat.mlir:14:82: error: the type tensor<4x4000000000xf32> has 16000000000 elements, more than the limit of 16777216
// CHECK: 14 │     %0 = "nn.constant"() {value = dense<1.0> : tensor<4x4000000000xf32>} : () -> tensor<4x4000000000xf32>
// CHECK-NEXT: │ {{ +}}^^^^^^^^^^^^^^^^^^^^^^^^{{$}}
// CHECK: = raise the limit with VEIL_LIMITS=elements=N
// CHECK-NOT: module
module {
  func.func @main(%arg0: tensor<4x1xf32> {veil.range = [0.0, 1.0], veil.secret}) -> tensor<4x1xf32> {
    %0 = "nn.constant"() {value = dense<1.0> : tensor<4x4000000000xf32>} : () -> tensor<4x4000000000xf32>
    %1 = "nn.reduce_sum"(%0) {axes = [1], keepdims = true} : (tensor<4x4000000000xf32>) -> tensor<4x1xf32>
    %2 = "nn.add"(%arg0, %1) : (tensor<4x1xf32>, tensor<4x1xf32>) -> tensor<4x1xf32>
    func.return %2 : tensor<4x1xf32>
  }
}
