// RUN: veil-opt %s --he-lut-fuse=index-bits=3

// A difference whose proven range needs more than index-bits bits makes its maximum approximate: the table drops
// low bits like any other (with one index of headroom), each entry standing for floor(d / 2^s) * 2^s.

// CHECK: !ct2 = !he.ct<1x1x1x1xi3, frac = 0>

// x in [0, 7]: the difference t1 - t0 lies in [-7, 7], i4. Three index bits drop 1 bit, but -7 >> 1 = -4 would
// reach the table's end, so 2 bits are dropped: 4 entries relu(-8), relu(-4), relu(0), relu(4) = 0, 0, 0, 4. So
// max(a, b) = a + 4 when b - a is in [4, 7], a otherwise: max(0, 3) = 0, max(1, 6) = 5, off by less than 2^2, and
// never above the maximum or below a; the maxima still lie in [0, 7], i4.
// CHECK-LABEL: func.func @coarse
// CHECK-NEXT: %0 = "he.encode"() {value = dense<{{\[\[\[\[}}1], [0]]]]> : tensor<1x1x2x1xi2>} : () -> !pt0
// CHECK-NEXT: %1 = "he.conv2d_plain"(%arg0, %0) {strides = [2, 1]} : (!ct0, !pt0) -> !ct1
// CHECK-NEXT: %2 = "he.encode"() {value = dense<{{\[\[\[\[}}0], [1]]]]> : tensor<1x1x2x1xi2>} : () -> !pt0
// CHECK-NEXT: %3 = "he.conv2d_plain"(%arg0, %2) {strides = [2, 1]} : (!ct0, !pt0) -> !ct1
// CHECK-NEXT: %4 = "he.sub"(%3, %1) : (!ct1, !ct1) -> !ct1
// CHECK-NEXT: %5 = "he.lut"(%4) {shift = 2, table = dense<[0, 0, 0, 4]> : tensor<4xi4>, veil.real = "relu"} : (!ct1) -> !ct1
// CHECK-NEXT: %6 = "he.add"(%1, %5) : (!ct1, !ct1) -> !ct1
// CHECK-NEXT: func.return %6 : !ct1
func.func @coarse(%x: !he.ct<1x1x2x1xi4, frac = 0> {veil.range = [0.0, 7.0]}) -> !he.ct<1x1x1x1xi4, frac = 0> {
  %0 = "he.max_pool2d"(%x) {kernel = [2, 1], strides = [2, 1]} : (!he.ct<1x1x2x1xi4, frac = 0>) -> !he.ct<1x1x1x1xi4, frac = 0>
  func.return %0 : !he.ct<1x1x1x1xi4, frac = 0>
}

// x in [0, 3] of an i4 type: the taps, the difference ([-3, 3]) and the maximum all fit i3, so the table keeps
// every bit (8 entries, relu over -4..3) and the maximum is exact: widths come from the proven ranges, not the types.
// CHECK-LABEL: func.func @exact_by_range
// CHECK-SAME: -> !ct2
// CHECK: %4 = "he.sub"(%3, %1) : (!ct2, !ct2) -> !ct2
// CHECK-NEXT: %5 = "he.lut"(%4) {table = dense<[0, 0, 0, 0, 0, 1, 2, 3]> : tensor<8xi3>, veil.real = "relu"} : (!ct2) -> !ct2
// CHECK-NEXT: %6 = "he.add"(%1, %5) : (!ct2, !ct2) -> !ct2
func.func @exact_by_range(%x: !he.ct<1x1x2x1xi4, frac = 0> {veil.range = [0.0, 3.0]}) -> !he.ct<1x1x1x1xi4, frac = 0> {
  %0 = "he.max_pool2d"(%x) {kernel = [2, 1], strides = [2, 1]} : (!he.ct<1x1x2x1xi4, frac = 0>) -> !he.ct<1x1x1x1xi4, frac = 0>
  func.return %0 : !he.ct<1x1x1x1xi4, frac = 0>
}
