// RUN: not veil-opt %s --split-input-file

// A shape whose product overflows a u64 is refused whatever the limits (no flag can allow it), and so is a
// dimension that does not fit in a u64 (it used to be read as a dynamic `?`).

// CHECK: overflowing_shape.mlir:10:18: error: the type tensor<4294967296x4294967297xf32> has more elements than fit in 64 bits (the product of its dimensions overflows)
// CHECK-NOT: raise the limit
// CHECK: overflowing_shape.mlir:16:27: error: dimension 99999999999999999999999 does not fit in 64 bits
// CHECK-NOT: module
func.func @f(%a: tensor<4294967296x4294967297xf32>) {
  return
}

// -----

func.func @f(%a: tensor<1x99999999999999999999999x1xf32>) {
  return
}
