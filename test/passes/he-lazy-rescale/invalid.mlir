// RUN: not veil-opt %s --he-lazy-rescale=block-size=2

// The pass has two bool options; anything else is rejected with the valid names.

// CHECK: pass 'he-lazy-rescale' has no option 'block-size'; valid options: combine-sums, block-aligned
func.func @f(%x: !he.ct<4xi8, frac = 0>) -> !he.ct<4xi8, frac = 0> {
  func.return %x : !he.ct<4xi8, frac = 0>
}
