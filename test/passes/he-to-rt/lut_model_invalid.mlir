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
