// RUN: not veil-opt %s --he-plaintext-bypass=remarks=maybe

// Options are typed: 'remarks' is a bool.

// CHECK: option 'remarks' of pass 'he-plaintext-bypass' expects true or false, got 'maybe'
func.func @f(%x: !he.ct<4xi8, frac = 0>) -> !he.ct<4xi8, frac = 0> {
  func.return %x : !he.ct<4xi8, frac = 0>
}
