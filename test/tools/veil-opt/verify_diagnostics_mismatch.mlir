// RUN: not veil-opt %s --split-input-file --verify-diagnostics

// Mismatches fail the run and say what is wrong: an expectation no diagnostic met (wrong text or wrong line),
// and a diagnostic nobody expected.

// CHECK: error: unexpected error: unknown operation 'nn.ad'
// CHECK: error: expected error "no such message" was not produced on line 14
// CHECK: = line 14 has error: unknown operation 'nn.ad'
// CHECK: error: unexpected error: use of undefined value '%y'
// CHECK: error: expected error "undefined value" was not produced on line 22
// CHECK: error: unexpected error: unknown operation 'nn.sb'
func.func @wrong_text(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{no such message}}
  %0 = "nn.ad"(%x, %x) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @wrong_line(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{undefined value}}
  %0 = "nn.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "nn.relu"(%y) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @not_expected(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "nn.sb"(%x, %x) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
