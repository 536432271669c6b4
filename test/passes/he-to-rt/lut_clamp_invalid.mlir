// RUN: veil-opt %s --he-to-rt=strategy=lut --split-input-file --verify-diagnostics

// The lookup-table model runs a clamp as the margins of the tables that read it: a clamp read by anything else is
// an error at the clamp.

func.func @clamp_then_add(%x: !he.ct<4xi12, frac = 4> {veil.range = [-100.0, 100.0]}) -> !he.ct<4xi9, frac = 4> {
  // expected-error @+1 {{the lookup-table model runs a clamp only before tables (its bootstraps give the table's margins, not the clamped value)}}
  %c = "he.clamp"(%x) {lo = -48, hi = 80} : (!he.ct<4xi12, frac = 4>) -> !he.ct<4xi8, frac = 4>
  %0 = "he.add"(%c, %c) : (!he.ct<4xi8, frac = 4>, !he.ct<4xi8, frac = 4>) -> !he.ct<4xi9, frac = 4>
  func.return %0 : !he.ct<4xi9, frac = 4>
}

// -----

// x may take every value of its i8: the coarse table has no cell of headroom past the ends at any cell size, so a
// neighbouring read could wrap to the other end.
func.func @no_headroom(%x: !he.ct<4xi8, frac = 0>) -> !he.ct<4xi4, frac = 0> {
  // expected-error @+1 {{no coarse table for this clamp: its i8 input's proven range [-128, 127] leaves no headroom}}
  %c = "he.clamp"(%x) {lo = -4, hi = 3} : (!he.ct<4xi8, frac = 0>) -> !he.ct<4xi3, frac = 0>
  %0 = "he.lut"(%c) {table = dense<[0, 0, 0, 0, 0, 1, 2, 3]> : tensor<8xi4>} : (!he.ct<4xi3, frac = 0>) -> !he.ct<4xi4, frac = 0>
  func.return %0 : !he.ct<4xi4, frac = 0>
}
