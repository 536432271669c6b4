// RUN: veil-opt %s --he-table-grid

// A ReLU table whose entries are multiples of 4 (the middle of each box of 8 values, re-quantized) returns the
// quotients at 2 fewer fraction bits. The next layer computes on them: its result has 2 fewer fraction bits too,
// its bias is rounded to the nearest multiple of 4 (5, -3, 8 at frac 6 -> 1, -1, 2 at frac 4), and the returned
// value is the quotient, which the client decodes to the same real numbers. The layer records what the rounding
// moved a result by at most (veil.rounded: one unit of frac 6), for the error bound.
// CHECK-LABEL: func.func @layer
// CHECK-NEXT: "he.lut"(%arg0) {shift = 3, table = dense<[0, 0, 0, 0, 1, 3, 5, 7]> : tensor<8xi4>}
// CHECK-NEXT: "he.encode"() {value = dense<{{\[\[}}1, -2, 3], [2, 1, -1]]>
// CHECK-NEXT: "he.encode"() {value = dense<[1, -1, 2]>
// CHECK-NEXT: "he.matmul_plain"(%0, %1, %2) {veil.rounded = 0.015625}
// CHECK-NEXT: func.return
func.func @layer(%x: !he.ct<1x2xi6, frac = 4>) -> !he.ct<1x3xi12, frac = 6> {
  %h = "he.lut"(%x) {shift = 3, table = dense<[0, 0, 0, 0, 4, 12, 20, 28]> : tensor<8xi6>} : (!he.ct<1x2xi6, frac = 4>) -> !he.ct<1x2xi6, frac = 4>
  %w = "he.encode"() {value = dense<[[1, -2, 3], [2, 1, -1]]> : tensor<2x3xi3>} : () -> !he.pt<2x3xi3, frac = 2>
  %b = "he.encode"() {value = dense<[5, -3, 8]> : tensor<3xi5>} : () -> !he.pt<3xi5, frac = 6>
  %y = "he.matmul_plain"(%h, %w, %b) : (!he.ct<1x2xi6, frac = 4>, !he.pt<2x3xi3, frac = 2>, !he.pt<3xi5, frac = 6>) -> !he.ct<1x3xi12, frac = 6>
  func.return %y : !he.ct<1x3xi12, frac = 6>
}

// A table that drops s = 3 bits of the value drops s - 2 = 1 bit of the quotient: the same entries.
// CHECK-LABEL: func.func @next_table
// CHECK-NEXT: "he.lut"(%arg0) {shift = 3, table = dense<[0, 0, 0, 0, 1, 3, 5, 7]>
// CHECK-NEXT: "he.lut"(%0) {shift = 1, table = dense<[0, 0, 0, 0, 1, 2, 3, 4]>
func.func @next_table(%x: !he.ct<4xi6, frac = 4>) -> !he.ct<4xi4, frac = 0> {
  %h = "he.lut"(%x) {shift = 3, table = dense<[0, 0, 0, 0, 4, 12, 20, 28]> : tensor<8xi6>} : (!he.ct<4xi6, frac = 4>) -> !he.ct<4xi6, frac = 4>
  %y = "he.lut"(%h) {shift = 3, table = dense<[0, 0, 0, 0, 1, 2, 3, 4]> : tensor<8xi4>} : (!he.ct<4xi6, frac = 4>) -> !he.ct<4xi4, frac = 0>
  func.return %y : !he.ct<4xi4, frac = 0>
}

// A table that drops fewer bits than the factor is re-indexed: the quotient u reads the entry 2u read.
// CHECK-LABEL: func.func @finer_table
// CHECK-NEXT: "he.lut"(%arg0) {shift = 2, table = dense<[0, 0, 0, 0, 1, 1, 2, 3]>
// CHECK-NEXT: "he.lut"(%0) {table = dense<[-23, -17, -11, -5, 1, 7, 13, 19]>
func.func @finer_table(%x: !he.ct<4xi5, frac = 2>) -> !he.ct<4xi6, frac = 2> {
  %h = "he.lut"(%x) {shift = 2, table = dense<[0, 0, 0, 0, 2, 2, 4, 6]> : tensor<8xi4>} : (!he.ct<4xi5, frac = 2>) -> !he.ct<4xi4, frac = 2>
  %y = "he.lut"(%h) {table = dense<[-23, -20, -17, -14, -11, -8, -5, -2, 1, 4, 7, 10, 13, 16, 19, 22]> : tensor<16xi6>} : (!he.ct<4xi4, frac = 2>) -> !he.ct<4xi6, frac = 2>
  func.return %y : !he.ct<4xi6, frac = 2>
}

// A sum sinks the smaller factor (2 of 4 and 8); the other operand keeps the rest as an up-scale, which its table
// takes back (entries 8, 8, 16, 24 -> 2, 2, 4, 6).
// CHECK-LABEL: func.func @sum
// CHECK-NEXT: "he.lut"(%arg0) {shift = 3, table = dense<[0, 0, 0, 0, 1, 3, 5, 7]>
// CHECK-NEXT: "he.lut"(%arg0) {shift = 3, table = dense<[0, 0, 0, 0, 2, 2, 4, 6]>
// CHECK-NEXT: "he.add"
// CHECK-NEXT: func.return
func.func @sum(%x: !he.ct<4xi6, frac = 4>) -> !he.ct<4xi7, frac = 4> {
  %a = "he.lut"(%x) {shift = 3, table = dense<[0, 0, 0, 0, 4, 12, 20, 28]> : tensor<8xi6>} : (!he.ct<4xi6, frac = 4>) -> !he.ct<4xi6, frac = 4>
  %b = "he.lut"(%x) {shift = 3, table = dense<[0, 0, 0, 0, 8, 8, 16, 24]> : tensor<8xi6>} : (!he.ct<4xi6, frac = 4>) -> !he.ct<4xi6, frac = 4>
  %y = "he.add"(%a, %b) : (!he.ct<4xi6, frac = 4>, !he.ct<4xi6, frac = 4>) -> !he.ct<4xi7, frac = 4>
  func.return %y : !he.ct<4xi7, frac = 4>
}

// A rescale by 1 of a value with a factor 8 is the quotient with a factor 4, returned as the quotient.
// CHECK-LABEL: func.func @rescale
// CHECK-NEXT: "he.lut"(%arg0) {shift = 3, table = dense<[0, 0, 0, 0, 1, 1, 2, 3]>
// CHECK-NEXT: func.return
func.func @rescale(%x: !he.ct<4xi6, frac = 4>) -> !he.ct<4xi5, frac = 3> {
  %a = "he.lut"(%x) {shift = 3, table = dense<[0, 0, 0, 0, 8, 8, 16, 24]> : tensor<8xi6>} : (!he.ct<4xi6, frac = 4>) -> !he.ct<4xi6, frac = 4>
  %y = "he.rescale"(%a) {shift = 1} : (!he.ct<4xi6, frac = 4>) -> !he.ct<4xi5, frac = 3>
  func.return %y : !he.ct<4xi5, frac = 3>
}

// Entries no input in the proven range reads (here the first four: x >= 0) need not be multiples: they are
// floored to the grid (3 -> 0).
// CHECK-LABEL: func.func @unread_entries
// CHECK-NEXT: "he.lut"(%arg0) {shift = 3, table = dense<[0, 0, 0, 0, 1, 3, 5, 7]>
func.func @unread_entries(%x: !he.ct<4xi6, frac = 4> {veil.range = [0.0, 1.75]}) -> !he.ct<4xi6, frac = 4> {
  %h = "he.lut"(%x) {shift = 3, table = dense<[3, 3, 3, 3, 4, 12, 20, 28]> : tensor<8xi6>} : (!he.ct<4xi6, frac = 4>) -> !he.ct<4xi6, frac = 4>
  func.return %h : !he.ct<4xi6, frac = 4>
}
