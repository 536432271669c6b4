//! The lookup-table model's parameter choices for the shared models: each compiles with `--strategy lut` (4/4
//! fraction bits, the default table precision and rounding) and what `veil run` prints of its recorded `rt.tfhe` (or
//! the reason it cannot compile) is snapshot-tested, so that a change to the optimizer, its noise model or the passes that feed it shows as a diff.

use std::path::{Path, PathBuf};

use veil_lowering::he_to_rt::Strategy;
use veil_tools::pipeline::{self, Options};

fn model(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../shared/models/{name}.onnx"))
}

/// `rt.tfhe`'s entries one per line, or the compiler's error.
fn choice(name: &str) -> String {
    let options = Options {
        input_range: Some((0.0, 1.0)),
        pass_options: vec![("assign-precision".into(), "act-frac=4 weight-frac=4".into())],
        strategy: Some(Strategy::Lut),
        ..Options::default()
    };
    match pipeline::load_and_compile(&model(name), &options) {
        Ok(c) => veil_tools::cli::run::describe_model(&c.rt),
        Err(e) => format!("error: {}\n", e.lines().next().unwrap_or_default()),
    }
}

#[test]
fn shared_models_parameter_choices() {
    for name in ["digits_mlp", "digits_cnn_relu", "digits_cnn_maxpool", "digits_cryptonets"] {
        let choice = choice(name);
        assert!(!choice.is_empty());
        insta::assert_snapshot!(name, choice);
    }
}
