// RUN: veil-opt %s --assign-precision=act-frac=4,weight-frac=6

// The options set the fraction bits: the input and everything computed from it at 4, the weights at 6.
// A product of one value with itself is a square, never negative: [-1, 2] squared is [0, 4], not [-2, 4].

// CHECK: module attributes {veil.precision = {act_frac = 4, max_width = 64, weight_frac = 6}}
// CHECK-LABEL: func.func @main(
// CHECK-SAME: veil.frac = 4, veil.range = [-1.0, 2.0], veil.secret, veil.width = 7
// CHECK-NEXT: %0 = "nn.mul"(%arg0, %arg0) {veil.frac = 4, veil.range = [0.0, 4.0], veil.width = 8}
// CHECK-NEXT: %1 = "nn.constant"() {value = {{.*}}, veil.frac = 6, veil.range = [0.25, 0.25], veil.width = 6}
// CHECK-NEXT: %2 = "nn.mul"(%0, %1) {veil.frac = 4, veil.range = [0.0, 1.0], veil.width = 6}
func.func @main(%x: tensor<4xf32> {veil.secret, veil.range = [-1.0, 2.0]}) -> tensor<4xf32> {
  %0 = "nn.mul"(%x, %x) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %q = "nn.constant"() {value = dense<0.25> : tensor<4xf32>} : () -> tensor<4xf32>
  %1 = "nn.mul"(%0, %q) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return %1 : tensor<4xf32>
}
