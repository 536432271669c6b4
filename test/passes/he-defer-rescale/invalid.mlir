// RUN: not veil-opt %s --he-defer-rescale=rounding=sometimes

// CHECK: rounding 'sometimes' is not one of: exact, approximate
