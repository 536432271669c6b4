// RUN: veil-opt test/models/mlp.mlir --nn-to-rt --print-ir-after-all -o /dev/null 2>&1 | FileCheck %s

// Every stage of the pipeline can be dumped: nn with formats, he, the he optimizations, rt.

// CHECK: // -----// IR Dump After assign-precision //----- //
// CHECK: "nn.matmul"
// CHECK: // -----// IR Dump After nn-to-he //----- //
// CHECK: "he.matmul_plain"
// CHECK: // -----// IR Dump After he-fold-linear //----- //
// CHECK: // -----// IR Dump After he-plaintext-bypass //----- //
// CHECK: // -----// IR Dump After he-lazy-rescale //----- //
// CHECK: "he.rescale"
// CHECK: // -----// IR Dump After cse //----- //
// CHECK: // -----// IR Dump After dce //----- //
// CHECK: // -----// IR Dump After he-narrow-widths //----- //
// CHECK: // -----// IR Dump After he-to-rt //----- //
// CHECK-NOT: "he.
// CHECK: "rt.call"
