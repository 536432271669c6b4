// RUN: veil-opt %s --he-abs-relu=rounding=exact,index-bits=4

// With exact rounding, relu(rescale(x, s)) of an x computed by leveled ops from the arguments becomes an exact floor
// k = rescale(x, s') (he.rescale with a chunk: he-lut-fuse leaves it alone, the lut model clears its low bits in
// chunks of at most index-bits = 4 bits, two bootstraps each, and reads no table), then relu(v) = (v + |v|) / 2
// with v leveled and |v| a table of k that a bootstrap reads over the whole torus (one index bit for free).

// The relu's input fits the 4 index bits (d = 0): s' = s = 1, v = k, the sum k + |k| at one more fraction bit (2)
// than the relu's result (1), which the next matmul carries: its bias 1 at frac 2 becomes 2 at frac 3.
// k = floor(y / 2) is an i4 at frac 1; |k| for k = -8..7: 8, 7, ..., 1, 0, 1, ..., 7.
// CHECK-LABEL: func.func @fits
// CHECK: %1 = "he.matmul_plain"(%arg0, %0)
// CHECK-NEXT: %2 = "he.rescale"(%1) {chunk = 4, shift = 1}
// CHECK-NEXT: %3 = "he.encode"() {value = dense<1> : tensor<i3>}
// CHECK-NEXT: %4 = "he.mul_plain"(%2, %3)
// CHECK-NEXT: %5 = "he.lut"(%2) {table = dense<[8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6, 7]> : tensor<16xi6>, veil.real = "abs,half"}
// CHECK-NEXT: %6 = "he.add"(%4, %5)
// CHECK: "he.encode"() {value = dense<2> : tensor<1xi3>}
// CHECK: func.return
func.func @fits(%x: !he.ct<1x2xi3, frac = 1> {veil.range = [0.0, 1.0]}) -> !he.ct<1x1xi5, frac = 2> {
  %w = "he.encode"() {value = dense<[[1, -2], [3, 1]]> : tensor<2x2xi3>} : () -> !he.pt<2x2xi3, frac = 1>
  %y = "he.matmul_plain"(%x, %w) : (!he.ct<1x2xi3, frac = 1>, !he.pt<2x2xi3, frac = 1>) -> !he.ct<1x2xi5, frac = 2>
  %r = "he.rescale"(%y) {shift = 1} : (!he.ct<1x2xi5, frac = 2>) -> !he.ct<1x2xi4, frac = 1>
  %a = "he.relu"(%r) : (!he.ct<1x2xi4, frac = 1>) -> !he.ct<1x2xi4, frac = 1>
  %w2 = "he.encode"() {value = dense<[[1], [1]]> : tensor<2x1xi3>} : () -> !he.pt<2x1xi3, frac = 1>
  %b2 = "he.encode"() {value = dense<1> : tensor<1xi3>} : () -> !he.pt<1xi3, frac = 2>
  %z = "he.matmul_plain"(%a, %w2, %b2) : (!he.ct<1x2xi4, frac = 1>, !he.pt<2x1xi3, frac = 1>, !he.pt<1xi3, frac = 2>) -> !he.ct<1x1xi5, frac = 2>
  func.return %z : !he.ct<1x1xi5, frac = 2>
}

// The relu's input (i6) is 2 bits wider than the index (d = 2): he-lut-fuse's table would read floor(x / 2^4) and
// return the middle of each box, relu(4k + 2). Here v = 2k + 1 at frac -3 (the same real number) and the sum
// 2k + (|2k + 1| + 1) = 2 relu(2k + 1) lands at frac -2, the relu's own: nothing is deferred. The table for
// k = -8..7: |2k + 1| + 1 = 16, 14, ..., 2, 2, 4, ..., 16 (i and i + 8 sum to 18: negacyclic up to 9).
// CHECK-LABEL: func.func @middle
// CHECK-NEXT: %0 = "he.rescale"(%arg0) {chunk = 4, shift = 4}
// CHECK-NEXT: %1 = "he.encode"() {value = dense<2> : tensor<i3>}
// CHECK-NEXT: %2 = "he.mul_plain"(%0, %1)
// CHECK-NEXT: %3 = "he.lut"(%0) {table = dense<[16, 14, 12, 10, 8, 6, 4, 2, 2, 4, 6, 8, 10, 12, 14, 16]> : tensor<16xi7>, veil.real = "abs,half"}
// CHECK-NEXT: %4 = "he.add"(%2, %3)
// CHECK-NEXT: func.return %4
func.func @middle(%x: !he.ct<4xi8, frac = 0>) -> !he.ct<4xi6, frac = -2> {
  %r = "he.rescale"(%x) {shift = 2} : (!he.ct<4xi8, frac = 0>) -> !he.ct<4xi6, frac = -2>
  %a = "he.relu"(%r) : (!he.ct<4xi6, frac = -2>) -> !he.ct<4xi6, frac = -2>
  func.return %a : !he.ct<4xi6, frac = -2>
}

// Three bits wider (d = 3): the sum comes at frac -3, one bit coarser than the relu's -2; an exact up-scale
// mul_plain(sum, 2 at frac 1) gives the relu's type (he-table-grid sinks it into what follows).
// CHECK-LABEL: func.func @coarser
// CHECK: %0 = "he.rescale"(%arg0) {chunk = 4, shift = 5}
// CHECK: %4 = "he.add"(%2, %3)
// CHECK-NEXT: %5 = "he.encode"() {value = dense<2> : tensor<i3>}
// CHECK-NEXT: %6 = "he.mul_plain"(%4, %5)
// CHECK-NEXT: func.return %6
func.func @coarser(%x: !he.ct<4xi9, frac = 0>) -> !he.ct<4xi7, frac = -2> {
  %r = "he.rescale"(%x) {shift = 2} : (!he.ct<4xi9, frac = 0>) -> !he.ct<4xi7, frac = -2>
  %a = "he.relu"(%r) : (!he.ct<4xi7, frac = -2>) -> !he.ct<4xi7, frac = -2>
  func.return %a : !he.ct<4xi7, frac = -2>
}

// Left alone: no rescale before the relu (nothing to floor: the table would read x itself).
// CHECK-LABEL: func.func @no_rescale
// CHECK-NEXT: %0 = "he.relu"(%arg0)
// CHECK-NEXT: func.return %0
func.func @no_rescale(%x: !he.ct<4xi4, frac = 0>) -> !he.ct<4xi4, frac = 0> {
  %a = "he.relu"(%x) : (!he.ct<4xi4, frac = 0>) -> !he.ct<4xi4, frac = 0>
  func.return %a : !he.ct<4xi4, frac = 0>
}

// Left alone: x depends on a bootstrap (a table's output), whose noise k would carry into the next layer.
// CHECK-LABEL: func.func @after_a_bootstrap
// CHECK-NOT: chunk
// CHECK: "he.relu"
func.func @after_a_bootstrap(%x: !he.ct<4xi8, frac = 0>) -> !he.ct<4xi6, frac = -2> {
  %t = "he.lut"(%x) {shift = 4, table = dense<[0, 1, 2, 3, 4, 5, 6, 7, -8, -7, -6, -5, -4, -3, -2, -1]> : tensor<16xi8>} : (!he.ct<4xi8, frac = 0>) -> !he.ct<4xi8, frac = 0>
  %r = "he.rescale"(%t) {shift = 2} : (!he.ct<4xi8, frac = 0>) -> !he.ct<4xi6, frac = -2>
  %a = "he.relu"(%r) : (!he.ct<4xi6, frac = -2>) -> !he.ct<4xi6, frac = -2>
  func.return %a : !he.ct<4xi6, frac = -2>
}
