// RUN: veil-opt %s --split-input-file --verify-diagnostics

// Every type rule and every op's verifier, one failing case each (at least).

// ---- types ----

// expected-error @+1 {{unknown type !he.cipher; expected !he.ct or !he.pt}}
func.func @unknown_type(%a: !he.cipher<4xi8, frac = 0>) {
  func.return
}

// -----

// expected-error @+1 {{expected <shape x iN, frac = F>, e.g. !he.ct<1x64xi8, frac = 6>}}
func.func @missing_frac(%a: !he.ct<4xi8>) {
  func.return
}

// -----

// expected-error @+1 {{expected <shape x iN, frac = F>}}
func.func @misnamed_frac(%a: !he.pt<4xi8, scale = 2>) {
  func.return
}

// -----

// expected-error @+1 {{dimensions must be static (no '?')}}
func.func @dynamic(%a: !he.ct<?x4xi8, frac = 0>) {
  func.return
}

// -----

// expected-error @+1 {{dimensions must be positive}}
func.func @empty(%a: !he.ct<0x4xi8, frac = 0>) {
  func.return
}

// -----

// expected-error @+1 {{element type must be a signless integer iN, got f32}}
func.func @float_elements(%a: !he.ct<4xf32, frac = 0>) {
  func.return
}

// -----

// expected-error @+1 {{element type must be a signless integer iN, got si8}}
func.func @signed_elements(%a: !he.pt<4xsi8, frac = 0>) {
  func.return
}

// -----

// expected-error @+1 {{element width i1 is out of range: 2 <= N <= 64}}
func.func @too_narrow(%a: !he.ct<4xi1, frac = 0>) {
  func.return
}

// -----

// expected-error @+1 {{element width i65 is out of range: 2 <= N <= 64}}
func.func @too_wide(%a: !he.ct<4xi65, frac = 0>) {
  func.return
}

// -----

// expected-error @+1 {{frac = 63 is out of range: -62 <= frac <= 62}}
func.func @frac_too_large(%a: !he.ct<4xi8, frac = 63>) {
  func.return
}

// -----

// expected-error @+1 {{frac = -63 is out of range: -62 <= frac <= 62}}
func.func @frac_too_small(%a: !he.ct<4xi8, frac = -63>) {
  func.return
}

// -----

// expected-error @+1 {{frac must be a plain integer (no type suffix)}}
func.func @typed_frac(%a: !he.ct<4xi8, frac = 6 : i32>) {
  func.return
}

// -----

// ---- encode, encrypt, decrypt, trivial ----

func.func @encode_shape() {
  // expected-error @+1 {{value has shape 4, but the result has shape 2x2}}
  %0 = "he.encode"() {value = dense<[1, 2, 3, 4]> : tensor<4xi8>} : () -> !he.pt<2x2xi8, frac = 0>
  func.return
}

// -----

func.func @encode_range() {
  // expected-error @+1 {{value holds 8, which does not fit the result's i4 (-8..=7)}}
  %0 = "he.encode"() {value = dense<[1, 8]> : tensor<2xi8>} : () -> !he.pt<2xi4, frac = 0>
  func.return
}

// -----

func.func @encode_floats() {
  // expected-error @+1 {{attribute 'value' must hold integers (fixed-point values already scaled)}}
  %0 = "he.encode"() {value = dense<[1.5, 2.0]> : tensor<2xf32>} : () -> !he.pt<2xi8, frac = 1>
  func.return
}

// -----

func.func @encode_cipher() {
  // expected-error @+1 {{the result must be a plaintext !he.pt, got !he.ct<2xi8, frac = 0>}}
  %0 = "he.encode"() {value = dense<[1, 2]> : tensor<2xi8>} : () -> !he.ct<2xi8, frac = 0>
  func.return
}

// -----

func.func @encode_without_value() {
  // expected-error @+1 {{'he.encode' requires attribute 'value'}}
  %0 = "he.encode"() : () -> !he.pt<2xi8, frac = 0>
  func.return
}

// -----

func.func @encrypt_width(%p: !he.pt<4xi8, frac = 2>) {
  // expected-error @+1 {{result must have the operand's shape, width and frac: expected ct<4xi8, frac = 2>, got ct<4xi16, frac = 2>}}
  %0 = "he.encrypt"(%p) : (!he.pt<4xi8, frac = 2>) -> !he.ct<4xi16, frac = 2>
  func.return
}

// -----

func.func @encrypt_cipher(%c: !he.ct<4xi8, frac = 2>) {
  // expected-error @+1 {{operand #0 must be a plaintext !he.pt, got !he.ct<4xi8, frac = 2>}}
  %0 = "he.encrypt"(%c) : (!he.ct<4xi8, frac = 2>) -> !he.ct<4xi8, frac = 2>
  func.return
}

// -----

func.func @decrypt_to_cipher(%c: !he.ct<4xi8, frac = 2>) {
  // expected-error @+1 {{the result must be a plaintext !he.pt, got !he.ct<4xi8, frac = 2>}}
  %0 = "he.decrypt"(%c) : (!he.ct<4xi8, frac = 2>) -> !he.ct<4xi8, frac = 2>
  func.return
}

// -----

func.func @decrypt_frac(%c: !he.ct<4xi8, frac = 2>) {
  // expected-error @+1 {{expected pt<4xi8, frac = 2>, got pt<4xi8, frac = 3>}}
  %0 = "he.decrypt"(%c) : (!he.ct<4xi8, frac = 2>) -> !he.pt<4xi8, frac = 3>
  func.return
}

// -----

func.func @trivial_shape(%p: !he.pt<4xi8, frac = 0>) {
  // expected-error @+1 {{expected ct<4xi8, frac = 0>, got ct<1x4xi8, frac = 0>}}
  %0 = "he.trivial"(%p) : (!he.pt<4xi8, frac = 0>) -> !he.ct<1x4xi8, frac = 0>
  func.return
}

// -----

// ---- additive ops: equal scales, broadcasting ----

func.func @add_scales(%a: !he.ct<4xi8, frac = 6>, %b: !he.ct<4xi8, frac = 4>) {
  // expected-error @+1 {{'he.add' operands have different fraction bits (6 vs 4): add needs equal scales; insert he.rescale}}
  %0 = "he.add"(%a, %b) : (!he.ct<4xi8, frac = 6>, !he.ct<4xi8, frac = 4>) -> !he.ct<4xi9, frac = 6>
  func.return
}

// -----

func.func @add_broadcast(%a: !he.ct<2x3xi8, frac = 0>, %b: !he.ct<2xi8, frac = 0>) {
  // expected-error @+1 {{shapes 2x3 and 2 do not broadcast}}
  %0 = "he.add"(%a, %b) : (!he.ct<2x3xi8, frac = 0>, !he.ct<2xi8, frac = 0>) -> !he.ct<2x3xi9, frac = 0>
  func.return
}

// -----

func.func @add_plaintext(%a: !he.ct<4xi8, frac = 0>, %p: !he.pt<4xi8, frac = 0>) {
  // expected-error @+1 {{operand #1 must be a ciphertext !he.ct, got !he.pt<4xi8, frac = 0>}}
  %0 = "he.add"(%a, %p) : (!he.ct<4xi8, frac = 0>, !he.pt<4xi8, frac = 0>) -> !he.ct<4xi9, frac = 0>
  func.return
}

// -----

func.func @add_attribute(%a: !he.ct<4xi8, frac = 0>) {
  // expected-error @+1 {{'he.add' has unknown attribute 'shift'}}
  %0 = "he.add"(%a, %a) {shift = 1} : (!he.ct<4xi8, frac = 0>, !he.ct<4xi8, frac = 0>) -> !he.ct<4xi9, frac = 0>
  func.return
}

// -----

func.func @sub_scales(%a: !he.ct<4xi8, frac = 2>, %b: !he.ct<4xi8, frac = 3>) {
  // expected-error @+1 {{operands have different fraction bits (2 vs 3): sub needs equal scales; insert he.rescale}}
  %0 = "he.sub"(%a, %b) : (!he.ct<4xi8, frac = 2>, !he.ct<4xi8, frac = 3>) -> !he.ct<4xi9, frac = 2>
  func.return
}

// -----

func.func @sub_result_frac(%a: !he.ct<4xi8, frac = 2>) {
  // expected-error @+1 {{result must have frac = 2 (sub keeps the operand's scale), got 4}}
  %0 = "he.sub"(%a, %a) : (!he.ct<4xi8, frac = 2>, !he.ct<4xi8, frac = 2>) -> !he.ct<4xi9, frac = 4>
  func.return
}

// -----

func.func @max_shape(%a: !he.ct<2x1xi8, frac = 0>, %b: !he.ct<3xi8, frac = 0>) {
  // expected-error @+1 {{result shape must be 2x3, got 3}}
  %0 = "he.max"(%a, %b) : (!he.ct<2x1xi8, frac = 0>, !he.ct<3xi8, frac = 0>) -> !he.ct<3xi8, frac = 0>
  func.return
}

// -----

func.func @max_scales(%a: !he.ct<3xi8, frac = 0>, %b: !he.ct<3xi8, frac = 1>) {
  // expected-error @+1 {{operands have different fraction bits (0 vs 1): max needs equal scales}}
  %0 = "he.max"(%a, %b) : (!he.ct<3xi8, frac = 0>, !he.ct<3xi8, frac = 1>) -> !he.ct<3xi8, frac = 0>
  func.return
}

// -----

func.func @add_plain_scales(%a: !he.ct<4xi8, frac = 6>, %p: !he.pt<4xi8, frac = 5>) {
  // expected-error @+1 {{operands have different fraction bits (6 vs 5): add_plain needs equal scales; insert he.rescale}}
  %0 = "he.add_plain"(%a, %p) : (!he.ct<4xi8, frac = 6>, !he.pt<4xi8, frac = 5>) -> !he.ct<4xi9, frac = 6>
  func.return
}

// -----

func.func @add_plain_broadcast(%a: !he.ct<4xi8, frac = 0>, %p: !he.pt<2x4xi8, frac = 0>) {
  // expected-error @+1 {{the plaintext's shape 2x4 does not broadcast to the ciphertext's shape 4}}
  %0 = "he.add_plain"(%a, %p) : (!he.ct<4xi8, frac = 0>, !he.pt<2x4xi8, frac = 0>) -> !he.ct<2x4xi9, frac = 0>
  func.return
}

// -----

func.func @sub_plain_order(%a: !he.ct<4xi8, frac = 0>, %p: !he.pt<4xi8, frac = 0>) {
  // expected-error @+1 {{operand #0 must be a ciphertext !he.ct, got !he.pt<4xi8, frac = 0>}}
  %0 = "he.sub_plain"(%p, %a) : (!he.pt<4xi8, frac = 0>, !he.ct<4xi8, frac = 0>) -> !he.ct<4xi9, frac = 0>
  func.return
}

// -----

func.func @sub_plain_scales(%a: !he.ct<4xi8, frac = 1>, %p: !he.pt<4xi8, frac = 0>) {
  // expected-error @+1 {{operands have different fraction bits (1 vs 0): sub_plain needs equal scales}}
  %0 = "he.sub_plain"(%a, %p) : (!he.ct<4xi8, frac = 1>, !he.pt<4xi8, frac = 0>) -> !he.ct<4xi9, frac = 1>
  func.return
}

// -----

func.func @neg_frac(%a: !he.ct<4xi8, frac = 3>) {
  // expected-error @+1 {{result must have frac = 3 (neg keeps the operand's scale), got 2}}
  %0 = "he.neg"(%a) : (!he.ct<4xi8, frac = 3>) -> !he.ct<4xi9, frac = 2>
  func.return
}

// -----

func.func @relu_shape(%a: !he.ct<4xi8, frac = 3>) {
  // expected-error @+1 {{result shape must be 4, got 2x2}}
  %0 = "he.relu"(%a) : (!he.ct<4xi8, frac = 3>) -> !he.ct<2x2xi8, frac = 3>
  func.return
}

// -----

// ---- products: fraction bits add ----

func.func @mul_frac(%a: !he.ct<4xi8, frac = 4>, %b: !he.ct<4xi8, frac = 2>) {
  // expected-error @+1 {{result must have frac = 6 (mul adds the operands' fraction bits: 4 + 2), got 4}}
  %0 = "he.mul"(%a, %b) : (!he.ct<4xi8, frac = 4>, !he.ct<4xi8, frac = 2>) -> !he.ct<4xi16, frac = 4>
  func.return
}

// -----

func.func @mul_frac_out_of_range(%a: !he.ct<4xi8, frac = 40>) {
  // expected-error @+1 {{result must have frac = 80 (out of range) (mul adds the operands' fraction bits: 40 + 40), got 62}}
  %0 = "he.mul"(%a, %a) : (!he.ct<4xi8, frac = 40>, !he.ct<4xi8, frac = 40>) -> !he.ct<4xi16, frac = 62>
  func.return
}

// -----

func.func @mul_plain_frac(%a: !he.ct<4xi8, frac = 4>, %p: !he.pt<4xi8, frac = 3>) {
  // expected-error @+1 {{result must have frac = 7 (mul_plain adds the operands' fraction bits: 4 + 3), got 4}}
  %0 = "he.mul_plain"(%a, %p) : (!he.ct<4xi8, frac = 4>, !he.pt<4xi8, frac = 3>) -> !he.ct<4xi16, frac = 4>
  func.return
}

// -----

func.func @mul_plain_broadcast(%a: !he.ct<4xi8, frac = 0>, %p: !he.pt<3xi8, frac = 0>) {
  // expected-error @+1 {{shapes 4 and 3 do not broadcast}}
  %0 = "he.mul_plain"(%a, %p) : (!he.ct<4xi8, frac = 0>, !he.pt<3xi8, frac = 0>) -> !he.ct<4xi16, frac = 0>
  func.return
}

// -----

func.func @square_frac(%a: !he.ct<4xi8, frac = 5>) {
  // expected-error @+1 {{result must have frac = 10 (square adds the operands' fraction bits: 5 + 5), got 5}}
  %0 = "he.square"(%a) : (!he.ct<4xi8, frac = 5>) -> !he.ct<4xi16, frac = 5>
  func.return
}

// -----

// ---- rescale, shl ----

func.func @rescale_frac(%a: !he.ct<4xi16, frac = 6>) {
  // expected-error @+1 {{result must have frac = 2 (rescale by 4 drops 4 of the operand's 6 fraction bits), got 6}}
  %0 = "he.rescale"(%a) {shift = 4} : (!he.ct<4xi16, frac = 6>) -> !he.ct<4xi12, frac = 6>
  func.return
}

// -----

func.func @rescale_zero(%a: !he.ct<4xi16, frac = 6>) {
  // expected-error @+1 {{shift = 0 must be in 1..=63}}
  %0 = "he.rescale"(%a) {shift = 0} : (!he.ct<4xi16, frac = 6>) -> !he.ct<4xi16, frac = 6>
  func.return
}

// -----

func.func @rescale_without_shift(%a: !he.ct<4xi16, frac = 6>) {
  // expected-error @+1 {{'he.rescale' requires attribute 'shift'}}
  %0 = "he.rescale"(%a) : (!he.ct<4xi16, frac = 6>) -> !he.ct<4xi16, frac = 6>
  func.return
}

// -----

func.func @shl_frac(%a: !he.ct<4xi16, frac = 6>) {
  // expected-error @+1 {{result must have frac = 6 (shl keeps the operand's scale), got 8}}
  %0 = "he.shl"(%a) {shift = 2} : (!he.ct<4xi16, frac = 6>) -> !he.ct<4xi16, frac = 8>
  func.return
}

// -----

func.func @shl_too_far(%a: !he.ct<4xi16, frac = 6>) {
  // expected-error @+1 {{shift = 64 must be in 1..=63}}
  %0 = "he.shl"(%a) {shift = 64} : (!he.ct<4xi16, frac = 6>) -> !he.ct<4xi16, frac = 6>
  func.return
}

// -----

// ---- matmul_plain, conv2d_plain ----

func.func @matmul_inner(%x: !he.ct<1x4xi8, frac = 2>, %w: !he.pt<3x2xi8, frac = 2>) {
  // expected-error @+1 {{inner dimensions differ: input 1x4 has K = 4, weights 3x2 have K = 3}}
  %0 = "he.matmul_plain"(%x, %w) : (!he.ct<1x4xi8, frac = 2>, !he.pt<3x2xi8, frac = 2>) -> !he.ct<1x2xi16, frac = 4>
  func.return
}

// -----

func.func @matmul_frac(%x: !he.ct<1x4xi8, frac = 2>, %w: !he.pt<4x2xi8, frac = 3>) {
  // expected-error @+1 {{result must have frac = 5 (matmul_plain adds the operands' fraction bits: 2 + 3), got 2}}
  %0 = "he.matmul_plain"(%x, %w) : (!he.ct<1x4xi8, frac = 2>, !he.pt<4x2xi8, frac = 3>) -> !he.ct<1x2xi16, frac = 2>
  func.return
}

// -----

func.func @matmul_bias_frac(%x: !he.ct<1x4xi8, frac = 2>, %w: !he.pt<4x2xi8, frac = 3>, %b: !he.pt<2xi16, frac = 3>) {
  // expected-error @+1 {{the bias must have frac = 5 (the product's scale), got 3}}
  %0 = "he.matmul_plain"(%x, %w, %b) : (!he.ct<1x4xi8, frac = 2>, !he.pt<4x2xi8, frac = 3>, !he.pt<2xi16, frac = 3>) -> !he.ct<1x2xi16, frac = 5>
  func.return
}

// -----

func.func @matmul_bias_shape(%x: !he.ct<1x4xi8, frac = 2>, %w: !he.pt<4x2xi8, frac = 3>, %b: !he.pt<1x2xi16, frac = 5>) {
  // expected-error @+1 {{the bias must have shape 2, got 1x2}}
  %0 = "he.matmul_plain"(%x, %w, %b) : (!he.ct<1x4xi8, frac = 2>, !he.pt<4x2xi8, frac = 3>, !he.pt<1x2xi16, frac = 5>) -> !he.ct<1x2xi16, frac = 5>
  func.return
}

// -----

func.func @matmul_rank(%x: !he.ct<2x1x4xi8, frac = 2>, %w: !he.pt<4x2xi8, frac = 3>) {
  // expected-error @+1 {{the input must be [M, K] or [K], got 2x1x4}}
  %0 = "he.matmul_plain"(%x, %w) : (!he.ct<2x1x4xi8, frac = 2>, !he.pt<4x2xi8, frac = 3>) -> !he.ct<2x2xi16, frac = 5>
  func.return
}

// -----

func.func @matmul_operands(%x: !he.ct<4xi8, frac = 2>, %w: !he.pt<4x2xi8, frac = 3>, %b: !he.pt<2xi16, frac = 5>) {
  // expected-error @+1 {{'he.matmul_plain' expects 2 to 3 operand(s), got 4}}
  %0 = "he.matmul_plain"(%x, %w, %b, %b) : (!he.ct<4xi8, frac = 2>, !he.pt<4x2xi8, frac = 3>, !he.pt<2xi16, frac = 5>, !he.pt<2xi16, frac = 5>) -> !he.ct<2xi16, frac = 5>
  func.return
}

// -----

func.func @matmul_cipher_weights(%x: !he.ct<4xi8, frac = 2>, %w: !he.ct<4x2xi8, frac = 3>) {
  // expected-error @+1 {{operand #1 must be a plaintext !he.pt, got !he.ct<4x2xi8, frac = 3>}}
  %0 = "he.matmul_plain"(%x, %w) : (!he.ct<4xi8, frac = 2>, !he.ct<4x2xi8, frac = 3>) -> !he.ct<2xi16, frac = 5>
  func.return
}

// -----

func.func @conv_channels(%x: !he.ct<1x3x8x8xi8, frac = 0>, %w: !he.pt<4x2x3x3xi8, frac = 0>) {
  // expected-error @+1 {{the weights have 2 input channels per group; the input has 3 channels in 1 group(s), so 3 per group}}
  %0 = "he.conv2d_plain"(%x, %w) : (!he.ct<1x3x8x8xi8, frac = 0>, !he.pt<4x2x3x3xi8, frac = 0>) -> !he.ct<1x4x6x6xi16, frac = 0>
  func.return
}

// -----

func.func @conv_groups(%x: !he.ct<1x4x8x8xi8, frac = 0>, %w: !he.pt<3x2x3x3xi8, frac = 0>) {
  // expected-error @+1 {{groups = 2 must divide the input channels (4) and the output channels (3)}}
  %0 = "he.conv2d_plain"(%x, %w) {groups = 2} : (!he.ct<1x4x8x8xi8, frac = 0>, !he.pt<3x2x3x3xi8, frac = 0>) -> !he.ct<1x3x6x6xi16, frac = 0>
  func.return
}

// -----

func.func @conv_output(%x: !he.ct<1x1x8x8xi8, frac = 0>, %w: !he.pt<2x1x3x3xi8, frac = 0>) {
  // expected-error @+1 {{result shape must be 1x2x4x4, got 1x2x6x6}}
  %0 = "he.conv2d_plain"(%x, %w) {pads = [1, 1, 1, 1], strides = [2, 2]} : (!he.ct<1x1x8x8xi8, frac = 0>, !he.pt<2x1x3x3xi8, frac = 0>) -> !he.ct<1x2x6x6xi16, frac = 0>
  func.return
}

// -----

func.func @conv_strides(%x: !he.ct<1x1x8x8xi8, frac = 0>, %w: !he.pt<2x1x3x3xi8, frac = 0>) {
  // expected-error @+1 {{strides must be 2 positive integers, got [2]}}
  %0 = "he.conv2d_plain"(%x, %w) {strides = [2]} : (!he.ct<1x1x8x8xi8, frac = 0>, !he.pt<2x1x3x3xi8, frac = 0>) -> !he.ct<1x2x3x3xi16, frac = 0>
  func.return
}

// -----

func.func @conv_window(%x: !he.ct<1x1x2x2xi8, frac = 0>, %w: !he.pt<2x1x3x3xi8, frac = 0>) {
  // expected-error @+1 {{the window (3x3 kernel, dilations 1x1) is larger than the padded input 2x2}}
  %0 = "he.conv2d_plain"(%x, %w) : (!he.ct<1x1x2x2xi8, frac = 0>, !he.pt<2x1x3x3xi8, frac = 0>) -> !he.ct<1x2x1x1xi16, frac = 0>
  func.return
}

// -----

func.func @conv_bias(%x: !he.ct<1x1x4x4xi8, frac = 1>, %w: !he.pt<2x1x3x3xi8, frac = 1>, %b: !he.pt<3xi16, frac = 2>) {
  // expected-error @+1 {{the bias must have shape 2, got 3}}
  %0 = "he.conv2d_plain"(%x, %w, %b) : (!he.ct<1x1x4x4xi8, frac = 1>, !he.pt<2x1x3x3xi8, frac = 1>, !he.pt<3xi16, frac = 2>) -> !he.ct<1x2x2x2xi16, frac = 2>
  func.return
}

// -----

// ---- sum, pooling ----

func.func @sum_axes(%x: !he.ct<2x3xi8, frac = 0>) {
  // expected-error @+1 {{axes [2] must be a non-empty, strictly increasing list of dimensions in 0..2 (the input is 2x3)}}
  %0 = "he.sum"(%x) {axes = [2]} : (!he.ct<2x3xi8, frac = 0>) -> !he.ct<2x1xi9, frac = 0>
  func.return
}

// -----

func.func @sum_shape(%x: !he.ct<2x3xi8, frac = 0>) {
  // expected-error @+1 {{result shape must be 2x1, got 2}}
  %0 = "he.sum"(%x) {axes = [1]} : (!he.ct<2x3xi8, frac = 0>) -> !he.ct<2xi10, frac = 0>
  func.return
}

// -----

func.func @sum_keepdims(%x: !he.ct<2x3xi8, frac = 0>) {
  // expected-error @+1 {{'he.sum' attribute 'keepdims' must be a boolean}}
  %0 = "he.sum"(%x) {axes = [1], keepdims = 0} : (!he.ct<2x3xi8, frac = 0>) -> !he.ct<2xi10, frac = 0>
  func.return
}

// -----

func.func @max_pool_pads(%x: !he.ct<1x1x4x4xi8, frac = 0>) {
  // expected-error @+1 {{pads [0, 0, 2, 0] must each be smaller than the kernel 2x2, so that no window is all padding}}
  %0 = "he.max_pool2d"(%x) {kernel = [2, 2], pads = [0, 0, 2, 0]} : (!he.ct<1x1x4x4xi8, frac = 0>) -> !he.ct<1x1x5x3xi8, frac = 0>
  func.return
}

// -----

func.func @max_pool_kernel(%x: !he.ct<1x1x4x4xi8, frac = 0>) {
  // expected-error @+1 {{'he.max_pool2d' requires attribute 'kernel'}}
  %0 = "he.max_pool2d"(%x) {strides = [2, 2]} : (!he.ct<1x1x4x4xi8, frac = 0>) -> !he.ct<1x1x2x2xi8, frac = 0>
  func.return
}

// -----

func.func @max_pool_rank(%x: !he.ct<4x4xi8, frac = 0>) {
  // expected-error @+1 {{the input must be NCHW (rank 4), got 4x4}}
  %0 = "he.max_pool2d"(%x) {kernel = [2, 2]} : (!he.ct<4x4xi8, frac = 0>) -> !he.ct<3x3xi8, frac = 0>
  func.return
}

// -----

func.func @avg_pool_frac(%x: !he.ct<1x1x4x4xi8, frac = 3>) {
  // expected-error @+1 {{result must have frac = 5 (avg_pool2d adds multiplier_frac to the operand's frac: 3 + 2), got 3}}
  %0 = "he.avg_pool2d"(%x) {kernel = [2, 2], strides = [2, 2], multiplier_frac = 2} : (!he.ct<1x1x4x4xi8, frac = 3>) -> !he.ct<1x1x2x2xi10, frac = 3>
  func.return
}

// -----

func.func @avg_pool_multiplier(%x: !he.ct<1x1x4x4xi8, frac = 3>) {
  // expected-error @+1 {{multiplier = 0 must be positive}}
  %0 = "he.avg_pool2d"(%x) {kernel = [4, 4], multiplier = 0} : (!he.ct<1x1x4x4xi8, frac = 3>) -> !he.ct<1x1x1x1xi8, frac = 3>
  func.return
}

// -----

// ---- lut ----

func.func @lut_entries(%x: !he.ct<4xi3, frac = 0>) {
  // expected-error @+1 {{table must have 8 entries (one per i3 input) as a 1-D tensor, got shape 4}}
  %0 = "he.lut"(%x) {table = dense<[0, 1, 2, 3]> : tensor<4xi8>} : (!he.ct<4xi3, frac = 0>) -> !he.ct<4xi3, frac = 0>
  func.return
}

// -----

func.func @lut_too_wide(%x: !he.ct<4xi13, frac = 0>) {
  // expected-error @+1 {{the input width i13 is too wide for a table: at most 12 index bits (4096 entries)}}
  %0 = "he.lut"(%x) {table = dense<0> : tensor<8192xi8>} : (!he.ct<4xi13, frac = 0>) -> !he.ct<4xi3, frac = 0>
  func.return
}

// -----

func.func @lut_shift_range(%x: !he.ct<4xi8, frac = 0>) {
  // expected-error @+1 {{shift = 8 must be in 0..8 (below the input width i8)}}
  %0 = "he.lut"(%x) {shift = 8, table = dense<0> : tensor<2xi8>} : (!he.ct<4xi8, frac = 0>) -> !he.ct<4xi3, frac = 0>
  func.return
}

// -----

func.func @lut_zero_bits_range(%x: !he.ct<4xi8, frac = 0>) {
  // expected-error @+1 {{zero_bits = 3 must be in 0..=2 (at most the dropped bits)}}
  %0 = "he.lut"(%x) {shift = 2, zero_bits = 3, table = dense<0> : tensor<64xi8>} : (!he.ct<4xi8, frac = 0>) -> !he.ct<4xi3, frac = 0>
  func.return
}

// -----

func.func @rescale_chunk_range(%x: !he.ct<4xi8, frac = 4>) {
  // expected-error @+1 {{chunk = 0 must be in 1..=63}}
  %0 = "he.rescale"(%x) {shift = 2, chunk = 0} : (!he.ct<4xi8, frac = 4>) -> !he.ct<4xi6, frac = 2>
  func.return
}

// -----

func.func @lut_shift_entries(%x: !he.ct<4xi8, frac = 0>) {
  // expected-error @+1 {{table must have 16 entries (one per i8 input >> 4) as a 1-D tensor, got shape 256}}
  %0 = "he.lut"(%x) {shift = 4, table = dense<0> : tensor<256xi8>} : (!he.ct<4xi8, frac = 0>) -> !he.ct<4xi3, frac = 0>
  func.return
}

// -----

func.func @lut_shift_too_wide(%x: !he.ct<4xi20, frac = 0>) {
  // expected-error @+1 {{the input width i20 after dropping 4 bits is too wide for a table: at most 12 index bits}}
  %0 = "he.lut"(%x) {shift = 4, table = dense<0> : tensor<65536xi8>} : (!he.ct<4xi20, frac = 0>) -> !he.ct<4xi3, frac = 0>
  func.return
}

// -----

func.func @lut_range(%x: !he.ct<4xi2, frac = 0>) {
  // expected-error @+1 {{table holds 4, which does not fit the result's i3 (-4..=3)}}
  %0 = "he.lut"(%x) {table = dense<[0, 1, 4, 3]> : tensor<4xi8>} : (!he.ct<4xi2, frac = 0>) -> !he.ct<4xi3, frac = 0>
  func.return
}

// -----

// ---- data movement ----

func.func @reshape_count(%x: !he.ct<2x3xi8, frac = 0>) {
  // expected-error @+1 {{reshape from 2x3 (6 elements) to 4x2 (8 elements) changes the element count}}
  %0 = "he.reshape"(%x) : (!he.ct<2x3xi8, frac = 0>) -> !he.ct<4x2xi8, frac = 0>
  func.return
}

// -----

func.func @reshape_frac(%x: !he.ct<2x3xi8, frac = 0>) {
  // expected-error @+1 {{result must have frac = 0 (reshape keeps the operand's scale), got 1}}
  %0 = "he.reshape"(%x) : (!he.ct<2x3xi8, frac = 0>) -> !he.ct<6xi8, frac = 1>
  func.return
}

// -----

func.func @transpose_perm(%x: !he.ct<2x3xi8, frac = 0>) {
  // expected-error @+1 {{perm [1, 1] is not a permutation of 0..2 (the input is 2x3)}}
  %0 = "he.transpose"(%x) {perm = [1, 1]} : (!he.ct<2x3xi8, frac = 0>) -> !he.ct<3x3xi8, frac = 0>
  func.return
}

// -----

func.func @transpose_shape(%x: !he.ct<2x3xi8, frac = 0>) {
  // expected-error @+1 {{result shape must be 3x2, got 2x3}}
  %0 = "he.transpose"(%x) {perm = [1, 0]} : (!he.ct<2x3xi8, frac = 0>) -> !he.ct<2x3xi8, frac = 0>
  func.return
}

// -----

func.func @pad_length(%x: !he.ct<2x3xi8, frac = 0>) {
  // expected-error @+1 {{pads [1, 1] must be 4 non-negative integers (all begins, then all ends) for the input 2x3}}
  %0 = "he.pad"(%x) {pads = [1, 1]} : (!he.ct<2x3xi8, frac = 0>) -> !he.ct<4x3xi8, frac = 0>
  func.return
}

// -----

func.func @pad_shape(%x: !he.ct<2x3xi8, frac = 0>) {
  // expected-error @+1 {{result shape must be 3x5, got 4x5}}
  %0 = "he.pad"(%x) {pads = [1, 1, 0, 1]} : (!he.ct<2x3xi8, frac = 0>) -> !he.ct<4x5xi8, frac = 0>
  func.return
}

// -----

func.func @concat_scales(%x: !he.ct<2x3xi8, frac = 0>, %y: !he.ct<2x3xi8, frac = 2>) {
  // expected-error @+1 {{operands have different fraction bits (0 vs 2): concat needs equal scales; insert he.rescale}}
  %0 = "he.concat"(%x, %y) {axis = 0} : (!he.ct<2x3xi8, frac = 0>, !he.ct<2x3xi8, frac = 2>) -> !he.ct<4x3xi8, frac = 0>
  func.return
}

// -----

func.func @concat_shapes(%x: !he.ct<2x3xi8, frac = 0>, %y: !he.ct<2x4xi8, frac = 0>) {
  // expected-error @+1 {{operand #1 has shape 2x4, which differs from operand #0's 2x3 outside axis 0}}
  %0 = "he.concat"(%x, %y) {axis = 0} : (!he.ct<2x3xi8, frac = 0>, !he.ct<2x4xi8, frac = 0>) -> !he.ct<4x3xi8, frac = 0>
  func.return
}

// -----

func.func @concat_axis(%x: !he.ct<2x3xi8, frac = 0>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = "he.concat"(%x, %x) {axis = 2} : (!he.ct<2x3xi8, frac = 0>, !he.ct<2x3xi8, frac = 0>) -> !he.ct<2x6xi8, frac = 0>
  func.return
}

// -----

func.func @concat_nothing() {
  // expected-error @+1 {{'he.concat' expects at least 1 operand(s), got 0}}
  %0 = "he.concat"() {axis = 0} : () -> !he.ct<2x6xi8, frac = 0>
  func.return
}

// -----

func.func @clamp_empty(%x: !he.ct<4xi8, frac = 0>) {
  // expected-error @+1 {{lo = 5 must not exceed hi = 4}}
  %0 = "he.clamp"(%x) {lo = 5, hi = 4} : (!he.ct<4xi8, frac = 0>) -> !he.ct<4xi8, frac = 0>
  func.return
}

// -----

func.func @clamp_wider_than_its_result(%x: !he.ct<4xi8, frac = 0>) {
  // expected-error @+1 {{the window holds 20, which does not fit the result's i4 (-8..=7)}}
  %0 = "he.clamp"(%x) {lo = -4, hi = 20} : (!he.ct<4xi8, frac = 0>) -> !he.ct<4xi4, frac = 0>
  func.return
}

// -----

func.func @clamp_scale(%x: !he.ct<4xi8, frac = 2>) {
  // expected-error @+1 {{'he.clamp' result must have frac = 2 (clamp keeps the operand's scale), got 0}}
  %0 = "he.clamp"(%x) {lo = -4, hi = 4} : (!he.ct<4xi8, frac = 2>) -> !he.ct<4xi4, frac = 0>
  func.return
}
