// RUN: veil-opt %s

// The lookup-table model's ciphertexts: !rt.lwe, any width (the encoding of one LWE ciphertext per element), calls
// without radix attributes, and the crypto parameters recorded on the module (rt.tfhe).

// CHECK: module attributes {rt.tfhe = {glwe_dimension = 1, glwe_noise_std = 2.8e-15, ks_base_log = 3, ks_level = 5, lwe_dimension = 796, lwe_noise_std = 6.8e-6, p_fail = 1.8e-11, p_fail_bound = 9.1e-13, pbs = 4, pbs_base_log = 12, pbs_level = 3, pbs_us = 60461.0, polynomial_size = 2048, rounding = "approximate"}}
// CHECK: func.func @layer(%arg0: !lwe0) -> !lwe1
// CHECK: %1 = "rt.call"(%arg0, %0) {callee = @matmul_plain, signed = true} : (!lwe0, !pt0) -> !lwe2
// CHECK-NEXT: %2 = "rt.call"(%1) {callee = @lut, shift = 1, signed = true, table = dense<[0, 0, 0, 0, 0, 1, 2, 3]> : tensor<8xi4>} : (!lwe2) -> !lwe1
// A trivial encryption is encoded at its partition's width (here the i5 of what it is concatenated with), not its
// plaintext's whole radix blocks:
// CHECK: %1 = "rt.call"(%0) {callee = @trivial, signed = true} : (!pt1) -> !lwe3
module attributes {rt.tfhe = {glwe_dimension = 1, glwe_noise_std = 2.8e-15, ks_base_log = 3, ks_level = 5, lwe_dimension = 796, lwe_noise_std = 6.8e-6, p_fail = 1.8e-11, p_fail_bound = 9.1e-13, pbs = 4, pbs_base_log = 12, pbs_level = 3, pbs_us = 60461.0, polynomial_size = 2048, rounding = "approximate"}} {
  func.func @layer(%x: !rt.lwe<1x3xi4, frac = 2>) -> !rt.lwe<1x2xi3, frac = 2> {
    %w = "rt.const"() {value = dense<[[1, -2], [3, 4], [-5, 6]]> : tensor<3x2xi8>} : () -> !rt.pt<3x2xi4, frac = 0>
    %0 = "rt.call"(%x, %w) {callee = @matmul_plain, signed = true} : (!rt.lwe<1x3xi4, frac = 2>, !rt.pt<3x2xi4, frac = 0>) -> !rt.lwe<1x2xi4, frac = 2>
    %1 = "rt.call"(%0) {callee = @lut, shift = 1, signed = true, table = dense<[0, 0, 0, 0, 0, 1, 2, 3]> : tensor<8xi4>} : (!rt.lwe<1x2xi4, frac = 2>) -> !rt.lwe<1x2xi3, frac = 2>
    func.return %1 : !rt.lwe<1x2xi3, frac = 2>
  }
  func.func @partition(%x: !rt.lwe<1x2xi5, frac = 2>) -> !rt.lwe<2x2xi5, frac = 2> {
    %c = "rt.const"() {value = dense<[[1, -2]]> : tensor<1x2xi8>} : () -> !rt.pt<1x2xi4, frac = 2>
    %t = "rt.call"(%c) {callee = @trivial, signed = true} : (!rt.pt<1x2xi4, frac = 2>) -> !rt.lwe<1x2xi5, frac = 2>
    %0 = "rt.call"(%x, %t) {axis = 0, callee = @concat, signed = true} : (!rt.lwe<1x2xi5, frac = 2>, !rt.lwe<1x2xi5, frac = 2>) -> !rt.lwe<2x2xi5, frac = 2>
    func.return %0 : !rt.lwe<2x2xi5, frac = 2>
  }
}
