//! The core on its own: a test dialect parsed, verified and printed back; errors rendered at their place.

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
    assert!(p1.starts_with("!ct0 = !t.ct<1x64xi8, frac = 6>\nmodule attributes {veil.calibrated} {"), "{p1}");
    assert!(p1.contains("dense<\"0x0102030405060708090A0B0C0D0E0F101112\"> : tensor<18xi8>"), "{p1}");
    let m2 = parse("p1.mlir", &p1, &reg()).unwrap_or_else(|e| panic!("{e}"));
    let p2 = print_module(&m2);
    assert_eq!(p1, p2);
}

#[test]
fn a_leading_zero_dimension_before_a_float_type_is_a_shape() {
    // `0xf32` lexes as a hexadecimal integer; after `tensor<` or a dialect type's `<` it is the shape `0x` and the
    // element type f32 (MLIR reads it so), while an integer attribute keeps its hexadecimal reading.
    let src = r#"func.func @f(%a: tensor<0xf32>, %b: !t.ct<0xbf16, frac = 2>, %c: tensor<0x3xf64>) {
  %0 = "t.const"() {value = 0xf32 : i32} : () -> tensor<0xf32>
  func.return
}
"#;
    let m = parse("in.mlir", src, &reg()).unwrap_or_else(|e| panic!("{e}"));
    let printed = print_module(&m);
    for ty in ["tensor<0xf32>", "!t.ct<0xbf16, frac = 2>", "tensor<0x3xf64>", "value = 3890 : i32"] {
        assert!(printed.contains(ty), "{ty} in {printed}");
    }
    assert_eq!(print_module(&parse("p.mlir", &printed, &reg()).unwrap_or_else(|e| panic!("{e}"))), printed);
}

#[test]
fn non_finite_floats_in_a_list_are_their_bit_patterns() {
    // Found by the ir_text fuzz target: -inf in a float list printed as a quoted hex string, which a list does not
    // accept. As in MLIR, it prints as the hex of its bits, and a hexadecimal integer in a float list reads so.
    let src = r#"func.func @f() {
  %0 = "t.const"() {value = dense<[-0.055, 0xFF800000, 0x7FC00000]> : tensor<3xf32>} : () -> tensor<3xf32>
  %1 = "t.const"() {value = dense<[0x7FF0000000000000, 2.5]> : tensor<2xf64>} : () -> tensor<2xf64>
  func.return
}
"#;
    let m = parse("in.mlir", src, &reg()).unwrap_or_else(|e| panic!("{e}"));
    let printed = print_module(&m);
    assert!(printed.contains("dense<[-0.055, 0xFF800000, 0x7FC00000]> : tensor<3xf32>"), "{printed}");
    assert!(printed.contains("dense<[0x7FF0000000000000, 2.5]> : tensor<2xf64>"), "{printed}");
    assert_eq!(print_module(&parse("p.mlir", &printed, &reg()).unwrap_or_else(|e| panic!("{e}"))), printed);

    let wide = src.replace("0xFF800000,", "0x1FF800000,");
    let rendered = parse("bad.mlir", &wide, &reg()).unwrap_err().to_string();
    assert!(rendered.contains("bad.mlir:2:44: error: '0x1FF800000' is not a bit pattern of type f32"), "{rendered}");
}

#[test]
fn quoted_symbol_names_are_the_names_without_quotes() {
    // Found by the ir_text fuzz target: `@"f-"` used to name the symbol `"f-"`, quotes included, so each print
    // added a layer of escaped quotes.
    let src = "module @\"m x\" {\n  func.func @\"f-\"() {\n    func.return\n  }\n  func.func @\"func.return\"() {\n    func.return\n  }\n}\n";
    let m = parse("in.mlir", src, &reg()).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<String> = m.funcs().into_iter().map(|f| builtin::func_name(&m, f).to_string()).collect();
    assert_eq!(names, ["f-", "func.return"]);
    let printed = print_module(&m);
    assert_eq!(printed, src);
    assert_eq!(print_module(&parse("p.mlir", &printed, &reg()).unwrap_or_else(|e| panic!("{e}"))), printed);
}

#[test]
fn errors_point_at_the_offending_place() {
    let cases = [
        (
            "%0 = \"t.addd\"(%a, %a) : (i32, i32) -> i32",
            "bad.mlir:2:8: error: unknown operation 't.addd'",
            "did you mean 't.add'?",
        ),
        ("%0 = \"t.add\"(%a, %zz) : (i32, i32) -> i32", "bad.mlir:2:20: error: use of undefined value '%zz'", "^^^"),
        (
            "%0 = \"t.add\"(%a, %1) : (i32, i32) -> i32\n  %1 = \"t.add\"(%a, %a) : (i32, i32) -> i32",
            "bad.mlir:2:20: error: use of value '%1' before its definition",
            "^^",
        ),
        (
            "%0 = \"t.add\"(%a, %a) : (i32, i64) -> i32",
            "bad.mlir:2:20: error: type mismatch: '%a' has type i32 but is used as i64",
            "2 │",
        ),
        ("%0 = \"t.add\"(%a %a) : (i32, i32) -> i32", "bad.mlir:2:19: error: unexpected '%a'; expected ')', ','", "^^"),
    ];
    for (body, header, detail) in cases {
        let src = format!("func.func @f(%a: i32) -> i32 {{\n  {body}\n  return %0 : i32\n}}");
        let rendered = parse_and_verify("bad.mlir", &src, &reg()).unwrap_err().to_string();
        assert!(rendered.starts_with(header), "expected header {header:?} in:\n{rendered}");
        assert!(rendered.contains(detail), "expected {detail:?} in:\n{rendered}");
        assert!(rendered.contains(body.lines().next().unwrap()), "the source line is shown:\n{rendered}");
    }
}
