// RUN: veil-opt %s --he-to-rt=strategy=lut | FileCheck %s
// RUN: veil-opt %s --he-to-rt=strategy=lut,clamp-cells=0 | FileCheck %s --check-prefix=NARROW

// A clamp in the lookup-table model: two tables and a difference. x (i12, proven [-1600, 1600]) is clamped to the
// window [-48, 80] (129 integers); with clamp-cells = 2 (the default) the coarse cells are 2^2 quarters of the
// window rounded down to a power of two: 2^7 = 128 integers, so the coarse table drops 7 bits (32 entries; x's
// cells -13..12 and one of headroom at each end fit 5 index bits). Its entries are the offsets
// max(0, start - 81 - 128) + min(0, start + 256 + 48) of each cell's start: 0 for the cells in and next to the
// window, the distance to within 3 cells of the window's nearer end for the others. y = x - offset lies in
// [-48 - 384, 81 + 384 - 1] = [-432, 464]: i10, its own encoding (the difference re-encodes x and the offsets
// from i12: their top bits wrap away). The square reads y with the clamp's shift (3): 128 entries, those past the
// window's ends (index -6 below, 10 above) repeating the ends' entries (121 and 441).
// CHECK: !lwe0 = !rt.lwe<4xi12, frac = 4>
// CHECK: !lwe2 = !rt.lwe<4xi10, frac = 4>
// CHECK-LABEL: func.func @square_in_a_window
// CHECK: %2 = "rt.call"(%1) {callee = @lut, shift = 7, signed = true, table = dense<[-1744, -1616, -1488, -1360, -1232, -1104, -976, -848, -720, -592, -464, -336, -208, -80, 0, 0, 0, 0, 47, 175, 303, 431, 559, 687, 815, 943, 1071, 1199, 1327, 1455, 1583, 1711]> : tensor<32xi12>} : (!lwe0) -> !lwe0
// CHECK-NEXT: %3 = "rt.call"(%1, %2) {callee = @sub, signed = true} : (!lwe0, !lwe0) -> !lwe2
// CHECK-NEXT: %4 = "rt.call"(%3) {callee = @lut, shift = 3, signed = true, table = dense<[121, 121, {{.*}}, 121, 81, 49, 25, 9, 1, 1, 9, 25, 49, 81, 121, 169, 225, 289, 361, 441, 441, {{.*}}, 441]> : tensor<128xi20>, veil.real = "square"} : (!lwe2) -> !lwe1
func.func @square_in_a_window(%x: !he.ct<4xi12, frac = 4> {veil.range = [-100.0, 100.0]}) -> !he.ct<4xi20, frac = 4> {
  %w = "he.encode"() {value = dense<1> : tensor<4xi2>} : () -> !he.pt<4xi2, frac = 0>
  %a = "he.mul_plain"(%x, %w) : (!he.ct<4xi12, frac = 4>, !he.pt<4xi2, frac = 0>) -> !he.ct<4xi12, frac = 4>
  %c = "he.clamp"(%a) {lo = -48, hi = 80} : (!he.ct<4xi12, frac = 4>) -> !he.ct<4xi8, frac = 4>
  %0 = "he.lut"(%c) {shift = 3, table = dense<[961, 841, 729, 625, 529, 441, 361, 289, 225, 169, 121, 81, 49, 25, 9, 1, 1, 9, 25, 49, 81, 121, 169, 225, 289, 361, 441, 529, 625, 729, 841, 961]> : tensor<32xi20>, veil.real = "square"} : (!he.ct<4xi8, frac = 4>) -> !he.ct<4xi20, frac = 4>
  func.return %0 : !he.ct<4xi20, frac = 4>
}

// With clamp-cells = 0 (cells of a quarter window, 2^5 = 32 integers) the margins are narrower (y in
// [-48 - 96, 81 + 96 - 1] = [-144, 176], i9) and the coarse table wider (cells -50..50 need 7 index bits): the
// driver compiles several and keeps the cheaper.
// NARROW: !lwe2 = !rt.lwe<4xi9, frac = 4>
// NARROW: "rt.call"(%1) {callee = @lut, shift = 5, signed = true, table = {{.*}} : tensor<128xi12>}
