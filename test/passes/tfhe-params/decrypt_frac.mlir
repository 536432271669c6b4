// RUN: veil-opt %s --he-to-rt=strategy=lut --tfhe-params=rounding=approximate,decrypt-frac=4

// With approximate rounding the client may decrypt each result to fewer fraction bits than its own (here 4 of the
// logits' 8: their 4 low bits are left to the noise, so the decryption resolves 8 of their 12 bits). The choice is
// recorded with the parameters (decrypt_frac), for the client and for the error bound, which grows by half a unit
// of 2^-4.

// CHECK: module attributes {rt.tfhe = {decrypt_frac = 4, glwe_dimension = {{[0-9]+}}
func.func @mlp(%x: !he.ct<1x4xi6, frac = 4>) -> !he.ct<1x2xi12, frac = 8> {
  %w1 = "he.encode"() {value = dense<[[100, -100, 3], [-100, 100, 3], [50, 50, 3], [-50, 50, 3]]> : tensor<4x3xi8>} : () -> !he.pt<4x3xi8, frac = 4>
  %w2 = "he.encode"() {value = dense<[[1, -1], [2, 2], [-3, 3]]> : tensor<3x2xi8>} : () -> !he.pt<3x2xi3, frac = 4>
  %0 = "he.matmul_plain"(%x, %w1) : (!he.ct<1x4xi6, frac = 4>, !he.pt<4x3xi8, frac = 4>) -> !he.ct<1x3xi14, frac = 8>
  %1 = "he.lut"(%0) {shift = 8, table = dense<[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15]> : tensor<64xi5>} : (!he.ct<1x3xi14, frac = 8>) -> !he.ct<1x3xi5, frac = 4>
  %2 = "he.matmul_plain"(%1, %w2) : (!he.ct<1x3xi5, frac = 4>, !he.pt<3x2xi3, frac = 4>) -> !he.ct<1x2xi12, frac = 8>
  func.return %2 : !he.ct<1x2xi12, frac = 8>
}
