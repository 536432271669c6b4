use veil_ir::*;

static ADD: OpDef = OpDef::new("t.add", "add", Arity::Exactly(2), Arity::Exactly(1));
static CST: OpDef = OpDef::new("t.const", "c", Arity::Exactly(0), Arity::Exactly(1))
    .with_attrs(&[AttrSpec::required("value", AttrType::Any)]);
static T: Dialect = Dialect { name: "t", summary: "test", ops: &[&ADD, &CST], verify_type: None };

fn reg() -> Registry {
    let mut r = Registry::new();
    r.register(&T);
    r
}

#[test]
fn roundtrip() {
    let src = r#"
!x = !t.ct<1x64xi8, frac = 6>
module attributes {veil.calibrated} {
  func.func @main(%a: !x {veil.secret, veil.range = [0.0, 1.0]}, %b: !t.ct<1x64xi8, frac = 6>) -> !x {
    %c = "t.const"() {value = dense<[[1.5, 2.0], [3.0, -4.25e-3]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
    %d = "t.const"() {value = dense<"0x0102030405060708090A0B0C0D0E0F101112"> : tensor<18xi8>} : () -> tensor<18xi8>
    %0 = "t.add"(%a, %b) {t.k = 3, t.s = "hi\n", t.f = 1.0e-7 : f32} : (!x, !x) -> !x loc("foo.mlir":3:4)
    return %0 : !x
  }
}
"#;
    let m = parse("in.mlir", src, &reg()).unwrap_or_else(|e| panic!("{e}"));
    verify(&m, &reg()).unwrap_or_else(|e| panic!("{e}"));
    let p1 = print_module(&m);
    println!("{p1}");
    let m2 = parse("p1.mlir", &p1, &reg()).unwrap_or_else(|e| panic!("{e}"));
    let p2 = print_module(&m2);
    assert_eq!(p1, p2);
}

#[test]
fn errors() {
    for src in [
        "func.func @f(%a: i32) -> i32 {\n  %0 = \"t.addd\"(%a, %a) : (i32, i32) -> i32\n  return %0 : i32\n}",
        "func.func @f(%a: i32) -> i32 {\n  %0 = \"t.add\"(%a, %zz) : (i32, i32) -> i32\n  return %0 : i32\n}",
        "func.func @f(%a: i32) -> i32 {\n  %0 = \"t.add\"(%a, %1) : (i32, i32) -> i32\n %1 = \"t.add\"(%a, %a) : (i32, i32) -> i32\n  return %0 : i32\n}",
        "func.func @f(%a: i32) -> i32 {\n  %0 = \"t.add\"(%a, %a) : (i32, i64) -> i32\n  return %0 : i32\n}",
        "func.func @f(%a: i32) -> i32 {\n  %0 = \"t.add\"(%a, %a) : (i32, i32) -> i32\n  return %0 : i64\n}",
        "func.func @f(%a: i32) -> i32 {\n  %0 = \"t.add\"(%a %a) : (i32, i32) -> i32\n  return %0 : i32\n}",
    ] {
        let e = parse_and_verify("bad.mlir", src, &reg()).unwrap_err();
        println!("{e}");
    }
}
