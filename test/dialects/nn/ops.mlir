// RUN: veil-opt %s

// CHECK-LABEL: func.func @constant(
// CHECK-NEXT: %0 = "nn.constant"() {value = dense<{{\[\[}}1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
// CHECK-NEXT: %1 = "nn.constant"() {value = dense<0.5> : tensor<3xf32>} : () -> tensor<3xf32>
// CHECK-NEXT: func.return %0, %1 : tensor<2x2xf32>, tensor<3xf32>
func.func @constant() -> (tensor<2x2xf32>, tensor<3xf32>) {
  %c = "nn.constant"() {value = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %s = "nn.constant"() {value = dense<0.5> : tensor<3xf32>} : () -> tensor<3xf32>
  return %c, %s : tensor<2x2xf32>, tensor<3xf32>
}

// CHECK-LABEL: func.func @broadcasting(%arg0: tensor<2x3xf32> {veil.range = [-1.0, 1.0], veil.secret}, %arg1: tensor<3xf32>, %arg2: tensor<4x1x5xf32>, %arg3: tensor<3x1xf32>, %arg4: tensor<f32>)
// CHECK-NEXT: %0 = "nn.add"(%arg0, %arg1) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: %1 = "nn.sub"(%arg2, %arg3) : (tensor<4x1x5xf32>, tensor<3x1xf32>) -> tensor<4x3x5xf32>
// CHECK-NEXT: %2 = "nn.mul"(%arg4, %0) : (tensor<f32>, tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: func.return %0, %1, %2 : tensor<2x3xf32>, tensor<4x3x5xf32>, tensor<2x3xf32>
func.func @broadcasting(%x: tensor<2x3xf32> {veil.secret, veil.range = [-1.0, 1.0]}, %b: tensor<3xf32>, %y: tensor<4x1x5xf32>, %z: tensor<3x1xf32>, %s: tensor<f32>) -> (tensor<2x3xf32>, tensor<4x3x5xf32>, tensor<2x3xf32>) {
  %0 = "nn.add"(%x, %b) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = "nn.sub"(%y, %z) : (tensor<4x1x5xf32>, tensor<3x1xf32>) -> tensor<4x3x5xf32>
  %2 = "nn.mul"(%s, %0) : (tensor<f32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0, %1, %2 : tensor<2x3xf32>, tensor<4x3x5xf32>, tensor<2x3xf32>
}

// CHECK-LABEL: func.func @unary(
// CHECK-NEXT: %0 = "nn.neg"(%arg0) : (tensor<2x3xf64>) -> tensor<2x3xf64>
// CHECK-NEXT: %1 = "nn.relu"(%0) : (tensor<2x3xf64>) -> tensor<2x3xf64>
// CHECK-NEXT: func.return %1 : tensor<2x3xf64>
func.func @unary(%x: tensor<2x3xf64>) -> tensor<2x3xf64> {
  %0 = "nn.neg"(%x) : (tensor<2x3xf64>) -> tensor<2x3xf64>
  %1 = "nn.relu"(%0) : (tensor<2x3xf64>) -> tensor<2x3xf64>
  return %1 : tensor<2x3xf64>
}

// CHECK-LABEL: func.func @matmul(
// CHECK-NEXT: %0 = "nn.matmul"(%arg0, %arg2) : (tensor<1x4xf32>, tensor<4x2xf32>) -> tensor<1x2xf32>
// CHECK-NEXT: %1 = "nn.matmul"(%arg1, %arg2) : (tensor<4xf32>, tensor<4x2xf32>) -> tensor<2xf32>
// CHECK-NEXT: %2 = "nn.matmul"(%arg3, %arg2) : (tensor<3x2x4xf32>, tensor<4x2xf32>) -> tensor<3x2x2xf32>
// CHECK-NEXT: func.return %0, %1, %2 : tensor<1x2xf32>, tensor<2xf32>, tensor<3x2x2xf32>
func.func @matmul(%a: tensor<1x4xf32>, %v: tensor<4xf32>, %w: tensor<4x2xf32>, %batch: tensor<3x2x4xf32>) -> (tensor<1x2xf32>, tensor<2xf32>, tensor<3x2x2xf32>) {
  %0 = "nn.matmul"(%a, %w) : (tensor<1x4xf32>, tensor<4x2xf32>) -> tensor<1x2xf32>
  %1 = "nn.matmul"(%v, %w) : (tensor<4xf32>, tensor<4x2xf32>) -> tensor<2xf32>
  %2 = "nn.matmul"(%batch, %w) : (tensor<3x2x4xf32>, tensor<4x2xf32>) -> tensor<3x2x2xf32>
  return %0, %1, %2 : tensor<1x2xf32>, tensor<2xf32>, tensor<3x2x2xf32>
}

// CHECK-LABEL: func.func @conv2d(
// CHECK-NEXT: %0 = "nn.conv2d"(%arg0, %arg1, %arg2) {pads = [1, 1, 1, 1]} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
// CHECK-NEXT: %1 = "nn.conv2d"(%arg0, %arg1) {strides = [2, 2]} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x3x3xf32>
// CHECK-NEXT: %2 = "nn.conv2d"(%arg0, %arg3) {dilations = [2, 2], groups = 3} : (tensor<1x3x8x8xf32>, tensor<3x1x3x3xf32>) -> tensor<1x3x4x4xf32>
// CHECK-NEXT: func.return %0, %1, %2 : tensor<1x4x8x8xf32>, tensor<1x4x3x3xf32>, tensor<1x3x4x4xf32>
func.func @conv2d(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>, %dw: tensor<3x1x3x3xf32>) -> (tensor<1x4x8x8xf32>, tensor<1x4x3x3xf32>, tensor<1x3x4x4xf32>) {
  %0 = "nn.conv2d"(%x, %w, %b) {pads = [1, 1, 1, 1]} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  %1 = "nn.conv2d"(%x, %w) {strides = [2, 2]} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x3x3xf32>
  %2 = "nn.conv2d"(%x, %dw) {dilations = [2, 2], groups = 3} : (tensor<1x3x8x8xf32>, tensor<3x1x3x3xf32>) -> tensor<1x3x4x4xf32>
  return %0, %1, %2 : tensor<1x4x8x8xf32>, tensor<1x4x3x3xf32>, tensor<1x3x4x4xf32>
}

// CHECK-LABEL: func.func @pooling(
// CHECK-NEXT: %0 = "nn.avg_pool2d"(%arg0) {kernel = [2, 2], strides = [2, 2]} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
// CHECK-NEXT: %1 = "nn.avg_pool2d"(%arg0) {count_include_pad = true, kernel = [3, 3], pads = [1, 1, 1, 1]} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
// CHECK-NEXT: %2 = "nn.max_pool2d"(%arg0) {kernel = [3, 3], pads = [1, 1, 1, 1], strides = [2, 2]} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
// CHECK-NEXT: %3 = "nn.max_pool2d"(%arg0) {dilations = [2, 2], kernel = [2, 2], strides = [4, 4]} : (tensor<1x4x8x8xf32>) -> tensor<1x4x2x2xf32>
// CHECK-NEXT: %4 = "nn.global_avg_pool2d"(%arg0) : (tensor<1x4x8x8xf32>) -> tensor<1x4x1x1xf32>
// CHECK-NEXT: func.return %0, %1, %2, %3, %4 : tensor<1x4x4x4xf32>, tensor<1x4x8x8xf32>, tensor<1x4x4x4xf32>, tensor<1x4x2x2xf32>, tensor<1x4x1x1xf32>
func.func @pooling(%x: tensor<1x4x8x8xf32>) -> (tensor<1x4x4x4xf32>, tensor<1x4x8x8xf32>, tensor<1x4x4x4xf32>, tensor<1x4x2x2xf32>, tensor<1x4x1x1xf32>) {
  %0 = "nn.avg_pool2d"(%x) {kernel = [2, 2], strides = [2, 2]} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  %1 = "nn.avg_pool2d"(%x) {count_include_pad = true, kernel = [3, 3], pads = [1, 1, 1, 1]} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %2 = "nn.max_pool2d"(%x) {kernel = [3, 3], pads = [1, 1, 1, 1], strides = [2, 2]} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  %3 = "nn.max_pool2d"(%x) {dilations = [2, 2], kernel = [2, 2], strides = [4, 4]} : (tensor<1x4x8x8xf32>) -> tensor<1x4x2x2xf32>
  %4 = "nn.global_avg_pool2d"(%x) : (tensor<1x4x8x8xf32>) -> tensor<1x4x1x1xf32>
  return %0, %1, %2, %3, %4 : tensor<1x4x4x4xf32>, tensor<1x4x8x8xf32>, tensor<1x4x4x4xf32>, tensor<1x4x2x2xf32>, tensor<1x4x1x1xf32>
}

// CHECK-LABEL: func.func @layout(
// CHECK-NEXT: %0 = "nn.reshape"(%arg0) : (tensor<1x3x8x8xf32>) -> tensor<1x192xf32>
// CHECK-NEXT: %1 = "nn.transpose"(%arg0) {perm = [0, 2, 3, 1]} : (tensor<1x3x8x8xf32>) -> tensor<1x8x8x3xf32>
// CHECK-NEXT: %2 = "nn.transpose"(%arg1) : (tensor<2x3xf32>) -> tensor<3x2xf32>
// CHECK-NEXT: %3 = "nn.pad"(%arg0) {pads = [0, 0, 1, 1, 0, 0, 1, 1], value = -1.0} : (tensor<1x3x8x8xf32>) -> tensor<1x3x10x10xf32>
// CHECK-NEXT: func.return %0, %1, %2, %3 : tensor<1x192xf32>, tensor<1x8x8x3xf32>, tensor<3x2xf32>, tensor<1x3x10x10xf32>
func.func @layout(%x: tensor<1x3x8x8xf32>, %m: tensor<2x3xf32>) -> (tensor<1x192xf32>, tensor<1x8x8x3xf32>, tensor<3x2xf32>, tensor<1x3x10x10xf32>) {
  %0 = "nn.reshape"(%x) : (tensor<1x3x8x8xf32>) -> tensor<1x192xf32>
  %1 = "nn.transpose"(%x) {perm = [0, 2, 3, 1]} : (tensor<1x3x8x8xf32>) -> tensor<1x8x8x3xf32>
  %2 = "nn.transpose"(%m) : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %3 = "nn.pad"(%x) {pads = [0, 0, 1, 1, 0, 0, 1, 1], value = -1.0} : (tensor<1x3x8x8xf32>) -> tensor<1x3x10x10xf32>
  return %0, %1, %2, %3 : tensor<1x192xf32>, tensor<1x8x8x3xf32>, tensor<3x2xf32>, tensor<1x3x10x10xf32>
}

// CHECK-LABEL: func.func @concat(
// CHECK-NEXT: %0 = "nn.concat"(%arg0, %arg1) {axis = 1} : (tensor<1x2x4xf32>, tensor<1x3x4xf32>) -> tensor<1x5x4xf32>
// CHECK-NEXT: %1 = "nn.concat"(%arg0, %arg0) {axis = -1} : (tensor<1x2x4xf32>, tensor<1x2x4xf32>) -> tensor<1x2x8xf32>
// CHECK-NEXT: %2 = "nn.concat"(%arg0) {axis = 0} : (tensor<1x2x4xf32>) -> tensor<1x2x4xf32>
// CHECK-NEXT: func.return %0, %1, %2 : tensor<1x5x4xf32>, tensor<1x2x8xf32>, tensor<1x2x4xf32>
func.func @concat(%a: tensor<1x2x4xf32>, %b: tensor<1x3x4xf32>) -> (tensor<1x5x4xf32>, tensor<1x2x8xf32>, tensor<1x2x4xf32>) {
  %0 = "nn.concat"(%a, %b) {axis = 1} : (tensor<1x2x4xf32>, tensor<1x3x4xf32>) -> tensor<1x5x4xf32>
  %1 = "nn.concat"(%a, %a) {axis = -1} : (tensor<1x2x4xf32>, tensor<1x2x4xf32>) -> tensor<1x2x8xf32>
  %2 = "nn.concat"(%a) {axis = 0} : (tensor<1x2x4xf32>) -> tensor<1x2x4xf32>
  return %0, %1, %2 : tensor<1x5x4xf32>, tensor<1x2x8xf32>, tensor<1x2x4xf32>
}

// CHECK-LABEL: func.func @reduce_sum(
// CHECK-NEXT: %0 = "nn.reduce_sum"(%arg0) {axes = [1], keepdims = false} : (tensor<2x3x4xf32>) -> tensor<2x4xf32>
// CHECK-NEXT: %1 = "nn.reduce_sum"(%arg0) : (tensor<2x3x4xf32>) -> tensor<1x1x1xf32>
// CHECK-NEXT: %2 = "nn.reduce_sum"(%arg0) {axes = [-1]} : (tensor<2x3x4xf32>) -> tensor<2x3x1xf32>
// CHECK-NEXT: func.return %0, %1, %2 : tensor<2x4xf32>, tensor<1x1x1xf32>, tensor<2x3x1xf32>
func.func @reduce_sum(%x: tensor<2x3x4xf32>) -> (tensor<2x4xf32>, tensor<1x1x1xf32>, tensor<2x3x1xf32>) {
  %0 = "nn.reduce_sum"(%x) {axes = [1], keepdims = false} : (tensor<2x3x4xf32>) -> tensor<2x4xf32>
  %1 = "nn.reduce_sum"(%x) : (tensor<2x3x4xf32>) -> tensor<1x1x1xf32>
  %2 = "nn.reduce_sum"(%x) {axes = [-1]} : (tensor<2x3x4xf32>) -> tensor<2x3x1xf32>
  return %0, %1, %2 : tensor<2x4xf32>, tensor<1x1x1xf32>, tensor<2x3x1xf32>
}

// CHECK-LABEL: func.func @batch_norm(
// CHECK-NEXT: %0 = "nn.batch_norm"(%arg0, %arg1, %arg2, %arg3, %arg4) {epsilon = 0.001} : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
// CHECK-NEXT: func.return %0 : tensor<1x3x4x4xf32>
func.func @batch_norm(%x: tensor<1x3x4x4xf32>, %scale: tensor<3xf32>, %bias: tensor<3xf32>, %mean: tensor<3xf32>, %var: tensor<3xf32>) -> tensor<1x3x4x4xf32> {
  %0 = "nn.batch_norm"(%x, %scale, %bias, %mean, %var) {epsilon = 1.0e-3} : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}

// CHECK-LABEL: func.func @small_cnn(%arg0: tensor<1x1x4x4xf32> {veil.range = [0.0, 1.0], veil.secret})
// CHECK-NEXT: %0 = "nn.constant"() {value = dense<0.25> : tensor<2x1x3x3xf32>} : () -> tensor<2x1x3x3xf32>
// CHECK-NEXT: %1 = "nn.conv2d"(%arg0, %0) {pads = [1, 1, 1, 1]} : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NEXT: %2 = "nn.relu"(%1) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NEXT: %3 = "nn.avg_pool2d"(%2) {kernel = [2, 2], strides = [2, 2]} : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32>
// CHECK-NEXT: %4 = "nn.reshape"(%3) : (tensor<1x2x2x2xf32>) -> tensor<1x8xf32>
// CHECK-NEXT: %5 = "nn.constant"() {value = dense<{{\[\[}}1.0, -1.0], [0.5, 0.5], [1.0, -1.0], [0.5, 0.5], [1.0, -1.0], [0.5, 0.5], [1.0, -1.0], [0.5, 0.5]]> : tensor<8x2xf32>} : () -> tensor<8x2xf32>
// CHECK-NEXT: %6 = "nn.matmul"(%4, %5) : (tensor<1x8xf32>, tensor<8x2xf32>) -> tensor<1x2xf32>
// CHECK-NEXT: %7 = "nn.constant"() {value = dense<[0.1, -0.1]> : tensor<2xf32>} : () -> tensor<2xf32>
// CHECK-NEXT: %8 = "nn.add"(%6, %7) : (tensor<1x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
// CHECK-NEXT: func.return %8 : tensor<1x2xf32>
func.func @small_cnn(%image: tensor<1x1x4x4xf32> {veil.secret, veil.range = [0.0, 1.0]}) -> tensor<1x2xf32> {
  %w = "nn.constant"() {value = dense<0.25> : tensor<2x1x3x3xf32>} : () -> tensor<2x1x3x3xf32>
  %conv = "nn.conv2d"(%image, %w) {pads = [1, 1, 1, 1]} : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x4x4xf32>
  %act = "nn.relu"(%conv) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %pool = "nn.avg_pool2d"(%act) {kernel = [2, 2], strides = [2, 2]} : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32>
  %flat = "nn.reshape"(%pool) : (tensor<1x2x2x2xf32>) -> tensor<1x8xf32>
  %fc = "nn.constant"() {value = dense<[[1.0, -1.0], [0.5, 0.5], [1.0, -1.0], [0.5, 0.5], [1.0, -1.0], [0.5, 0.5], [1.0, -1.0], [0.5, 0.5]]> : tensor<8x2xf32>} : () -> tensor<8x2xf32>
  %logits = "nn.matmul"(%flat, %fc) : (tensor<1x8xf32>, tensor<8x2xf32>) -> tensor<1x2xf32>
  %bias = "nn.constant"() {value = dense<[0.1, -0.1]> : tensor<2xf32>} : () -> tensor<2xf32>
  %out = "nn.add"(%logits, %bias) : (tensor<1x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  return %out : tensor<1x2xf32>
}
