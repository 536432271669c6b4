// RUN: veil-opt --list-passes

// Every pass with its description and options, then every pipeline with its passes.

// CHECK: Passes:
// CHECK: {{^}}  cse {{ *}}Eliminate common subexpressions
// CHECK: {{^}}  dce {{ *}}Eliminate dead code
