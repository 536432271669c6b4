// RUN: veil-opt %s --assign-precision

// An MLP 3 -> 2 (ReLU) -> 1 with readable weights. Every value gets its proven range and a format: values
// computed from the input at act-frac (8), constants at weight-frac (8); the width holds the range at that frac.
// The matmul's interval is the exact sum of its products' intervals: column 0 is x0 - 2 x1 + 0.5 x2 with every
// x in [0, 1], so [-2, 1.5].

// CHECK: module attributes {veil.precision = {act_frac = 8, max_width = 64, weight_frac = 8}}
// CHECK-LABEL: func.func @main(
// CHECK-SAME: veil.frac = 8, veil.range = [0.0, 1.0], veil.secret, veil.width = 10
// CHECK-NEXT: %0 = "nn.constant"() {value = {{.*}}, veil.frac = 8, veil.range = [-2.0, 1.0], veil.width = 10}
// CHECK-NEXT: %1 = "nn.matmul"(%arg0, %0) {veil.frac = 8, veil.range = [-2.0, 1.5], veil.width = 10}
// CHECK-NEXT: %2 = "nn.constant"() {value = {{.*}}, veil.frac = 8, veil.range = [-0.25, 0.5], veil.width = 9}
// CHECK-NEXT: %3 = "nn.add"(%1, %2) {veil.frac = 8, veil.range = [-1.5, 2.0], veil.width = 11}
// CHECK-NEXT: %4 = "nn.relu"(%3) {veil.frac = 8, veil.range = [0.0, 2.0], veil.width = 11}
// CHECK: %6 = "nn.matmul"(%4, %5) {veil.frac = 8, veil.range = [-1.0, 3.0], veil.width = 11}
func.func @main(%x: tensor<1x3xf32> {veil.secret, veil.range = [0.0, 1.0]}) -> tensor<1x1xf32> {
  %w0 = "nn.constant"() {value = dense<[[1.0, 0.5], [-2.0, 0.25], [0.5, -1.0]]> : tensor<3x2xf32>} : () -> tensor<3x2xf32>
  %0 = "nn.matmul"(%x, %w0) : (tensor<1x3xf32>, tensor<3x2xf32>) -> tensor<1x2xf32>
  %b0 = "nn.constant"() {value = dense<[0.5, -0.25]> : tensor<2xf32>} : () -> tensor<2xf32>
  %1 = "nn.add"(%0, %b0) : (tensor<1x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %2 = "nn.relu"(%1) : (tensor<1x2xf32>) -> tensor<1x2xf32>
  %w1 = "nn.constant"() {value = dense<[[1.5], [-2.0]]> : tensor<2x1xf32>} : () -> tensor<2x1xf32>
  %3 = "nn.matmul"(%2, %w1) : (tensor<1x2xf32>, tensor<2x1xf32>) -> tensor<1x1xf32>
  func.return %3 : tensor<1x1xf32>
}
