// RUN: veil-opt test/models/mlp.mlir --nn-to-rt

// The MLP (16 -> 8, relu, -> 4) compiled to a verified rt program: each dense layer is one matmul_plain with
// its bias folded in (one carry propagation per output), a rescale back to the activation scale, and relu.

// CHECK-LABEL: func.func @main(%arg0: !ct0 {
// CHECK-SAME: veil.secret
// CHECK-NEXT: %0 = "rt.const"() {value = dense<{{.*}}> : tensor<16x8xi{{[0-9]+}}>}
// CHECK-NEXT: %1 = "rt.const"() {value = dense<{{.*}}> : tensor<8xi{{[0-9]+}}>}
// CHECK-NEXT: %2 = "rt.call"(%arg0, %0, %1) {blocks = {{[0-9]+}}, callee = @matmul_plain, signed = true}
// CHECK-NEXT: %3 = "rt.call"(%2) {blocks = {{[0-9]+}}, callee = @rescale, shift = {{[0-9]+}}, signed = true}
// CHECK-NEXT: %4 = "rt.call"(%3) {blocks = {{[0-9]+}}, callee = @relu, signed = true}
// CHECK: "rt.call"(%4, %{{[0-9]+}}, %{{[0-9]+}}) {blocks = {{[0-9]+}}, callee = @matmul_plain, signed = true}
// CHECK-NEXT: "rt.call"(%{{[0-9]+}}) {blocks = {{[0-9]+}}, callee = @rescale
// CHECK-NEXT: func.return
// CHECK-NOT: "nn.
// CHECK-NOT: "he.
