// RUN: veil-opt %s --he-cost-report --split-input-file --verify-diagnostics

// An he program is costed through he-to-rt, so what cannot run on the server is an error here too.

func.func @client(%x: !he.ct<4xi8, frac = 2>) -> !he.pt<4xi8, frac = 2> {
  // expected-error @+1 {{'he.decrypt' runs on the client (it needs the secret key) and cannot be lowered to rt}}
  %0 = "he.decrypt"(%x) : (!he.ct<4xi8, frac = 2>) -> !he.pt<4xi8, frac = 2>
  func.return %0 : !he.pt<4xi8, frac = 2>
}
