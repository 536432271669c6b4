//! `veil import` end to end, in-process: the IR on stdout (or in `-o`'s file), notes on stderr, input ranges
//! from `--input-range` or `--calibration`, and every error exiting 1 with one clear message.

use std::path::{Path, PathBuf};

use veil_tools::cli::{run, Output};

fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/models")
}

fn veil(args: &[&str]) -> Output {
    run(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

#[test]
fn import_prints_the_ir_and_the_notes() {
    let model = models().join("digits_mlp.onnx");
    let out = veil(&["import", path(&model)]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("func.func @main(%arg0: tensor<1x64xf32> {veil.secret}) -> tensor<1x10xf32>"));
    assert_eq!(out.stdout.matches("\"nn.matmul\"").count(), 2);
    insta::assert_snapshot!(out.stderr, @r"
    note: input 'input': the dynamic batch dimension 'unk__6' is bound to 1
    note: input 'input' has no range; the precision pass needs one (give --input-range LO,HI or --calibration FILE.npy)
    ");
}

#[test]
fn ranges_come_from_the_flag_or_the_calibration_data() {
    let model = models().join("digits_cnn_relu.onnx");
    let out = veil(&["import", path(&model), "--input-range", "0,1"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("{veil.range = [0.0, 1.0], veil.secret}"), "{}", out.stdout);
    let out = veil(&["import", path(&model), "--input-range=-1.5,2"]);
    assert!(out.stdout.contains("veil.range = [-1.5, 2.0]"), "{}", out.stderr);

    let calib = models().join("breast_cancer_logreg.calib.npy");
    let model = models().join("breast_cancer_logreg.onnx");
    let out = veil(&["import", path(&model), "--calibration", path(&calib)]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("from the calibration data (100 samples)"), "{}", out.stderr);
    assert!(out.stderr.contains("the label output 'label'"), "{}", out.stderr);
}

#[test]
fn output_goes_to_the_file() {
    let dir = std::env::temp_dir().join(format!("veil-onnx-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out_file = dir.join("mlp.mlir");
    let out = veil(&["import", path(&models().join("digits_mlp.onnx")), "-o", path(&out_file)]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""));
    let text = std::fs::read_to_string(&out_file).unwrap();
    assert!(text.starts_with("module {"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn errors_exit_1_with_a_message() {
    let out = veil(&["import", "/nonexistent/model.onnx"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.starts_with("error: cannot read '/nonexistent/model.onnx'"), "{}", out.stderr);

    let model = models().join("digits_mlp.onnx");
    let out = veil(&["import", path(&model), "--input-range", "1,0"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("expected LO,HI with finite numbers LO <= HI, got '1,0'"), "{}", out.stderr);

    let calib = models().join("digits_mlp.labels.npy");
    let out = veil(&["import", path(&model), "--calibration", path(&calib)]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("holds <i8 values; expected float32 or float64"), "{}", out.stderr);

    let calib = models().join("breast_cancer_logreg.calib.npy");
    let out = veil(&["import", path(&model), "--calibration", path(&calib)]);
    insta::assert_snapshot!(out.stderr, @"error: calibration data: 3000 values of shape [100, 30] do not make whole inputs of shape [1, 64] (64 values each)");

    let dir = std::env::temp_dir().join(format!("veil-onnx-cli-err-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let truncated = dir.join("truncated.onnx");
    let bytes = std::fs::read(&model).unwrap();
    std::fs::write(&truncated, &bytes[..100]).unwrap();
    let out = veil(&["import", path(&truncated)]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.starts_with("error: malformed ONNX file: 'truncated.onnx'"), "{}", out.stderr);
    std::fs::remove_dir_all(&dir).unwrap();

    let out = veil(&["import"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("<MODEL>"), "{}", out.stderr);
    let out = veil(&["--help"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("import"));
}
