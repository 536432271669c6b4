// RUN: veil-opt %s --he-to-rt
// RUN: veil-opt %s --he-to-rt=leveled=false | FileCheck %s --check-prefix=OFF

// The variant rule. A call with a leveled form skips its carry propagation (no PBS) when every user of its
// result is such a call of the same block count, and the carries stay within a block's carry space: counted in
// clean blocks (the load), at most 5 for 2 message + 2 carry bits. With leveled=false every call propagates.

// add (load 2) and sub (2 + 1 + 1 = 4) are absorbed by their users; add_plain would reach 5 + 5 in mul_plain
// (x2 doubles the load), so it propagates, and so does mul_plain, whose user is relu.
// CHECK-LABEL: func.func @chain
// CHECK-NEXT: %0 = "rt.const"()
// CHECK-NEXT: "rt.call"(%arg0, %arg1) {blocks = 4, callee = @add, signed = true, variant = "leveled"}
// CHECK-NEXT: "rt.call"(%1, %arg0) {blocks = 4, callee = @sub, signed = true, variant = "leveled"}
// CHECK-NEXT: "rt.call"(%2, %arg2) {blocks = 4, callee = @add_plain, signed = true, variant = "propagate"}
// CHECK-NEXT: "rt.call"(%3, %0) {blocks = 4, callee = @mul_plain, signed = true, variant = "propagate"}
// CHECK-NEXT: "rt.call"(%4) {blocks = 4, callee = @relu, signed = true}
// CHECK-LABEL: func.func @returned
// OFF-NOT: "leveled"
// OFF: func.return %5
// CHECK-NOT: leveled
// CHECK: func.return
func.func @chain(%a: !he.ct<4xi8, frac = 2>, %b: !he.ct<4xi8, frac = 2>, %p: !he.pt<4xi8, frac = 2>) -> !he.ct<4xi8, frac = 2> {
  %c = "he.encode"() {value = dense<[1, -1, 2, 0]> : tensor<4xi8>} : () -> !he.pt<4xi3, frac = 0>
  %0 = "he.add"(%a, %b) : (!he.ct<4xi8, frac = 2>, !he.ct<4xi8, frac = 2>) -> !he.ct<4xi8, frac = 2>
  %1 = "he.sub"(%0, %a) : (!he.ct<4xi8, frac = 2>, !he.ct<4xi8, frac = 2>) -> !he.ct<4xi8, frac = 2>
  %2 = "he.add_plain"(%1, %p) : (!he.ct<4xi8, frac = 2>, !he.pt<4xi8, frac = 2>) -> !he.ct<4xi8, frac = 2>
  %3 = "he.mul_plain"(%2, %c) : (!he.ct<4xi8, frac = 2>, !he.pt<4xi3, frac = 0>) -> !he.ct<4xi8, frac = 2>
  %4 = "he.relu"(%3) : (!he.ct<4xi8, frac = 2>) -> !he.ct<4xi8, frac = 2>
  func.return %4 : !he.ct<4xi8, frac = 2>
}

// A result that is returned, used by another kind of kernel, or used at another block count propagates: the
// client and the bootstrapping kernels get clean blocks, and a leveled value cannot be sign-extended.
func.func @returned(%a: !he.ct<4xi8, frac = 2>, %b: !he.ct<4xi8, frac = 2>) -> (!he.ct<4xi8, frac = 2>, !he.ct<4xi10, frac = 2>, !he.ct<4xi8, frac = 2>) {
  %0 = "he.add"(%a, %b) : (!he.ct<4xi8, frac = 2>, !he.ct<4xi8, frac = 2>) -> !he.ct<4xi8, frac = 2>
  %1 = "he.neg"(%a) : (!he.ct<4xi8, frac = 2>) -> !he.ct<4xi8, frac = 2>
  %2 = "he.add"(%1, %b) : (!he.ct<4xi8, frac = 2>, !he.ct<4xi8, frac = 2>) -> !he.ct<4xi10, frac = 2>
  %3 = "he.sub"(%a, %b) : (!he.ct<4xi8, frac = 2>, !he.ct<4xi8, frac = 2>) -> !he.ct<4xi8, frac = 2>
  %4 = "he.max"(%3, %a) : (!he.ct<4xi8, frac = 2>, !he.ct<4xi8, frac = 2>) -> !he.ct<4xi8, frac = 2>
  func.return %0, %2, %4 : !he.ct<4xi8, frac = 2>, !he.ct<4xi10, frac = 2>, !he.ct<4xi8, frac = 2>
}
