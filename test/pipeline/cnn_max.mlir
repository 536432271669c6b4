// RUN: veil-opt test/models/cnn_max.mlir --nn-to-rt

// The conv/relu/max-pool network compiled to a verified rt program: max pooling is computed exactly on the
// server (max_pool2d: a tree of radix comparisons).

// CHECK-LABEL: func.func @main
// CHECK: callee = @conv2d_plain, pads = [1, 1, 1, 1]
// CHECK: callee = @relu
// CHECK: callee = @max_pool2d, kernel = [2, 2]
// CHECK-SAME: strides = [2, 2]
// CHECK: callee = @reshape
// CHECK: callee = @matmul_plain
// CHECK-NOT: "nn.
// CHECK-NOT: "he.
