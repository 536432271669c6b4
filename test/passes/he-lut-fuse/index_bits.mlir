// RUN: veil-opt %s --he-lut-fuse=index-bits=3,exact-outputs=false

// A table input wider than index-bits drops more low bits: each entry stands for the middle of the finer values its
// index covers, floor(x / 2^shift) * 2^extra + 2^(extra - 1). Here 8 bits, rescale by 2, at most 3 index bits:
// shift 5, and one more for the headroom (the argument's range is its whole width): shift 6, entries
// relu(i * 16 + 8) at frac 2 for i = -2..1.
// CHECK-LABEL: func.func @coarse
// CHECK-NEXT: %0 = "he.lut"(%arg0) {shift = 6, table = dense<[0, 0, 8, 24]> : tensor<4xi7>, veil.real = "relu"} : (!ct0) -> !ct1
func.func @coarse(%x: !he.ct<4xi8, frac = 4>) -> !he.ct<4xi7, frac = 2> {
  %0 = "he.rescale"(%x) {shift = 2} : (!he.ct<4xi8, frac = 4>) -> !he.ct<4xi7, frac = 2>
  %1 = "he.relu"(%0) : (!he.ct<4xi7, frac = 2>) -> !he.ct<4xi7, frac = 2>
  func.return %1 : !he.ct<4xi7, frac = 2>
}

// exact-outputs=false keeps an output rescale; it becomes an identity table.
// CHECK-LABEL: func.func @kept_rescale
// CHECK-NEXT: %0 = "he.lut"(%arg0) {shift = 6, table = dense<[-24, -8, 8, 24]> : tensor<4xi7>, veil.real = ""} : (!ct0) -> !ct1
func.func @kept_rescale(%x: !he.ct<4xi8, frac = 4>) -> !he.ct<4xi7, frac = 2> {
  %0 = "he.rescale"(%x) {shift = 2} : (!he.ct<4xi8, frac = 4>) -> !he.ct<4xi7, frac = 2>
  func.return %0 : !he.ct<4xi7, frac = 2>
}
