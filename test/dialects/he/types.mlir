// RUN: veil-opt %s

// The he types: !he.ct (ciphertexts) and !he.pt (plaintexts) with a static shape, a signless element width
// i2..i64 and frac in -62..=62; a scalar is written without dimensions. Types used twice print as aliases.

// CHECK: !ct0 = !he.ct<1x64xi8, frac = 6>
// CHECK-NEXT: !ct1 = !he.ct<i16, frac = -3>
// CHECK-NEXT: !pt0 = !he.pt<64x32xi8, frac = 6>
// CHECK-LABEL: func.func @widths(%arg0: !ct0, %arg1: !he.ct<4xi2, frac = 0>, %arg2: !he.ct<2x3x4x5xi64, frac = 62>) -> !ct0
// CHECK-NEXT: func.return %arg0 : !ct0
func.func @widths(%a: !he.ct<1x64xi8, frac = 6>, %b: !he.ct<4xi2, frac = 0>, %c: !he.ct<2x3x4x5xi64, frac = 62>) -> !he.ct<1x64xi8, frac = 6> {
  func.return %a : !he.ct<1x64xi8, frac = 6>
}

// CHECK-LABEL: func.func @negative_frac_and_scalars(%arg0: !ct1, %arg1: !he.pt<i8, frac = -62>) -> !ct1
func.func @negative_frac_and_scalars(%a: !he.ct<i16, frac = -3>, %b: !he.pt<i8, frac = -62>) -> !he.ct<i16, frac = -3> {
  func.return %a : !he.ct<i16, frac = -3>
}

// CHECK-LABEL: func.func @plain(%arg0: !pt0) -> !pt0
func.func @plain(%p: !he.pt<64x32xi8, frac = 6>) -> !he.pt<64x32xi8, frac = 6> {
  func.return %p : !he.pt<64x32xi8, frac = 6>
}
