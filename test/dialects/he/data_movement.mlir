// RUN: veil-opt %s

// Data movement keeps the scale: reshape, transpose, pad (zero padding, all begins then all ends), concat.

// CHECK-LABEL: func.func @move(%arg0: !ct0, %arg1: !ct1) -> !ct2
// CHECK-NEXT: %0 = "he.reshape"(%arg0) : (!ct0) -> !ct3
// CHECK-NEXT: %1 = "he.transpose"(%0) {perm = [2, 0, 1]} : (!ct3) -> !ct4
// CHECK-NEXT: %2 = "he.reshape"(%1) : (!ct4) -> !ct0
// CHECK-NEXT: %3 = "he.pad"(%2) {pads = [0, 1, 0, 1]} : (!ct0) -> !ct1
// CHECK-NEXT: %4 = "he.concat"(%3, %arg1) {axis = 1} : (!ct1, !ct1) -> !ct2
// CHECK-NEXT: %5 = "he.concat"(%4) {axis = 0} : (!ct2) -> !ct2
func.func @move(%x: !he.ct<2x3xi8, frac = 4>, %y: !he.ct<2x5xi8, frac = 4>) -> !he.ct<2x10xi8, frac = 4> {
  %0 = "he.reshape"(%x) : (!he.ct<2x3xi8, frac = 4>) -> !he.ct<3x1x2xi8, frac = 4>
  %1 = "he.transpose"(%0) {perm = [2, 0, 1]} : (!he.ct<3x1x2xi8, frac = 4>) -> !he.ct<2x3x1xi8, frac = 4>
  %2 = "he.reshape"(%1) : (!he.ct<2x3x1xi8, frac = 4>) -> !he.ct<2x3xi8, frac = 4>
  %3 = "he.pad"(%2) {pads = [0, 1, 0, 1]} : (!he.ct<2x3xi8, frac = 4>) -> !he.ct<2x5xi8, frac = 4>
  %4 = "he.concat"(%3, %y) {axis = 1} : (!he.ct<2x5xi8, frac = 4>, !he.ct<2x5xi8, frac = 4>) -> !he.ct<2x10xi8, frac = 4>
  %5 = "he.concat"(%4) {axis = 0} : (!he.ct<2x10xi8, frac = 4>) -> !he.ct<2x10xi8, frac = 4>
  func.return %5 : !he.ct<2x10xi8, frac = 4>
}
