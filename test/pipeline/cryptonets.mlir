// RUN: veil-opt test/models/cryptonets.mlir --nn-to-rt

// The CryptoNets-style network (conv 3x3, x*x, dense) compiled to a verified rt program: the convolution with
// its bias is one conv2d_plain, x*x one square kernel, the dense layer one matmul_plain.

// CHECK-LABEL: func.func @main
// CHECK: "rt.call"(%arg0, %0, %1) {blocks = {{[0-9]+}}, callee = @conv2d_plain, signed = true}
// CHECK: callee = @square
// CHECK: callee = @reshape
// CHECK: callee = @matmul_plain
// CHECK: callee = @rescale
// CHECK-NEXT: func.return
// CHECK-NOT: "nn.
// CHECK-NOT: "he.
