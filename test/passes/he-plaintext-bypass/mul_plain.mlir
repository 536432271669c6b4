// RUN: veil-opt %s --he-plaintext-bypass

// Products by a plaintext that holds one value everywhere. At frac = 0 a product by 1, -1 or ±2^k is the operand,
// a negation or a shift (leveled, no multiplication); a product by 0 is a trivial encryption of zeros.

// CHECK-LABEL: func.func @by_one
// CHECK-NEXT: func.return %arg0
func.func @by_one(%x: !he.ct<4xi8, frac = 4>) -> !he.ct<4xi8, frac = 4> {
  %one = "he.encode"() {value = dense<1> : tensor<4xi8>} : () -> !he.pt<4xi8, frac = 0>
  %0 = "he.mul_plain"(%x, %one) : (!he.ct<4xi8, frac = 4>, !he.pt<4xi8, frac = 0>) -> !he.ct<4xi8, frac = 4>
  func.return %0 : !he.ct<4xi8, frac = 4>
}

// CHECK-LABEL: func.func @by_minus_one
// CHECK-NEXT: %0 = "he.neg"(%arg0) : (!ct0) -> !ct1
// CHECK-NEXT: func.return %0
func.func @by_minus_one(%x: !he.ct<4xi8, frac = 4>) -> !he.ct<4xi9, frac = 4> {
  %m = "he.encode"() {value = dense<-1> : tensor<i8>} : () -> !he.pt<i8, frac = 0>
  %0 = "he.mul_plain"(%x, %m) : (!he.ct<4xi8, frac = 4>, !he.pt<i8, frac = 0>) -> !he.ct<4xi9, frac = 4>
  func.return %0 : !he.ct<4xi9, frac = 4>
}

// CHECK-LABEL: func.func @by_powers_of_two
// CHECK-NEXT: %0 = "he.shl"(%arg0) {shift = 3} : (!ct0) -> !ct3
// CHECK-NEXT: %1 = "he.shl"(%arg0) {shift = 2} : (!ct0) -> !ct4
// CHECK-NEXT: %2 = "he.neg"(%1) : (!ct4) -> !ct4
// CHECK-NEXT: %3 = "he.add"(%0, %2)
func.func @by_powers_of_two(%x: !he.ct<4xi8, frac = 4>) -> !he.ct<4xi12, frac = 4> {
  %p8 = "he.encode"() {value = dense<8> : tensor<4xi8>} : () -> !he.pt<4xi8, frac = 0>
  %m4 = "he.encode"() {value = dense<-4> : tensor<4xi8>} : () -> !he.pt<4xi8, frac = 0>
  %0 = "he.mul_plain"(%x, %p8) : (!he.ct<4xi8, frac = 4>, !he.pt<4xi8, frac = 0>) -> !he.ct<4xi11, frac = 4>
  %1 = "he.mul_plain"(%x, %m4) : (!he.ct<4xi8, frac = 4>, !he.pt<4xi8, frac = 0>) -> !he.ct<4xi10, frac = 4>
  %2 = "he.add"(%0, %1) : (!he.ct<4xi11, frac = 4>, !he.ct<4xi10, frac = 4>) -> !he.ct<4xi12, frac = 4>
  func.return %2 : !he.ct<4xi12, frac = 4>
}

// A product by 0 is a constant; the sum with it then disappears too.
// CHECK-LABEL: func.func @by_zero
// CHECK-NEXT: func.return %arg1
func.func @by_zero(%x: !he.ct<4xi8, frac = 4>, %y: !he.ct<4xi8, frac = 4>) -> !he.ct<4xi9, frac = 4> {
  %z = "he.encode"() {value = dense<0> : tensor<4xi8>} : () -> !he.pt<4xi8, frac = 0>
  %0 = "he.mul_plain"(%x, %z) : (!he.ct<4xi8, frac = 4>, !he.pt<4xi8, frac = 0>) -> !he.ct<4xi8, frac = 4>
  %1 = "he.add"(%y, %0) : (!he.ct<4xi8, frac = 4>, !he.ct<4xi8, frac = 4>) -> !he.ct<4xi9, frac = 4>
  func.return %1 : !he.ct<4xi9, frac = 4>
}

// A product by 0 that is returned becomes a trivial encryption of zeros of the result's type.
// CHECK-LABEL: func.func @zero_result
// CHECK-NEXT: %0 = "he.encode"() {value = dense<0> : tensor<2x3xi8>} : () -> !pt0
// CHECK-NEXT: %1 = "he.trivial"(%0) : (!pt0) -> !ct5
// CHECK-NEXT: func.return %1
func.func @zero_result(%x: !he.ct<3xi8, frac = 4>) -> !he.ct<2x3xi8, frac = 6> {
  %z = "he.encode"() {value = dense<0> : tensor<2x3xi8>} : () -> !he.pt<2x3xi8, frac = 2>
  %0 = "he.mul_plain"(%x, %z) : (!he.ct<3xi8, frac = 4>, !he.pt<2x3xi8, frac = 2>) -> !he.ct<2x3xi8, frac = 6>
  func.return %0 : !he.ct<2x3xi8, frac = 6>
}

// Plaintexts that are not one value, or not a power of two, stay products.
// CHECK-LABEL: func.func @kept
// CHECK-NEXT: "he.encode"
// CHECK-NEXT: "he.encode"
// CHECK-NEXT: "he.mul_plain"
// CHECK-NEXT: "he.mul_plain"
func.func @kept(%x: !he.ct<4xi8, frac = 4>) -> !he.ct<4xi12, frac = 4> {
  %a = "he.encode"() {value = dense<[1, 2, 4, 8]> : tensor<4xi8>} : () -> !he.pt<4xi8, frac = 0>
  %b = "he.encode"() {value = dense<3> : tensor<4xi8>} : () -> !he.pt<4xi8, frac = 0>
  %0 = "he.mul_plain"(%x, %a) : (!he.ct<4xi8, frac = 4>, !he.pt<4xi8, frac = 0>) -> !he.ct<4xi12, frac = 4>
  %1 = "he.mul_plain"(%0, %b) : (!he.ct<4xi12, frac = 4>, !he.pt<4xi8, frac = 0>) -> !he.ct<4xi12, frac = 4>
  func.return %1 : !he.ct<4xi12, frac = 4>
}
