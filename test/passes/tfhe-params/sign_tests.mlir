// RUN: veil-opt %s --he-to-rt=strategy=lut --tfhe-params

// Exact rounding through sign tests: a table dropping 9 of 14 bits (5 index bits). Classic chunks of up to 6 bits
// take 6 + 3 (two bootstraps each) and the table, 5 per lookup; chunks of 5 bits cleared by sign tests but the last
// take 4 + 5 (one sign test; then a sign test and a table), and the table, 4 per lookup. Their reads leave rests of
// up to 7 under the index (a sliver of its box of 512) and need more of the noise, so tfhe-params estimates both
// and keeps the faster; here the sign tests (`floors = "signs"`, 12 bootstraps instead of 15).

// CHECK: floors = "signs"
// CHECK-SAME: pbs = 12
func.func @layer(%x: !he.ct<1x4xi6, frac = 4>) -> !he.ct<1x2xi12, frac = 8> {
  %w1 = "he.encode"() {value = dense<[[100, -100, 3], [-100, 100, 3], [50, 50, 3], [-50, 50, 3]]> : tensor<4x3xi8>} : () -> !he.pt<4x3xi8, frac = 4>
  %w2 = "he.encode"() {value = dense<[[1, -1], [2, 2], [-3, 3]]> : tensor<3x2xi8>} : () -> !he.pt<3x2xi3, frac = 4>
  %0 = "he.matmul_plain"(%x, %w1) : (!he.ct<1x4xi6, frac = 4>, !he.pt<4x3xi8, frac = 4>) -> !he.ct<1x3xi14, frac = 8>
  %1 = "he.lut"(%0) {shift = 9, table = dense<[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]> : tensor<32xi5>} : (!he.ct<1x3xi14, frac = 8>) -> !he.ct<1x3xi5, frac = 4>
  %2 = "he.matmul_plain"(%1, %w2) : (!he.ct<1x3xi5, frac = 4>, !he.pt<3x2xi3, frac = 4>) -> !he.ct<1x2xi12, frac = 8>
  func.return %2 : !he.ct<1x2xi12, frac = 8>
}
