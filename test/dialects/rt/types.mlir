// RUN: veil-opt %s

// The rt types: he's parameters (static shape, signless iN, frac in -62..=62) with widths that are whole radix
// blocks (multiples of 2). rt.const materializes a plaintext buffer.

// CHECK: !ct0 = !rt.ct<1x32xi16, frac = 6>
// CHECK-NEXT: !pt0 = !rt.pt<2x2xi4, frac = 2>
// CHECK-LABEL: func.func @types(%arg0: !ct0, %arg1: !rt.ct<i2, frac = -2>, %arg2: !rt.pt<4xi64, frac = 62>) -> !ct0
func.func @types(%a: !rt.ct<1x32xi16, frac = 6>, %b: !rt.ct<i2, frac = -2>, %c: !rt.pt<4xi64, frac = 62>) -> !rt.ct<1x32xi16, frac = 6> {
  func.return %a : !rt.ct<1x32xi16, frac = 6>
}

// CHECK-LABEL: func.func @constants() -> !pt0
// CHECK-NEXT: %0 = "rt.const"() {value = dense<[
// CHECK-SAME: [7, -8], [0, 1]]> : tensor<2x2xi8>} : () -> !pt0
// CHECK-NEXT: %1 = "rt.const"() {value = dense<5> : tensor<i64>} : () -> !rt.pt<i8, frac = 0>
func.func @constants() -> !rt.pt<2x2xi4, frac = 2> {
  %0 = "rt.const"() {value = dense<[[7, -8], [0, 1]]> : tensor<2x2xi8>} : () -> !rt.pt<2x2xi4, frac = 2>
  %1 = "rt.const"() {value = dense<5> : tensor<i64>} : () -> !rt.pt<i8, frac = 0>
  func.return %0 : !rt.pt<2x2xi4, frac = 2>
}
