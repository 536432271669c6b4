// RUN: veil-opt %s --assign-precision=max-width=12 --split-input-file --verify-diagnostics

// A secret input without a range: its format cannot be chosen, and the message says how to give one. The error
// is reported at the function (arguments have no location of their own).

// expected-error @+1 {{argument #0 is secret but has no input range, so its fixed-point format cannot be chosen: give one with `veil import --input-range LO,HI` or `--calibration FILE.npy`, or write `veil.range = [lo, hi]` on the argument}}
func.func @no_range(%x: tensor<4xf32> {veil.secret}) -> tensor<4xf32> {
  %0 = "nn.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  func.return %0 : tensor<4xf32>
}

// -----

// A malformed range is reported as such.

// expected-error @+1 {{argument #0: 'veil.range' must be [lo, hi] with finite numbers lo <= hi, got [2.0, 1.0]}}
func.func @bad_range(%x: tensor<4xf32> {veil.secret, veil.range = [2.0, 1.0]}) -> tensor<4xf32> {
  func.return %x : tensor<4xf32>
}

// -----

// A value that needs more than max-width (12 here) bits: the error names the op, its range and the width.
// 100 * [0, 1] is [0, 100], which at 8 fraction bits is [0, 25600]: 16 bits.

func.func @too_wide(%x: tensor<4xf32> {veil.secret, veil.range = [0.0, 1.0]}) -> tensor<4xf32> {
  %c = "nn.constant"() {value = dense<1.0e2> : tensor<4xf32>} : () -> tensor<4xf32>
  // expected-error @+1 {{'nn.mul' needs 16 bits for its range [0, 100] at 8 fraction bits (integers [0, 25600]), more than max-width = 12; lower the fraction bits or narrow the input ranges}}
  %0 = "nn.mul"(%x, %c) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return %0 : tensor<4xf32>
}

// -----

// An input itself can be too wide.

// expected-error @+1 {{argument #0 needs 19 bits for its range [-1000, 1000] at 8 fraction bits}}
func.func @wide_input(%x: tensor<4xf32> {veil.secret, veil.range = [-1.0e3, 1.0e3]}) -> tensor<4xf32> {
  func.return %x : tensor<4xf32>
}
