//! The kernel table mirrors the server-side he ops one to one, every kernel attribute is accepted by rt.call
//! with the same kind, no rt op runs on the client, and rt types round-trip through he's typed view.

use veil_he::FixedTensor;
use veil_ir::{builtin, parse_and_verify, verify, InsertPoint, Location, Module, Registry, Traits};
use veil_rt::ops::{CALL_ATTRS, CALL_OWN_ATTRS};
use veil_rt::{kernel, RtTensor, KERNELS};

fn registry() -> Registry {
    let mut r = Registry::new();
    r.register(&veil_he::DIALECT).register(&veil_rt::DIALECT);
    r
}

#[test]
fn kernels_mirror_server_side_he_ops() {
    let mut server_ops: Vec<&str> = veil_he::OPS
        .iter()
        .filter(|op| !op.is(Traits::CLIENT_ONLY) && !op.is(Traits::CONSTANT))
        .map(|op| veil_he::signature::short_name(op.name))
        .collect();
    let mut kernels: Vec<&str> = KERNELS.iter().map(|k| k.name).collect();
    server_ops.sort();
    kernels.sort();
    assert_eq!(kernels, server_ops);
    for k in KERNELS {
        assert_eq!(k.he_op().name, format!("he.{}", k.name));
        let spec = |a: &veil_ir::AttrSpec| (a.name, a.ty, a.required);
        let (ours, his): (Vec<_>, Vec<_>) =
            (k.attrs.iter().map(spec).collect(), k.he_op().attrs.iter().map(spec).collect());
        assert_eq!(ours, his, "@{} takes its he op's attributes", k.name);
        assert!(std::ptr::eq(kernel(k.name).expect("found by name"), k));
    }
    assert!(kernel("encrypt").is_none() && kernel("decrypt").is_none() && kernel("encode").is_none());
}

#[test]
fn call_accepts_every_kernel_attribute() {
    for (i, spec) in CALL_ATTRS.iter().enumerate() {
        assert!(CALL_ATTRS[..i].iter().all(|s| s.name != spec.name), "'{}' listed twice", spec.name);
        // `blocks` is required of radix calls only (the verifier checks it); `!rt.lwe` calls have none.
        assert_eq!(spec.required, ["callee", "signed"].contains(&spec.name), "{}", spec.name);
        assert!(!spec.required || CALL_OWN_ATTRS.contains(&spec.name), "{}", spec.name);
    }
    for k in KERNELS {
        for a in k.attrs {
            let call = CALL_ATTRS.iter().find(|s| s.name == a.name).expect("rt.call accepts the attribute");
            assert_eq!(call.ty, a.ty, "@{} attribute '{}'", k.name, a.name);
        }
    }
}

#[test]
fn leveled_facts() {
    for name in ["reshape", "transpose", "pad", "concat", "trivial"] {
        assert!(kernel(name).is_some_and(|k| k.leveled && k.variants.is_empty()), "{name}");
    }
    for name in ["add", "sub", "add_plain", "sub_plain", "neg", "mul_plain"] {
        let k = kernel(name).expect("kernel");
        assert!(!k.leveled && k.is_leveled(Some("leveled")) && !k.is_leveled(Some("propagate")), "{name}");
        assert!(!k.is_leveled(None));
    }
    for name in ["mul", "square", "relu", "max", "lut", "matmul_plain", "conv2d_plain", "rescale"] {
        assert!(kernel(name).is_some_and(|k| !k.leveled && k.variants.is_empty()), "{name}");
    }
}

#[test]
fn no_rt_op_is_client_only() {
    assert!(veil_rt::DIALECT.ops.iter().all(|op| !op.is(Traits::CLIENT_ONLY)));
}

#[test]
fn rt_types_share_the_he_view() {
    let src = "func.func @f(%a: !rt.ct<1x32xi16, frac = 6>, %b: !rt.pt<i2, frac = -1>, %c: !he.ct<4xi8, frac = 0>) {\n  func.return\n}";
    let mut m = parse_and_verify("t.mlir", src, &registry()).unwrap_or_else(|e| panic!("{e}"));
    let (inputs, _) = builtin::func_signature(&m, m.funcs()[0]);
    let a = FixedTensor::of_rt(&m, inputs[0]).expect("an rt type");
    assert_eq!((a.clone(), a.blocks()), (FixedTensor::cipher([1, 32], 16, 6), 8));
    assert_eq!(a.to_rt_type(&mut m), inputs[0]);
    let b = FixedTensor::of_rt(&m, inputs[1]).expect("an rt type");
    assert_eq!(b.to_rt_type(&mut m), inputs[1]);
    assert_eq!(FixedTensor::of_rt(&m, inputs[2]), None);
    // Lowering an he type: the same parameters, the width rounded up to whole blocks.
    let he = FixedTensor::of(&m, inputs[2]).expect("an he type").with_width(veil_rt::block_width(9));
    assert_eq!(he.width, 10);
    assert_eq!(veil_rt::block_width(2), 2);
}

#[test]
fn calls_built_from_the_table_verify() {
    let mut m = Module::new();
    let ct = FixedTensor::cipher([4], 8, 2);
    let t = ct.to_rt_type(&mut m);
    let (_, body) = builtin::create_func(&mut m, "main", &[t], &[t], Location::Unknown);
    let x = m.block(body).args[0];
    let k = kernel("relu").expect("kernel");
    let attrs = vec![
        ("callee".to_string(), m.intern_attr(veil_ir::AttrKind::Symbol(k.name.into()))),
        ("blocks".to_string(), m.int_attr(ct.blocks() as i64)),
        ("signed".to_string(), m.bool_attr(true)),
    ];
    let call = m.create(InsertPoint::End(body), &veil_rt::CALL, &[x], &[t], attrs, Location::Unknown);
    let y = m.op(call).result();
    m.create(InsertPoint::End(body), &builtin::RETURN, &[y], &[], vec![], Location::Unknown);
    verify(&m, &registry()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(veil_rt::ops::callee(&m, call).map(|k| k.name), Ok("relu"));
}

#[test]
fn the_reference_page_lists_every_kernel() {
    let page =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/dialects/rt.md")).expect("rt.md");
    for k in KERNELS {
        let row = format!("| `{}` |", k.symbol());
        assert!(page.lines().any(|l| l.starts_with(&row)), "rt.md has no table row for {}", k.symbol());
        let leveled = if k.leveled {
            "| yes |"
        } else if k.variants.is_empty() {
            "| no |"
        } else {
            "| by variant |"
        };
        assert!(page.lines().any(|l| l.starts_with(&row) && l.contains(leveled)), "rt.md: leveled of {}", k.symbol());
    }
}

#[test]
fn unknown_kernel_diagnostic_renders_with_a_suggestion() {
    let src = "func.func @f(%a: !rt.ct<4xi8, frac = 0>) {
  %0 = \"rt.call\"(%a) {callee = @rlu, blocks = 4, signed = true} : (!rt.ct<4xi8, frac = 0>) -> !rt.ct<4xi8, frac = 0>
  func.return
}
";
    let rendered = parse_and_verify("k.mlir", src, &registry()).unwrap_err().to_string();
    let expected = "k.mlir:2:3: error: 'rt.call' unknown kernel @rlu; did you mean @relu?
  ┌─ k.mlir:2:3
  │
2 │   %0 = \"rt.call\"(%a) {callee = @rlu, blocks = 4, signed = true} : (!rt.ct<4xi8, frac = 0>) -> !rt.ct<4xi8, frac = 0>
  │   ^^^^^^^^^^^^^^

";
    assert_eq!(rendered, expected);
}
