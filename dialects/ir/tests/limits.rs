//! The verifier holds a module to the limits it carries, so what a pass or an importer builds (not only what the
//! parser reads) is refused past them; and parsing under [`Limits`] keeps them on the module.

use veil_ir::*;

static CST: OpDef = OpDef::new("t.const", "c", Arity::Exactly(0), Arity::Exactly(1))
    .with_attrs(&[AttrSpec::required("value", AttrType::Any)]);
static T: Dialect = Dialect { name: "t", summary: "test", ops: &[&CST], verify_type: None };

fn reg() -> Registry {
    let mut r = Registry::new();
    r.register(&T);
    r
}

const SRC: &str = r#"func.func @main(%a: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %c = "t.const"() {value = dense<1.0> : tensor<4x4xf32>} : () -> tensor<4x4xf32>
  %d = "t.const"() {value = dense<2.0> : tensor<4x4xf32>} : () -> tensor<4x4xf32>
  return %a : tensor<4x4xf32>
}
"#;

/// The module of [`SRC`], read under the defaults and then held to `limits`, as if a pass had built it.
fn verify_under(limits: Limits) -> String {
    let mut m = parse("in.mlir", SRC, &reg()).unwrap_or_else(|e| panic!("{e}"));
    verify(&m, &reg()).unwrap_or_else(|e| panic!("{e}"));
    m.limits = limits;
    verify(&m, &reg()).map(|()| "verified".to_string()).unwrap_or_else(|e| e.to_string())
}

#[test]
fn verifier_refuses_types_over_the_element_limit() {
    let out = verify_under(Limits { max_elements: 15, ..Limits::default() });
    assert!(
        out.starts_with(
            "in.mlir:2:3: error: 't.const': the type tensor<4x4xf32> has 16 elements, more than the limit of 15"
        ),
        "{out}"
    );
    assert!(out.contains("= raise the limit with VEIL_LIMITS=elements=N"), "{out}");
    assert_eq!(out.matches("error:").count(), 1, "one error, not one per op: {out}");
    assert_eq!(verify_under(Limits { max_elements: 16, ..Limits::default() }), "verified");
}

#[test]
fn verifier_sums_constant_bytes_over_the_module() {
    // Two splats of 16 f32 each: 64 bytes each, 128 in all.
    let out = verify_under(Limits { max_constant_bytes: 127, ..Limits::default() });
    assert!(
        out.starts_with(
            "in.mlir:3:3: error: 't.const': the constants of this module take more than 127 bytes, the limit (128 bytes so far)"
        ),
        "{out}"
    );
    assert_eq!(verify_under(Limits { max_constant_bytes: 128, ..Limits::default() }), "verified");
}

#[test]
fn verifier_counts_ops_functions_included() {
    // @main, two constants and the return.
    let out = verify_under(Limits { max_ops: 3, ..Limits::default() });
    assert!(out.contains("error: the module has more than 3 ops, the limit"), "{out}");
    assert_eq!(verify_under(Limits { max_ops: 4, ..Limits::default() }), "verified");
}

#[test]
fn parsing_keeps_the_limits_on_the_module() {
    let limits = Limits { max_elements: 100, ..Limits::default() };
    let m = parse_with_limits("in.mlir", SRC, &reg(), limits).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.limits, limits);
    let refused = parse_with_limits("in.mlir", SRC, &reg(), Limits { max_elements: 10, ..limits }).unwrap_err();
    assert!(
        refused.to_string().starts_with("in.mlir:1:21: error: the type tensor<4x4xf32> has 16 elements"),
        "{refused}"
    );
}
