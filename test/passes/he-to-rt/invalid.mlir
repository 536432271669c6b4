// RUN: veil-opt %s --he-to-rt --split-input-file --verify-diagnostics

// A server program has no client-side op: encryption and decryption need the secret key.

func.func @encrypts(%x: !he.pt<4xi8, frac = 2>) -> !he.ct<4xi8, frac = 2> {
  // expected-error @+1 {{'he.encrypt' runs on the client (it needs the secret key) and cannot be lowered to rt}}
  %0 = "he.encrypt"(%x) : (!he.pt<4xi8, frac = 2>) -> !he.ct<4xi8, frac = 2>
  func.return %0 : !he.ct<4xi8, frac = 2>
}

// -----

// Every client-side op is reported, not just the first.
func.func @decrypts(%x: !he.ct<4xi8, frac = 2>) -> !he.pt<4xi8, frac = 2> {
  %0 = "he.relu"(%x) : (!he.ct<4xi8, frac = 2>) -> !he.ct<4xi8, frac = 2>
  // expected-error @+1 {{'he.decrypt' runs on the client}}
  %1 = "he.decrypt"(%0) : (!he.ct<4xi8, frac = 2>) -> !he.pt<4xi8, frac = 2>
  // expected-error @+1 {{'he.encrypt' runs on the client}}
  %2 = "he.encrypt"(%1) : (!he.pt<4xi8, frac = 2>) -> !he.ct<4xi8, frac = 2>
  // expected-error @+1 {{'he.decrypt' runs on the client}}
  %3 = "he.decrypt"(%2) : (!he.ct<4xi8, frac = 2>) -> !he.pt<4xi8, frac = 2>
  func.return %3 : !he.pt<4xi8, frac = 2>
}
