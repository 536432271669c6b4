// RUN: veil-opt %s --he-lut-fuse=index-bits=3,exact-outputs=false

// A per-layer precision: `veil.index_bits` on the op defining a table's input replaces the option for the tables
// that read it (the driver's per-layer search sets it). Both inputs are 8 bits wide, rescaled by 2 and read by a
// relu. %a carries 5: shift 3, and one more for the headroom past the end of its range [-127, 128] (as the
// option's 3 bits get 2 below), so 4 index bits: relu(i * 4 + 2) at frac 2 for i = -8..7. %b has none: the
// option's 3 bits, shift 6 with the headroom, entries relu(i * 16 + 8) for i = -2..1.
// CHECK-LABEL: func.func @per_layer
// CHECK-NEXT: %0 = "he.neg"(%arg0) {veil.index_bits = 5} : (!ct0) -> !ct0
// CHECK-NEXT: %1 = "he.lut"(%0) {shift = 4, table = dense<[0, 0, 0, 0, 0, 0, 0, 0, 2, 6, 10, 14, 18, 22, 26, 30]> : tensor<16xi7>, veil.real = "relu"} : (!ct0) -> !ct1
// CHECK-NEXT: %2 = "he.neg"(%arg1) : (!ct0) -> !ct0
// CHECK-NEXT: %3 = "he.lut"(%2) {shift = 6, table = dense<[0, 0, 8, 24]> : tensor<4xi7>, veil.real = "relu"} : (!ct0) -> !ct1
func.func @per_layer(%x: !he.ct<4xi8, frac = 4>, %y: !he.ct<4xi8, frac = 4>) -> (!he.ct<4xi7, frac = 2>, !he.ct<4xi7, frac = 2>) {
  %a = "he.neg"(%x) {veil.index_bits = 5} : (!he.ct<4xi8, frac = 4>) -> !he.ct<4xi8, frac = 4>
  %0 = "he.rescale"(%a) {shift = 2} : (!he.ct<4xi8, frac = 4>) -> !he.ct<4xi7, frac = 2>
  %1 = "he.relu"(%0) : (!he.ct<4xi7, frac = 2>) -> !he.ct<4xi7, frac = 2>
  %b = "he.neg"(%y) : (!he.ct<4xi8, frac = 4>) -> !he.ct<4xi8, frac = 4>
  %2 = "he.rescale"(%b) {shift = 2} : (!he.ct<4xi8, frac = 4>) -> !he.ct<4xi7, frac = 2>
  %3 = "he.relu"(%2) : (!he.ct<4xi7, frac = 2>) -> !he.ct<4xi7, frac = 2>
  func.return %1, %3 : !he.ct<4xi7, frac = 2>, !he.ct<4xi7, frac = 2>
}
