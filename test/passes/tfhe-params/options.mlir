// RUN: not veil-opt %s --tfhe-params=p-fail=2

// CHECK: p-fail = 2 must be a probability strictly between 0 and 1
func.func @f(%x: !rt.lwe<4xi8, frac = 0>) -> !rt.lwe<4xi8, frac = 0> {
  func.return %x : !rt.lwe<4xi8, frac = 0>
}
