// RUN: veil-opt %s --assign-precision=act-frac=4,weight-frac=4 --nn-to-he

// The lowering of each nn op, with 4 fraction bits for activations and weights so that the integers stay
// readable: an input x is held as round(x * 16).

// The types, by alias (the widths are what the integer range analysis proves):
// CHECK: !ct0 = !he.ct<1x2xi6, frac = 4>
// CHECK-NEXT: !ct1 = !he.ct<1x2xi7, frac = 4>
// CHECK-NEXT: !pt0 = !he.pt<2x2xi6, frac = 4>
// CHECK-NEXT: !pt1 = !he.pt<2xi9, frac = 8>
// CHECK-NEXT: !ct2 = !he.ct<1x2xi11, frac = 8>
// CHECK-NEXT: !ct3 = !he.ct<4xi6, frac = 4>
// CHECK-NEXT: !ct4 = !he.ct<4xi7, frac = 4>
// CHECK-NEXT: !ct5 = !he.ct<4xi10, frac = 8>

// A dense layer: the weights at the weight frac, the following bias add folded into he.matmul_plain at the
// product's frac (4 + 4), then one rescale back to 4. Constant-only computations (w * 2) are folded.
// CHECK-LABEL: func.func @fc(
// CHECK-SAME: %arg0: !ct0 {veil.frac = 4, veil.range = [0.0, 1.0], veil.secret, veil.width = 6}
// CHECK-NEXT: "he.encode"() {value = dense<{{\[\[}}16, -32], [8, 4]]> : tensor<2x2xi6>}
// CHECK-NEXT: "he.encode"() {value = dense<[128, -64]> : tensor<2xi9>}
// CHECK-NEXT: "he.matmul_plain"(%arg0, %0, %1)
// CHECK-SAME: (!ct0, !pt0, !pt1) -> !ct2
// CHECK-NEXT: "he.rescale"(%2) {shift = 4} : (!ct2) -> !ct1
// CHECK-NEXT: func.return %3
func.func @fc(%x: tensor<1x2xf32> {veil.secret, veil.range = [0.0, 1.0]}) -> tensor<1x2xf32> {
  %w = "nn.constant"() {value = dense<[[0.5, -1.0], [0.25, 0.125]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %two = "nn.constant"() {value = dense<2.0> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %w2 = "nn.mul"(%w, %two) : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %0 = "nn.matmul"(%x, %w2) : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  %b = "nn.constant"() {value = dense<[0.5, -0.25]> : tensor<2xf32>} : () -> tensor<2xf32>
  %1 = "nn.add"(%0, %b) : (tensor<1x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  func.return %1 : tensor<1x2xf32>
}

// Elementwise: x * x is a square; a product of two ciphertexts is he.mul; a constant factor is he.mul_plain;
// each multiplication is followed by a rescale. c - x is a negation and a plaintext addition.
// CHECK-LABEL: func.func @elementwise(
// CHECK-NEXT: %0 = "he.square"(%arg0) : (!ct3) -> !ct5
// CHECK-NEXT: %1 = "he.rescale"(%0) {shift = 4}
// CHECK-NEXT: %2 = "he.mul"(%1, %arg1)
// CHECK-NEXT: %3 = "he.rescale"(%2) {shift = 4}
// CHECK-NEXT: %4 = "he.encode"() {value = dense<-24> : tensor<4xi6>}
// CHECK-NEXT: %5 = "he.mul_plain"(%3, %4)
// CHECK-NEXT: %6 = "he.rescale"(%5) {shift = 4}
// CHECK-NEXT: %7 = "he.neg"(%6)
// CHECK-NEXT: %8 = "he.encode"() {value = dense<16> : tensor<4xi6>}
// CHECK-NEXT: %9 = "he.add_plain"(%7, %8)
// CHECK-NEXT: %10 = "he.relu"(%9)
// CHECK-NEXT: %11 = "he.sub"(%10, %arg1)
func.func @elementwise(%x: tensor<4xf32> {veil.secret, veil.range = [-1.0, 1.0]}, %y: tensor<4xf32> {veil.secret, veil.range = [0.0, 1.0]}) -> tensor<4xf32> {
  %0 = "nn.mul"(%x, %x) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = "nn.mul"(%0, %y) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %k = "nn.constant"() {value = dense<-1.5> : tensor<4xf32>} : () -> tensor<4xf32>
  %2 = "nn.mul"(%1, %k) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %one = "nn.constant"() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %3 = "nn.sub"(%one, %2) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %4 = "nn.relu"(%3) : (tensor<4xf32>) -> tensor<4xf32>
  %5 = "nn.sub"(%4, %y) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return %5 : tensor<4xf32>
}

// Convolution with its bias operand, then pooling: a 2x2 average is the window sum at 2 more fraction bits
// (multiplier 1), a 3x3 average multiplies by round(2^s / 9) with s = weight frac + 4, a global average over
// 2x2 is again exact; max pooling keeps the scale.
// CHECK-LABEL: func.func @conv_pool(
// CHECK: "he.conv2d_plain"(%arg0, %0, %1) {pads = [1, 1, 1, 1]}
// CHECK-NEXT: "he.rescale"(%2) {shift = 4}
// CHECK-NEXT: "he.avg_pool2d"(%3) {kernel = [2, 2], multiplier_frac = 2, strides = [2, 2]}
// CHECK-NEXT: "he.rescale"(%4) {shift = 2}
// CHECK-NEXT: "he.avg_pool2d"(%3) {kernel = [3, 3], multiplier = 28, multiplier_frac = 8}
// CHECK-NEXT: "he.rescale"(%6) {shift = 8}
// CHECK-NEXT: "he.max_pool2d"(%7) {kernel = [2, 2]}
// CHECK-NEXT: "he.avg_pool2d"(%8) {kernel = [2, 2], multiplier_frac = 2}
// CHECK-NEXT: "he.rescale"(%9) {shift = 2}
func.func @conv_pool(%x: tensor<1x1x4x4xf32> {veil.secret, veil.range = [0.0, 1.0]}) -> tensor<1x2x1x1xf32> {
  %w = "nn.constant"() {value = dense<[[[[1.0, 0.0], [0.0, -1.0]]], [[[0.5, 0.5], [0.5, 0.5]]]]> : tensor<2x1x2x2xf32>} : () -> tensor<2x1x2x2xf32>
  %b = "nn.constant"() {value = dense<[0.0, -0.5]> : tensor<2xf32>} : () -> tensor<2xf32>
  %0 = "nn.conv2d"(%x, %w, %b) {pads = [1, 1, 1, 1]} : (tensor<1x1x4x4xf32>, tensor<2x1x2x2xf32>, tensor<2xf32>) -> tensor<1x2x5x5xf32>
  %1 = "nn.avg_pool2d"(%0) {kernel = [2, 2], strides = [2, 2]} : (tensor<1x2x5x5xf32>) -> tensor<1x2x2x2xf32>
  %2 = "nn.avg_pool2d"(%0) {kernel = [3, 3]} : (tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32>
  %3 = "nn.max_pool2d"(%2) {kernel = [2, 2]} : (tensor<1x2x3x3xf32>) -> tensor<1x2x2x2xf32>
  %4 = "nn.global_avg_pool2d"(%3) : (tensor<1x2x2x2xf32>) -> tensor<1x2x1x1xf32>
  func.return %4 : tensor<1x2x1x1xf32>
}

// Padding not counted in the divisor: the window sums, then a per-position plaintext of 1 / (cells inside).
// CHECK-LABEL: func.func @avg_pool_border(
// CHECK-NEXT: "he.avg_pool2d"(%arg0) {kernel = [2, 2], pads = [1, 1, 0, 0]}
// CHECK-NEXT: "he.encode"() {value = dense<{{\[\[\[\[}}16, 8], [8, 4]]]]> : tensor<1x1x2x2xi6>}
// CHECK-NEXT: "he.mul_plain"(%0, %1)
// CHECK-NEXT: "he.rescale"(%2) {shift = 4}
func.func @avg_pool_border(%x: tensor<1x1x2x2xf32> {veil.secret, veil.range = [-1.0, 1.0]}) -> tensor<1x1x2x2xf32> {
  %0 = "nn.avg_pool2d"(%x) {kernel = [2, 2], pads = [1, 1, 0, 0]} : (tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  func.return %0 : tensor<1x1x2x2xf32>
}

// Batch normalization with constant statistics is a per-channel affine map: scale / sqrt(var + eps) as a
// plaintext product, bias - mean * that added at the product's frac, then a rescale.
// CHECK-LABEL: func.func @batch_norm(
// CHECK-NEXT: "he.encode"() {value = dense<{{\[\[\[}}32]], {{\[\[}}8]]]> : tensor<2x1x1xi7>}
// CHECK-NEXT: "he.mul_plain"(%arg0, %0)
// CHECK-NEXT: "he.encode"() {value = dense<{{\[\[\[}}-256]], {{\[\[}}128]]]> : tensor<2x1x1xi9>}
// CHECK-NEXT: "he.add_plain"(%1, %2)
// CHECK-NEXT: "he.rescale"(%3) {shift = 4}
func.func @batch_norm(%x: tensor<1x2x2x2xf32> {veil.secret, veil.range = [-1.0, 1.0]}) -> tensor<1x2x2x2xf32> {
  %scale = "nn.constant"() {value = dense<[2.0, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %bias = "nn.constant"() {value = dense<[0.0, 0.5]> : tensor<2xf32>} : () -> tensor<2xf32>
  %mean = "nn.constant"() {value = dense<[0.5, 0.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %var = "nn.constant"() {value = dense<[1.0, 4.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %0 = "nn.batch_norm"(%x, %scale, %bias, %mean, %var) {epsilon = 0.0} : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  func.return %0 : tensor<1x2x2x2xf32>
}

// Data movement maps one to one; a non-zero pad value is added where the padding is; a constant operand of a
// concatenation is a trivial encryption; a constant on the left of a matmul is computed transposed.
// CHECK-LABEL: func.func @layout(
// CHECK-NEXT: "he.reshape"(%arg0)
// CHECK-NEXT: "he.transpose"(%0) {perm = [1, 0]}
// CHECK-NEXT: "he.pad"(%1) {pads = [0, 1, 0, 0]}
// CHECK-NEXT: "he.encode"() {value = dense<{{\[\[}}8, 0, 0], [8, 0, 0]]>
// CHECK-NEXT: "he.add_plain"(%2, %3)
// CHECK-NEXT: "he.encode"()
// CHECK-NEXT: "he.trivial"(%5)
// CHECK-NEXT: "he.concat"(%4, %6) {axis = 0}
// CHECK-NEXT: "he.sum"(%7) {axes = [1], keepdims = false}
// CHECK: "he.transpose"(%7) {perm = [1, 0]}
// CHECK-NEXT: "he.encode"()
// CHECK-NEXT: "he.matmul_plain"
// CHECK-NEXT: "he.rescale"
// CHECK-NEXT: "he.transpose"
func.func @layout(%x: tensor<4xf32> {veil.secret, veil.range = [0.0, 1.0]}) -> (tensor<4xf32>, tensor<1x3xf32>) {
  %0 = "nn.reshape"(%x) : (tensor<4xf32>) -> tensor<2x2xf32>
  %1 = "nn.transpose"(%0) {perm = [1, 0]} : (tensor<2x2xf32>) -> tensor<2x2xf32>
  %2 = "nn.pad"(%1) {pads = [0, 1, 0, 0], value = 0.5} : (tensor<2x2xf32>) -> tensor<2x3xf32>
  %c = "nn.constant"() {value = dense<1.0> : tensor<2x3xf32>} : () -> tensor<2x3xf32>
  %3 = "nn.concat"(%2, %c) {axis = 0} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  %4 = "nn.reduce_sum"(%3) {axes = [1], keepdims = false} : (tensor<4x3xf32>) -> tensor<4xf32>
  %r = "nn.constant"() {value = dense<[[1.0, 0.0, 1.0, 0.0]]> : tensor<1x4xf32>} : () -> tensor<1x4xf32>
  %5 = "nn.matmul"(%r, %3) : (tensor<1x4xf32>, tensor<4x3xf32>) -> tensor<1x3xf32>
  func.return %4, %5 : tensor<4xf32>, tensor<1x3xf32>
}
