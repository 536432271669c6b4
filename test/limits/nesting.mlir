// RUN: not veil-opt %s --limits nesting=4

// Brackets of every kind count toward the nesting depth: `module {`, `attributes {` and two `[` reach 4, the third `[` is refused.

// CHECK: nesting.mlir:8:36: error: brackets nested more than 4 levels deep, the limit; raise it with VEIL_LIMITS=nesting=N or the flag `--limits nesting=N` of veil and veil-opt (docs/limits.md)
// CHECK-NOT: module
module {
  func.func @f() attributes {a = [[[1]]]} {
    return
  }
}
