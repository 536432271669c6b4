// RUN: not veil-opt %s --he-lut-fuse=index-bits=13

// A table has at most 2^12 entries.

// CHECK: index-bits = 13 must be in 1..=12 (a table has at most 2^12 entries)
func.func @f(%x: !he.ct<4xi8, frac = 0>) -> !he.ct<4xi8, frac = 0> {
  func.return %x : !he.ct<4xi8, frac = 0>
}
