// RUN: veil-opt test/models/mlp.mlir --nn-to-he | FileCheck %s --check-prefix=MLP
// RUN: veil-opt test/models/cryptonets.mlir --nn-to-he | FileCheck %s --check-prefix=CRYPTONETS
// RUN: veil-opt test/models/cnn_avg.mlir --nn-to-he | FileCheck %s --check-prefix=AVG
// RUN: veil-opt test/models/cnn_max.mlir --nn-to-he | FileCheck %s --check-prefix=MAX

// The four test networks (test/models, from generate.py) lower to verified he programs with the default
// formats (8 fraction bits for activations and weights; --nn-to-he chooses them itself when
// --assign-precision did not run). The snapshots hold the whole programs.

// MLP: func.func @main(%arg0: !ct0 {veil.frac = 8, veil.range = [0.0, 1.0], veil.secret, veil.width = 10}) -> !ct1
// MLP: "he.matmul_plain"(%arg0, %0, %1)
// MLP-NEXT: "he.rescale"(%2) {shift = 8}
// MLP-NEXT: "he.relu"(%3)
// MLP: "he.matmul_plain"(%4, %5, %6)
// MLP-NEXT: "he.rescale"(%7) {shift = 8}
// MLP-NOT: nn.

// CRYPTONETS: "he.conv2d_plain"(%arg0, %0, %1)
// CRYPTONETS-NEXT: "he.rescale"(%2) {shift = 8}
// CRYPTONETS-NEXT: "he.square"(%3)
// CRYPTONETS-NEXT: "he.rescale"(%4) {shift = 8}
// CRYPTONETS-NEXT: "he.reshape"(%5)
// CRYPTONETS: "he.matmul_plain"(%6, %7, %8)
// CRYPTONETS-NOT: nn.

// AVG: "he.conv2d_plain"(%arg0, %0, %1) {pads = [1, 1, 1, 1]}
// AVG: "he.relu"
// AVG-NEXT: "he.avg_pool2d"(%4) {kernel = [2, 2], multiplier_frac = 2, strides = [2, 2]}
// AVG-NEXT: "he.rescale"(%5) {shift = 2}
// AVG-NOT: nn.

// MAX: "he.relu"
// MAX-NEXT: "he.max_pool2d"(%4) {kernel = [2, 2], strides = [2, 2]}
// MAX-NEXT: "he.reshape"(%5)
// MAX-NOT: nn.
