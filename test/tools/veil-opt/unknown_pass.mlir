// RUN: not veil-opt %s --csee

// An unknown pass flag is answered with the closest name and the list of valid passes and pipelines.

// CHECK: error: unknown pass 'csee' (did you mean 'cse'?); valid passes: {{.*}}cse, dce
func.func @f() {
  return
}
