//! The benchmarks' hand-written TFHE-rs baseline computes what Veil computes: its clear reference equals Veil's
//! clear backend on the bundled example's inputs, and its encrypted arithmetic equals its clear reference on one
//! output of each layer of the small test MLP (the whole network encrypted takes the benchmark's minutes).

use veil_tools::baseline::{self, Dense};
use veil_tools::cli::npy::read_f32;
use veil_tools::pipeline::{self, Options};

fn compile(path: &str, precision: &str) -> pipeline::Compiled {
    let options = Options {
        input_range: Some((0.0, 1.0)),
        pass_options: vec![("assign-precision".into(), precision.into())],
        ..Options::default()
    };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    pipeline::load_and_compile(&root.join(path), &options).expect("compiles")
}

fn input_ints(rt: &veil_ir::Module, x: &veil_nn::eval::Tensor<f32>) -> Vec<i32> {
    let encoding = pipeline::encoding(rt).expect("encoding");
    let ints = pipeline::encode("x", x, &encoding.args[0]).expect("encodes");
    ints.data.iter().map(|&v| i32::try_from(v).expect("fits")).collect()
}

#[test]
fn the_clear_reference_equals_veils_clear_backend() {
    let compiled = compile("examples/digits_mlp.onnx", "act-frac=4 weight-frac=4");
    let layers = baseline::dense_layers(&compiled.rt).expect("a dense network");
    assert_eq!(layers.len(), 2);
    assert_eq!((layers[0].weights.len(), layers[0].bias.len(), layers[0].relu), (64, 32, true));
    assert_eq!((layers[1].weights.len(), layers[1].bias.len(), layers[1].relu), (32, 10, false));
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for i in 0..4 {
        let x = read_f32(&root.join(format!("examples/digits_mlp.input{i}.npy"))).expect("input");
        let veil = pipeline::run_clear(&compiled.rt, std::slice::from_ref(&x)).expect("runs");
        let want: Vec<i32> = veil.ints[0].data.iter().map(|&v| v as i32).collect();
        assert_eq!(baseline::run_clear(&layers, &input_ints(&compiled.rt, &x)), want, "input {i}");
    }
}

#[test]
fn programs_beyond_dense_layers_are_refused_by_name() {
    let compiled = compile("test/models/cnn_avg.mlir", "act-frac=4 weight-frac=4");
    let err = baseline::dense_layers(&compiled.rt).unwrap_err();
    assert!(err.contains("dense networks only, not @conv2d_plain"), "{err}");
}

#[cfg(feature = "tfhe")]
#[test]
fn the_encrypted_arithmetic_equals_the_clear_reference() {
    let compiled = compile("test/models/mlp.mlir", "act-frac=4 weight-frac=4");
    let layers: Vec<Dense> = baseline::dense_layers(&compiled.rt).expect("a dense network");
    assert!(layers[0].relu && layers[0].shift > 0, "{:?}", layers[0]);
    let x: Vec<i32> = (0..16).map(|i| (i * 5 % 17) - 3).collect();
    let keys = baseline::HlKeys::generate();
    keys.install();
    let mut clear_in = x;
    for layer in &layers {
        let clear_out = baseline::layer(layer, &clear_in, None);
        let encrypted = baseline::layer(layer, &keys.encrypt(&clear_in), Some(1));
        assert_eq!(keys.decrypt(&encrypted), clear_out[..1]);
        clear_in = clear_out;
    }
}
