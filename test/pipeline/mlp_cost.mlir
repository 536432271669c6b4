// RUN: veil-opt test/models/mlp.mlir --nn-to-rt --he-cost-report -o /dev/null

// The cost report of the MLP test program, in a snapshot so that every change of its estimated PBS (a pass
// that changes widths, weights or kernels, or a change of the cost model) is reviewed.

// CHECK: // he-cost-report: estimates
// CHECK: main {{.*}} matmul_plain - 1x8
// CHECK-NEXT: main {{.*}} rescale - 1x8
// CHECK-NEXT: main {{.*}} relu - 1x8
// CHECK-NEXT: main {{.*}} matmul_plain - 1x4
// CHECK-NEXT: main {{.*}} rescale - 1x4
// CHECK-NEXT: total 5 calls
