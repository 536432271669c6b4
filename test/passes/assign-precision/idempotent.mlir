// RUN: veil-opt %s --assign-precision --assign-precision

// Running the pass twice gives what running it once gives (the unit tests also check that the second run
// reports no change): the recorded formats are not inputs of the analysis.

// CHECK-LABEL: func.func @main(
// CHECK-NEXT: %0 = "nn.conv2d"(%arg0, %{{.*}}) {veil.frac = 8, veil.range = [-2.0, 2.0], veil.width = 11}
func.func @main(%x: tensor<1x1x2x2xf32> {veil.secret, veil.range = [-1.0, 1.0]}, %w: tensor<1x1x1x1xf32> {veil.secret, veil.range = [0.0, 2.0]}) -> tensor<1x1x2x2xf32> {
  %0 = "nn.conv2d"(%x, %w) : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x2x2xf32>
  func.return %0 : tensor<1x1x2x2xf32>
}
