// RUN: veil-opt test/models/cnn_avg.mlir --nn-to-rt

// The conv/relu/avg-pool network compiled to a verified rt program: the average is an exact window sum times a
// fixed-point multiplier (avg_pool2d), rescaled back to the activation scale.

// CHECK-LABEL: func.func @main
// CHECK: callee = @conv2d_plain, pads = [1, 1, 1, 1]
// CHECK: callee = @relu
// CHECK: callee = @avg_pool2d, kernel = [2, 2], multiplier_frac = {{[0-9]+}}
// CHECK-SAME: strides = [2, 2]
// CHECK: callee = @rescale
// CHECK: callee = @reshape
// CHECK: callee = @matmul_plain
// CHECK-NOT: "nn.
// CHECK-NOT: "he.
