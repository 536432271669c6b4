//! The benchmarks' hand-written TFHE-rs baseline computes what Veil computes: its clear reference equals Veil's
//! clear backend on the bundled example's inputs and on a CryptoNets-style program (convolution, squares), and
//! its encrypted arithmetic equals its clear reference on one output of each step of the small test MLP (the
//! whole network encrypted takes the benchmark's minutes).

use veil_tools::baseline::{self, Step};
use veil_tools::cli::npy::read_f32;
use veil_tools::pipeline::{self, Options};

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn compile(path: &str, precision: &str) -> pipeline::Compiled {
    let options = Options {
        input_range: Some((0.0, 1.0)),
        pass_options: vec![("assign-precision".into(), precision.into())],
        // The hand-written baseline is a radix program.
        strategy: Some(veil_lowering::he_to_rt::Strategy::Radix),
        ..Options::default()
    };
    pipeline::load_and_compile(&root().join(path), &options).expect("compiles")
}

fn input_ints(rt: &veil_ir::Module, x: &veil_nn::eval::Tensor<f32>) -> Vec<i32> {
    let encoding = pipeline::encoding(rt).expect("encoding");
    let ints = pipeline::encode("x", x, &encoding, 0).expect("encodes");
    ints.data.iter().map(|&v| i32::try_from(v).expect("fits")).collect()
}

fn veil_clear(rt: &veil_ir::Module, x: &veil_nn::eval::Tensor<f32>) -> Vec<i32> {
    let out = pipeline::run_clear(rt, std::slice::from_ref(x)).expect("runs");
    out.ints[0].data.iter().map(|&v| v as i32).collect()
}

#[test]
fn the_clear_reference_equals_veils_clear_backend() {
    let compiled = compile("examples/digits_mlp.onnx", "act-frac=4 weight-frac=4");
    let steps = baseline::steps(&compiled.rt).expect("supported");
    let kinds: Vec<&str> = steps
        .iter()
        .map(|s| match s {
            Step::Linear(_) => "linear",
            Step::Rescale(_) => "rescale",
            Step::Relu => "relu",
            Step::Square => "square",
        })
        .collect();
    assert_eq!(kinds, ["linear", "rescale", "relu", "linear", "rescale"]);
    for i in 0..4 {
        let x = read_f32(&root().join(format!("examples/digits_mlp.input{i}.npy"))).expect("input");
        let want = veil_clear(&compiled.rt, &x);
        assert_eq!(baseline::run_clear(&steps, &input_ints(&compiled.rt, &x)), want, "input {i}");
    }
}

#[test]
fn convolutions_and_squares_match_too() {
    let compiled = compile("test/models/cryptonets.mlir", "act-frac=4 weight-frac=4");
    let steps = baseline::steps(&compiled.rt).expect("supported");
    assert!(steps.contains(&Step::Square), "{steps:?}");
    let encoding = pipeline::encoding(&compiled.rt).expect("encoding");
    let shape: Vec<u64> = encoding.args[0].shape.clone();
    let n: usize = shape.iter().product::<u64>() as usize;
    let x = veil_nn::eval::Tensor::new(shape, (0..n).map(|i| (i * 7 % 16) as f32 / 16.0).collect()).expect("x");
    assert_eq!(baseline::run_clear(&steps, &input_ints(&compiled.rt, &x)), veil_clear(&compiled.rt, &x));
}

#[test]
fn other_kernels_are_refused_by_name() {
    let compiled = compile("test/models/cnn_max.mlir", "act-frac=4 weight-frac=4");
    let err = baseline::steps(&compiled.rt).unwrap_err();
    assert!(err.contains("not @max_pool2d"), "{err}");
}

#[cfg(feature = "tfhe")]
#[test]
fn the_encrypted_arithmetic_equals_the_clear_reference() {
    let compiled = compile("test/models/mlp.mlir", "act-frac=4 weight-frac=4");
    let steps = baseline::steps(&compiled.rt).expect("supported");
    let x: Vec<i32> = (0..16).map(|i| (i * 5 % 17) - 3).collect();
    let keys = baseline::HlKeys::generate();
    keys.install();
    let mut clear_in = x;
    for step in &steps {
        let clear_out = baseline::apply(step, &clear_in, None);
        let encrypted = baseline::apply(step, &keys.encrypt(&clear_in), Some(1));
        assert_eq!(keys.decrypt(&encrypted), clear_out[..1], "{step:?}");
        clear_in = clear_out;
    }
    // Squares too, on one element.
    let squared = baseline::apply(&Step::Square, &keys.encrypt(&[-7, 3]), Some(1));
    assert_eq!(keys.decrypt(&squared), [49]);
}
