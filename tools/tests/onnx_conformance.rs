//! ONNX conformance: every backend node test in `shared/onnx-node` imports (its first input an argument, the
//! others bound as constants, as weights would be) and
//! - the float evaluator reproduces the expected outputs within ONNX's tolerances (rtol 1e-3, atol 1e-7);
//! - the whole pipeline (`nn-to-rt`, the input's range being the min and max of its own data) on the exact clear
//!   backend is within `bound + atol + rtol·|expected|` of them, where `bound` is the compiler's proven
//!   fixed-point error bound for this input (`veil_tools::cli::accuracy::error_bound`).
//!
//! One failing case fails the test, naming it; every case folder is run, none skipped. Also snapshots the IR of
//! two small cases.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use veil_ir::{print_module, Module};
use veil_lowering::he_to_rt::Strategy;
use veil_nn::eval::{eval_main, Interval, Tensor};
use veil_rt::tfhe_config::Rounding;
use veil_tools::cli::accuracy::{error_bound, Bounded, Lowering};
use veil_tools::onnx::{decode_model, import_model, read_tensor_file, ImportOptions, Imported, TensorData};
use veil_tools::pipeline::{self, Compiled, Level, Loaded};

const RTOL: f32 = 1e-3;
const ATOL: f32 = 1e-7;

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/onnx-node")
}

/// The tensors `prefix_0.pb`, `prefix_1.pb`, ... of a case's data set, in order.
fn tensors(dir: &Path, prefix: &str) -> Result<Vec<TensorData>, String> {
    let data = dir.join("test_data_set_0");
    let mut out = vec![];
    while let Ok(true) = data.join(format!("{prefix}_{}.pb", out.len())).try_exists() {
        let (_, t) = read_tensor_file(&data.join(format!("{prefix}_{}.pb", out.len()))).map_err(|e| e.to_string())?;
        out.push(t);
    }
    Ok(out)
}

/// Imports a case with the inputs from `bound_from` on bound to the data set's values.
fn import_case(dir: &Path, bound_from: usize) -> Result<(Imported, Vec<TensorData>), String> {
    import_case_with(dir, bound_from, None)
}

/// [`import_case`] with the secret input's range.
fn import_case_with(
    dir: &Path,
    bound_from: usize,
    input_range: Option<(f64, f64)>,
) -> Result<(Imported, Vec<TensorData>), String> {
    let bytes = std::fs::read(dir.join("model.onnx")).map_err(|e| e.to_string())?;
    let model = decode_model("model.onnx", &bytes).map_err(|e| e.to_string())?;
    let graph = model.graph.as_ref().ok_or("no graph")?;
    let initializers: Vec<&str> = graph.initializer.iter().map(|t| t.name()).collect();
    let names: Vec<&str> = graph.input.iter().map(|i| i.name()).filter(|n| !initializers.contains(n)).collect();
    let inputs = tensors(dir, "input")?;
    if inputs.len() != names.len() {
        return Err(format!("{} graph inputs but {} input files", names.len(), inputs.len()));
    }
    let bind: HashMap<String, TensorData> =
        names.iter().zip(&inputs).skip(bound_from).map(|(n, t)| (n.to_string(), t.clone())).collect();
    let options = ImportOptions { bind, input_range, ..ImportOptions::default() };
    Ok((import_model("model.onnx", &model, &options).map_err(|e| e.to_string())?, inputs))
}

/// The first input of a case: the float tensor that becomes the secret argument.
fn first_input(dir: &Path) -> Result<Tensor<f32>, String> {
    match tensors(dir, "input")?.into_iter().next() {
        Some(TensorData::Float(t)) => Ok(t),
        _ => Err("the first input is not a float tensor".into()),
    }
}

fn run_case(dir: &Path) -> Result<(), String> {
    let (imported, _) = import_case(dir, 1)?;
    let x = first_input(dir)?;
    let outputs = eval_main(&imported.module, &[x])?;
    let expected = tensors(dir, "output")?;
    if outputs.len() != expected.len() {
        return Err(format!("{} outputs, expected {}", outputs.len(), expected.len()));
    }
    for (i, (got, want)) in outputs.iter().zip(&expected).enumerate() {
        let TensorData::Float(want) = want else { return Err(format!("output #{i} is not float")) };
        compare(got, want).map_err(|e| format!("output #{i}: {e}"))?;
    }
    Ok(())
}

fn compare(got: &Tensor<f32>, want: &Tensor<f32>) -> Result<(), String> {
    if got.shape() != want.shape() {
        return Err(format!("shape {:?}, expected {:?}", got.shape(), want.shape()));
    }
    for (k, (&a, &b)) in got.data().iter().zip(want.data()).enumerate() {
        if (a - b).abs() > ATOL + RTOL * b.abs() || a.is_nan() != b.is_nan() {
            return Err(format!("element {k} is {a}, expected {b}"));
        }
    }
    Ok(())
}

/// Runs one case through the whole pipeline on the clear backend, compiled for `strategy` (and `rounding`); the
/// largest error and bound of its outputs. An `Err(Compile(..))` when it does not compile.
fn run_case_fixed_point(dir: &Path, strategy: Strategy, rounding: Option<Rounding>) -> Result<(f64, f64), Failure> {
    let x = first_input(dir).map_err(Failure::Run)?;
    let lo = x.data().iter().fold(f32::INFINITY, |a, &b| a.min(b));
    let hi = x.data().iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
    let (imported, _) = import_case_with(dir, 1, Some((f64::from(lo), f64::from(hi)))).map_err(Failure::Run)?;
    let nn = imported.module.clone();
    let loaded = Loaded { level: Level::Nn, module: imported.module, notes: imported.notes };
    let options = pipeline::Options { strategy: Some(strategy), rounding, ..Default::default() };
    let compiled = pipeline::compile(loaded, &options).map_err(Failure::Compile)?;
    within_bound(dir, &nn, &x, &compiled).map_err(Failure::Run)
}

/// Runs a compiled case on the clear backend and compares it with the expected outputs, allowing the bound.
fn within_bound(dir: &Path, nn: &Module, x: &Tensor<f32>, compiled: &Compiled) -> Result<(f64, f64), String> {
    let (act, weight, _) = compiled
        .he
        .as_ref()
        .and_then(veil_lowering::assign_precision::recorded_precision)
        .ok_or("no recorded precision")?;
    let lowering = Lowering::of(compiled)?;
    let got = pipeline::run_clear(&compiled.rt, std::slice::from_ref(x))?.values;
    let input = x.map(|v| Bounded::input(Interval::point(f64::from(v)), act));
    let bounds = error_bound(nn, &[input], act, weight, &lowering)?;
    let expected = tensors(dir, "output")?;
    if got.len() != expected.len() {
        return Err(format!("{} outputs, expected {}", got.len(), expected.len()));
    }
    let (mut worst, mut widest) = (0f64, 0f64);
    for (i, ((got, want), bound)) in got.iter().zip(&expected).zip(&bounds).enumerate() {
        let TensorData::Float(want) = want else { return Err(format!("output #{i} is not float")) };
        if got.shape() != want.shape() {
            return Err(format!("output #{i}: shape {:?}, expected {:?}", got.shape(), want.shape()));
        }
        for (k, ((&a, &b), e)) in got.data().iter().zip(want.data()).zip(bound.data()).enumerate() {
            let tolerance = e.err + f64::from(ATOL) + f64::from(RTOL) * f64::from(b.abs());
            let error = f64::from((a - b).abs());
            if error > tolerance {
                return Err(format!(
                    "output #{i} element {k} is {a}, expected {b} (tolerance {tolerance:.3e}, bound {:.3e})",
                    e.err
                ));
            }
            (worst, widest) = (worst.max(error), widest.max(e.err));
        }
    }
    Ok((worst, widest))
}

/// Every case folder, sorted.
fn case_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("shared/onnx-node is missing")
        .map(|e| e.expect("readable folder").path())
        .filter(|p| p.join("model.onnx").exists())
        .collect();
    dirs.sort();
    assert_eq!(dirs.len(), 32, "INDEX.md lists 32 cases");
    dirs
}

/// Why a case failed: it did not compile, or it ran outside its bound (or not at all).
enum Failure {
    Compile(String),
    Run(String),
}

/// Runs every case compiled for `strategy`; the names of those that did not compile. Every other case must run
/// within its bound.
fn run_all(strategy: Strategy, rounding: Option<Rounding>) -> Vec<String> {
    let dirs = case_dirs();
    let (mut failures, mut not_compiled) = (vec![], vec![]);
    for d in &dirs {
        let name = d.file_name().unwrap_or_default().to_string_lossy().to_string();
        match run_case_fixed_point(d, strategy, rounding) {
            Ok((worst, bound)) => println!("{name}: max error {worst:.3e}, bound {bound:.3e}"),
            Err(Failure::Compile(e)) => {
                println!("{name}: does not compile: {e}");
                not_compiled.push(name);
            }
            Err(Failure::Run(e)) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), dirs.len(), failures.join("\n"));
    not_compiled
}

#[test]
fn every_node_test_runs_on_the_clear_backend_within_the_error_bound() {
    let not_compiled = run_all(Strategy::Radix, None);
    assert!(not_compiled.is_empty(), "every case compiles for the radix model: {not_compiled:?}");
}

/// The lookup-table model's bound (its tables' deviations measured on the compiled program, and under approximate
/// rounding a neighbouring entry and the decryption's error) holds on every case that model compiles; the cases it
/// does not compile are named, so that none is skipped unnoticed.
#[test]
fn every_node_test_in_the_lookup_table_model_runs_within_its_error_bound() {
    for rounding in [Rounding::Exact, Rounding::Approximate] {
        let not_compiled = run_all(Strategy::Lut, Some(rounding));
        assert_eq!(not_compiled, LUT_NOT_COMPILED, "{rounding:?}");
    }
}

/// The node tests the lookup-table model does not compile (see the test's output for why).
const LUT_NOT_COMPILED: &[&str] = &[];

#[test]
fn every_node_test_matches_its_expected_outputs() {
    let dirs = case_dirs();
    let failures: Vec<String> = dirs
        .iter()
        .filter_map(|d| {
            let name = d.file_name().unwrap_or_default().to_string_lossy();
            run_case(d).err().map(|e| format!("{name}: {e}"))
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), dirs.len(), failures.join("\n"));
    println!("{} of {} ONNX node tests pass", dirs.len(), dirs.len());
}

/// A small case imported without bindings: the weights are secret arguments too.
#[test]
fn gemm_with_transposed_b_imports_as_transpose_matmul_add() {
    let (imported, _) = import_case(&cases_dir().join("test_gemm_transposeB"), usize::MAX).unwrap();
    insta::assert_snapshot!(print_module(&imported.module));
}

/// Pads and the fill value bound from the data set become attributes of `nn.pad`.
#[test]
fn constant_pad_takes_its_pads_from_bindings() {
    let (imported, _) = import_case(&cases_dir().join("test_constant_pad"), 1).unwrap();
    insta::assert_snapshot!(print_module(&imported.module));
}
