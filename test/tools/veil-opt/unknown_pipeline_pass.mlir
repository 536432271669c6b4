// RUN: not veil-opt %s --pass-pipeline='builtin.module(cse,dcee)'

// CHECK: error: unknown pass 'dcee' (did you mean 'dce'?); valid passes:
func.func @f() {
  return
}
