// RUN: not veil-opt %s --tfhe-params=rounding=approximate,decrypt-frac=few

// CHECK: decrypt-frac = few must be 'act' or an integer in -64..=64
func.func @f(%x: !rt.lwe<4xi8, frac = 0>) -> !rt.lwe<4xi8, frac = 0> {
  func.return %x : !rt.lwe<4xi8, frac = 0>
}
