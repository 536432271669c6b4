// RUN: veil-opt %s --split-input-file --verify-diagnostics

// Every way to say where an expected diagnostic is: on its own line, @+N, @-N, @above, @below. A chunk
// without expectations must succeed (and its IR is printed).

func.func @same_line(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "nn.ad"(%x, %x) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> // expected-error {{unknown operation 'nn.ad'}}
  return %0 : tensor<4xf32>
}

// -----

func.func @plus(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+2 {{use of undefined value '%y'}}

  %0 = "nn.relu"(%y) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @minus(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "nn.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf64>
  // expected-error@-1 {{type mismatch}}
}

// -----

func.func @above(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "nn.relu"(%x, %x) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  // expected-error@above {{'nn.relu' expects 1 operand(s), got 2}}
  return %0 : tensor<4xf32>
}

// -----

// expected-error@below {{unknown type 'f31'}}
func.func @below(%x: tensor<4xf31>) {
  return
}

// -----

// CHECK-LABEL: func.func @fine(
func.func @fine(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
