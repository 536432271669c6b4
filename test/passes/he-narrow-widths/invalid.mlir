// RUN: veil-opt %s --verify-diagnostics --he-narrow-widths

// A value whose sound range needs more than 64 bits cannot be narrowed into a type: the pass names the op.

func.func @too_wide(%x: !he.ct<2xi64, frac = 0>) -> !he.ct<2xi64, frac = 0> {
  // expected-error @+1 {{the result of he.square needs i128 for its range [0, 85070591730234615865843651857942052864], more than i64}}
  %0 = "he.square"(%x) : (!he.ct<2xi64, frac = 0>) -> !he.ct<2xi64, frac = 0>
  func.return %0 : !he.ct<2xi64, frac = 0>
}

