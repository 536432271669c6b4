// RUN: veil-opt %s --nn-to-he --split-input-file --verify-diagnostics

// Ops that cannot run on ciphertexts are errors naming the op and why.

func.func @secret_matmul(%x: tensor<2x2xf32> {veil.secret, veil.range = [0.0, 1.0]}, %y: tensor<2x2xf32> {veil.secret, veil.range = [0.0, 1.0]}) -> tensor<2x2xf32> {
  // expected-error @+1 {{'nn.matmul' multiplies two secret tensors: he has no ciphertext x ciphertext matrix product; one operand must be a constant}}
  %0 = "nn.matmul"(%x, %y) : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  func.return %0 : tensor<2x2xf32>
}

// -----

func.func @secret_weights(%x: tensor<1x1x3x3xf32> {veil.secret, veil.range = [0.0, 1.0]}, %w: tensor<1x1x2x2xf32> {veil.secret, veil.range = [0.0, 1.0]}) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{'nn.conv2d' with secret weights is not supported: he.conv2d_plain needs constant weights}}
  %0 = "nn.conv2d"(%x, %w) : (tensor<1x1x3x3xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  func.return %0 : tensor<1x1x2x2xf32>
}

// -----

func.func @secret_statistics(%x: tensor<1x2x2x2xf32> {veil.secret, veil.range = [0.0, 1.0]}, %mean: tensor<2xf32> {veil.secret, veil.range = [0.0, 1.0]}) -> tensor<1x2x2x2xf32> {
  %one = "nn.constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<2xf32>
  // expected-error @+1 {{'nn.batch_norm' with secret statistics (operand #3, mean) is not supported: the normalization must be a public per-channel affine map}}
  %0 = "nn.batch_norm"(%x, %one, %one, %mean, %one) : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  func.return %0 : tensor<1x2x2x2xf32>
}

// -----

// Inputs are encrypted: an argument that is not secret is reported.

// expected-error @+1 {{argument #1 is not marked veil.secret: nn-to-he encrypts every input, so mark it secret (or make it a constant)}}
func.func @public_input(%x: tensor<4xf32> {veil.secret, veil.range = [0.0, 1.0]}, %p: tensor<4xf32> {veil.range = [0.0, 1.0]}) -> tensor<4xf32> {
  %0 = "nn.add"(%x, %p) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return %0 : tensor<4xf32>
}

// -----

// Without --assign-precision, nn-to-he chooses the formats itself, and the same errors apply.

// expected-error @+1 {{argument #0 is secret but has no input range}}
func.func @no_range(%x: tensor<4xf32> {veil.secret}) -> tensor<4xf32> {
  %0 = "nn.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  func.return %0 : tensor<4xf32>
}

// -----

// A tensor with no elements cannot be encrypted: an empty input, or an op whose broadcast is empty.

// expected-error @+1 {{argument #0 has no elements (shape 0x3x5x5): an encrypted input needs at least one}}
func.func @empty_argument(%x: tensor<0x3x5x5xf32> {veil.secret, veil.range = [0.0, 1.0]}) -> tensor<0x3x1x1xf32> {
  %0 = "nn.global_avg_pool2d"(%x) : (tensor<0x3x5x5xf32>) -> tensor<0x3x1x1xf32>
  func.return %0 : tensor<0x3x1x1xf32>
}

// -----

func.func @empty_broadcast(%x: tensor<1x4xf32> {veil.secret, veil.range = [0.0, 1.0]}) -> tensor<0x4xf32> {
  %c = "nn.constant"() {value = dense<[]> : tensor<0x1xf32>} : () -> tensor<0x1xf32>
  // expected-error @+1 {{'nn.add' would give a ciphertext with no elements (shape 0x1)}}
  %0 = "nn.add"(%x, %c) : (tensor<1x4xf32>, tensor<0x1xf32>) -> tensor<0x4xf32>
  func.return %0 : tensor<0x4xf32>
}
