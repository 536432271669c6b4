// RUN: veil-opt %s --he-table-grid

// Where the pass finds no factor to carry, or nothing to carry it to, the program stays as it is.

// An odd entry that the input's range reads: no common factor.
// CHECK-LABEL: func.func @odd_entry
// CHECK-NEXT: "he.lut"(%arg0) {shift = 3, table = dense<[0, 0, 0, 0, 4, 12, 21, 28]>
func.func @odd_entry(%x: !he.ct<4xi6, frac = 4>) -> !he.ct<4xi6, frac = 4> {
  %h = "he.lut"(%x) {shift = 3, table = dense<[0, 0, 0, 0, 4, 12, 21, 28]> : tensor<8xi6>} : (!he.ct<4xi6, frac = 4>) -> !he.ct<4xi6, frac = 4>
  func.return %h : !he.ct<4xi6, frac = 4>
}

// A table negacyclic up to a constant (he-abs-relu's |x|) is read over the whole torus: its entries stay.
// CHECK-LABEL: func.func @full_domain
// CHECK-NEXT: "he.lut"(%arg0) {shift = 2, table = dense<[14, 10, 6, 2, 2, 6, 10, 14]>
func.func @full_domain(%x: !he.ct<4xi5, frac = 2>) -> !he.ct<4xi6, frac = 3> {
  %h = "he.lut"(%x) {shift = 2, table = dense<[14, 10, 6, 2, 2, 6, 10, 14]> : tensor<8xi6>} : (!he.ct<4xi5, frac = 2>) -> !he.ct<4xi6, frac = 3>
  func.return %h : !he.ct<4xi6, frac = 3>
}

// A sum with a value that has no factor keeps the table whole: the up-scale is folded back.
// CHECK-LABEL: func.func @no_partner
// CHECK-NEXT: "he.lut"(%arg0) {shift = 3, table = dense<[0, 0, 0, 0, 4, 12, 20, 28]>
// CHECK-NEXT: "he.add"
func.func @no_partner(%x: !he.ct<4xi6, frac = 4>) -> !he.ct<4xi7, frac = 4> {
  %h = "he.lut"(%x) {shift = 3, table = dense<[0, 0, 0, 0, 4, 12, 20, 28]> : tensor<8xi6>} : (!he.ct<4xi6, frac = 4>) -> !he.ct<4xi6, frac = 4>
  %y = "he.add"(%h, %x) : (!he.ct<4xi6, frac = 4>, !he.ct<4xi6, frac = 4>) -> !he.ct<4xi7, frac = 4>
  func.return %y : !he.ct<4xi7, frac = 4>
}
