// RUN: veil-opt %s --he-cost-report

// The report on an rt program: one row per kernel call with its width, blocks, estimated PBS and time, then the
// total; the IR is printed unchanged after it. Counts that follow the backend's code have no '~':
// - relu on i8 (4 blocks): 4 + 1 PBS per element, 2 elements -> 10;
// - rescale by a whole block (2 bits): blocks dropped, no PBS; by 3 bits: one block dropped, then an arithmetic
//   shift by 1 over the 3 remaining blocks (3 PBS + 1 for the sign padding) -> 4 per element;
// - mul_plain by 1, 0, 4 and 16: one block-shifted term each, no PBS; the leveled add: no PBS;
// - add_plain of 5 propagates once: 2 PBS per block, 4 blocks, 2 elements -> 16.

// CHECK: // he-cost-report: estimates
// CHECK: func line kernel variant shape width blocks PBS time (s)
// CHECK-NEXT: main 23 relu - 2 i8 4 10 0.100
// CHECK-NEXT: main 24 rescale - 2 i6 3 0 0.000
// CHECK-NEXT: main 25 rescale - 2 i6 3 8 0.080
// CHECK-NEXT: main 27 mul_plain propagate 4 i8 4 0 0.000
// CHECK-NEXT: main 28 add leveled 2 i8 4 0 0.000
// CHECK-NEXT: main 30 add_plain propagate 2 i8 4 16 0.160
// CHECK-NEXT: total 6 calls 34 0.340
// CHECK: func.func @main
// CHECK-NEXT: %0 = "rt.call"(%arg0) {blocks = 4, callee = @relu, signed = true}
func.func @main(%x: !rt.ct<2xi8, frac = 2>, %y: !rt.ct<4xi8, frac = 2>) -> (!rt.ct<2xi6, frac = 0>, !rt.ct<2xi6, frac = -1>, !rt.ct<4xi8, frac = 2>, !rt.ct<2xi8, frac = 2>) {
  %0 = "rt.call"(%x) {callee = @relu, blocks = 4, signed = true} : (!rt.ct<2xi8, frac = 2>) -> !rt.ct<2xi8, frac = 2>
  %1 = "rt.call"(%0) {callee = @rescale, blocks = 3, signed = true, shift = 2} : (!rt.ct<2xi8, frac = 2>) -> !rt.ct<2xi6, frac = 0>
  %2 = "rt.call"(%0) {callee = @rescale, blocks = 3, signed = true, shift = 3} : (!rt.ct<2xi8, frac = 2>) -> !rt.ct<2xi6, frac = -1>
  %w = "rt.const"() {value = dense<[1, 0, 4, 16]> : tensor<4xi8>} : () -> !rt.pt<4xi6, frac = 0>
  %3 = "rt.call"(%y, %w) {callee = @mul_plain, blocks = 4, signed = true, variant = "propagate"} : (!rt.ct<4xi8, frac = 2>, !rt.pt<4xi6, frac = 0>) -> !rt.ct<4xi8, frac = 2>
  %4 = "rt.call"(%x, %x) {callee = @add, blocks = 4, signed = true, variant = "leveled"} : (!rt.ct<2xi8, frac = 2>, !rt.ct<2xi8, frac = 2>) -> !rt.ct<2xi8, frac = 2>
  %c = "rt.const"() {value = dense<5> : tensor<2xi8>} : () -> !rt.pt<2xi4, frac = 2>
  %5 = "rt.call"(%4, %c) {callee = @add_plain, blocks = 4, signed = true, variant = "propagate"} : (!rt.ct<2xi8, frac = 2>, !rt.pt<2xi4, frac = 2>) -> !rt.ct<2xi8, frac = 2>
  func.return %1, %2, %3, %5 : !rt.ct<2xi6, frac = 0>, !rt.ct<2xi6, frac = -1>, !rt.ct<4xi8, frac = 2>, !rt.ct<2xi8, frac = 2>
}
