// RUN: veil-opt %s --split-input-file --verify-diagnostics

// The rt rules: types of whole radix blocks, rt.const, and rt.call against the kernel table (callee, operand
// kinds, the kernel's attributes, variant, signedness, blocks), then one failing call per kernel for the he
// shape and scale rules the kernels share.

// ---- types ----

// expected-error @+1 {{element width i7 is not a whole number of radix blocks: rt widths are multiples of 2}}
func.func @odd_width(%a: !rt.ct<4xi7, frac = 0>) {
  func.return
}

// -----

// expected-error @+1 {{unknown type !rt.buf; expected !rt.ct or !rt.pt}}
func.func @unknown_type(%a: !rt.buf<4xi8, frac = 0>) {
  func.return
}

// -----

// expected-error @+1 {{frac = 70 is out of range: -62 <= frac <= 62}}
func.func @frac_range(%a: !rt.pt<4xi8, frac = 70>) {
  func.return
}

// -----

// expected-error @+1 {{element width i66 is out of range: 2 <= N <= 64}}
func.func @too_wide(%a: !rt.ct<4xi66, frac = 0>) {
  func.return
}

// -----

// ---- rt.const ----

func.func @const_range() {
  // expected-error @+1 {{value holds -9, which does not fit the result's i4 (-8..=7)}}
  %0 = "rt.const"() {value = dense<[-9, 0]> : tensor<2xi8>} : () -> !rt.pt<2xi4, frac = 0>
  func.return
}

// -----

func.func @const_cipher() {
  // expected-error @+1 {{the result must be a plaintext !rt.pt, got !rt.ct<2xi4, frac = 0>}}
  %0 = "rt.const"() {value = dense<[1, 0]> : tensor<2xi8>} : () -> !rt.ct<2xi4, frac = 0>
  func.return
}

// -----

func.func @const_he_type() {
  // expected-error @+1 {{the result must be a plaintext !rt.pt, got !he.pt<2xi4, frac = 0>}}
  %0 = "rt.const"() {value = dense<[1, 0]> : tensor<2xi8>} : () -> !he.pt<2xi4, frac = 0>
  func.return
}

// -----

func.func @const_without_value() {
  // expected-error @+1 {{'rt.const' requires attribute 'value'}}
  %0 = "rt.const"() : () -> !rt.pt<2xi4, frac = 0>
  func.return
}

// -----

// ---- rt.call: the kernel table ----

func.func @misspelled(%a: !rt.ct<4xi8, frac = 0>) {
  // expected-error @+1 {{unknown kernel @ad; did you mean @add?}}
  %0 = "rt.call"(%a, %a) {callee = @ad, blocks = 5, signed = true} : (!rt.ct<4xi8, frac = 0>, !rt.ct<4xi8, frac = 0>) -> !rt.ct<4xi10, frac = 0>
  func.return
}

// -----

func.func @unknown_kernel(%a: !rt.ct<4xi8, frac = 0>) {
  // expected-error @+1 {{unknown kernel @bootstrap_everything (the kernels are listed in docs/dialects/rt.md)}}
  %0 = "rt.call"(%a) {callee = @bootstrap_everything, blocks = 4, signed = true} : (!rt.ct<4xi8, frac = 0>) -> !rt.ct<4xi8, frac = 0>
  func.return
}

// -----

func.func @no_callee(%a: !rt.ct<4xi8, frac = 0>) {
  // expected-error @+1 {{'rt.call' requires attribute 'callee'}}
  %0 = "rt.call"(%a) {blocks = 4, signed = true} : (!rt.ct<4xi8, frac = 0>) -> !rt.ct<4xi8, frac = 0>
  func.return
}

// -----

func.func @callee_string(%a: !rt.ct<4xi8, frac = 0>) {
  // expected-error @+1 {{'rt.call' attribute 'callee' must be a symbol reference}}
  %0 = "rt.call"(%a) {callee = "relu", blocks = 4, signed = true} : (!rt.ct<4xi8, frac = 0>) -> !rt.ct<4xi8, frac = 0>
  func.return
}

// -----

func.func @no_blocks(%a: !rt.ct<4xi8, frac = 0>) {
  // expected-error @+1 {{'rt.call' @relu: a radix call (!rt.ct) requires attribute 'blocks'}}
  %0 = "rt.call"(%a) {callee = @relu, signed = true} : (!rt.ct<4xi8, frac = 0>) -> !rt.ct<4xi8, frac = 0>
  func.return
}

// -----

func.func @blocks(%a: !rt.ct<4xi8, frac = 0>) {
  // expected-error @+1 {{@relu: blocks = 8 does not match the result's i8: expected 4 blocks of 2 bits}}
  %0 = "rt.call"(%a) {callee = @relu, blocks = 8, signed = true} : (!rt.ct<4xi8, frac = 0>) -> !rt.ct<4xi8, frac = 0>
  func.return
}

// -----

func.func @unsigned(%a: !rt.ct<4xi8, frac = 0>) {
  // expected-error @+1 {{@relu: signed = false is not supported: rt integers are signed (two's complement radix)}}
  %0 = "rt.call"(%a) {callee = @relu, blocks = 4, signed = false} : (!rt.ct<4xi8, frac = 0>) -> !rt.ct<4xi8, frac = 0>
  func.return
}

// -----

func.func @no_variant(%a: !rt.ct<4xi8, frac = 0>) {
  // expected-error @+1 {{@add: the kernel requires attribute 'variant' ("leveled" or "propagate")}}
  %0 = "rt.call"(%a, %a) {callee = @add, blocks = 5, signed = true} : (!rt.ct<4xi8, frac = 0>, !rt.ct<4xi8, frac = 0>) -> !rt.ct<4xi10, frac = 0>
  func.return
}

// -----

func.func @bad_variant(%a: !rt.ct<4xi8, frac = 0>) {
  // expected-error @+1 {{@add: variant "fast" is not one of the kernel's: "leveled" or "propagate"}}
  %0 = "rt.call"(%a, %a) {callee = @add, blocks = 5, signed = true, variant = "fast"} : (!rt.ct<4xi8, frac = 0>, !rt.ct<4xi8, frac = 0>) -> !rt.ct<4xi10, frac = 0>
  func.return
}

// -----

func.func @needless_variant(%a: !rt.ct<4xi8, frac = 0>) {
  // expected-error @+1 {{@mul: the kernel has one form; remove attribute 'variant'}}
  %0 = "rt.call"(%a, %a) {callee = @mul, blocks = 8, signed = true, variant = "leveled"} : (!rt.ct<4xi8, frac = 0>, !rt.ct<4xi8, frac = 0>) -> !rt.ct<4xi16, frac = 0>
  func.return
}

// -----

func.func @foreign_attribute(%a: !rt.ct<4xi8, frac = 0>) {
  // expected-error @+1 {{@add: the kernel has no attribute 'shift' (it takes: none)}}
  %0 = "rt.call"(%a, %a) {callee = @add, blocks = 5, shift = 1, signed = true, variant = "leveled"} : (!rt.ct<4xi8, frac = 0>, !rt.ct<4xi8, frac = 0>) -> !rt.ct<4xi10, frac = 0>
  func.return
}

// -----

func.func @unknown_attribute(%a: !rt.ct<4xi8, frac = 0>) {
  // expected-error @+1 {{'rt.call' has unknown attribute 'speed'}}
  %0 = "rt.call"(%a) {callee = @relu, blocks = 4, signed = true, speed = 3} : (!rt.ct<4xi8, frac = 0>) -> !rt.ct<4xi8, frac = 0>
  func.return
}

// -----

func.func @no_results(%a: !rt.ct<4xi8, frac = 0>) {
  // expected-error @+1 {{'rt.call' expects 1 result(s), got 0}}
  "rt.call"(%a) {callee = @relu, blocks = 4, signed = true} : (!rt.ct<4xi8, frac = 0>) -> ()
  func.return
}

// -----

func.func @plain_result(%a: !rt.ct<4xi8, frac = 0>) {
  // expected-error @+1 {{@relu: the result must be a ciphertext !rt.ct, got !rt.pt<4xi8, frac = 0>}}
  %0 = "rt.call"(%a) {callee = @relu, blocks = 4, signed = true} : (!rt.ct<4xi8, frac = 0>) -> !rt.pt<4xi8, frac = 0>
  func.return
}

// -----

func.func @he_operand(%a: !he.ct<4xi8, frac = 0>) {
  // expected-error @+1 {{@relu: operand #0 must be a ciphertext !rt.ct, got !he.ct<4xi8, frac = 0>}}
  %0 = "rt.call"(%a) {callee = @relu, blocks = 4, signed = true} : (!he.ct<4xi8, frac = 0>) -> !rt.ct<4xi8, frac = 0>
  func.return
}

// -----

func.func @operand_count(%a: !rt.ct<4xi8, frac = 0>) {
  // expected-error @+1 {{@add: expects operands (ct, ct), got 1}}
  %0 = "rt.call"(%a) {callee = @add, blocks = 5, signed = true, variant = "leveled"} : (!rt.ct<4xi8, frac = 0>) -> !rt.ct<4xi10, frac = 0>
  func.return
}

// -----

func.func @missing_kernel_attribute(%a: !rt.ct<4xi16, frac = 8>) {
  // expected-error @+1 {{@rescale: the kernel requires attribute 'shift'}}
  %0 = "rt.call"(%a) {callee = @rescale, blocks = 8, signed = true} : (!rt.ct<4xi16, frac = 8>) -> !rt.ct<4xi16, frac = 4>
  func.return
}

// -----

// ---- one failing call per kernel (the he rules, shared) ----

func.func @add(%a: !rt.ct<4xi8, frac = 6>, %b: !rt.ct<4xi8, frac = 4>) {
  // expected-error @+1 {{@add: operands have different fraction bits (6 vs 4): add needs equal scales; insert a rescale}}
  %0 = "rt.call"(%a, %b) {callee = @add, blocks = 5, signed = true, variant = "propagate"} : (!rt.ct<4xi8, frac = 6>, !rt.ct<4xi8, frac = 4>) -> !rt.ct<4xi10, frac = 6>
  func.return
}

// -----

func.func @sub(%a: !rt.ct<2x3xi8, frac = 0>, %b: !rt.ct<2xi8, frac = 0>) {
  // expected-error @+1 {{@sub: shapes 2x3 and 2 do not broadcast}}
  %0 = "rt.call"(%a, %b) {callee = @sub, blocks = 5, signed = true, variant = "propagate"} : (!rt.ct<2x3xi8, frac = 0>, !rt.ct<2xi8, frac = 0>) -> !rt.ct<2x3xi10, frac = 0>
  func.return
}

// -----

func.func @add_plain(%a: !rt.ct<4xi8, frac = 0>, %p: !rt.pt<2x4xi8, frac = 0>) {
  // expected-error @+1 {{@add_plain: the plaintext's shape 2x4 does not broadcast to the ciphertext's shape 4}}
  %0 = "rt.call"(%a, %p) {callee = @add_plain, blocks = 5, signed = true, variant = "leveled"} : (!rt.ct<4xi8, frac = 0>, !rt.pt<2x4xi8, frac = 0>) -> !rt.ct<2x4xi10, frac = 0>
  func.return
}

// -----

func.func @sub_plain(%a: !rt.ct<4xi8, frac = 2>, %p: !rt.pt<4xi8, frac = 0>) {
  // expected-error @+1 {{@sub_plain: operands have different fraction bits (2 vs 0): sub_plain needs equal scales}}
  %0 = "rt.call"(%a, %p) {callee = @sub_plain, blocks = 5, signed = true, variant = "leveled"} : (!rt.ct<4xi8, frac = 2>, !rt.pt<4xi8, frac = 0>) -> !rt.ct<4xi10, frac = 2>
  func.return
}

// -----

func.func @neg(%a: !rt.ct<4xi8, frac = 2>) {
  // expected-error @+1 {{@neg: result must have frac = 2 (neg keeps the operand's scale), got 0}}
  %0 = "rt.call"(%a) {callee = @neg, blocks = 5, signed = true, variant = "leveled"} : (!rt.ct<4xi8, frac = 2>) -> !rt.ct<4xi10, frac = 0>
  func.return
}

// -----

func.func @mul(%a: !rt.ct<4xi8, frac = 3>) {
  // expected-error @+1 {{@mul: result must have frac = 6 (mul adds the operands' fraction bits: 3 + 3), got 3}}
  %0 = "rt.call"(%a, %a) {callee = @mul, blocks = 8, signed = true} : (!rt.ct<4xi8, frac = 3>, !rt.ct<4xi8, frac = 3>) -> !rt.ct<4xi16, frac = 3>
  func.return
}

// -----

func.func @mul_plain(%a: !rt.ct<4xi8, frac = 3>) {
  // expected-error @+1 {{@mul_plain: operand #1 must be a plaintext !rt.pt, got !rt.ct<4xi8, frac = 3>}}
  %0 = "rt.call"(%a, %a) {callee = @mul_plain, blocks = 8, signed = true, variant = "propagate"} : (!rt.ct<4xi8, frac = 3>, !rt.ct<4xi8, frac = 3>) -> !rt.ct<4xi16, frac = 6>
  func.return
}

// -----

func.func @square(%a: !rt.ct<4xi8, frac = 3>) {
  // expected-error @+1 {{@square: result must have frac = 6 (square adds the operands' fraction bits: 3 + 3), got 4}}
  %0 = "rt.call"(%a) {callee = @square, blocks = 8, signed = true} : (!rt.ct<4xi8, frac = 3>) -> !rt.ct<4xi16, frac = 4>
  func.return
}

// -----

func.func @matmul_plain(%x: !rt.ct<1x4xi8, frac = 2>, %w: !rt.pt<3x2xi8, frac = 2>) {
  // expected-error @+1 {{@matmul_plain: inner dimensions differ: input 1x4 has K = 4, weights 3x2 have K = 3}}
  %0 = "rt.call"(%x, %w) {callee = @matmul_plain, blocks = 8, signed = true} : (!rt.ct<1x4xi8, frac = 2>, !rt.pt<3x2xi8, frac = 2>) -> !rt.ct<1x2xi16, frac = 4>
  func.return
}

// -----

func.func @conv2d_plain(%x: !rt.ct<1x3x8x8xi8, frac = 0>, %w: !rt.pt<4x2x3x3xi8, frac = 0>) {
  // expected-error @+1 {{@conv2d_plain: the weights have 2 input channels per group}}
  %0 = "rt.call"(%x, %w) {callee = @conv2d_plain, blocks = 8, signed = true} : (!rt.ct<1x3x8x8xi8, frac = 0>, !rt.pt<4x2x3x3xi8, frac = 0>) -> !rt.ct<1x4x6x6xi16, frac = 0>
  func.return
}

// -----

func.func @sum(%x: !rt.ct<2x3xi8, frac = 0>) {
  // expected-error @+1 {{@sum: axes [1, 0] must be a non-empty, strictly increasing list of dimensions in 0..2}}
  %0 = "rt.call"(%x) {axes = [1, 0], callee = @sum, blocks = 6, signed = true} : (!rt.ct<2x3xi8, frac = 0>) -> !rt.ct<1x1xi12, frac = 0>
  func.return
}

// -----

func.func @rescale(%a: !rt.ct<4xi16, frac = 8>) {
  // expected-error @+1 {{@rescale: result must have frac = 4 (rescale by 4 drops 4 of the operand's 8 fraction bits), got 8}}
  %0 = "rt.call"(%a) {callee = @rescale, blocks = 6, shift = 4, signed = true} : (!rt.ct<4xi16, frac = 8>) -> !rt.ct<4xi12, frac = 8>
  func.return
}

// -----

func.func @shl(%a: !rt.ct<4xi16, frac = 8>) {
  // expected-error @+1 {{@shl: shift = 0 must be in 1..=63}}
  %0 = "rt.call"(%a) {callee = @shl, blocks = 8, shift = 0, signed = true} : (!rt.ct<4xi16, frac = 8>) -> !rt.ct<4xi16, frac = 8>
  func.return
}

// -----

func.func @trivial(%p: !rt.pt<4xi4, frac = 0>) {
  // expected-error @+1 {{@trivial: result must have the operand's shape, width and frac: expected ct<4xi4, frac = 0>, got ct<4xi8, frac = 0>}}
  %0 = "rt.call"(%p) {callee = @trivial, blocks = 4, signed = true} : (!rt.pt<4xi4, frac = 0>) -> !rt.ct<4xi8, frac = 0>
  func.return
}

// -----

func.func @relu(%a: !rt.ct<4xi8, frac = 0>) {
  // expected-error @+1 {{@relu: result shape must be 4, got 1x4}}
  %0 = "rt.call"(%a) {callee = @relu, blocks = 4, signed = true} : (!rt.ct<4xi8, frac = 0>) -> !rt.ct<1x4xi8, frac = 0>
  func.return
}

// -----

func.func @max(%a: !rt.ct<4xi8, frac = 0>, %p: !rt.pt<4xi8, frac = 0>) {
  // expected-error @+1 {{@max: operand #1 must be a ciphertext !rt.ct, got !rt.pt<4xi8, frac = 0>}}
  %0 = "rt.call"(%a, %p) {callee = @max, blocks = 4, signed = true} : (!rt.ct<4xi8, frac = 0>, !rt.pt<4xi8, frac = 0>) -> !rt.ct<4xi8, frac = 0>
  func.return
}

// -----

func.func @max_pool2d(%x: !rt.ct<1x1x4x4xi8, frac = 0>) {
  // expected-error @+1 {{@max_pool2d: pads [2, 0, 0, 0] must each be smaller than the kernel 2x2}}
  %0 = "rt.call"(%x) {callee = @max_pool2d, blocks = 4, kernel = [2, 2], pads = [2, 0, 0, 0], signed = true} : (!rt.ct<1x1x4x4xi8, frac = 0>) -> !rt.ct<1x1x5x3xi8, frac = 0>
  func.return
}

// -----

func.func @avg_pool2d(%x: !rt.ct<1x1x4x4xi8, frac = 2>) {
  // expected-error @+1 {{@avg_pool2d: result must have frac = 4 (avg_pool2d adds multiplier_frac to the operand's frac: 2 + 2), got 2}}
  %0 = "rt.call"(%x) {callee = @avg_pool2d, blocks = 5, kernel = [2, 2], multiplier_frac = 2, signed = true, strides = [2, 2]} : (!rt.ct<1x1x4x4xi8, frac = 2>) -> !rt.ct<1x1x2x2xi10, frac = 2>
  func.return
}

// -----

// An rt table is indexed by the rt input width (i4: 16 entries), not by the he width it came from.
func.func @lut(%x: !rt.ct<4xi4, frac = 0>) {
  // expected-error @+1 {{@lut: table must have 16 entries (one per i4 input) as a 1-D tensor, got shape 8}}
  %0 = "rt.call"(%x) {callee = @lut, blocks = 2, signed = true, table = dense<[0, 0, 0, 0, 0, 1, 2, 3]> : tensor<8xi8>} : (!rt.ct<4xi4, frac = 0>) -> !rt.ct<4xi4, frac = 0>
  func.return
}

// -----

func.func @reshape(%x: !rt.ct<2x3xi8, frac = 0>) {
  // expected-error @+1 {{@reshape: reshape from 2x3 (6 elements) to 7 (7 elements) changes the element count}}
  %0 = "rt.call"(%x) {callee = @reshape, blocks = 4, signed = true} : (!rt.ct<2x3xi8, frac = 0>) -> !rt.ct<7xi8, frac = 0>
  func.return
}

// -----

func.func @transpose(%x: !rt.ct<2x3xi8, frac = 0>) {
  // expected-error @+1 {{@transpose: perm [0, 1, 2] is not a permutation of 0..2}}
  %0 = "rt.call"(%x) {callee = @transpose, blocks = 4, perm = [0, 1, 2], signed = true} : (!rt.ct<2x3xi8, frac = 0>) -> !rt.ct<2x3xi8, frac = 0>
  func.return
}

// -----

func.func @pad(%x: !rt.ct<2x3xi8, frac = 0>) {
  // expected-error @+1 {{@pad: pads [1, -1, 0, 0] must be 4 non-negative integers}}
  %0 = "rt.call"(%x) {callee = @pad, blocks = 4, pads = [1, -1, 0, 0], signed = true} : (!rt.ct<2x3xi8, frac = 0>) -> !rt.ct<3x2xi8, frac = 0>
  func.return
}

// -----

func.func @concat(%x: !rt.ct<2x3xi8, frac = 0>) {
  // expected-error @+1 {{@concat: axis -1 is out of range for rank 2}}
  %0 = "rt.call"(%x, %x) {axis = -1, callee = @concat, blocks = 4, signed = true} : (!rt.ct<2x3xi8, frac = 0>, !rt.ct<2x3xi8, frac = 0>) -> !rt.ct<2x6xi8, frac = 0>
  func.return
}

// -----

// ---- the lookup-table model (!rt.lwe) ----

func.func @lwe_blocks(%x: !rt.lwe<4xi5, frac = 0>) {
  // expected-error @+1 {{@neg: 'blocks' is a radix attribute; an !rt.lwe call has none (its linear maps are always leveled)}}
  %0 = "rt.call"(%x) {blocks = 3, callee = @neg, signed = true} : (!rt.lwe<4xi5, frac = 0>) -> !rt.lwe<4xi5, frac = 0>
  func.return
}

// -----

func.func @lwe_mixed(%x: !rt.lwe<4xi6, frac = 0>, %y: !rt.ct<4xi6, frac = 0>) {
  // expected-error @+1 {{@add: mixes !rt.ct (radix) and !rt.lwe (lookup-table model) ciphertexts}}
  %0 = "rt.call"(%x, %y) {callee = @add, signed = true} : (!rt.lwe<4xi6, frac = 0>, !rt.ct<4xi6, frac = 0>) -> !rt.lwe<4xi6, frac = 0>
  func.return
}

// -----

func.func @lwe_trivial_frac(%p: !rt.pt<4xi4, frac = 0>) {
  // expected-error @+1 {{@trivial: result must have the operand's shape and frac: expected ct<4xi5, frac = 0>, got ct<4xi5, frac = 1>}}
  %0 = "rt.call"(%p) {callee = @trivial, signed = true} : (!rt.pt<4xi4, frac = 0>) -> !rt.lwe<4xi5, frac = 1>
  func.return
}

// -----

// he has no lwe type.
// expected-error @+1 {{unknown type !he.lwe; expected !he.ct or !he.pt}}
func.func @he_lwe(%x: !he.lwe<4xi6, frac = 0>) {
  func.return
}

// -----

func.func @clamp(%a: !rt.ct<4xi8, frac = 0>) {
  // expected-error @+1 {{@clamp: lo = 3 must not exceed hi = 2}}
  %0 = "rt.call"(%a) {callee = @clamp, blocks = 4, hi = 2, lo = 3, signed = true} : (!rt.ct<4xi8, frac = 0>) -> !rt.ct<4xi8, frac = 0>
  func.return
}
