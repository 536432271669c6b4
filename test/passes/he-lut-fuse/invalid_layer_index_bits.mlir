// RUN: not veil-opt %s --he-lut-fuse

// A per-layer precision outside what a table can have is refused at its op, not ignored.

// CHECK: error: veil.index_bits must be an integer in 1..=12 (a table has at most 2^12 entries)
// CHECK: invalid_layer_index_bits.mlir:9:3
// CHECK: %a = "he.neg"(%x) {veil.index_bits = 13}
func.func @too_many(%x: !he.ct<4xi8, frac = 4>) -> !he.ct<4xi7, frac = 2> {
  %a = "he.neg"(%x) {veil.index_bits = 13} : (!he.ct<4xi8, frac = 4>) -> !he.ct<4xi8, frac = 4>
  %0 = "he.rescale"(%a) {shift = 2} : (!he.ct<4xi8, frac = 4>) -> !he.ct<4xi7, frac = 2>
  %1 = "he.relu"(%0) : (!he.ct<4xi7, frac = 2>) -> !he.ct<4xi7, frac = 2>
  func.return %1 : !he.ct<4xi7, frac = 2>
}
