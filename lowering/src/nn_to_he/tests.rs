//! Unit tests of the nn → he lowering: the he program computed exactly (interval arithmetic on points is exact
//! evaluation) agrees with the float model up to the quantization error, and every exact value fits the width
//! the pass chose; calibration is recorded and warned about.

use veil_he::FixedTensor;
use veil_ir::builtin::return_op;
use veil_nn::eval::{eval_func, Tensor};

use super::*;
use crate::assign_precision::AssignPrecision;
use crate::he_ranges::TensorRange;
use crate::pass::PassManager;

fn parse(text: &str) -> Module {
    veil_ir::parse_and_verify("test.mlir", text, &crate::registry()).unwrap_or_else(|d| panic!("{d}"))
}

/// Runs `--assign-precision` (with `p`) and `--nn-to-he`, verifying after each, as veil-opt does.
fn lower(m: &mut Module, p: AssignPrecision) {
    let registry = crate::registry();
    let mut pm = PassManager::new(&registry);
    pm.add(Box::new(p)).add(Box::new(NnToHe));
    pm.run(m, &mut Default::default()).unwrap_or_else(|d| panic!("{d}"));
}

struct Lcg(u64);

impl Lcg {
    fn unit(&mut self) -> f32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// Runs the he function exactly on `x` (encoded as the client does) and returns the decoded results, checking
/// that every value fits its type.
fn run_he(m: &Module, x: &[f32]) -> Vec<Vec<f64>> {
    let f = m.funcs()[0];
    let body = m.body(f).unwrap();
    let arg = m.block(body).args[0];
    let t = FixedTensor::of(m, m.value_type(arg)).unwrap();
    let elems = x.iter().map(|&v| Interval::point(scale_round(v as f64, t.frac))).collect();
    let mut exact = RangeAnalysis::new();
    exact.set(arg, TensorRange { shape: t.shape.clone(), elems });
    for &op in &m.block(body).ops {
        exact.visit(m, op).unwrap();
        for &v in &m.op(op).results {
            let ty = FixedTensor::of(m, m.value_type(v)).unwrap();
            let r = exact.get(v).unwrap();
            assert!(r.elems.iter().all(|e| ty.fits(e.lo)), "a value of {} escapes {ty}", m.op(op).name());
        }
    }
    let ret = return_op(m, f).unwrap();
    m.op(ret)
        .operands
        .iter()
        .map(|&v| {
            let ty = FixedTensor::of(m, m.value_type(v)).unwrap();
            exact.get(v).unwrap().elems.iter().map(|e| e.lo as f64 / (ty.frac as f64).exp2()).collect()
        })
        .collect()
}

fn agrees_with_float(text: &str, tolerance: f64) {
    let float = parse(text);
    let mut m = float.clone();
    lower(&mut m, AssignPrecision::with_defaults());
    let f = float.funcs()[0];
    let shape = float.static_shape(float.value_type(float.block(float.body(f).unwrap()).args[0])).unwrap();
    let n: u64 = shape.iter().product();
    let mut rng = Lcg(7);
    for _ in 0..20 {
        let x: Vec<f32> = (0..n).map(|_| rng.unit()).collect();
        let expected = eval_func(&float, f, &[Tensor::new(shape.clone(), x.clone()).unwrap()]).unwrap();
        let got = run_he(&m, &x);
        for (e, g) in expected[0].data().iter().zip(&got[0]) {
            assert!((*e as f64 - g).abs() < tolerance, "float {e} vs fixed point {g}");
        }
    }
}

#[test]
fn the_test_networks_agree_with_the_float_model() {
    agrees_with_float(include_str!("../../../test/models/mlp.mlir"), 0.05);
    agrees_with_float(include_str!("../../../test/models/cryptonets.mlir"), 0.05);
    agrees_with_float(include_str!("../../../test/models/cnn_avg.mlir"), 0.05);
    agrees_with_float(include_str!("../../../test/models/cnn_max.mlir"), 0.05);
}

#[test]
fn calibration_is_recorded_and_tightens_widths() {
    let text = include_str!("../../../test/models/mlp.mlir");
    let mut sound = parse(text);
    lower(&mut sound, AssignPrecision::with_defaults());
    // A calibration file of 3 samples of 16 numbers in [0, 0.1]: far inside the declared range [0, 1].
    let data: Vec<f32> = (0..48).map(|i| (i % 11) as f32 / 100.0).collect();
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    let mut header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 1, 16), }".to_string();
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend(data.iter().flat_map(|v| v.to_le_bytes()));
    let path = std::env::temp_dir().join(format!("veil-calib-{}.npy", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    let mut m = parse(text);
    let p = AssignPrecision { calibration: Some(path.clone()), ..AssignPrecision::with_defaults() };
    let out = p.run(&mut m).unwrap();
    assert!(out.diagnostics[0].message.contains("not from a proof"), "{:?}", out.diagnostics);
    assert!(assign_precision::is_calibrated(&m));
    NnToHe.run(&mut m).unwrap();
    veil_ir::verify(&m, &crate::registry()).unwrap_or_else(|d| panic!("{d}"));
    std::fs::remove_file(&path).ok();
    let widths = |m: &Module| -> u32 {
        let mut ops = vec![];
        m.walk_into(m.funcs()[0], &mut ops);
        ops.iter()
            .filter_map(|&op| m.op(op).results.first())
            .filter_map(|&v| FixedTensor::of(m, m.value_type(v)))
            .map(|t| t.width)
            .sum()
    };
    assert!(widths(&m) < widths(&sound), "calibrated {} vs sound {}", widths(&m), widths(&sound));
}

#[test]
fn running_either_pass_on_he_changes_nothing() {
    let mut m = parse(include_str!("../../../test/models/cnn_avg.mlir"));
    lower(&mut m, AssignPrecision::with_defaults());
    let before = veil_ir::print_module(&m);
    assert!(!NnToHe.run(&mut m).unwrap().ir);
    // The precision pass leaves he functions alone too.
    assert!(!AssignPrecision::with_defaults().run(&mut m).unwrap().ir);
    assert_eq!(veil_ir::print_module(&m), before);
}
