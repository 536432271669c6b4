// RUN: veil-opt %s --he-lut-fuse

// max_pool2d: each window's taps are gathered by leveled depthwise convolutions whose kernel is 1 at the tap and 0
// elsewhere (tap (i, j) in row-major order), then reduced by a balanced tree of maxima a + relu(b - a), one table
// each: kh*kw - 1 tables per output, ceil(log2(kh*kw)) of them in sequence.

// The types, in order of appearance below.
// CHECK: !ct0 = !he.ct<1x1x2x4xi4, frac = 0>
// CHECK-NEXT: !ct1 = !he.ct<1x1x1x2xi4, frac = 0>
// CHECK-NEXT: !pt0 = !he.pt<1x1x2x2xi2, frac = 0>
// CHECK-NEXT: !ct2 = !he.ct<1x1x3x3xi4, frac = 0>
// CHECK-NEXT: !ct3 = !he.ct<1x1x2x2xi4, frac = 0>
// CHECK-NEXT: !pt1 = !he.pt<1xi3, frac = 0>
// CHECK-NEXT: !pt2 = !he.pt<1x1x3x3xi2, frac = 0>
// CHECK-NEXT: !ct4 = !he.ct<1x2x3x3xi4, frac = 0>
// CHECK-NEXT: !ct5 = !he.ct<1x2x2x2xi4, frac = 0>
// CHECK-NEXT: !pt3 = !he.pt<2x1x1x1xi2, frac = 0>
// CHECK-NEXT: !ct6 = !he.ct<2x2x1x6xi4, frac = 2>
// CHECK-NEXT: !ct7 = !he.ct<2x2x1x2xi4, frac = 2>
// CHECK-NEXT: !pt4 = !he.pt<2x1x1x3xi2, frac = 0>
// CHECK-NEXT: !ct8 = !he.ct<2x2x1x2xi5, frac = 2>

// 2x2, stride 2, x in [0, 7]: four taps, three maxima in two levels: max(max(t00, t01), max(t10, t11)). Every
// difference lies in [-7, 7], i4: a relu table of 16 entries over -8..7, nothing dropped (the maxima are exact),
// and every maximum lies in [0, 7], i4 (he-ranges bounds a + relu(b - a) by max(a, b)).
// CHECK-LABEL: func.func @pool_2x2
// CHECK-NEXT: %0 = "he.encode"() {value = dense<{{\[\[\[\[}}1, 0], [0, 0]]]]> : tensor<1x1x2x2xi2>} : () -> !pt0
// CHECK-NEXT: %1 = "he.conv2d_plain"(%arg0, %0) {strides = [2, 2]} : (!ct0, !pt0) -> !ct1
// CHECK-NEXT: %2 = "he.encode"() {value = dense<{{\[\[\[\[}}0, 1], [0, 0]]]]> : tensor<1x1x2x2xi2>} : () -> !pt0
// CHECK-NEXT: %3 = "he.conv2d_plain"(%arg0, %2) {strides = [2, 2]} : (!ct0, !pt0) -> !ct1
// CHECK-NEXT: %4 = "he.encode"() {value = dense<{{\[\[\[\[}}0, 0], [1, 0]]]]> : tensor<1x1x2x2xi2>} : () -> !pt0
// CHECK-NEXT: %5 = "he.conv2d_plain"(%arg0, %4) {strides = [2, 2]} : (!ct0, !pt0) -> !ct1
// CHECK-NEXT: %6 = "he.encode"() {value = dense<{{\[\[\[\[}}0, 0], [0, 1]]]]> : tensor<1x1x2x2xi2>} : () -> !pt0
// CHECK-NEXT: %7 = "he.conv2d_plain"(%arg0, %6) {strides = [2, 2]} : (!ct0, !pt0) -> !ct1
// CHECK-NEXT: %8 = "he.sub"(%3, %1) : (!ct1, !ct1) -> !ct1
// CHECK-NEXT: %9 = "he.lut"(%8) {table = dense<[0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]> : tensor<16xi4>, veil.real = "relu"} : (!ct1) -> !ct1
// CHECK-NEXT: %10 = "he.add"(%1, %9) : (!ct1, !ct1) -> !ct1
// CHECK-NEXT: %11 = "he.sub"(%7, %5) : (!ct1, !ct1) -> !ct1
// CHECK-NEXT: %12 = "he.lut"(%11) {table = dense<[0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]> : tensor<16xi4>, veil.real = "relu"} : (!ct1) -> !ct1
// CHECK-NEXT: %13 = "he.add"(%5, %12) : (!ct1, !ct1) -> !ct1
// CHECK-NEXT: %14 = "he.sub"(%13, %10) : (!ct1, !ct1) -> !ct1
// CHECK-NEXT: %15 = "he.lut"(%14) {table = dense<[0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]> : tensor<16xi4>, veil.real = "relu"} : (!ct1) -> !ct1
// CHECK-NEXT: %16 = "he.add"(%10, %15) : (!ct1, !ct1) -> !ct1
// CHECK-NEXT: func.return %16 : !ct1
func.func @pool_2x2(%x: !he.ct<1x1x2x4xi4, frac = 0> {veil.range = [0.0, 7.0]}) -> !he.ct<1x1x1x2xi4, frac = 0> {
  %0 = "he.max_pool2d"(%x) {kernel = [2, 2], strides = [2, 2]} : (!he.ct<1x1x2x4xi4, frac = 0>) -> !he.ct<1x1x1x2xi4, frac = 0>
  func.return %0 : !he.ct<1x1x1x2xi4, frac = 0>
}

// 3x3, stride 2, padding 1, x in [-3, 4]: a padded tap reads 0, which would beat an all-negative window, so x is
// first moved to x + 3 in [0, 7] (i4) and the maximum moved back by -3 (constants of shape [1], broadcast). Nine taps, each convolution with the
// pool's strides and pads; eight maxima in four levels: the taps split 4 | 5, the five 2 | 3, the three 1 | 2.
// CHECK-LABEL: func.func @pool_3x3_padded
// CHECK-NEXT: %0 = "he.encode"() {value = dense<3> : tensor<1xi3>} : () -> !pt1
// CHECK-NEXT: %1 = "he.add_plain"(%arg0, %0) : (!ct2, !pt1) -> !ct2
// CHECK-NEXT: %2 = "he.encode"() {value = dense<{{\[\[\[\[}}1, 0, 0], [0, 0, 0], [0, 0, 0]]]]> : tensor<1x1x3x3xi2>} : () -> !pt2
// CHECK-NEXT: %[[T0:[0-9]+]] = "he.conv2d_plain"(%1, %2) {pads = [1, 1, 1, 1], strides = [2, 2]} : (!ct2, !pt2) -> !ct3
// CHECK: %[[T1:[0-9]+]] = "he.conv2d_plain"(%1, %{{[0-9]+}}) {pads = [1, 1, 1, 1], strides = [2, 2]}
// CHECK: %[[T2:[0-9]+]] = "he.conv2d_plain"
// CHECK: %[[T3:[0-9]+]] = "he.conv2d_plain"
// CHECK: %[[T4:[0-9]+]] = "he.conv2d_plain"
// CHECK: %[[T5:[0-9]+]] = "he.conv2d_plain"
// CHECK: %[[T6:[0-9]+]] = "he.conv2d_plain"
// CHECK: %{{[0-9]+}} = "he.encode"() {value = dense<{{\[\[\[\[}}0, 0, 0], [0, 0, 0], [0, 1, 0]]]]>
// CHECK-NEXT: %[[T7:[0-9]+]] = "he.conv2d_plain"
// CHECK-NEXT: %{{[0-9]+}} = "he.encode"() {value = dense<{{\[\[\[\[}}0, 0, 0], [0, 0, 0], [0, 0, 1]]]]>
// CHECK-NEXT: %[[T8:[0-9]+]] = "he.conv2d_plain"
// CHECK-NEXT: "he.sub"(%[[T1]], %[[T0]])
// CHECK-NEXT: %[[R01:[0-9]+]] = "he.lut"
// CHECK-NEXT: %[[M01:[0-9]+]] = "he.add"(%[[T0]], %[[R01]])
// CHECK-NEXT: "he.sub"(%[[T3]], %[[T2]])
// CHECK-NEXT: %[[R23:[0-9]+]] = "he.lut"
// CHECK-NEXT: %[[M23:[0-9]+]] = "he.add"(%[[T2]], %[[R23]])
// CHECK-NEXT: "he.sub"(%[[M23]], %[[M01]])
// CHECK-NEXT: %[[RL:[0-9]+]] = "he.lut"
// CHECK-NEXT: %[[LEFT:[0-9]+]] = "he.add"(%[[M01]], %[[RL]])
// CHECK-NEXT: "he.sub"(%[[T5]], %[[T4]])
// CHECK-NEXT: %[[R45:[0-9]+]] = "he.lut"
// CHECK-NEXT: %[[M45:[0-9]+]] = "he.add"(%[[T4]], %[[R45]])
// CHECK-NEXT: "he.sub"(%[[T8]], %[[T7]])
// CHECK-NEXT: %[[R78:[0-9]+]] = "he.lut"
// CHECK-NEXT: %[[M78:[0-9]+]] = "he.add"(%[[T7]], %[[R78]])
// CHECK-NEXT: "he.sub"(%[[M78]], %[[T6]])
// CHECK-NEXT: %[[R678:[0-9]+]] = "he.lut"
// CHECK-NEXT: %[[M678:[0-9]+]] = "he.add"(%[[T6]], %[[R678]])
// CHECK-NEXT: "he.sub"(%[[M678]], %[[M45]])
// CHECK-NEXT: %[[RR:[0-9]+]] = "he.lut"
// CHECK-NEXT: %[[RIGHT:[0-9]+]] = "he.add"(%[[M45]], %[[RR]])
// CHECK-NEXT: "he.sub"(%[[RIGHT]], %[[LEFT]])
// CHECK-NEXT: %[[R:[0-9]+]] = "he.lut"(%{{[0-9]+}}) {table = dense<[0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]> : tensor<16xi4>, veil.real = "relu"} : (!ct3) -> !ct3
// CHECK-NEXT: %[[MAX:[0-9]+]] = "he.add"(%[[LEFT]], %[[R]]) : (!ct3, !ct3) -> !ct3
// CHECK-NEXT: %[[BACK:[0-9]+]] = "he.encode"() {value = dense<-3> : tensor<1xi3>} : () -> !pt1
// CHECK-NEXT: %[[OUT:[0-9]+]] = "he.add_plain"(%[[MAX]], %[[BACK]]) : (!ct3, !pt1) -> !ct3
// CHECK-NEXT: func.return %[[OUT]] : !ct3
func.func @pool_3x3_padded(%x: !he.ct<1x1x3x3xi4, frac = 0> {veil.range = [-3.0, 4.0]}) -> !he.ct<1x1x2x2xi4, frac = 0> {
  %0 = "he.max_pool2d"(%x) {kernel = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1]} : (!he.ct<1x1x3x3xi4, frac = 0>) -> !he.ct<1x1x2x2xi4, frac = 0>
  func.return %0 : !he.ct<1x1x2x2xi4, frac = 0>
}

// The same window over x in [0, 5]: a padded 0 is at or below every value, so no move; the differences lie in
// [-5, 5], still i4.
// CHECK-LABEL: func.func @pool_3x3_padded_nonnegative
// CHECK-NEXT: %0 = "he.encode"() {value = dense<{{\[\[\[\[}}1, 0, 0], [0, 0, 0], [0, 0, 0]]]]> : tensor<1x1x3x3xi2>} : () -> !pt2
// CHECK-NEXT: %1 = "he.conv2d_plain"(%arg0, %0) {pads = [1, 1, 1, 1], strides = [2, 2]} : (!ct2, !pt2) -> !ct3
// CHECK-NOT: he.add_plain
// CHECK: %41 = "he.add"
// CHECK-NEXT: func.return %41 : !ct3
func.func @pool_3x3_padded_nonnegative(%x: !he.ct<1x1x3x3xi4, frac = 0> {veil.range = [0.0, 5.0]}) -> !he.ct<1x1x2x2xi4, frac = 0> {
  %0 = "he.max_pool2d"(%x) {kernel = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1]} : (!he.ct<1x1x3x3xi4, frac = 0>) -> !he.ct<1x1x2x2xi4, frac = 0>
  func.return %0 : !he.ct<1x1x2x2xi4, frac = 0>
}

// A window of one that moves by one without padding is the input itself: no op, no table.
// CHECK-LABEL: func.func @window_of_one
// CHECK-NEXT: func.return %arg0
func.func @window_of_one(%x: !he.ct<1x2x3x3xi4, frac = 0>) -> !he.ct<1x2x3x3xi4, frac = 0> {
  %0 = "he.max_pool2d"(%x) {kernel = [1, 1]} : (!he.ct<1x2x3x3xi4, frac = 0>) -> !he.ct<1x2x3x3xi4, frac = 0>
  func.return %0 : !he.ct<1x2x3x3xi4, frac = 0>
}

// A strided window of one is one gather (two channels: groups = 2), still no table.
// CHECK-LABEL: func.func @window_of_one_strided
// CHECK-NEXT: %0 = "he.encode"() {value = dense<1> : tensor<2x1x1x1xi2>} : () -> !pt3
// CHECK-NEXT: %1 = "he.conv2d_plain"(%arg0, %0) {groups = 2, strides = [2, 2]} : (!ct4, !pt3) -> !ct5
// CHECK-NEXT: func.return %1 : !ct5
func.func @window_of_one_strided(%x: !he.ct<1x2x3x3xi4, frac = 0>) -> !he.ct<1x2x2x2xi4, frac = 0> {
  %0 = "he.max_pool2d"(%x) {kernel = [1, 1], strides = [2, 2]} : (!he.ct<1x2x3x3xi4, frac = 0>) -> !he.ct<1x2x2x2xi4, frac = 0>
  func.return %0 : !he.ct<1x2x2x2xi4, frac = 0>
}

// Three taps (1x3, a batch of two, two channels, frac 2, x in [-4, 6] as integers): max(t0, max(t1, t2)). The
// differences lie in [-10, 10], i5: a 32-entry table, exact at the default 5 index bits; the maxima in [-4, 6], i4.
// CHECK-LABEL: func.func @three_taps
// CHECK-NEXT: %0 = "he.encode"() {value = dense<{{\[\[\[\[}}1, 0, 0]]], {{\[\[\[}}1, 0, 0]]]]> : tensor<2x1x1x3xi2>} : () -> !pt4
// CHECK-NEXT: %1 = "he.conv2d_plain"(%arg0, %0) {groups = 2, strides = [1, 3]} : (!ct6, !pt4) -> !ct7
// CHECK-NEXT: %2 = "he.encode"() {value = dense<{{\[\[\[\[}}0, 1, 0]]], {{\[\[\[}}0, 1, 0]]]]> : tensor<2x1x1x3xi2>} : () -> !pt4
// CHECK-NEXT: %3 = "he.conv2d_plain"(%arg0, %2) {groups = 2, strides = [1, 3]} : (!ct6, !pt4) -> !ct7
// CHECK-NEXT: %4 = "he.encode"() {value = dense<{{\[\[\[\[}}0, 0, 1]]], {{\[\[\[}}0, 0, 1]]]]> : tensor<2x1x1x3xi2>} : () -> !pt4
// CHECK-NEXT: %5 = "he.conv2d_plain"(%arg0, %4) {groups = 2, strides = [1, 3]} : (!ct6, !pt4) -> !ct7
// CHECK-NEXT: %6 = "he.sub"(%5, %3) : (!ct7, !ct7) -> !ct8
// CHECK-NEXT: %7 = "he.lut"(%6) {table = dense<[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]> : tensor<32xi5>, veil.real = "relu"} : (!ct8) -> !ct8
// CHECK-NEXT: %8 = "he.add"(%3, %7) : (!ct7, !ct8) -> !ct7
// CHECK-NEXT: %9 = "he.sub"(%8, %1) : (!ct7, !ct7) -> !ct8
// CHECK-NEXT: %10 = "he.lut"(%9)
// CHECK-NEXT: %11 = "he.add"(%1, %10) : (!ct7, !ct8) -> !ct7
// CHECK-NEXT: func.return %11 : !ct7
func.func @three_taps(%x: !he.ct<2x2x1x6xi4, frac = 2> {veil.range = [-1.0, 1.5]}) -> !he.ct<2x2x1x2xi4, frac = 2> {
  %0 = "he.max_pool2d"(%x) {kernel = [1, 3], strides = [1, 3]} : (!he.ct<2x2x1x6xi4, frac = 2>) -> !he.ct<2x2x1x2xi4, frac = 2>
  func.return %0 : !he.ct<2x2x1x2xi4, frac = 2>
}
