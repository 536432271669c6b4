// RUN: not veil-opt %s --assign-precision=calibration=does-not-exist.npy

// Calibration data that cannot be read is an error naming the file. (Calibration itself, which needs a data file,
// is tested by the pass's unit tests: the observed ranges, the margin, `veil.calibrated` and the warning.)

// CHECK: error: cannot read calibration data 'does-not-exist.npy'
func.func @main(%x: tensor<4xf32> {veil.secret, veil.range = [0.0, 1.0]}) -> tensor<4xf32> {
  func.return %x : tensor<4xf32>
}
