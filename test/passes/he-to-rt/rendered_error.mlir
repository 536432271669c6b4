// RUN: not veil-opt %s --he-to-rt

// The rendered diagnostic: the message at the op, the source line and a caret.
// CHECK: error: 'he.decrypt' runs on the client (it needs the secret key) and cannot be lowered to rt
// CHECK: rendered_error.mlir:9:3
func.func @decrypts(%x: !he.ct<4xi8, frac = 2>) -> !he.pt<4xi8, frac = 2> {
  %0 = "he.relu"(%x) : (!he.ct<4xi8, frac = 2>) -> !he.ct<4xi8, frac = 2>
  // A decrypt in a server program.
  %1 = "he.decrypt"(%0) : (!he.ct<4xi8, frac = 2>) -> !he.pt<4xi8, frac = 2>
  func.return %1 : !he.pt<4xi8, frac = 2>
}
