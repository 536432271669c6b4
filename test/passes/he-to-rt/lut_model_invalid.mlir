// RUN: veil-opt %s --he-to-rt=strategy=lut --split-input-file --verify-diagnostics

// Every non-linear op must be a table before the lookup-table model's lowering (max pooling too: he-lut-fuse makes
// it a tree of tables); the error names the op and what to run. Ops without a lut-model kernel name the radix
// strategy. Every such op is reported.

func.func @relu(%x: !he.ct<4xi8, frac = 0>) -> !he.ct<4xi6, frac = -2> {
  // expected-error @+1 {{'he.relu' is not a table yet: run --he-lut-fuse before --he-to-rt=strategy=lut}}
  %0 = "he.relu"(%x) : (!he.ct<4xi8, frac = 0>) -> !he.ct<4xi8, frac = 0>
  // expected-error @+1 {{'he.rescale' is not a table yet}}
  %1 = "he.rescale"(%0) {shift = 2} : (!he.ct<4xi8, frac = 0>) -> !he.ct<4xi6, frac = -2>
  func.return %1 : !he.ct<4xi6, frac = -2>
}

// -----

func.func @pool(%x: !he.ct<1x1x2x2xi8, frac = 0>) -> !he.ct<1x1x1x1xi8, frac = 0> {
  // expected-error @+1 {{'he.max_pool2d' is not a table yet: run --he-lut-fuse before --he-to-rt=strategy=lut}}
  %0 = "he.max_pool2d"(%x) {kernel = [2, 2]} : (!he.ct<1x1x2x2xi8, frac = 0>) -> !he.ct<1x1x1x1xi8, frac = 0>
  func.return %0 : !he.ct<1x1x1x1xi8, frac = 0>
}

// -----

// An exact floor whose quotient flows back into its own input's partition: no encoding is both x's and 2 bits
// narrower than x's.
func.func @floor_cycle(%x: !he.ct<4xi8, frac = 0>) -> !he.ct<4xi9, frac = 0> {
  // expected-error @+1 {{this exact floor's result must be encoded 2 bits narrower than its input}}
  %k = "he.rescale"(%x) {chunk = 4, shift = 2} : (!he.ct<4xi8, frac = 0>) -> !he.ct<4xi6, frac = -2>
  %four = "he.encode"() {value = dense<4> : tensor<i4>} : () -> !he.pt<i4, frac = 2>
  %up = "he.mul_plain"(%k, %four) : (!he.ct<4xi6, frac = -2>, !he.pt<i4, frac = 2>) -> !he.ct<4xi8, frac = 0>
  %s = "he.add"(%x, %up) : (!he.ct<4xi8, frac = 0>, !he.ct<4xi8, frac = 0>) -> !he.ct<4xi9, frac = 0>
  func.return %s : !he.ct<4xi9, frac = 0>
}

// -----

// An exact floor whose quotient's partition (i10) would put its input at i70: wider than any encoding.
func.func @floor_too_wide(%x: !he.ct<4xi62, frac = 0>) -> !he.ct<4xi10, frac = -60> {
  // expected-error @+1 {{this exact floor's result must be encoded 60 bits narrower than its input, i70, wider than the widest encoding, i64}}
  %k = "he.rescale"(%x) {chunk = 4, shift = 60} : (!he.ct<4xi62, frac = 0>) -> !he.ct<4xi2, frac = -60>
  %c = "he.encode"() {value = dense<200> : tensor<i9>} : () -> !he.pt<i9, frac = 0>
  %y = "he.mul_plain"(%k, %c) : (!he.ct<4xi2, frac = -60>, !he.pt<i9, frac = 0>) -> !he.ct<4xi10, frac = -60>
  func.return %y : !he.ct<4xi10, frac = -60>
}
