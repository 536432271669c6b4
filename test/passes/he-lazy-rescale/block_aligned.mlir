// RUN: veil-opt %s --he-lazy-rescale=block-aligned

// block-aligned: a rescale by an odd shift before plaintext products becomes a rescale by whole 2-bit blocks,
// and the weights are re-encoded with one fraction bit more or less (the same real numbers), so the products
// and everything after them keep their types.

// Odd weights: shift 3 → 4, weights doubled at frac 5 (one bit of the rescaled value is lost).
// CHECK: !ct2 = !he.ct<1x4xi13, frac = 4>
// CHECK: !pt0 = !he.pt<4x2xi8, frac = 5>
// CHECK-LABEL: func.func @round_up
// CHECK-NEXT: %0 = "he.rescale"(%arg0) {shift = 4} : (!ct0) -> !ct2
// CHECK-NEXT: %1 = "he.encode"() {value = dense<{{.}}[2, 6], [-2, 0], [10, 2], [2, 2]]> : tensor<4x2xi8>} : () -> !pt0
// CHECK-NEXT: %2 = "he.matmul_plain"(%0, %1) : (!ct2, !pt0) -> !ct1
func.func @round_up(%x: !he.ct<1x4xi16, frac = 8>) -> !he.ct<1x2xi20, frac = 9> {
  %w = "he.encode"() {value = dense<[[1, 3], [-1, 0], [5, 1], [1, 1]]> : tensor<4x2xi8>} : () -> !he.pt<4x2xi8, frac = 4>
  %0 = "he.rescale"(%x) {shift = 3} : (!he.ct<1x4xi16, frac = 8>) -> !he.ct<1x4xi13, frac = 5>
  %1 = "he.matmul_plain"(%0, %w) : (!he.ct<1x4xi13, frac = 5>, !he.pt<4x2xi8, frac = 4>) -> !he.ct<1x2xi20, frac = 9>
  func.return %1 : !he.ct<1x2xi20, frac = 9>
}

// Even weights: shift 3 → 2, weights halved exactly at frac 3 (one bit more precise).
// CHECK-LABEL: func.func @round_down
// CHECK-NEXT: %0 = "he.rescale"(%arg0) {shift = 2} : (!ct0) -> !ct4
// CHECK-NEXT: %1 = "he.encode"() {value = dense<[1, -2, 3, 0]> : tensor<4xi8>} : () -> !pt1
// CHECK-NEXT: %2 = "he.mul_plain"(%0, %1) : (!ct4, !pt1) -> !ct3
func.func @round_down(%x: !he.ct<1x4xi16, frac = 8>) -> !he.ct<1x4xi20, frac = 9> {
  %w = "he.encode"() {value = dense<[2, -4, 6, 0]> : tensor<4xi8>} : () -> !he.pt<4xi8, frac = 4>
  %0 = "he.rescale"(%x) {shift = 3} : (!he.ct<1x4xi16, frac = 8>) -> !he.ct<1x4xi13, frac = 5>
  %1 = "he.mul_plain"(%0, %w) : (!he.ct<1x4xi13, frac = 5>, !he.pt<4xi8, frac = 4>) -> !he.ct<1x4xi20, frac = 9>
  func.return %1 : !he.ct<1x4xi20, frac = 9>
}

// Shift 1 with even weights: no rescale at all.
// CHECK-LABEL: func.func @vanishes
// CHECK-NEXT: %0 = "he.encode"() {value = dense<3> : tensor<4xi8>} : () -> !pt1
// CHECK-NEXT: %1 = "he.mul_plain"(%arg0, %0) : (!ct0, !pt1) -> !ct5
func.func @vanishes(%x: !he.ct<1x4xi16, frac = 8>) -> !he.ct<1x4xi20, frac = 11> {
  %w = "he.encode"() {value = dense<6> : tensor<4xi8>} : () -> !he.pt<4xi8, frac = 4>
  %0 = "he.rescale"(%x) {shift = 1} : (!he.ct<1x4xi16, frac = 8>) -> !he.ct<1x4xi15, frac = 7>
  %1 = "he.mul_plain"(%0, %w) : (!he.ct<1x4xi15, frac = 7>, !he.pt<4xi8, frac = 4>) -> !he.ct<1x4xi20, frac = 11>
  func.return %1 : !he.ct<1x4xi20, frac = 11>
}

// A rescale whose result something else reads keeps its odd shift.
// CHECK-LABEL: func.func @kept
// CHECK-NEXT: "he.encode"
// CHECK-NEXT: "he.rescale"(%arg0) {shift = 3}
func.func @kept(%x: !he.ct<1x4xi16, frac = 8>) -> (!he.ct<1x4xi20, frac = 9>, !he.ct<1x4xi13, frac = 5>) {
  %w = "he.encode"() {value = dense<[2, -4, 6, 0]> : tensor<4xi8>} : () -> !he.pt<4xi8, frac = 4>
  %0 = "he.rescale"(%x) {shift = 3} : (!he.ct<1x4xi16, frac = 8>) -> !he.ct<1x4xi13, frac = 5>
  %1 = "he.mul_plain"(%0, %w) : (!he.ct<1x4xi13, frac = 5>, !he.pt<4xi8, frac = 4>) -> !he.ct<1x4xi20, frac = 9>
  func.return %1, %0 : !he.ct<1x4xi20, frac = 9>, !he.ct<1x4xi13, frac = 5>
}
