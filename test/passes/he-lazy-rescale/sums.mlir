// RUN: veil-opt %s --he-lazy-rescale
// RUN: veil-opt %s --he-lazy-rescale=combine-sums=false | FileCheck %s --check-prefix=EXACT

// A sum of rescaled terms is rescaled once: rescale(a + b, k) instead of rescale(a, k) + rescale(b, k). The
// floor of the sum differs from the sum of the floors by 0 or 1 (0 or -1 for sub), and is the better
// value. With combine-sums=false (second RUN line) the pass keeps every rescale.

// CHECK-LABEL: func.func @three_terms
// CHECK-NEXT: %0 = "he.add"(%arg0, %arg1) : (!ct0, !ct0) -> !ct2
// CHECK-NEXT: %1 = "he.sub"(%0, %arg2) : (!ct2, !ct0) -> !ct3
// CHECK-NEXT: %2 = "he.rescale"(%1) {shift = 4} : (!ct3) -> !ct1
// CHECK-NEXT: func.return %2
// EXACT-LABEL: func.func @three_terms
// EXACT-NEXT: "he.rescale"
// EXACT-NEXT: "he.rescale"
// EXACT-NEXT: "he.rescale"
// EXACT-NEXT: "he.add"
// EXACT-NEXT: "he.sub"
func.func @three_terms(%a: !he.ct<4xi16, frac = 8>, %b: !he.ct<4xi16, frac = 8>, %c: !he.ct<4xi16, frac = 8>) -> !he.ct<4xi14, frac = 4> {
  %0 = "he.rescale"(%a) {shift = 4} : (!he.ct<4xi16, frac = 8>) -> !he.ct<4xi12, frac = 4>
  %1 = "he.rescale"(%b) {shift = 4} : (!he.ct<4xi16, frac = 8>) -> !he.ct<4xi12, frac = 4>
  %2 = "he.rescale"(%c) {shift = 4} : (!he.ct<4xi16, frac = 8>) -> !he.ct<4xi12, frac = 4>
  %3 = "he.add"(%0, %1) : (!he.ct<4xi12, frac = 4>, !he.ct<4xi12, frac = 4>) -> !he.ct<4xi13, frac = 4>
  %4 = "he.sub"(%3, %2) : (!he.ct<4xi13, frac = 4>, !he.ct<4xi12, frac = 4>) -> !he.ct<4xi14, frac = 4>
  func.return %4 : !he.ct<4xi14, frac = 4>
}

// he.sum over rescaled elements: one rescale of the sum.
// CHECK-LABEL: func.func @reduction
// CHECK-NEXT: %0 = "he.sum"(%arg0) {axes = [1]} : (!ct4) -> !ct6
// CHECK-NEXT: %1 = "he.rescale"(%0) {shift = 6} : (!ct6) -> !ct5
// EXACT-LABEL: func.func @reduction
// EXACT-NEXT: "he.rescale"
// EXACT-NEXT: "he.sum"
func.func @reduction(%x: !he.ct<2x8xi16, frac = 8>) -> !he.ct<2x1xi13, frac = 2> {
  %0 = "he.rescale"(%x) {shift = 6} : (!he.ct<2x8xi16, frac = 8>) -> !he.ct<2x8xi10, frac = 2>
  %1 = "he.sum"(%0) {axes = [1]} : (!he.ct<2x8xi10, frac = 2>) -> !he.ct<2x1xi13, frac = 2>
  func.return %1 : !he.ct<2x1xi13, frac = 2>
}

// Terms rescaled by different shifts, or rescales that other ops read too, stay.
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-3: "he.rescale"
// CHECK: "he.add"
// CHECK: "he.add"
func.func @kept(%a: !he.ct<4xi16, frac = 8>, %b: !he.ct<4xi16, frac = 6>) -> (!he.ct<4xi13, frac = 4>, !he.ct<4xi13, frac = 4>) {
  %0 = "he.rescale"(%a) {shift = 4} : (!he.ct<4xi16, frac = 8>) -> !he.ct<4xi12, frac = 4>
  %1 = "he.rescale"(%b) {shift = 2} : (!he.ct<4xi16, frac = 6>) -> !he.ct<4xi14, frac = 4>
  %2 = "he.rescale"(%b) {shift = 2} : (!he.ct<4xi16, frac = 6>) -> !he.ct<4xi14, frac = 4>
  %3 = "he.add"(%0, %1) : (!he.ct<4xi12, frac = 4>, !he.ct<4xi14, frac = 4>) -> !he.ct<4xi13, frac = 4>
  %4 = "he.add"(%2, %0) : (!he.ct<4xi14, frac = 4>, !he.ct<4xi12, frac = 4>) -> !he.ct<4xi13, frac = 4>
  func.return %3, %4 : !he.ct<4xi13, frac = 4>, !he.ct<4xi13, frac = 4>
}
