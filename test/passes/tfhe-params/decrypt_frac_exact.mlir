// RUN: not veil-opt %s --tfhe-params=decrypt-frac=2

// Exact rounding decrypts every bit of each result: fewer decrypted bits are an approximate-rounding choice.
// CHECK: decrypt-frac = 2 needs approximate rounding: exact rounding decrypts every bit
func.func @f(%x: !rt.lwe<4xi8, frac = 0>) -> !rt.lwe<4xi8, frac = 0> {
  func.return %x : !rt.lwe<4xi8, frac = 0>
}
