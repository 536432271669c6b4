//! The typed view reads every he type and writes back the very same uniqued type, so that passes can build
//! types with `FixedTensor::to_type` and compare them with parsed ones; ops built from the exported `OpDef`s
//! verify like parsed ones.

use veil_he::{FixedTensor, Kind};
use veil_ir::{builtin, parse_and_verify, print_module, verify, InsertPoint, Location, Registry};

fn registry() -> Registry {
    let mut r = Registry::new();
    r.register(&veil_he::DIALECT);
    r
}

#[test]
fn view_round_trips_parsed_types() {
    let src = "func.func @f(%a: !he.ct<1x64xi8, frac = 6>, %b: !he.pt<i2, frac = -62>, %c: !he.ct<3xi64, frac = 62>) {\n  func.return\n}";
    let mut m = parse_and_verify("t.mlir", src, &registry()).unwrap_or_else(|e| panic!("{e}"));
    let f = m.funcs()[0];
    let (inputs, _) = builtin::func_signature(&m, f);
    let views: Vec<FixedTensor> = inputs.iter().map(|&t| FixedTensor::of(&m, t).expect("an he type")).collect();
    assert_eq!(views[0], FixedTensor::cipher([1, 64], 8, 6));
    assert_eq!(views[1], FixedTensor::new(Kind::Plain, [], 2, -62));
    assert_eq!(views[2].numel(), 3);
    assert_eq!((views[1].min_int(), views[1].max_int()), (-2, 1));
    assert_eq!(views[0].real(-32), -0.5);
    for (view, &t) in views.iter().zip(&inputs) {
        assert_eq!(view.to_type(&mut m), t, "{view} must unique to the parsed type");
        assert_eq!(FixedTensor::of_in(&m, t, "rt"), None);
    }
}

#[test]
fn exported_op_defs_build_verified_ops() {
    let mut m = veil_ir::Module::new();
    let ct = FixedTensor::cipher([2, 3], 8, 4);
    let (a, wide) = (ct.to_type(&mut m), ct.with_width(9).to_type(&mut m));
    let (f, body) = builtin::create_func(&mut m, "main", &[a, a], &[wide], Location::Unknown);
    let args = m.block(body).args.clone();
    let add = m.create(InsertPoint::End(body), &veil_he::ADD, &args, &[wide], vec![], Location::Unknown);
    let sum = m.op(add).result();
    m.create(InsertPoint::End(body), &builtin::RETURN, &[sum], &[], vec![], Location::Unknown);
    verify(&m, &registry()).unwrap_or_else(|e| panic!("{e}"));
    assert!(print_module(&m).contains("\"he.add\"(%arg0, %arg1) : (!ct0, !ct0) -> !ct1"));

    // The same op at mismatched scales is rejected with the scale rule.
    let other = ct.with_frac(2).to_type(&mut m);
    m.set_value_type(args[1], other);
    builtin::sync_func_signature(&mut m, f);
    let err = verify(&m, &registry()).unwrap_err().to_string();
    assert!(err.contains("operands have different fraction bits (4 vs 2): add needs equal scales"), "{err}");
}

#[test]
fn every_op_has_a_signature_and_client_ops_are_marked() {
    for op in veil_he::OPS {
        let sig = veil_he::ops::signature(op).expect("signature");
        assert!(std::ptr::eq(sig.op, *op));
        let client = op.is(veil_ir::Traits::CLIENT_ONLY);
        assert_eq!(client, ["he.encrypt", "he.decrypt"].contains(&op.name), "{}", op.name);
        assert!(op.is(veil_ir::Traits::PURE));
    }
}

#[test]
fn the_reference_page_documents_every_op() {
    let page =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/dialects/he.md")).expect("he.md");
    for op in veil_he::OPS {
        let heading = format!("`{}`", op.name);
        assert!(
            page.lines().any(|l| l.starts_with("### ") && l.contains(&heading)),
            "he.md has no section for {}",
            op.name
        );
    }
}
