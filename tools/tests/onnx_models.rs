//! The real models of `shared/models`:
//! - each imports (with its calibration data), verifies, prints IR that parses back, and the float evaluator
//!   reproduces onnxruntime's `<m>.expected.npy` row by row (max abs error within 1e-4); classifiers reach exactly
//!   the accuracy on the saved rows that `<m>.meta.json` states, the regressor its RMSE;
//! - compiled to fixed point and run on the exact clear backend (every value checked against its width) over the
//!   saved rows through `veil accuracy --json`, a classifier's accuracy is within 1 point of the stated float
//!   accuracy and the regressor's RMSE within 1% of the float model's; every output element of every row is within
//!   the compiler's proven error bound of the float model. The input range is `input_range_test` of meta.json,
//!   the extremes of the saved rows (the calibration samples come from the training split and need not cover
//!   them).

use std::path::{Path, PathBuf};
use std::time::Instant;

use veil_ir::{parse_and_verify, print_module, Registry};
use veil_nn::eval::{eval_main, Tensor};
use veil_tools::cli::npy::{read_f32, read_i64};
use veil_tools::onnx::{import_file, ImportOptions};

const MAX_ABS_ERROR: f32 = 1e-4;

fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/models")
}

fn file(model: &str, suffix: &str) -> PathBuf {
    models_dir().join(format!("{model}.{suffix}"))
}

fn meta(model: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(file(model, "meta.json")).expect("meta.json");
    serde_json::from_str(&text).expect("valid JSON")
}

/// Row `i` of a `[rows, ...]` tensor as a `[1, ...]` tensor.
fn row(t: &Tensor<f32>, i: usize) -> Tensor<f32> {
    let per_row = t.len() / t.shape()[0] as usize;
    let mut shape = t.shape().to_vec();
    shape[0] = 1;
    Tensor::new(shape, t.data()[i * per_row..][..per_row].to_vec()).expect("row")
}

fn argmax(v: &[f32]) -> usize {
    (0..v.len()).fold(0, |best, i| if v[i] > v[best] { i } else { best })
}

struct Report {
    rows: usize,
    max_error: f32,
    predictions: Vec<usize>,
    outputs: Vec<f32>,
}

/// Imports `model` and runs every saved input through the float evaluator.
fn run_model(model: &str) -> Report {
    let calibration = read_f32(&file(model, "calib.npy")).expect("calibration data");
    let options = ImportOptions { calibration: Some(calibration), ..ImportOptions::default() };
    let imported = import_file(&file(model, "onnx"), &options).unwrap_or_else(|e| panic!("{model}: {e}"));
    let mut registry = Registry::new();
    registry.register(&veil_nn::DIALECT);
    let text = print_module(&imported.module);
    parse_and_verify(model, &text, &registry).unwrap_or_else(|e| panic!("{model}: printed IR does not parse: {e}"));
    veil_nn::args::verify_args(&imported.module).unwrap_or_else(|e| panic!("{model}: {e}"));

    let inputs = read_f32(&file(model, "inputs.npy")).expect("inputs");
    let expected = read_f32(&file(model, "expected.npy")).expect("expected outputs");
    let rows = inputs.shape()[0] as usize;
    assert_eq!(expected.shape()[0] as usize, rows, "{model}: one expected row per input row");
    let mut report = Report { rows, max_error: 0.0, predictions: vec![], outputs: vec![] };
    for i in 0..rows {
        let out = eval_main(&imported.module, &[row(&inputs, i)]).unwrap_or_else(|e| panic!("{model} row {i}: {e}"));
        assert_eq!(out.len(), 1, "{model}: one output (the scores)");
        let want = row(&expected, i);
        assert_eq!(out[0].len(), want.len(), "{model} row {i}: output size");
        for (a, b) in out[0].data().iter().zip(want.data()) {
            report.max_error = report.max_error.max((a - b).abs());
        }
        report.predictions.push(argmax(out[0].data()));
        report.outputs.extend_from_slice(out[0].data());
    }
    println!("{model}: {rows} rows, max |float - onnxruntime| = {:.2e}", report.max_error);
    assert!(report.max_error <= MAX_ABS_ERROR, "{model}: max abs error {} > {MAX_ABS_ERROR}", report.max_error);
    report
}

/// `veil accuracy` on the clear backend with the model's saved data and `--truth` (labels or targets), compiled
/// with `compile` (strategy, rounding, pass options); its JSON report, after checking that no output element left
/// the proven error bound.
fn clear_accuracy_with(model: &str, truth: &str, compile: &[&str]) -> serde_json::Value {
    let range = &meta(model)["input_range_test"];
    let range = format!("{},{}", range[0].as_f64().expect("lo"), range[1].as_f64().expect("hi"));
    let path = |suffix: &str| file(model, suffix).display().to_string();
    let mut args = vec![
        "accuracy".to_string(),
        path("onnx"),
        "--inputs".into(),
        path("inputs.npy"),
        format!("--{truth}"),
        path(&format!("{truth}.npy")),
        "--expected".into(),
        path("expected.npy"),
        "--input-range".into(),
        range,
        "--backend".into(),
        "clear".into(),
        "--json".into(),
    ];
    args.extend(compile.iter().map(|a| a.to_string()));
    let start = Instant::now();
    let out = veil_tools::cli::run(&args);
    assert_eq!(out.code, 0, "{model} {compile:?}: {}", out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("one JSON object");
    println!("{model} {compile:?} on the clear backend ({:.1}s): {report}", start.elapsed().as_secs_f64());
    assert_eq!(report["bound_violations"], 0, "{model} {compile:?}: an output beyond the proven error bound");
    report
}

/// [`clear_accuracy_with`] for the radix model at the default precision, whose accuracy the callers check; and
/// the lookup-table model with both roundings at 4/4 fraction bits (where every shared model has parameters: its
/// accuracy is in docs/accuracy.md), held to its own bound.
fn clear_accuracy(model: &str, truth: &str) -> serde_json::Value {
    for rounding in ["exact", "approximate"] {
        let lut = [
            "--strategy",
            "lut",
            "--rounding",
            rounding,
            "--pass-option",
            "assign-precision{act-frac=4 weight-frac=4}",
        ];
        clear_accuracy_with(model, truth, &lut);
    }
    clear_accuracy_with(model, truth, &["--strategy", "radix"])
}

/// A classifier: the float argmax accuracy on the saved rows is the one meta.json states, and the clear
/// backend's is within 1 point of it.
fn check_classifier(model: &str) {
    check_float_classifier(model);
    let report = clear_accuracy(model, "labels");
    let stated = meta(model)["accuracy_first200"].as_f64().expect("accuracy_first200");
    let (float, fixed) = (report["float_accuracy"].as_f64().unwrap(), report["accuracy"].as_f64().unwrap());
    assert!((float - stated).abs() < 1e-9, "{model}: float accuracy {float}, meta.json states {stated}");
    assert!((fixed - stated).abs() <= 0.01, "{model}: clear accuracy {fixed} is not within 1 point of {stated}");
}

/// The float evaluator's argmax accuracy on the saved rows is the one meta.json states.
fn check_float_classifier(model: &str) {
    let report = run_model(model);
    let labels = read_i64(&file(model, "labels.npy")).expect("labels");
    let correct = report.predictions.iter().zip(labels.data()).filter(|(&p, &l)| p as i64 == l).count();
    let accuracy = correct as f64 / report.rows as f64;
    let stated = meta(model)["accuracy_first200"].as_f64().expect("accuracy_first200");
    println!(
        "{model}: float accuracy {correct}/{} = {:.2}% (stated {:.2}%)",
        report.rows,
        100.0 * accuracy,
        100.0 * stated
    );
    assert!((accuracy - stated).abs() < 1e-9, "{model}: accuracy {accuracy} but meta.json states {stated}");
}

#[test]
fn digits_mlp() {
    check_classifier("digits_mlp");
}

#[test]
fn digits_cnn_relu() {
    check_classifier("digits_cnn_relu");
}

#[test]
fn digits_cnn_maxpool() {
    check_classifier("digits_cnn_maxpool");
}

#[test]
fn digits_cryptonets() {
    check_classifier("digits_cryptonets");
}

#[test]
fn mnist_cryptonets() {
    check_classifier("mnist_cryptonets");
}

/// skl2onnx's LinearClassifier: the scores (`probabilities`, raw) are compared; the label is their argmax.
#[test]
fn breast_cancer_logreg() {
    check_classifier("breast_cancer_logreg");
    let labels = read_i64(&file("breast_cancer_logreg", "expected.label.npy")).expect("onnxruntime's labels");
    let report = run_model("breast_cancer_logreg");
    let agree = report.predictions.iter().zip(labels.data()).all(|(&p, &l)| p as i64 == l);
    assert!(agree, "the argmax of the scores is onnxruntime's label on every row");
}

#[test]
fn diabetes_linreg() {
    let report = run_model("diabetes_linreg");
    let targets = read_f32(&file("diabetes_linreg", "targets.npy")).expect("targets");
    let squares: f64 = report.outputs.iter().zip(targets.data()).map(|(&p, &t)| f64::from(p - t).powi(2)).sum();
    let rmse = (squares / report.rows as f64).sqrt();
    let stated = meta("diabetes_linreg")["rmse"].as_f64().expect("rmse");
    println!("diabetes_linreg: RMSE {rmse:.4} (stated {stated:.4})");
    assert!((rmse - stated).abs() < 1e-3, "RMSE {rmse} but meta.json states {stated}");

    // In fixed point: the RMSE within 1% of the float model's (and every prediction within the proven bound).
    let report = clear_accuracy("diabetes_linreg", "targets");
    let (float, fixed) = (report["float_rmse"].as_f64().unwrap(), report["rmse"].as_f64().unwrap());
    assert!((float - rmse).abs() < 1e-3, "veil accuracy's float RMSE {float}, the evaluator's {rmse}");
    assert!((fixed - float).abs() <= 0.01 * float, "clear RMSE {fixed} is not within 1% of {float}");
}

/// Every model in the folder is covered by a test above.
#[test]
fn every_model_is_tested() {
    let tested = [
        "breast_cancer_logreg",
        "diabetes_linreg",
        "digits_cnn_maxpool",
        "digits_cnn_relu",
        "digits_cryptonets",
        "digits_mlp",
        "mnist_cryptonets",
    ];
    let mut found: Vec<String> = std::fs::read_dir(models_dir())
        .expect("shared/models")
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".onnx").map(str::to_string))
        .collect();
    found.sort();
    assert_eq!(found, tested);
}

/// The bundled example (examples/, see its README): each input is one row, and the model predicts its label.
#[test]
fn bundled_example_predicts_its_labels() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let imported = import_file(&examples.join("digits_mlp.onnx"), &ImportOptions::default()).expect("imports");
    let labels = read_i64(&examples.join("digits_mlp.labels.npy")).expect("labels");
    let expected = read_f32(&file("digits_mlp", "expected.npy")).expect("expected outputs");
    for (i, &label) in labels.data().iter().enumerate() {
        let x = read_f32(&examples.join(format!("digits_mlp.input{i}.npy"))).expect("input");
        assert_eq!(x.shape(), &[1, 64]);
        let out = eval_main(&imported.module, &[x]).expect("evaluates");
        assert_eq!(out[0].data(), row(&expected, i).data(), "row {i} matches onnxruntime");
        assert_eq!(argmax(out[0].data()) as i64, label, "row {i}");
    }
}

/// `veil accuracy` proves its bound for both models: on the README's lookup-table program (approximate rounding)
/// as on the radix one, no element of the first rows strays beyond it.
#[test]
fn accuracy_proves_its_bound_for_both_models() {
    let path = |suffix: &str| file("digits_mlp", suffix).display().to_string();
    let report = |strategy: &str| -> serde_json::Value {
        let mut args = vec!["accuracy".to_string(), path("onnx"), "--inputs".into(), path("inputs.npy")];
        args.extend(["--limit", "4", "--input-range", "0,1", "--strategy", strategy, "--json"].map(String::from));
        // The README's precision and rounding, for which the lookup-table model finds parameters.
        args.extend(
            ["--pass-option", "assign-precision{act-frac=4 weight-frac=4}", "--rounding", "approximate"]
                .map(String::from),
        );
        let out = veil_tools::cli::run(&args);
        assert_eq!(out.code, 0, "{strategy}: {}", out.stderr);
        serde_json::from_str(&out.stdout).expect("JSON")
    };
    for strategy in ["radix", "lut"] {
        let r = report(strategy);
        assert_eq!(r["bound_violations"], 0, "{strategy}: {r}");
        let (bound, error) = (r["max_bound"].as_f64().unwrap(), r["max_error_vs_float"].as_f64().unwrap());
        assert!(bound > 0.0 && error <= bound, "{strategy}: {r}");
    }
}

/// The lookup-table program's deviations are what its bound needs: compiled for a loose input range ([0, 16] where
/// the data lie in [0, 1], so that the tables' boxes are 16 times wider), the clear backend's results exceed the
/// radix model's bound (a floor per rescale, exact non-linear steps), not the bound with the tables' deviations.
#[test]
fn the_lookup_table_bound_needs_the_tables_deviations() {
    use veil_lowering::he_to_rt::Strategy;
    use veil_nn::eval::Interval;
    use veil_rt::tfhe_config::Rounding;
    use veil_tools::cli::accuracy::{error_bound, row, Bounded, Lowering};
    use veil_tools::pipeline;
    let options = pipeline::Options {
        input_range: Some((0.0, 16.0)),
        pass_options: vec![("assign-precision".into(), "act-frac=4 weight-frac=4".into())],
        strategy: Some(Strategy::Lut),
        rounding: Some(Rounding::Approximate),
        ..Default::default()
    };
    let compiled = pipeline::load_and_compile(&file("digits_mlp", "onnx"), &options).expect("compiles");
    let nn = compiled.nn.as_ref().expect("an nn program");
    let lut = Lowering::of(&compiled).expect("deviations");
    assert!(matches!(&lut, Lowering::Lut { deviations, .. } if !deviations.is_empty()), "{lut:?}");
    let inputs = read_f32(&file("digits_mlp", "inputs.npy")).expect("inputs");
    let (mut beyond_radix, mut beyond_lut) = (0, 0);
    for i in 0..40 {
        let x = row(&inputs, i).expect("a row");
        let float = pipeline::run_float(nn, std::slice::from_ref(&x)).expect("float");
        let clear = pipeline::run_clear(&compiled.rt, std::slice::from_ref(&x)).expect("clear").values;
        let input = x.map(|v| Bounded::input(Interval::point(f64::from(v)), 4));
        let radix = error_bound(nn, std::slice::from_ref(&input), 4, 4, &Lowering::Radix).expect("bound");
        let with_tables = error_bound(nn, &[input], 4, 4, &lut).expect("bound");
        for (((&c, &f), r), l) in
            clear[0].data().iter().zip(float[0].data()).zip(radix[0].data()).zip(with_tables[0].data())
        {
            let d = f64::from((c - f).abs()) - 1e-3 - 1e-4 * f64::from(f.abs());
            beyond_radix += usize::from(d > r.err);
            beyond_lut += usize::from(d > l.err);
        }
    }
    assert!(beyond_radix > 0, "the radix model's bound holds on the lookup-table program: the check proves nothing");
    assert_eq!(beyond_lut, 0);
    // A deviation at a location no nn op has would be left out: an error, not a smaller bound.
    let nowhere = veil_ir::Location::FileLineCol { file: "elsewhere.mlir".into(), line: 1, col: 1 };
    let stray = Lowering::Lut { deviations: [(nowhere, 1.0)].into_iter().collect(), decryption: vec![] };
    let x = row(&inputs, 0).expect("a row").map(|v| Bounded::input(Interval::point(f64::from(v)), 4));
    let e = error_bound(nn, &[x], 4, 4, &stray).expect_err("a deviation the bound would lose");
    assert!(e.contains("deviates at locations no op of the nn program has"), "{e}");
}

/// `tfhe-params{decrypt-frac=2}`: the client decrypts digits_mlp's logits to 2 fraction bits instead of the
/// activations' 4. The choice is recorded with the parameters, never costs more per bootstrap (fewer bits to
/// resolve through the noise), and the bound adds half a unit of that precision to every result instead of half a
/// unit of 2^-4.
#[test]
fn decrypting_fewer_bits_is_recorded_and_widens_the_bound() {
    use veil_lowering::he_to_rt::Strategy;
    use veil_rt::tfhe_config::Rounding;
    use veil_tools::cli::accuracy::Lowering;
    use veil_tools::pipeline;
    let compile = |decrypt_frac: Option<&str>| {
        let mut pass_options = vec![("assign-precision".to_string(), "act-frac=4 weight-frac=4".to_string())];
        pass_options.extend(decrypt_frac.map(|f| ("tfhe-params".to_string(), format!("decrypt-frac={f}"))));
        let options = pipeline::Options {
            input_range: Some((0.0, 1.0)),
            pass_options,
            strategy: Some(Strategy::Lut),
            rounding: Some(Rounding::Approximate),
            ..Default::default()
        };
        let compiled = pipeline::load_and_compile(&file("digits_mlp", "onnx"), &options).expect("compiles");
        let config = pipeline::lut_config(&compiled.rt).expect("rt.tfhe").expect("parameters");
        let Lowering::Lut { decryption, .. } = Lowering::of(&compiled).expect("a bound") else { panic!("lut") };
        (config, decryption, veil_tools::cli::run::describe_model(&compiled.rt))
    };
    let (default, default_errors, default_line) = compile(None);
    let (coarse, coarse_errors, coarse_line) = compile(Some("2"));
    assert!(!default_line.contains("decrypted to"), "{default_line}");
    assert!(coarse_line.contains("rounding approximate, results decrypted to 2 fraction bits"), "{coarse_line}");
    assert_eq!((default.decrypt_frac, coarse.decrypt_frac), (None, Some(2)));
    assert_eq!(default_errors, [1.0 / 32.0], "one result, the logits");
    assert_eq!(coarse_errors, [1.0 / 8.0]);
    assert!(coarse.pbs_us <= default.pbs_us, "{} > {}", coarse.pbs_us, default.pbs_us);
}
