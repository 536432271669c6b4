// RUN: not veil-opt %s

// The shape inside a dialect type is held to the element limit like a tensor's.

// CHECK: dialect_shape.mlir:8:18: error: the shape of '!he.ct' has 100000000000000 elements, more than the limit of 16777216
// CHECK: = raise the limit with VEIL_LIMITS=elements=N
// CHECK-NOT: module
func.func @f(%a: !he.ct<100000x1000000000xi8, frac = 4>) {
  return
}
