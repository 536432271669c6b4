// RUN: veil-opt %s --split-input-file --verify-diagnostics

func.func @constant_type_mismatch() -> tensor<3xf32> {
  // expected-error @+1 {{'value' has type tensor<2xf32> but the result has type tensor<3xf32>}}
  %0 = "nn.constant"() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @constant_needs_value() -> tensor<3xf32> {
  // expected-error @+1 {{requires attribute 'value'}}
  %0 = "nn.constant"() : () -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @constant_integer_elements() -> tensor<2xi32> {
  // expected-error @+1 {{the result must be a tensor of floats, got tensor<2xi32>}}
  %0 = "nn.constant"() {value = dense<[1, 2]> : tensor<2xi32>} : () -> tensor<2xi32>
  return %0 : tensor<2xi32>
}

// -----

func.func @add_not_broadcastable(%a: tensor<2x3xf32>, %b: tensor<2xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{operand shapes [2, 3] and [2] are not broadcastable}}
  %0 = "nn.add"(%a, %b) : (tensor<2x3xf32>, tensor<2xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @add_element_types_differ(%a: tensor<2xf32>, %b: tensor<2xf64>) -> tensor<2xf32> {
  // expected-error @+1 {{operand #1 has element type f64 but operand #0 has f32; all must be equal}}
  %0 = "nn.add"(%a, %b) : (tensor<2xf32>, tensor<2xf64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @add_dynamic_shape(%a: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{operand #0 must have a static shape, got tensor<?x2xf32>}}
  %0 = "nn.add"(%a, %a) : (tensor<?x2xf32>, tensor<?x2xf32>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @add_not_a_tensor(%a: f32) -> f32 {
  // expected-error @+1 {{operand #0 must be a tensor of floats, got f32}}
  %0 = "nn.add"(%a, %a) : (f32, f32) -> f32
  return %0 : f32
}

// -----

func.func @sub_wrong_result(%a: tensor<4x1xf32>, %b: tensor<3xf32>) -> tensor<4x1xf32> {
  // expected-error @+1 {{expected result shape [4, 3], got [4, 1]}}
  %0 = "nn.sub"(%a, %b) : (tensor<4x1xf32>, tensor<3xf32>) -> tensor<4x1xf32>
  return %0 : tensor<4x1xf32>
}

// -----

func.func @mul_one_operand(%a: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'nn.mul' expects 2 operand(s), got 1}}
  %0 = "nn.mul"(%a) : (tensor<2xf32>) -> tensor<2xf32>
  return %a : tensor<2xf32>
}

// -----

func.func @neg_changes_shape(%a: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{expected result shape [2, 3], got [3, 2]}}
  %0 = "nn.neg"(%a) : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @relu_of_integers(%a: tensor<4xi8>) -> tensor<4xi8> {
  // expected-error @+1 {{operand #0 must be a tensor of floats, got tensor<4xi8>}}
  %0 = "nn.relu"(%a) : (tensor<4xi8>) -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

func.func @relu_unknown_attribute(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'nn.relu' has unknown attribute 'alpha'}}
  %0 = "nn.relu"(%a) {alpha = 0.1} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @matmul_contracting_mismatch(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{contracting dimensions differ: lhs [2, 3] has K = 3 but rhs [4, 5] has K = 4}}
  %0 = "nn.matmul"(%a, %b) : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @matmul_wrong_result(%a: tensor<3xf32>, %b: tensor<3x5xf32>) -> tensor<1x5xf32> {
  // expected-error @+1 {{expected result shape [5], got [1, 5]}}
  %0 = "nn.matmul"(%a, %b) : (tensor<3xf32>, tensor<3x5xf32>) -> tensor<1x5xf32>
  return %0 : tensor<1x5xf32>
}

// -----

func.func @conv2d_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{the weight has 2 input channel(s) per group, expected 3 (input channels 3 / groups 1)}}
  %0 = "nn.conv2d"(%x, %w) : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv2d_groups_divide_channels(%x: tensor<1x4x8x8xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<1x6x6x6xf32> {
  // expected-error @+1 {{input channels (4) are not divisible by groups (3)}}
  %0 = "nn.conv2d"(%x, %w) {groups = 3} : (tensor<1x4x8x8xf32>, tensor<6x2x3x3xf32>) -> tensor<1x6x6x6xf32>
  return %0 : tensor<1x6x6x6xf32>
}

// -----

func.func @conv2d_groups_divide_outputs(%x: tensor<1x4x8x8xf32>, %w: tensor<3x2x3x3xf32>) -> tensor<1x3x6x6xf32> {
  // expected-error @+1 {{output channels (3) are not divisible by groups (2)}}
  %0 = "nn.conv2d"(%x, %w) {groups = 2} : (tensor<1x4x8x8xf32>, tensor<3x2x3x3xf32>) -> tensor<1x3x6x6xf32>
  return %0 : tensor<1x3x6x6xf32>
}

// -----

func.func @conv2d_zero_groups(%x: tensor<1x4x8x8xf32>, %w: tensor<4x4x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'groups' must be positive, got 0}}
  %0 = "nn.conv2d"(%x, %w) {groups = 0} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv2d_bias_shape(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{the bias must have shape [4] (output channels), got [3]}}
  %0 = "nn.conv2d"(%x, %w, %b) : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv2d_four_operands(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{expects 2 or 3 operands (input, weight, optional bias), got 4}}
  %0 = "nn.conv2d"(%x, %w, %b, %b) : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv2d_output_shape(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> {
  // expected-error @+1 {{expected result shape [1, 4, 4, 4], got [1, 4, 8, 8]}}
  %0 = "nn.conv2d"(%x, %w) {pads = [1, 1, 1, 1], strides = [2, 2]} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

func.func @conv2d_kernel_too_large(%x: tensor<1x3x4x4xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x1x1xf32> {
  // expected-error @+1 {{the kernel along H (size 3, dilation 2) does not fit in the padded input (4 + 0 + 0)}}
  %0 = "nn.conv2d"(%x, %w) {dilations = [2, 2]} : (tensor<1x3x4x4xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x1x1xf32>
  return %0 : tensor<1x4x1x1xf32>
}

// -----

func.func @conv2d_zero_stride(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'strides' must be positive, got [0, 1]}}
  %0 = "nn.conv2d"(%x, %w) {strides = [0, 1]} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv2d_pads_length(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> {
  // expected-error @+1 {{'pads' must have 4 elements, got 2}}
  %0 = "nn.conv2d"(%x, %w) {pads = [1, 1]} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

func.func @conv2d_input_rank(%x: tensor<3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{the input must have rank 4 (N, C, H, W), got shape [3, 8, 8] of rank 3}}
  %0 = "nn.conv2d"(%x, %w) : (tensor<3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @avg_pool2d_needs_kernel(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
  // expected-error @+1 {{'nn.avg_pool2d' requires attribute 'kernel'}}
  %0 = "nn.avg_pool2d"(%x) : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

func.func @avg_pool2d_pad_covers_window(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x11x11xf32> {
  // expected-error @+1 {{each pad must be smaller than the kernel when 'count_include_pad' is false, got pads [2, 2, 2, 2] for kernel [2, 2]}}
  %0 = "nn.avg_pool2d"(%x) {kernel = [2, 2], pads = [2, 2, 2, 2], strides = [1, 1]} : (tensor<1x4x8x8xf32>) -> tensor<1x4x11x11xf32>
  return %0 : tensor<1x4x11x11xf32>
}

// -----

func.func @avg_pool2d_output_shape(%x: tensor<1x4x7x7xf32>) -> tensor<1x4x4x4xf32> {
  // expected-error @+1 {{expected result shape [1, 4, 3, 3], got [1, 4, 4, 4]}}
  %0 = "nn.avg_pool2d"(%x) {kernel = [2, 2], strides = [2, 2]} : (tensor<1x4x7x7xf32>) -> tensor<1x4x4x4xf32>
  return %0 : tensor<1x4x4x4xf32>
}

// -----

func.func @avg_pool2d_count_include_pad_is_bool(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
  // expected-error @+1 {{attribute 'count_include_pad' must be a boolean}}
  %0 = "nn.avg_pool2d"(%x) {count_include_pad = 1, kernel = [1, 1]} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

func.func @max_pool2d_kernel_length(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'kernel' must have 2 elements, got 3}}
  %0 = "nn.max_pool2d"(%x) {kernel = [3, 3, 3]} : (tensor<1x4x8x8xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @max_pool2d_rank(%x: tensor<4x8x8xf32>) -> tensor<4x6x6xf32> {
  // expected-error @+1 {{the input must have rank 4 (N, C, H, W), got shape [4, 8, 8] of rank 3}}
  %0 = "nn.max_pool2d"(%x) {kernel = [3, 3]} : (tensor<4x8x8xf32>) -> tensor<4x6x6xf32>
  return %0 : tensor<4x6x6xf32>
}

// -----

func.func @max_pool2d_negative_pad(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'pads' must be non-negative, got [0, -1, 0, 0]}}
  %0 = "nn.max_pool2d"(%x) {kernel = [3, 3], pads = [0, -1, 0, 0]} : (tensor<1x4x8x8xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @global_avg_pool2d_result(%x: tensor<1x4x8x8xf32>) -> tensor<1x4xf32> {
  // expected-error @+1 {{expected result shape [1, 4, 1, 1], got [1, 4]}}
  %0 = "nn.global_avg_pool2d"(%x) : (tensor<1x4x8x8xf32>) -> tensor<1x4xf32>
  return %0 : tensor<1x4xf32>
}

// -----

func.func @global_avg_pool2d_rank(%x: tensor<4x8x8xf32>) -> tensor<4x1x1xf32> {
  // expected-error @+1 {{operand #0 must have rank 4 (N, C, H, W), got shape [4, 8, 8]}}
  %0 = "nn.global_avg_pool2d"(%x) : (tensor<4x8x8xf32>) -> tensor<4x1x1xf32>
  return %0 : tensor<4x1x1xf32>
}

// -----

func.func @reshape_element_count(%x: tensor<2x3xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{the operand has 6 elements ([2, 3]) but the result has 8 ([4, 2]); they must be equal}}
  %0 = "nn.reshape"(%x) : (tensor<2x3xf32>) -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

func.func @transpose_not_a_permutation(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  // expected-error @+1 {{'perm' must be a permutation of 0..3, got [0, 1, 1]}}
  %0 = "nn.transpose"(%x) {perm = [0, 1, 1]} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

func.func @transpose_wrong_result(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  // expected-error @+1 {{expected result shape [4, 2, 3], got [2, 3, 4]}}
  %0 = "nn.transpose"(%x) {perm = [2, 0, 1]} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

func.func @pad_length(%x: tensor<2x3xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{'pads' must have 2 * rank = 4 elements, got 2}}
  %0 = "nn.pad"(%x) {pads = [1, 1]} : (tensor<2x3xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

func.func @pad_negative(%x: tensor<2x3xf32>) -> tensor<1x3xf32> {
  // expected-error @+1 {{'pads' must be non-negative, got [-1, 0, 0, 0]}}
  %0 = "nn.pad"(%x) {pads = [-1, 0, 0, 0]} : (tensor<2x3xf32>) -> tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

func.func @pad_constant_mode_only(%x: tensor<2x3xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{'nn.pad' has unknown attribute 'mode'}}
  %0 = "nn.pad"(%x) {mode = "reflect", pads = [1, 1, 1, 1]} : (tensor<2x3xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

func.func @pad_wrong_result(%x: tensor<2x3xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{expected result shape [3, 5], got [4, 4]}}
  %0 = "nn.pad"(%x) {pads = [1, 1, 0, 1], value = 2.5} : (tensor<2x3xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @concat_other_dims_differ(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) -> tensor<2x6xf32> {
  // expected-error @+1 {{operand #1 has shape [4, 3], which differs from operand #0 [2, 3] in dimension 0 (only axis 1 may differ)}}
  %0 = "nn.concat"(%a, %b) {axis = 1} : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

func.func @concat_axis_out_of_range(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{axis 2 is out of range for rank 2 (expected -2..=1)}}
  %0 = "nn.concat"(%a) {axis = 2} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @concat_rank_differs(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x6xf32> {
  // expected-error @+1 {{operand #1 has rank 1, but operand #0 has rank 2}}
  %0 = "nn.concat"(%a, %b) {axis = 0} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

func.func @concat_needs_operands() -> tensor<2xf32> {
  // expected-error @+1 {{'nn.concat' expects at least 1 operand(s), got 0}}
  %0 = "nn.concat"() {axis = 0} : () -> tensor<2xf32>
  %1 = "nn.constant"() {value = dense<0.0> : tensor<2xf32>} : () -> tensor<2xf32>
  return %1 : tensor<2xf32>
}

// -----

func.func @reduce_sum_duplicate_axes(%x: tensor<2x3xf32>) -> tensor<2x1xf32> {
  // expected-error @+1 {{'axes' names axis 1 more than once: [1, -1]}}
  %0 = "nn.reduce_sum"(%x) {axes = [1, -1]} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  return %0 : tensor<2x1xf32>
}

// -----

func.func @reduce_sum_keepdims(%x: tensor<2x3xf32>) -> tensor<2x1xf32> {
  // expected-error @+1 {{expected result shape [2], got [2, 1]}}
  %0 = "nn.reduce_sum"(%x) {axes = [1], keepdims = false} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  return %0 : tensor<2x1xf32>
}

// -----

func.func @reduce_sum_axis_out_of_range(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{axis -3 is out of range for rank 2 (expected -2..=1)}}
  %0 = "nn.reduce_sum"(%x) {axes = [-3]} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @batch_norm_parameter_shape(%x: tensor<1x3x4x4xf32>, %c: tensor<3xf32>, %v: tensor<4xf32>) -> tensor<1x3x4x4xf32> {
  // expected-error @+1 {{operand #4 (var) must have shape [3] (the channels of x), got [4]}}
  %0 = "nn.batch_norm"(%x, %c, %c, %c, %v) : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<4xf32>) -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}

// -----

func.func @batch_norm_negative_epsilon(%x: tensor<1x3xf32>, %c: tensor<3xf32>) -> tensor<1x3xf32> {
  // expected-error @+1 {{'epsilon' must be finite and non-negative, got -0.5}}
  %0 = "nn.batch_norm"(%x, %c, %c, %c, %c) {epsilon = -0.5} : (tensor<1x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

func.func @batch_norm_rank(%x: tensor<3xf32>, %c: tensor<3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{operand #0 must have rank at least 2 (N, C, ...), got shape [3]}}
  %0 = "nn.batch_norm"(%x, %c, %c, %c, %c) : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}
