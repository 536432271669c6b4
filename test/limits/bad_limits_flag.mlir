// RUN: not veil-opt %s --limits elements=many
// RUN: not veil-opt %s --limits element=5
// RUN: not veil-opt %s --limits elements

// A malformed `--limits` is a usage error that lists what is accepted.

// CHECK: error: --limits:
func.func @f() {
  return
}
