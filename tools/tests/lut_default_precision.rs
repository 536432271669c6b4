//! The lookup-table model's fixed point when the user sets none (`pipeline::LUT_FRAC`): a model whose lookup-table
//! program has no parameters at assign-precision's default fraction bits is compiled at `LUT_FRAC` instead, the
//! same program as with those bits given, and a note says so; a model that compiles at the default keeps it,
//! fraction bits the user gives are never replaced, and when neither precision has parameters the error says so.

use std::path::{Path, PathBuf};

use veil_lowering::assign_precision::recorded_precision;
use veil_lowering::he_to_rt::Strategy;
use veil_rt::tfhe_config::Rounding;
use veil_tools::cli::npy;
use veil_tools::pipeline::{self, Compiled, Options, LUT_FRAC};

fn shared(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../shared/models/{name}"))
}

fn compile(model: &str, strategy: Option<Strategy>, precision: Option<&str>) -> Result<Compiled, String> {
    let options = Options {
        calibration: Some(npy::read_f32(&shared(&format!("{model}.calib.npy"))).expect("calibration rows")),
        pass_options: precision.map(|p| ("assign-precision".to_string(), p.to_string())).into_iter().collect(),
        strategy,
        rounding: Some(Rounding::Approximate),
        ..Options::default()
    };
    pipeline::load_and_compile(&shared(&format!("{model}.onnx")), &options)
}

fn fallback_note(c: &Compiled) -> Option<&String> {
    c.notes.iter().find(|n| n.starts_with("fixed point at "))
}

fn fracs(c: &Compiled) -> (i32, i32) {
    let (act, weight, _) = recorded_precision(&c.rt).expect("veil.precision on the rt program");
    (act, weight)
}

#[test]
fn without_parameters_at_the_default_the_lookup_table_model_takes_its_own_fixed_point() {
    // digits_mlp at assign-precision's default: 17-bit logits, no parameters...
    let err = compile("digits_mlp", Some(Strategy::Lut), Some("act-frac=8 weight-frac=8")).unwrap_err();
    assert!(err.contains("no TFHE parameters"), "{err}");
    // ...so with no fraction bits given the driver compiles it at LUT_FRAC, in the lookup-table model, and says so.
    for strategy in [None, Some(Strategy::Lut)] {
        let c = compile("digits_mlp", strategy, None).expect("compiles");
        assert_eq!(c.strategy, Strategy::Lut);
        assert_eq!(fracs(&c), (LUT_FRAC, LUT_FRAC));
        let note = fallback_note(&c).expect("a note");
        assert!(note.contains("at assign-precision's default the lookup-table model has no parameters"), "{note}");
        // The same program as with those bits given.
        let given = format!("act-frac={LUT_FRAC} weight-frac={LUT_FRAC}");
        let same = compile("digits_mlp", strategy, Some(&given)).expect("compiles");
        assert_eq!(veil_ir::print_module(&same.rt), veil_ir::print_module(&c.rt));
        assert_eq!(fallback_note(&same), None, "{:?}", same.notes);
    }
}

#[test]
fn the_default_stays_where_it_compiles_and_the_users_bits_are_kept() {
    // diabetes_linreg (no tables) has parameters at the default: its 8 fraction bits stay (4 would cost RMSE).
    let c = compile("diabetes_linreg", None, None).expect("compiles");
    assert_eq!((c.strategy, fracs(&c)), (Strategy::Lut, (8, 8)));
    assert_eq!(fallback_note(&c), None, "{:?}", c.notes);
    // Fraction bits the user gives, even one of the two, are not replaced: without --strategy the driver falls
    // back to the radix model at them, as before.
    for given in ["act-frac=8 weight-frac=8", "weight-frac=8"] {
        let c = compile("digits_mlp", None, Some(given)).expect("compiles");
        assert_eq!(c.strategy, Strategy::Radix, "{given}");
        assert_eq!(fracs(&c).1, 8, "{given}");
        assert_eq!(fallback_note(&c), None, "{:?}", c.notes);
    }
    // With --strategy lut, the user's bits that have no parameters are an error, not a fallback.
    assert!(compile("digits_mlp", Some(Strategy::Lut), Some("weight-frac=8")).is_err());
}

#[test]
fn when_neither_precision_has_parameters_the_error_says_both_were_tried() {
    // Inputs up to 10^5 make every accumulator too wide at either precision.
    let options = Options {
        input_range: Some((0.0, 1e5)),
        strategy: Some(Strategy::Lut),
        rounding: Some(Rounding::Approximate),
        ..Options::default()
    };
    let err = pipeline::load_and_compile(&shared("digits_mlp.onnx"), &options).unwrap_err();
    assert!(err.contains("no TFHE parameters"), "{err}");
    assert!(
        err.contains(&format!("(at {LUT_FRAC} fraction bits for activations and weights, which the driver")),
        "{err}"
    );
    // Without --strategy the radix model takes it, and the note carries the reason.
    let c = pipeline::load_and_compile(&shared("digits_mlp.onnx"), &Options { strategy: None, ..options }).unwrap();
    assert_eq!(c.strategy, Strategy::Radix);
    assert!(c.notes.iter().any(|n| n.starts_with("the lookup-table model does not apply")), "{:?}", c.notes);
}
