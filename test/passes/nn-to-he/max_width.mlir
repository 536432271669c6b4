// RUN: veil-opt %s --assign-precision=max-width=16 --nn-to-he --verify-diagnostics

// Every he value is held to max-width, the accumulators included: x in [-1, 1] at 8 fraction bits needs 10 bits
// and the sum of four of them, [-4, 4], needs 12, but the product before its rescale is at 16 fraction bits:
// [-4 * 2^16, 4 * 2^16] needs 20. The error names the nn op, the he op it lowers to, and the range.

func.func @main(%x: tensor<1x4xf32> {veil.secret, veil.range = [-1.0, 1.0]}) -> tensor<1x1xf32> {
  %w = "nn.constant"() {value = dense<1.0> : tensor<4x1xf32>} : () -> tensor<4x1xf32>
  // expected-error @+1 {{'nn.matmul' lowers to 'he.matmul_plain' whose integer range [-262144, 262144] at frac 16 needs 20 bits, more than max-width = 16; lower act-frac or weight-frac, or narrow the input ranges}}
  %0 = "nn.matmul"(%x, %w) : (tensor<1x4xf32>, tensor<4x1xf32>) -> tensor<1x1xf32>
  func.return %0 : tensor<1x1xf32>
}
