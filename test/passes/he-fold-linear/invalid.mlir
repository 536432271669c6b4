// RUN: not veil-opt %s --he-fold-linear=aggressive=true

// The pass takes no options.

// CHECK: pass 'he-fold-linear' takes no options (got 'aggressive')
func.func @f(%x: !he.ct<4xi8, frac = 0>) -> !he.ct<4xi8, frac = 0> {
  func.return %x : !he.ct<4xi8, frac = 0>
}
