// RUN: veil-opt %s --he-cost-report

// An he program is costed as he-to-rt lowers it (widths rounded up to whole blocks, variants chosen), and is
// printed unchanged: the report is an analysis.
// - matmul_plain: each of the 3 inputs enters as its unsigned form (1 PBS each); weights 1 (a free term),
//   2 (the input's 2u: one shift of 4 + 1 blocks, 5 PBS, for each of the two inputs that need it) and -1 (a
//   complement, constants into the row's constant); each row's 4 terms are summed leveled and propagated once
//   (2 PBS per block): 3 + 2 * 5 + 2 * 8 = 29.
// - add + sub: the add is leveled (absorbed by the sub), the sub propagates: 2 PBS per block.

// CHECK: func line kernel variant shape width blocks PBS time (s)
// CHECK-NEXT: layer 21 matmul_plain - 1x2 i8 4 29 0.290
// CHECK-NEXT: layer 22 relu - 1x2 i8 4 10 0.100
// CHECK-NEXT: chain 27 add leveled 3 i8 4 0 0.000
// CHECK-NEXT: chain 28 sub propagate 3 i8 4 24 0.240
// CHECK-NEXT: total 4 calls 63 0.630
// CHECK: func.func @layer
// CHECK-NEXT: "he.encode"
func.func @layer(%x: !he.ct<1x3xi8, frac = 2>) -> !he.ct<1x2xi7, frac = 2> {
  %w = "he.encode"() {value = dense<[[1, 2], [2, -1], [-1, 1]]> : tensor<3x2xi8>} : () -> !he.pt<3x2xi3, frac = 0>
  %0 = "he.matmul_plain"(%x, %w) : (!he.ct<1x3xi8, frac = 2>, !he.pt<3x2xi3, frac = 0>) -> !he.ct<1x2xi7, frac = 2>
  %1 = "he.relu"(%0) : (!he.ct<1x2xi7, frac = 2>) -> !he.ct<1x2xi7, frac = 2>
  func.return %1 : !he.ct<1x2xi7, frac = 2>
}

func.func @chain(%a: !he.ct<3xi8, frac = 2>, %b: !he.ct<3xi8, frac = 2>) -> !he.ct<3xi8, frac = 2> {
  %0 = "he.add"(%a, %b) : (!he.ct<3xi8, frac = 2>, !he.ct<3xi8, frac = 2>) -> !he.ct<3xi8, frac = 2>
  %1 = "he.sub"(%0, %a) : (!he.ct<3xi8, frac = 2>, !he.ct<3xi8, frac = 2>) -> !he.ct<3xi8, frac = 2>
  func.return %1 : !he.ct<3xi8, frac = 2>
}
