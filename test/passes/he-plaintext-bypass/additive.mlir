// RUN: veil-opt %s --he-plaintext-bypass

// Adding or subtracting plaintext zeros is the ciphertext itself. A trivial encryption of a plaintext is a
// plaintext: ciphertext ops on it become the cheaper _plain ops (max with a trivial zero is relu).

// CHECK-LABEL: func.func @plus_zero
// CHECK-NEXT: %0 = "he.relu"(%arg0)
// CHECK-NEXT: func.return %0
func.func @plus_zero(%x: !he.ct<2x2xi8, frac = 4>) -> !he.ct<2x2xi8, frac = 4> {
  %z = "he.encode"() {value = dense<0> : tensor<2xi8>} : () -> !he.pt<2xi8, frac = 4>
  %0 = "he.add_plain"(%x, %z) : (!he.ct<2x2xi8, frac = 4>, !he.pt<2xi8, frac = 4>) -> !he.ct<2x2xi9, frac = 4>
  %1 = "he.sub_plain"(%0, %z) : (!he.ct<2x2xi9, frac = 4>, !he.pt<2xi8, frac = 4>) -> !he.ct<2x2xi10, frac = 4>
  %2 = "he.relu"(%1) : (!he.ct<2x2xi10, frac = 4>) -> !he.ct<2x2xi8, frac = 4>
  func.return %2 : !he.ct<2x2xi8, frac = 4>
}

// CHECK-LABEL: func.func @trivial_operands
// CHECK-NEXT: %0 = "he.encode"() {value = dense<[1, 2]> : tensor<2xi8>}
// CHECK-NEXT: %1 = "he.mul_plain"(%arg0, %0)
// CHECK-NEXT: %2 = "he.encode"() {value = dense<[1, 2]> : tensor<2xi8>}
// CHECK-NEXT: %3 = "he.add_plain"(%1, %2)
// CHECK-NEXT: %4 = "he.sub_plain"(%3, %2)
// CHECK-NEXT: %5 = "he.relu"(%4)
// CHECK-NEXT: func.return %5
func.func @trivial_operands(%x: !he.ct<2x2xi8, frac = 2>) -> !he.ct<2x2xi12, frac = 2> {
  %p = "he.encode"() {value = dense<[1, 2]> : tensor<2xi8>} : () -> !he.pt<2xi8, frac = 0>
  %z = "he.encode"() {value = dense<0> : tensor<2xi8>} : () -> !he.pt<2xi8, frac = 2>
  %t = "he.trivial"(%p) : (!he.pt<2xi8, frac = 0>) -> !he.ct<2xi8, frac = 0>
  %tz = "he.trivial"(%z) : (!he.pt<2xi8, frac = 2>) -> !he.ct<2xi8, frac = 2>
  %0 = "he.mul"(%t, %x) : (!he.ct<2xi8, frac = 0>, !he.ct<2x2xi8, frac = 2>) -> !he.ct<2x2xi10, frac = 2>
  %q = "he.encode"() {value = dense<[1, 2]> : tensor<2xi8>} : () -> !he.pt<2xi8, frac = 2>
  %tq = "he.trivial"(%q) : (!he.pt<2xi8, frac = 2>) -> !he.ct<2xi8, frac = 2>
  %1 = "he.add"(%0, %tq) : (!he.ct<2x2xi10, frac = 2>, !he.ct<2xi8, frac = 2>) -> !he.ct<2x2xi11, frac = 2>
  %2 = "he.sub"(%1, %tq) : (!he.ct<2x2xi11, frac = 2>, !he.ct<2xi8, frac = 2>) -> !he.ct<2x2xi12, frac = 2>
  %3 = "he.max"(%tz, %2) : (!he.ct<2xi8, frac = 2>, !he.ct<2x2xi12, frac = 2>) -> !he.ct<2x2xi12, frac = 2>
  func.return %3 : !he.ct<2x2xi12, frac = 2>
}

// A trivial first operand of sub, and a zero a lut reads at its exact width, stay.
// CHECK-LABEL: func.func @kept
// CHECK: "he.sub"(%{{[0-9]+}}, %arg0)
// CHECK: "he.add_plain"
// CHECK: "he.lut"
func.func @kept(%x: !he.ct<2xi3, frac = 0>) -> (!he.ct<2xi4, frac = 0>, !he.ct<2xi3, frac = 0>) {
  %p = "he.encode"() {value = dense<1> : tensor<2xi3>} : () -> !he.pt<2xi3, frac = 0>
  %t = "he.trivial"(%p) : (!he.pt<2xi3, frac = 0>) -> !he.ct<2xi3, frac = 0>
  %0 = "he.sub"(%t, %x) : (!he.ct<2xi3, frac = 0>, !he.ct<2xi3, frac = 0>) -> !he.ct<2xi4, frac = 0>
  %z = "he.encode"() {value = dense<0> : tensor<2xi3>} : () -> !he.pt<2xi3, frac = 0>
  %1 = "he.add_plain"(%x, %z) : (!he.ct<2xi3, frac = 0>, !he.pt<2xi3, frac = 0>) -> !he.ct<2xi4, frac = 0>
  %2 = "he.lut"(%1) {table = dense<[0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 3, 3, 3, 3]> : tensor<16xi8>} : (!he.ct<2xi4, frac = 0>) -> !he.ct<2xi3, frac = 0>
  func.return %0, %2 : !he.ct<2xi4, frac = 0>, !he.ct<2xi3, frac = 0>
}
