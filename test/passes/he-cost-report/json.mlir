// RUN: veil-opt %s --he-cost-report=format=json,cores=4 -o /dev/null

// The JSON form, for tools: the machine, one object per call (exact tells whether the count follows the
// backend's code step by step), the totals. With 4 cores, 10 PBS of 20 ms take 0.05 s.

// CHECK: "note": "estimates:
// CHECK: "machine": {
// CHECK-NEXT: "pbs_ms": 20.0,
// CHECK-NEXT: "cores": 4
// CHECK: "kernel": "relu",
// CHECK-NEXT: "variant": null,
// CHECK: "blocks": 4,
// CHECK-NEXT: "pbs": 10,
// CHECK-NEXT: "exact": true,
// CHECK-NEXT: "seconds": 0.05
// CHECK: "kernel": "max",
// CHECK: "exact": false,
// CHECK: "total_pbs":
func.func @main(%x: !rt.ct<2xi8, frac = 2>) -> !rt.ct<2xi8, frac = 2> {
  %0 = "rt.call"(%x) {callee = @relu, blocks = 4, signed = true} : (!rt.ct<2xi8, frac = 2>) -> !rt.ct<2xi8, frac = 2>
  %1 = "rt.call"(%0, %x) {callee = @max, blocks = 4, signed = true} : (!rt.ct<2xi8, frac = 2>, !rt.ct<2xi8, frac = 2>) -> !rt.ct<2xi8, frac = 2>
  func.return %1 : !rt.ct<2xi8, frac = 2>
}
