// RUN: not veil-opt %s --he-pool-first=rounding=sometimes

// CHECK: rounding 'sometimes' is not one of: exact, approximate
