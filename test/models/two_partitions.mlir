// RUN: veil-opt %s --he-narrow-widths --he-lut-fuse --he-narrow-widths --he-to-rt=strategy=lut --tfhe-params=rounding=exact
// A two-layer he program whose layers' tables differ in width (3 and 5 index bits), so that tfhe-params gives
// each its own partition: the client/server test (tools/tests/cli_client_server.rs) runs it through keygen,
// encrypt, eval and decrypt with keys of several partitions. Hand-written.
// CHECK: partitions = [{
// CHECK: routes = {{\[\[0, 1\], \[1, 1\], \[1, 2\]\]}}
// CHECK: partition = 1
// CHECK: partition = 2
func.func @two_layers(%x: !he.ct<1x2xi2, frac = 0> {veil.range = [-1.0, 1.0]}) -> !he.ct<1x2xi8, frac = 0> {
  %w1 = "he.encode"() {value = dense<[[1, -1, 1, 0, 1, -1, 0, 1], [-1, 1, 1, 1, 0, 0, -1, 1]]> : tensor<2x8xi2>} : () -> !he.pt<2x8xi2, frac = 0>
  %w2 = "he.encode"() {value = dense<[[3, -3], [2, 2], [-3, 3], [1, 2], [3, -1], [-2, 1], [2, 3], [1, -3]]> : tensor<8x2xi3>} : () -> !he.pt<8x2xi3, frac = 0>
  %0 = "he.matmul_plain"(%x, %w1) : (!he.ct<1x2xi2, frac = 0>, !he.pt<2x8xi2, frac = 0>) -> !he.ct<1x8xi3, frac = 0>
  %1 = "he.relu"(%0) : (!he.ct<1x8xi3, frac = 0>) -> !he.ct<1x8xi3, frac = 0>
  %2 = "he.matmul_plain"(%1, %w2) : (!he.ct<1x8xi3, frac = 0>, !he.pt<8x2xi3, frac = 0>) -> !he.ct<1x2xi8, frac = 0>
  %3 = "he.relu"(%2) : (!he.ct<1x2xi8, frac = 0>) -> !he.ct<1x2xi8, frac = 0>
  func.return %3 : !he.ct<1x2xi8, frac = 0>
}
