// RUN: not veil-opt %s --he-cost-report=format=xml

// The options are typed: a bad format names the valid ones.
// CHECK: option 'format' of pass 'he-cost-report' expects one of table, json, got 'xml'
func.func @main() {
  func.return
}
