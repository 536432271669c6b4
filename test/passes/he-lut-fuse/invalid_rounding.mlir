// RUN: not veil-opt %s --he-lut-fuse=rounding=nearest

// CHECK: rounding 'nearest' is not one of: exact, approximate
func.func @f(%x: !he.ct<4xi8, frac = 0>) -> !he.ct<4xi8, frac = 0> {
  func.return %x : !he.ct<4xi8, frac = 0>
}
