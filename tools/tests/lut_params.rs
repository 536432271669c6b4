//! The lookup-table model's parameter choices for the shared models: each compiles with `--strategy lut` (4/4
//! fraction bits, the default table precision and rounding) and what `veil run` prints of its recorded `rt.tfhe` (or
//! the reason it cannot compile) is snapshot-tested, so that a change to the optimizer, its noise model or the passes that feed it shows as a diff.

use std::path::{Path, PathBuf};

use veil_lowering::he_to_rt::Strategy;
use veil_rt::tfhe_config::Rounding;
use veil_tools::pipeline::{self, Options};

fn model(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../shared/models/{name}.onnx"))
}

fn options(rounding: Rounding, extra: &[(&str, &str)]) -> Options {
    let mut pass_options = vec![("assign-precision".into(), "act-frac=4 weight-frac=4".into())];
    pass_options.extend(extra.iter().map(|&(p, o)| (p.to_string(), o.to_string())));
    Options {
        input_range: Some((0.0, 1.0)),
        pass_options,
        strategy: Some(Strategy::Lut),
        rounding: Some(rounding),
        ..Options::default()
    }
}

/// `rt.tfhe`'s entries one per line, or the compiler's error.
fn choice(name: &str, rounding: Rounding) -> String {
    match pipeline::load_and_compile(&model(name), &options(rounding, &[])) {
        Ok(c) => veil_tools::cli::run::describe_model(&c.rt),
        Err(e) => format!("error: {}\n", e.lines().next().unwrap_or_default()),
    }
}

#[test]
fn shared_models_parameter_choices() {
    for name in ["digits_mlp", "digits_cnn_relu", "digits_cnn_maxpool", "digits_cryptonets", "mnist_cryptonets"] {
        let exact = choice(name, Rounding::Exact);
        assert!(!exact.is_empty());
        insta::assert_snapshot!(name, exact);
        // Approximate rounding: he-abs-relu's full-domain tables for the first layers' ReLUs.
        let approximate = choice(name, Rounding::Approximate);
        assert!(!approximate.is_empty());
        insta::assert_snapshot!(format!("{name}_approximate"), approximate);
    }
}

/// The entries of every `he.lut` table in the program's he stage.
fn table_sizes(compiled: &pipeline::Compiled) -> Vec<usize> {
    let he = veil_ir::printer::print_module(compiled.he.as_ref().expect("an he stage"));
    he.lines()
        .filter(|l| l.contains("\"he.lut\""))
        .map(|l| {
            let ty = l.split("> : tensor<").nth(1).expect("a table type");
            ty.split('x').next().expect("a size").parse().expect("a number")
        })
        .collect()
}

#[test]
fn he_lut_fuse_index_bits_reach_he_abs_relu() {
    // digits_mlp's only tables are its 32 hidden ReLUs, |x| tables with approximate rounding: 2^index-bits entries.
    for bits in [4u32, 6] {
        let option = format!("index-bits={bits}");
        let compiled = pipeline::load_and_compile(
            &model("digits_mlp"),
            &options(Rounding::Approximate, &[("he-lut-fuse", option.as_str())]),
        )
        .expect("compiles");
        let sizes = table_sizes(&compiled);
        assert!(!sizes.is_empty());
        assert!(sizes.iter().all(|&n| n == 1 << bits), "index-bits={bits}: tables of {sizes:?} entries");
        let he = veil_ir::printer::print_module(compiled.he.as_ref().expect("an he stage"));
        assert!(he.contains("he.mul_plain") && !he.contains("he.relu"), "the ReLU is (x + |x|) / 2:\n{he}");
    }
}

#[test]
fn he_abs_relu_keeps_its_own_index_bits() {
    // Given on both passes, each keeps its own: digits_cnn_relu's first-layer |x| tables 2^5 entries, its second
    // ReLU (a plain table, he-lut-fuse's) at most 2^4: 2^3, since its proven range [-48.7, 59.5] leaves no index of
    // headroom at 4 bits (he-lut-fuse drops one more).
    let compiled = pipeline::load_and_compile(
        &model("digits_cnn_relu"),
        &options(Rounding::Approximate, &[("he-lut-fuse", "index-bits=4"), ("he-abs-relu", "index-bits=5")]),
    )
    .expect("compiles");
    let mut sizes = table_sizes(&compiled);
    sizes.dedup();
    assert_eq!(sizes, vec![32, 8]);
}

/// Whether a compiled program runs he-abs-relu's exact floor (its `@rescale` calls with a `chunk`).
fn has_exact_floor(compiled: &pipeline::Compiled) -> bool {
    compiled.rt.walk().into_iter().any(|op| compiled.rt.op(op).attr("chunk").is_some())
}

#[test]
fn the_exact_form_keeps_the_predictions() {
    // With exact rounding the driver compiles he-abs-relu's exact floor and the plain form. With a classifier's
    // calibration rows it keeps the faster unless the other predicts like the float model on 2% more of them;
    // without, the plain form. digits_cnn_relu and digits_mlp: the floor is faster (per-partition parameters) and
    // as good on their calibration rows.
    let calibrated = |name: &str| {
        let path = model(name).with_extension("calib.npy");
        let calibration = veil_tools::cli::npy::read_f32(&path).expect("calibration rows");
        Options { input_range: None, calibration: Some(calibration), ..options(Rounding::Exact, &[]) }
    };
    let compile = |name: &str, options: &Options| pipeline::load_and_compile(&model(name), options).expect(name);
    assert!(has_exact_floor(&compile("digits_cnn_relu", &calibrated("digits_cnn_relu"))));
    assert!(has_exact_floor(&compile("digits_mlp", &calibrated("digits_mlp"))));
    assert!(!has_exact_floor(&compile("digits_mlp", &options(Rounding::Exact, &[]))));
    // The user's choice stands.
    let floor = options(Rounding::Exact, &[("he-abs-relu", "exact-floor=true")]);
    assert!(has_exact_floor(&compile("digits_mlp", &floor)));
    // The rule: a faster floor is kept unless it agrees on 2% fewer rows; a slower one only when it agrees on 2%
    // more (digits_cnn_relu's floor once agreed on 77.5% of the test rows against 96.0%).
    use pipeline::keeps_floor;
    assert!(keeps_floor(true, 0.95, 0.96) && !keeps_floor(true, 0.78, 0.96));
    assert!(!keeps_floor(false, 0.96, 0.95) && keeps_floor(false, 0.99, 0.95));
}
