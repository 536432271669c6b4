// RUN: veil-opt %s --he-to-rt=strategy=lut --tfhe-params=rounding=approximate,p-fail=2^-20

// The parameters of a lookup-table-model program, chosen from its constraints (a table dropping 8 of 14 bits
// after a dot product, decrypted results of 12 bits) and recorded on the module with the rounding, the failure
// bound per bootstrap and the probability of any wrong result per run. Approximate rounding: one bootstrap per lookup; a weaker failure bound (2^-20).
// The inputs get a partition of their own (a small big key: a cheaper keyswitch into the tables' partition).

// CHECK: module attributes {rt.tfhe = {glwe_dimension = {{[0-9]+}}, glwe_noise_std = {{.*}}, ks_base_log = {{[0-9]+}}, ks_level = {{[0-9]+}}, lwe_dimension = {{[0-9]+}}, lwe_noise_std = {{.*}}, p_fail = {{.*}}, p_fail_bound = 9.5367431640625e-7,
// CHECK-SAME: pbs = 3, pbs_base_log = {{[0-9]+}}, pbs_level = {{[0-9]+}}, pbs_us = {{.*}}, polynomial_size = {{[0-9]+}}, rounding = "approximate"
func.func @mlp(%x: !he.ct<1x4xi6, frac = 4>) -> !he.ct<1x2xi12, frac = 8> {
  %w1 = "he.encode"() {value = dense<[[100, -100, 3], [-100, 100, 3], [50, 50, 3], [-50, 50, 3]]> : tensor<4x3xi8>} : () -> !he.pt<4x3xi8, frac = 4>
  %w2 = "he.encode"() {value = dense<[[1, -1], [2, 2], [-3, 3]]> : tensor<3x2xi8>} : () -> !he.pt<3x2xi3, frac = 4>
  %0 = "he.matmul_plain"(%x, %w1) : (!he.ct<1x4xi6, frac = 4>, !he.pt<4x3xi8, frac = 4>) -> !he.ct<1x3xi14, frac = 8>
  %1 = "he.lut"(%0) {shift = 8, table = dense<[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15]> : tensor<64xi5>} : (!he.ct<1x3xi14, frac = 8>) -> !he.ct<1x3xi5, frac = 4>
  %2 = "he.matmul_plain"(%1, %w2) : (!he.ct<1x3xi5, frac = 4>, !he.pt<3x2xi3, frac = 4>) -> !he.ct<1x2xi12, frac = 8>
  func.return %2 : !he.ct<1x2xi12, frac = 8>
}
