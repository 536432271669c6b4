//! The driver's decryption precision with approximate rounding (tools/src/decrypt_precision.rs), against a
//! recomputation from the calibration rows: the coarsest fraction bits whose half unit is at most 1/32 of the
//! largest |clear − float| there, taken only when cheaper; nothing changes when the user sets it, with exact
//! rounding, or with too few rows.

use std::path::{Path, PathBuf};

use veil_lowering::he_to_rt::Strategy;
use veil_nn::eval::Tensor as FloatTensor;
use veil_rt::tfhe_config::{Rounding, TfheConfig};
use veil_tools::cli::{accuracy, npy};
use veil_tools::pipeline::{self, Compiled, Options};

fn shared(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../shared/models/{name}"))
}

fn calibration() -> FloatTensor<f32> {
    npy::read_f32(&shared("digits_mlp.calib.npy")).expect("calibration rows")
}

fn compile(rounding: Rounding, calibration: FloatTensor<f32>, tfhe_params: Option<&str>) -> Compiled {
    let mut pass_options = vec![("assign-precision".to_string(), "act-frac=4 weight-frac=4".to_string())];
    pass_options.extend(tfhe_params.map(|o| ("tfhe-params".to_string(), o.to_string())));
    let options = Options {
        calibration: Some(calibration),
        pass_options,
        strategy: Some(Strategy::Lut),
        rounding: Some(rounding),
        ..Options::default()
    };
    pipeline::load_and_compile(&shared("digits_mlp.onnx"), &options).expect("compiles")
}

fn config(c: &Compiled) -> TfheConfig {
    TfheConfig::read(&c.rt).expect("an rt.tfhe attribute").expect("a lut program")
}

fn note(c: &Compiled) -> Option<&String> {
    c.notes.iter().find(|n| n.starts_with("results decrypted to "))
}

#[test]
fn digits_mlp_decrypts_to_what_its_calibrated_deviation_allows() {
    let calibration = calibration();
    // The activations' precision, as the user can ask for it.
    let full = compile(Rounding::Approximate, calibration.clone(), Some("decrypt-frac=act"));
    assert_eq!(config(&full).decrypt_frac, None);
    assert!(note(&full).is_none(), "{:?}", full.notes);

    let nn = full.nn.as_ref().expect("an nn stage");
    let mut deviation = 0.0f64;
    for i in 0..calibration.shape()[0] as usize {
        let x = accuracy::row(&calibration, i).expect("a row");
        let clear = pipeline::run_clear(&full.rt, std::slice::from_ref(&x)).expect("clear run");
        let float = pipeline::run_float(nn, std::slice::from_ref(&x)).expect("float run");
        for (c, f) in clear.values[0].data().iter().zip(float[0].data()) {
            deviation = deviation.max(f64::from((c - f).abs()));
        }
    }
    // The coarsest fraction bits whose half unit is at most 1/32 of it, counting down from the activations' 4.
    let expected = (-64..=4).find(|&f: &i32| (-f64::from(f) - 1.0).exp2() <= deviation / 32.0).expect("a precision");
    assert!(expected < 4, "digits_mlp's deviation {deviation} allows no coarser decryption");

    let chosen = compile(Rounding::Approximate, calibration, None);
    assert_eq!(config(&chosen).decrypt_frac, Some(expected));
    let estimated = |c: &Compiled| config(c).pbs as f64 * config(c).pbs_us;
    assert!(estimated(&chosen) < estimated(&full), "not cheaper: {:?} vs {:?}", config(&chosen), config(&full));
    let said = note(&chosen).expect("a note");
    assert!(said.contains(&format!("results decrypted to {expected} fraction bits")), "{said}");
}

#[test]
fn nothing_changes_with_exact_rounding_a_users_choice_or_one_row() {
    let exact = compile(Rounding::Exact, calibration(), None);
    assert_eq!(config(&exact).decrypt_frac, None);
    assert!(note(&exact).is_none());

    let user = compile(Rounding::Approximate, calibration(), Some("decrypt-frac=3"));
    assert_eq!(config(&user).decrypt_frac, Some(3));
    assert!(note(&user).is_none());

    let one_row = accuracy::row(&calibration(), 0).expect("a row");
    let few = compile(Rounding::Approximate, one_row, None);
    assert_eq!(config(&few).decrypt_frac, None);
    assert!(note(&few).is_none());
}
