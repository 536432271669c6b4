// RUN: not veil-opt %s --cse=aggressive=true
// RUN: not veil-opt %s --pass-pipeline='cse{aggressive=true}'
// RUN: not veil-opt %s --pass-pipeline='builtin.module(cse dce)'
// RUN: not veil-opt %s --pass-pipeline='func.func(cse)'

// Options a pass does not declare, and malformed pipelines, are errors before anything runs.

// CHECK: error: {{pass 'cse' takes no options \(got 'aggressive'\)|in pass pipeline}}
func.func @f() {
  return
}
