//! The choice of the table precision against the calibration rows (tools/src/index_bits.rs), against a
//! recomputation: the driver raises the precision (per layer) exactly when the default precision's predictions
//! differ from the float model's on too many rows, the program it returns agrees, and the note says what it did;
//! nothing is checked when the user sets the precision or gives too few rows.

use std::path::{Path, PathBuf};

use veil_lowering::he_to_rt::Strategy;
use veil_nn::eval::Tensor as FloatTensor;
use veil_rt::tfhe_config::Rounding;
use veil_rt::tfhe_config::TfheConfig;
use veil_tools::cli::{accuracy, npy};
use veil_tools::index_bits::{AGREEMENT, CANDIDATES, DEFAULT, MIN_ROWS};
use veil_tools::pipeline::{self, Compiled, Options};

fn shared(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../shared/models/{name}"))
}

fn options(model: &str, rows: Option<usize>, extra: Option<String>) -> Options {
    let calibration = npy::read_f32(&shared(&format!("{model}.calib.npy"))).expect("calibration rows");
    let calibration = match rows {
        Some(1) => accuracy::row(&calibration, 0).expect("a row"),
        _ => calibration,
    };
    let mut pass_options = vec![("assign-precision".to_string(), "act-frac=4 weight-frac=4".to_string())];
    pass_options.extend(extra.map(|o| ("he-lut-fuse".to_string(), o)));
    Options {
        calibration: Some(calibration),
        pass_options,
        strategy: Some(Strategy::Lut),
        rounding: Some(Rounding::Approximate),
        ..Options::default()
    }
}

fn compile(model: &str, bits: Option<u32>) -> Compiled {
    let extra = bits.map(|b| format!("index-bits={b}"));
    pipeline::load_and_compile(&shared(&format!("{model}.onnx")), &options(model, None, extra)).expect("compiles")
}

/// The share of calibration rows whose clear prediction equals the float model's.
fn agreement(model: &str, compiled: &Compiled) -> f64 {
    let calibration: FloatTensor<f32> = npy::read_f32(&shared(&format!("{model}.calib.npy"))).expect("rows");
    let nn = compiled.nn.as_ref().expect("an nn stage");
    let rows = calibration.shape()[0] as usize;
    assert!(rows >= MIN_ROWS);
    let mut agree = 0;
    for i in 0..rows {
        let x = accuracy::row(&calibration, i).expect("a row");
        let clear = pipeline::run_clear(&compiled.rt, std::slice::from_ref(&x)).expect("clear run");
        let float = pipeline::run_float(nn, std::slice::from_ref(&x)).expect("float run");
        agree += usize::from(pipeline::argmax(clear.values[0].data()) == pipeline::argmax(float[0].data()));
    }
    agree as f64 / rows as f64
}

fn advice(c: &Compiled) -> Option<&String> {
    c.notes.iter().find(|n| n.starts_with("the tables' "))
}

/// Bootstraps × the cost model's time per bootstrap, in seconds on one core.
fn estimated_s(c: &Compiled) -> f64 {
    let config = TfheConfig::read(&c.rt).expect("an rt.tfhe attribute").expect("a lut program");
    config.pbs as f64 * config.pbs_us / 1e6
}

#[test]
fn a_precision_too_low_for_the_calibration_rows_is_raised_where_it_is_needed() {
    // digits_cryptonets' square tables at the default precision, approximate rounding: the driver raises the
    // layers that need it and says so.
    let chosen = compile("digits_cryptonets", None);
    assert!(agreement("digits_cryptonets", &chosen) >= AGREEMENT, "{:?}", chosen.notes);
    let note = advice(&chosen).expect("a note");
    let listed = note.split("raised to ").nth(1).and_then(|s| s.split(" index bits").next()).expect(note);
    let bits: Vec<u32> = listed.split(", ").map(|b| b.parse().expect(note)).collect();
    assert_eq!(bits.len(), chosen.table_inputs, "{note}");
    // The note tells the truth: those precisions compile to the same program.
    let mut same = options("digits_cryptonets", None, None);
    same.table_bits = bits.clone();
    let again = pipeline::load_and_compile(&shared("digits_cryptonets.onnx"), &same).expect("compiles");
    assert_eq!(veil_ir::print_module(&again.rt), veil_ir::print_module(&chosen.rt), "{note}");
    // The default disagreed, and raising only where needed is cheaper than raising every table to the first
    // uniform precision that agrees.
    let mut default = options("digits_cryptonets", None, None);
    default.table_bits = vec![DEFAULT; bits.len()];
    let default = pipeline::load_and_compile(&shared("digits_cryptonets.onnx"), &default).expect("compiles");
    assert!(agreement("digits_cryptonets", &default) < AGREEMENT);
    let uniform = (DEFAULT + 1..=*CANDIDATES.end())
        .filter_map(|b| std::panic::catch_unwind(|| compile("digits_cryptonets", Some(b))).ok())
        .find(|c| agreement("digits_cryptonets", c) >= AGREEMENT)
        .expect("a uniform precision that agrees");
    assert!(bits.contains(&DEFAULT), "every layer raised: {note}");
    assert!(estimated_s(&chosen) < estimated_s(&uniform), "{note}");
}

#[test]
fn no_note_when_the_precision_agrees_or_is_the_users() {
    let mlp = compile("digits_mlp", None);
    assert!(agreement("digits_mlp", &mlp) >= AGREEMENT);
    assert_eq!(advice(&mlp), None, "{:?}", mlp.notes);
    // The user's precision is not second-guessed, even a poor one.
    let low = compile("digits_cryptonets", Some(DEFAULT));
    assert_eq!(advice(&low), None, "{:?}", low.notes);
    // An input file standing in for calibration data holds too few rows to judge.
    let one = options("digits_cryptonets", Some(1), None);
    let c = pipeline::load_and_compile(&shared("digits_cryptonets.onnx"), &one).expect("compiles");
    assert_eq!(advice(&c), None, "{:?}", c.notes);
}

#[test]
fn without_a_strategy_a_model_no_precision_keeps_compiles_for_radix() {
    // mnist_cryptonets' square tables over the proven ranges lose the prediction at every precision that has
    // parameters (6 bits: the highest; 7 and 8 have none); the user's precision is not second-guessed (no
    // calibrated windows either, tools/tests/lut_windows.rs).
    assert!(agreement("mnist_cryptonets", &compile("mnist_cryptonets", Some(6))) < AGREEMENT);
    // With exact rounding neither a precision nor windows keep them: the forced lut program says so...
    let mut forced = options("mnist_cryptonets", None, None);
    forced.rounding = Some(Rounding::Exact);
    let c = pipeline::load_and_compile(&shared("mnist_cryptonets.onnx"), &forced).expect("compiles");
    assert_eq!(c.strategy, Strategy::Lut);
    assert!(agreement("mnist_cryptonets", &c) < AGREEMENT);
    let note = advice(&c).expect("a note");
    assert!(note.contains("no precision up to 8 bits agrees"), "{note}");
    // ...and without --strategy the driver compiles for the radix model instead, and says why.
    forced.strategy = None;
    let c = pipeline::load_and_compile(&shared("mnist_cryptonets.onnx"), &forced).expect("compiles");
    assert_eq!(c.strategy, Strategy::Radix);
    let why = c.notes.iter().find(|n| n.starts_with("the lookup-table model does not apply")).expect("a note");
    assert!(why.contains("no precision up to 8 bits agrees") && why.ends_with("compiled for the radix model"), "{why}");
}

#[test]
fn max_pooling_goes_first_where_it_comes_as_close_for_less() {
    // digits_cnn_maxpool, approximate rounding: the driver compiles it with and without he-pool-first and keeps the
    // pooled form (its tables raised where needed) only as close to the float model on the calibration rows as the
    // other, and faster.
    let model = "digits_cnn_maxpool";
    let pooled = compile(model, None);
    let note = pooled.notes.iter().find(|n| n.contains("he-pool-first")).expect("a note on the form");
    let mut without = options(model, None, None);
    without.pass_options.push(("he-pool-first".into(), "apply=false".into()));
    let plain = pipeline::load_and_compile(&shared(&format!("{model}.onnx")), &without).expect("compiles");
    assert!(plain.notes.iter().all(|n| !n.contains("he-pool-first")), "{:?}", plain.notes);
    let nn = pooled.nn.as_ref().expect("an nn stage");
    let reference = veil_tools::index_bits::Reference::new(nn, &options(model, None, None)).unwrap().expect("rows");
    let (fit, bar) = (reference.fit(&pooled).unwrap(), reference.fit(&plain).unwrap());
    assert!(fit.mean_error <= bar.mean_error, "{fit:?} against {bar:?}: {note}");
    assert!(fit.agreement > bar.agreement - 0.02 && fit.agreement >= AGREEMENT, "{fit:?} against {bar:?}");
    assert!(estimated_s(&pooled) < estimated_s(&plain), "{note}");
    // Fewer bootstraps: the ReLU tables read the pooled elements only.
    let pbs = |c: &Compiled| TfheConfig::read(&c.rt).unwrap().unwrap().pbs;
    assert!(pbs(&pooled) < pbs(&plain), "{} against {}", pbs(&pooled), pbs(&plain));
    // Exact rounding keeps the pools where they are (no note), as does a model without pools.
    let mut exact = options(model, None, None);
    exact.rounding = Some(Rounding::Exact);
    let exact = pipeline::load_and_compile(&shared(&format!("{model}.onnx")), &exact).expect("compiles");
    assert!(exact.notes.iter().all(|n| !n.contains("he-pool-first")), "{:?}", exact.notes);
    assert!(compile("digits_mlp", None).notes.iter().all(|n| !n.contains("he-pool-first")));
}
