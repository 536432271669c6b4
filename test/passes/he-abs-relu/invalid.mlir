// RUN: not veil-opt %s --he-abs-relu=rounding=approximate,index-bits=13

// A table has at most 2^12 entries.

// CHECK: index-bits = 13 must be in 2..=12 (a full-domain table of q bits costs a table of q - 1, and a table has at most 2^12 entries)
func.func @f(%x: !he.ct<4xi8, frac = 0> {veil.range = [0.0, 1.0]}) -> !he.ct<4xi8, frac = 0> {
  func.return %x : !he.ct<4xi8, frac = 0>
}
