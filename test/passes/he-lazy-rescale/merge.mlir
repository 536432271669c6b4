// RUN: veil-opt %s --he-lazy-rescale

// Consecutive rescales merge (exact: floor(floor(x / 2^a) / 2^b) = floor(x / 2^(a+b))), also through data
// movement: a rescale moves past reshape / transpose / pad when it then meets another rescale.

// CHECK-LABEL: func.func @chain
// CHECK-NEXT: %0 = "he.rescale"(%arg0) {shift = 6} : (!ct0) -> !ct1
// CHECK-NEXT: func.return %0
func.func @chain(%x: !he.ct<4xi20, frac = 12>) -> !he.ct<4xi14, frac = 6> {
  %0 = "he.rescale"(%x) {shift = 3} : (!he.ct<4xi20, frac = 12>) -> !he.ct<4xi17, frac = 9>
  %1 = "he.rescale"(%0) {shift = 1} : (!he.ct<4xi17, frac = 9>) -> !he.ct<4xi16, frac = 8>
  %2 = "he.rescale"(%1) {shift = 2} : (!he.ct<4xi16, frac = 8>) -> !he.ct<4xi14, frac = 6>
  func.return %2 : !he.ct<4xi14, frac = 6>
}

// An inner rescale that something else reads stays for that reader; the outer one reads the source.
// CHECK-LABEL: func.func @shared_inner
// CHECK-NEXT: %0 = "he.rescale"(%arg0) {shift = 2}
// CHECK-NEXT: %1 = "he.rescale"(%arg0) {shift = 4}
// CHECK-NEXT: %2 = "he.relu"(%0)
func.func @shared_inner(%x: !he.ct<4xi20, frac = 12>) -> (!he.ct<4xi16, frac = 8>, !he.ct<4xi18, frac = 10>) {
  %0 = "he.rescale"(%x) {shift = 2} : (!he.ct<4xi20, frac = 12>) -> !he.ct<4xi18, frac = 10>
  %1 = "he.rescale"(%0) {shift = 2} : (!he.ct<4xi18, frac = 10>) -> !he.ct<4xi16, frac = 8>
  %2 = "he.relu"(%0) : (!he.ct<4xi18, frac = 10>) -> !he.ct<4xi18, frac = 10>
  func.return %1, %2 : !he.ct<4xi16, frac = 8>, !he.ct<4xi18, frac = 10>
}

// CHECK-LABEL: func.func @through_data_movement
// CHECK-NEXT: %0 = "he.reshape"(%arg0) : (!ct4) -> !ct6
// CHECK-NEXT: %1 = "he.transpose"(%0) {perm = [1, 0]} : (!ct6) -> !ct7
// CHECK-NEXT: %2 = "he.pad"(%1) {pads = [0, 1, 0, 0]} : (!ct7) -> !ct8
// CHECK-NEXT: %3 = "he.rescale"(%2) {shift = 8} : (!ct8) -> !ct5
// CHECK-NEXT: func.return %3
func.func @through_data_movement(%x: !he.ct<6xi16, frac = 8>) -> !he.ct<3x3xi8, frac = 0> {
  %0 = "he.rescale"(%x) {shift = 2} : (!he.ct<6xi16, frac = 8>) -> !he.ct<6xi14, frac = 6>
  %1 = "he.reshape"(%0) : (!he.ct<6xi14, frac = 6>) -> !he.ct<2x3xi14, frac = 6>
  %2 = "he.transpose"(%1) {perm = [1, 0]} : (!he.ct<2x3xi14, frac = 6>) -> !he.ct<3x2xi14, frac = 6>
  %3 = "he.pad"(%2) {pads = [0, 1, 0, 0]} : (!he.ct<3x2xi14, frac = 6>) -> !he.ct<3x3xi14, frac = 6>
  %4 = "he.rescale"(%3) {shift = 6} : (!he.ct<3x3xi14, frac = 6>) -> !he.ct<3x3xi8, frac = 0>
  func.return %4 : !he.ct<3x3xi8, frac = 0>
}

// A rescale before data movement that meets no other rescale stays where it is.
// CHECK-LABEL: func.func @no_partner
// CHECK-NEXT: "he.rescale"
// CHECK-NEXT: "he.reshape"
// CHECK-NEXT: "he.relu"
func.func @no_partner(%x: !he.ct<6xi16, frac = 8>) -> !he.ct<2x3xi14, frac = 6> {
  %0 = "he.rescale"(%x) {shift = 2} : (!he.ct<6xi16, frac = 8>) -> !he.ct<6xi14, frac = 6>
  %1 = "he.reshape"(%0) : (!he.ct<6xi14, frac = 6>) -> !he.ct<2x3xi14, frac = 6>
  %2 = "he.relu"(%1) : (!he.ct<2x3xi14, frac = 6>) -> !he.ct<2x3xi14, frac = 6>
  func.return %2 : !he.ct<2x3xi14, frac = 6>
}
