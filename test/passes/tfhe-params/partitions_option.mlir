// RUN: not veil-opt %s --tfhe-params=partitions=two

// CHECK: partitions = two must be 'auto' or 'one'
func.func @f(%x: !rt.lwe<4xi8, frac = 0>) -> !rt.lwe<4xi8, frac = 0> {
  func.return %x : !rt.lwe<4xi8, frac = 0>
}
