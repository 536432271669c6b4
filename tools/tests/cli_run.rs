//! `veil compile` at each level and `veil run` on the clear and float backends, in-process: the bundled digits
//! MLP predicts its labels with clear close to float, and bad inputs give one clear error each.

mod cli_common;

use cli_common::*;
use std::path::Path;

#[test]
fn compile_emits_each_level() {
    let dir = scratch("compile");
    let model = repo("test/models/mlp.mlir");
    for (level, marker) in [("nn", "\"nn.matmul\""), ("he", "\"he.matmul_plain\""), ("rt", "\"rt.call\"")] {
        let out = dir.join(format!("mlp.{level}.mlir"));
        ok(&["compile", &model, "--emit", level, "-o", s(&out)]);
        let text = std::fs::read_to_string(&out).expect("output");
        assert!(text.contains(marker), "--emit {level}:\n{text}");
    }
    // An rt program compiles to itself; an he program goes on to rt; asking for a level above fails.
    let rt = dir.join("mlp.rt.mlir");
    let again = ok(&["compile", s(&rt)]);
    assert!(again.contains("\"rt.call\""));
    assert!(ok(&["compile", s(&dir.join("mlp.he.mlir"))]).contains("\"rt.call\""));
    assert!(fails(&["compile", s(&rt), "--emit", "he"]).contains("below the he level"));
}

#[test]
fn compile_takes_onnx_with_a_range() {
    let out = ok(&["compile", &repo("examples/digits_mlp.onnx"), "--input-range", "0,1"]);
    assert!(out.contains("\"rt.call\""));
    let err = fails(&["compile", &repo("examples/digits_mlp.onnx"), "--pass-option", "nope{x=1}"]);
    assert!(err.contains("not in the nn-to-rt pipeline"), "{err}");
}

#[test]
fn run_mlp_on_clear_is_close_to_float() {
    let dir = scratch("run-mlp");
    let x = mlp_input(&dir);
    let model = repo("test/models/mlp.mlir");
    let clear = ok(&["run", &model, "--input", s(&x), "--backend", "clear"]);
    let float = ok(&["run", &model, "--input", s(&x), "--backend", "float"]);
    assert!(max_diff(&clear) < 0.1, "{clear}");
    assert_eq!(argmax(&clear), argmax(&float), "{clear}\n{float}");
    // The compiled rt program runs the same.
    let rt = dir.join("mlp.rt.mlir");
    ok(&["compile", &model, "-o", s(&rt)]);
    assert_eq!(integers(&ok(&["run", s(&rt), "--input", s(&x)])), integers(&clear));
}

/// The `proven bound: b` line of `veil run`.
fn proven_bound(stdout: &str) -> f64 {
    let line = stdout.lines().find_map(|l| l.strip_prefix("proven bound: ")).unwrap_or_else(|| panic!("{stdout}"));
    line.split(' ').next().and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{stdout}"))
}

#[test]
fn digits_mlp_predicts_its_labels_on_clear() {
    let dir = scratch("digits");
    let labels = veil_runtime::npy::read_i64(std::path::Path::new(&repo("examples/digits_mlp.labels.npy")), None)
        .expect("labels");
    let model = repo("examples/digits_mlp.onnx");
    for (i, &label) in labels.data.iter().enumerate() {
        let x = repo(&format!("examples/digits_mlp.input{i}.npy"));
        let y = dir.join(format!("y{i}.npy"));
        // By default the lookup-table model, at its own fixed point (4 fraction bits: the default 8 has no
        // parameters)...
        let run = veil(&["run", &model, "--input", &x, "--input-range", "0,1", "--output", s(&y)]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let (out, notes) = (run.stdout, run.stderr);
        assert!(
            notes.contains("model: lut") && notes.contains("fixed point at 4 fraction bits"),
            "input {i}:\n{notes}"
        );
        assert_eq!(argmax(&out) as i64, label, "input {i}:\n{out}");
        assert!(max_diff(&out) <= proven_bound(&out), "input {i}: beyond the proven bound\n{out}");
        assert!(y.exists());
        // ...and the radix model at the default 8 bits, much closer to the float model.
        let out = ok(&["run", &model, "--input", &x, "--input-range", "0,1", "--strategy", "radix"]);
        assert_eq!(argmax(&out) as i64, label, "input {i}:\n{out}");
        assert!(max_diff(&out) < 0.5, "input {i}:\n{out}");
        assert!(max_diff(&out) <= proven_bound(&out), "input {i}: beyond the proven bound\n{out}");
    }
    // `veil accuracy` says the same as `veil run` about what the driver chose (its notes, on stderr).
    let acc = veil(&["accuracy", &model, "--inputs", &repo("examples/digits_mlp.input0.npy"), "--input-range", "0,1"]);
    assert_eq!(acc.code, 0, "{}", acc.stderr);
    assert!(acc.stderr.contains("note: fixed point at 4 fraction bits"), "{}", acc.stderr);
    assert!(acc.stdout.contains("argmax agreement:"), "{}", acc.stdout);
    // Without a range, the README's command calibrates from the input itself.
    let out = ok(&["run", &model, "--input", &repo("examples/digits_mlp.input0.npy")]);
    assert_eq!(argmax(&out) as i64, labels.data[0]);
}

#[test]
fn a_batch_runs_row_by_row() {
    let dir = scratch("batch");
    let data: Vec<f32> = (0..3 * 16).map(|i| (i % 11) as f32 / 10.0).collect();
    let x = dir.join("batch.npy");
    write_f32(&x, &[3, 16], data);
    let y = dir.join("y.npy");
    let out = ok(&["run", &repo("test/models/mlp.mlir"), "--input", s(&x), "--output", s(&y)]);
    assert_eq!(out.matches("row ").count(), 3, "{out}");
    let written = veil_runtime::npy::read_f64(&y, None).expect("output");
    assert_eq!(written.shape, vec![3, 4]);

    // --row runs one of them: the same values as that row of the batch.
    let one = ok(&["run", &repo("test/models/mlp.mlir"), "--input", s(&x), "--row", "2", "--output", s(&y)]);
    assert_eq!(one.matches("row ").count(), 0, "{one}");
    let row = veil_runtime::npy::read_f64(&y, None).expect("output");
    assert_eq!(row.shape, vec![1, 4]);
    assert_eq!(row.data, written.data[8..12]);
    let err = fails(&["run", &repo("test/models/mlp.mlir"), "--input", s(&x), "--row", "3"]);
    assert!(err.contains("--row 3: the inputs hold 3 row(s)"), "{err}");
}

#[test]
fn bad_inputs_are_clear_errors() {
    let dir = scratch("bad");
    let model = repo("test/models/mlp.mlir");
    let wrong_shape = dir.join("shape.npy");
    write_f32(&wrong_shape, &[1, 15], vec![0.5; 15]);
    let err = fails(&["run", &model, "--input", s(&wrong_shape)]);
    assert!(err.contains("argument #0") && err.contains("[1, 15]") && err.contains("[1, 16]"), "{err}");
    let wrong_dtype = dir.join("dtype.npy");
    write_i64(&wrong_dtype, &[1, 16], vec![1; 16]);
    let err = fails(&["run", &model, "--input", s(&wrong_dtype)]);
    assert!(err.contains("argument #0") && err.contains("float"), "{err}");
    let missing = dir.join("missing.npy");
    assert!(fails(&["run", &model, "--input", s(&missing)]).contains("missing.npy"));
    assert!(fails(&["run", s(&dir.join("nope.mlir")), "--input", s(&wrong_shape)]).contains("cannot read"));
    let x = mlp_input(&dir);
    let err = fails(&["run", &model, "--input", s(&x), "--input", s(&x)]);
    assert!(err.contains("takes 1 input"), "{err}");
    let outside = dir.join("outside.npy");
    write_f32(&outside, &[1, 16], vec![1000.0; 16]);
    assert!(fails(&["run", &model, "--input", s(&outside)]).contains("outside the range"));
    // Inside the argument's type but outside its declared range [0, 1], which every width was proven for (the
    // lookup-table model encodes the argument at its first layer's width, far wider than the range).
    let below = dir.join("below.npy");
    write_f32(&below, &[1, 16], vec![-0.5; 16]);
    for strategy in ["lut", "radix"] {
        let err = fails(&["run", &model, "--input", s(&below), "--strategy", strategy]);
        assert!(err.contains("element 0 = -0.5 is outside the range the program was compiled for (0..1)"), "{err}");
    }
}

/// An ONNX node test with a Reshape shape as an int64 graph input: one `--input` per graph input, in graph order;
/// the integer one is public (bound at compile time), the float one is encrypted, and the result is the case's
/// expected output within the fixed-point error.
#[test]
fn onnx_integer_inputs_are_public_constants() {
    use veil_tools::onnx::{read_tensor_file, TensorData};
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/onnx-node/test_reshape_reordered_all_dims");
    let data = case.join("test_data_set_0");
    let dir = scratch("onnx-int");
    let tensor = |name: &str| read_tensor_file(&data.join(name)).expect("tensor").1;
    let (TensorData::Float(x), TensorData::Int(shape), TensorData::Float(want)) =
        (tensor("input_0.pb"), tensor("input_1.pb"), tensor("output_0.pb"))
    else {
        panic!("a float input, an int64 shape and a float output");
    };
    let dims = |t: &[u64]| t.iter().map(|&d| d as usize).collect::<Vec<_>>();
    let (xp, sp, yp) = (dir.join("x.npy"), dir.join("shape.npy"), dir.join("y.npy"));
    write_f32(&xp, &dims(x.shape()), x.data().to_vec());
    write_i64(&sp, &dims(shape.shape()), shape.data().to_vec());
    let model = case.join("model.onnx");
    let out = ok(&["run", s(&model), "--input", s(&xp), "--input", s(&sp), "--output", s(&yp)]);
    let y = veil_runtime::npy::read_f64(&yp, None).expect("output");
    assert_eq!(y.shape, dims(want.shape()), "{out}");
    for (a, b) in y.data.iter().zip(want.data()) {
        assert!((a - f64::from(*b)).abs() <= 1.0 / 256.0, "{a} vs {b}\n{out}");
    }
    // Given in the wrong order, the float input lands on the shape's graph input: a clear error.
    let err = fails(&["run", s(&model), "--input", s(&sp), "--input", s(&xp)]);
    assert!(err.contains("binding 'data': the input has element type float"), "{err}");
}

/// `veil bench` checks its models and options before any key generation or encryption.
#[cfg(feature = "tfhe")]
#[test]
fn bench_checks_its_inputs_first() {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/models");
    let err = fails(&["bench", "models", "--models-dir", s(&models), "--model", "nope"]);
    assert!(err.contains("model 'nope'") && err.contains("nope.onnx' does not exist"), "{err}");
    let err = fails(&["bench", "baseline", "--models-dir", s(&models), "--precision", "4"]);
    assert!(err.contains("--precision takes ACT,WEIGHT"), "{err}");
    // A model whose saved inputs hold no row.
    let dir = scratch("bench-empty");
    std::fs::copy(repo("examples/digits_mlp.onnx"), dir.join("digits_mlp.onnx")).expect("copy the model");
    write_f32(&dir.join("digits_mlp.calib.npy"), &[2, 64], vec![0.5; 128]);
    write_f32(&dir.join("digits_mlp.inputs.npy"), &[0, 64], vec![]);
    let err = fails(&["bench", "models", "--models-dir", s(&dir), "--model", "digits_mlp"]);
    assert!(err.contains("digits_mlp.inputs.npy: row 0 of a tensor of shape [0, 64] does not exist"), "{err}");
}
