// RUN: veil-opt %s

// Constants and the client-side ops: he.encode, he.encrypt, he.decrypt, and he.trivial (a public encryption).

// CHECK: !pt0 = !he.pt<2x2xi8, frac = 4>
// CHECK-NEXT: !ct0 = !he.ct<2x2xi8, frac = 4>
// CHECK-LABEL: func.func @roundtrip(%arg0: !pt0) -> !pt0
// CHECK-NEXT: %0 = "he.encrypt"(%arg0) : (!pt0) -> !ct0
// CHECK-NEXT: %1 = "he.decrypt"(%0) : (!ct0) -> !pt0
// CHECK-NEXT: func.return %1 : !pt0
func.func @roundtrip(%x: !he.pt<2x2xi8, frac = 4>) -> !he.pt<2x2xi8, frac = 4> {
  %c = "he.encrypt"(%x) : (!he.pt<2x2xi8, frac = 4>) -> !he.ct<2x2xi8, frac = 4>
  %d = "he.decrypt"(%c) : (!he.ct<2x2xi8, frac = 4>) -> !he.pt<2x2xi8, frac = 4>
  func.return %d : !he.pt<2x2xi8, frac = 4>
}

// CHECK-LABEL: func.func @constants() -> !ct1
// CHECK-NEXT: %0 = "he.encode"() {value = dense<[
// CHECK-SAME: [1, -2], [127, -128]]> : tensor<2x2xi8>} : () -> !pt0
// CHECK-NEXT: %1 = "he.encode"() {value = dense<-8> : tensor<4xi8>} : () -> !pt1
// CHECK-NEXT: %2 = "he.encode"() {value = dense<3> : tensor<i64>} : () -> !he.pt<i3, frac = 1>
// CHECK-NEXT: %3 = "he.trivial"(%1) : (!pt1) -> !ct1
func.func @constants() -> !he.ct<4xi4, frac = 0> {
  %w = "he.encode"() {value = dense<[[1, -2], [127, -128]]> : tensor<2x2xi8>} : () -> !he.pt<2x2xi8, frac = 4>
  %z = "he.encode"() {value = dense<-8> : tensor<4xi8>} : () -> !he.pt<4xi4, frac = 0>
  %s = "he.encode"() {value = dense<3> : tensor<i64>} : () -> !he.pt<i3, frac = 1>
  %t = "he.trivial"(%z) : (!he.pt<4xi4, frac = 0>) -> !he.ct<4xi4, frac = 0>
  func.return %t : !he.ct<4xi4, frac = 0>
}
