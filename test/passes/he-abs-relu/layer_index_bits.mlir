// RUN: veil-opt %s --he-abs-relu=rounding=approximate,index-bits=3

// he-lut-fuse's per-layer `veil.index_bits` on the op defining x gives |x| that many index bits instead of the
// option's: an 8-bit x with 5 drops 3 low bits (32 entries, each |middle of its box of 8|), against 3 bits (8
// entries, boxes of 32) for x without it.
// CHECK-LABEL: func.func @per_layer
// CHECK: "he.lut"(%0) {shift = 3, table = dense<[124, 116, 108, 100, 92, 84, 76, 68, 60, 52, 44, 36, 28, 20, 12, 4, 4, 12, 20, 28, 36, 44, 52, 60, 68, 76, 84, 92, 100, 108, 116, 124]>
// CHECK: "he.lut"(%{{[0-9]+}}) {shift = 5, table = dense<[112, 80, 48, 16, 16, 48, 80, 112]>
func.func @per_layer(%x: !he.ct<4xi8, frac = 4> {veil.range = [-8.0, 7.0]}, %y: !he.ct<4xi8, frac = 4> {veil.range = [-8.0, 7.0]}) -> (!he.ct<4xi8, frac = 4>, !he.ct<4xi8, frac = 4>) {
  %a = "he.neg"(%x) {veil.index_bits = 5} : (!he.ct<4xi8, frac = 4>) -> !he.ct<4xi8, frac = 4>
  %0 = "he.relu"(%a) : (!he.ct<4xi8, frac = 4>) -> !he.ct<4xi8, frac = 4>
  %b = "he.neg"(%y) : (!he.ct<4xi8, frac = 4>) -> !he.ct<4xi8, frac = 4>
  %1 = "he.relu"(%b) : (!he.ct<4xi8, frac = 4>) -> !he.ct<4xi8, frac = 4>
  func.return %0, %1 : !he.ct<4xi8, frac = 4>, !he.ct<4xi8, frac = 4>
}
