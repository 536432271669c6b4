// RUN: not veil-opt %s --he-abs-relu=rounding=approximate,index-bits=12

// |x| gets one index bit more than index-bits, and a table has at most 2^12 entries.

// CHECK: index-bits = 12 must be in 1..=11 (|x| gets one more, and a table has at most 2^12 entries)
func.func @f(%x: !he.ct<4xi8, frac = 0>) -> !he.ct<4xi8, frac = 0> {
  func.return %x : !he.ct<4xi8, frac = 0>
}
