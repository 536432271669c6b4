// RUN: veil-opt %s --he-abs-relu=rounding=exact

// With exact rounding the pass changes nothing: the client would decrypt the wider accumulator bit for bit, and an
// exact floor reads a value, not a box, so the table would not read the whole torus.
// CHECK-LABEL: func.func @f
// CHECK-NEXT: %0 = "he.relu"(%arg0)
// CHECK-NEXT: func.return %0
func.func @f(%x: !he.ct<4xi4, frac = 0>) -> !he.ct<4xi4, frac = 0> {
  %a = "he.relu"(%x) : (!he.ct<4xi4, frac = 0>) -> !he.ct<4xi4, frac = 0>
  func.return %a : !he.ct<4xi4, frac = 0>
}
