// RUN: veil-opt %s --tfhe-params --split-input-file --verify-diagnostics

// Parameters are chosen for lookup-table-model programs only.

// expected-error @+1 {{tfhe-params chooses parameters for lookup-table-model programs (!rt.lwe)}}
func.func @radix(%x: !rt.ct<4xi8, frac = 0>) -> !rt.ct<4xi8, frac = 0> {
  func.return %x : !rt.ct<4xi8, frac = 0>
}

// -----

// A 12-bit table after a dot product with huge weights: no 128-bit-secure parameters meet it; the error names the
// call, its precision and 2-norm, and what would help.
func.func @too_precise(%x: !rt.lwe<1x4xi12, frac = 0>) -> !rt.lwe<1x4xi12, frac = 0> {
  %w = "rt.const"() {value = dense<1000> : tensor<4x4xi16>} : () -> !rt.pt<4x4xi16, frac = 0>
  %0 = "rt.call"(%x, %w) {callee = @matmul_plain, signed = true} : (!rt.lwe<1x4xi12, frac = 0>, !rt.pt<4x4xi16, frac = 0>) -> !rt.lwe<1x4xi12, frac = 0>
  // expected-error @+1 {{no TFHE parameters for @lut}}
  %1 = "rt.call"(%0) {callee = @lut, signed = true, table = dense<1> : tensor<4096xi12>} : (!rt.lwe<1x4xi12, frac = 0>) -> !rt.lwe<1x4xi12, frac = 0>
  func.return %1 : !rt.lwe<1x4xi12, frac = 0>
}

// -----

// An exact floor (he-abs-relu's, exact rounding) of 30 bits of an input encoded at 40: its chunks move bits to the
// top by up to 2^35, and the bootstrap outputs of the chunks before are multiplied with them. The error says how to
// compile without the floor.
func.func @wide_floor(%x: !rt.lwe<4xi40, frac = 0>) -> !rt.lwe<4xi10, frac = -30> {
  // expected-error @+1 {{compiles the plain form (veil compile and veil run try both)}}
  %0 = "rt.call"(%x) {callee = @rescale, chunk = 5, shift = 30, signed = true} : (!rt.lwe<4xi40, frac = 0>) -> !rt.lwe<4xi10, frac = -30>
  func.return %0 : !rt.lwe<4xi10, frac = -30>
}
