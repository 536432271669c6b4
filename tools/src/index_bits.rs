//! A check of the lookup-table model's table precision (he-lut-fuse's `index-bits`) against the calibration rows,
//! when the user sets none: the compiled program runs on every calibration row beside the float model, and when
//! their predictions differ on more than 1 − [`AGREEMENT`] of the rows a note says so and names the first higher
//! precision that agrees (compiled and run the same way), with its estimated cost. The driver never changes the
//! precision on its own: calibration rows come from the training split, where a model is surer of itself than on
//! new data (digits_mlp at 4 bits agrees on all 100 of them and on 95% of the test rows), so they can tell that a
//! precision is too low but not that a lower one is enough. One parameter set serves the whole program, so one
//! precision per program is the knob that matters. When no precision up to [`CANDIDATES`]' last agrees, the
//! lookup-table model cannot keep the model's predictions (CryptoNets' squares over proven ranges): without a
//! `--strategy`, the driver then compiles for the radix model, whose integers stay within the proven error bound
//! of the float model, and says why.
//!
//! Classifiers only (more than one output per row: the argmax is what a user reads), with at least [`MIN_ROWS`]
//! calibration rows.

use veil_nn::eval::Tensor as FloatTensor;
use veil_rt::tfhe_config::TfheConfig;

use crate::pipeline::{self, Compiled, Options};

/// he-lut-fuse's default precision, and the highest one tried.
pub const DEFAULT: u32 = 5;
pub const CANDIDATES: std::ops::RangeInclusive<u32> = DEFAULT..=8;

/// The least share of calibration rows on which a candidate's prediction must equal the float model's.
pub const AGREEMENT: f64 = 0.97;

/// The fewest calibration rows a choice is made on (an input file standing in for calibration data holds one).
pub const MIN_ROWS: usize = 20;

/// One precision, measured.
struct Candidate {
    agreement: f64,
    /// Bootstraps × the cost model's time per bootstrap, in seconds on one core.
    estimated_s: f64,
}

/// Whether the user chose the precision (`he-lut-fuse{index-bits=...}`): then nothing is checked.
pub fn chosen_by_user(options: &Options) -> bool {
    options.pass_options.iter().any(|(pass, o)| pass == "he-lut-fuse" && o.contains("index-bits"))
}

/// The calibration rows, one `[1, ...]` tensor each.
fn rows(calibration: &FloatTensor<f32>) -> Vec<FloatTensor<f32>> {
    let n = calibration.shape().first().map_or(0, |&r| r as usize);
    (0..n).filter_map(|i| crate::cli::accuracy::row(calibration, i).ok()).collect()
}

/// What the check found when the default precision disagrees with the float model.
#[derive(Clone, Debug, PartialEq)]
pub struct Advice {
    /// What to tell the user: the agreement, and the first higher precision that agrees, if any.
    pub note: String,
    /// Whether some precision up to [`CANDIDATES`]' last agrees.
    pub remedy: bool,
}

/// [`Advice`] when `compiled` (at the default precision) predicts unlike the float model `nn` on more than
/// 1 − [`AGREEMENT`] of the calibration rows, naming the first higher precision that agrees (compiled with
/// `compile`); `None` when it agrees, or when no check applies (no calibration rows, too few, not a classifier).
pub fn advise(
    nn: &veil_ir::Module,
    options: &Options,
    compiled: &Compiled,
    compile: impl Fn(&Options) -> Result<Compiled, String>,
) -> Result<Option<Advice>, String> {
    let Some(reference) = Reference::new(nn, options)? else { return Ok(None) };
    let rows = &reference.rows;
    let measure = |c: &Compiled| -> Result<Option<Candidate>, String> {
        let Some(config) = TfheConfig::read(&c.rt)? else { return Ok(None) };
        let agreement = reference.agreement(c)?;
        Ok(Some(Candidate { agreement, estimated_s: config.pbs as f64 * config.pbs_us / 1e6 }))
    };
    let Some(default) = measure(compiled)? else { return Ok(None) };
    if default.agreement >= AGREEMENT {
        return Ok(None);
    }
    let mut advice = format!(
        "the tables' {DEFAULT} index bits: the prediction agrees with the float model's on only {:.0}% of the {} \
         calibration rows",
        100.0 * default.agreement,
        rows.len()
    );
    for bits in DEFAULT + 1..=*CANDIDATES.end() {
        let mut with_bits = options.clone();
        with_bits.pass_options.push(("he-lut-fuse".into(), format!("index-bits={bits}")));
        let Ok(c) = compile(&with_bits) else { continue };
        if let Some(m) = measure(&c)?.filter(|m| m.agreement >= AGREEMENT) {
            advice.push_str(&format!(
                "; {bits} bits agree on {:.0}% at {:.1}x the bootstrap time: --pass-option \
                 'he-lut-fuse{{index-bits={bits}}}'",
                100.0 * m.agreement,
                m.estimated_s / default.estimated_s.max(1e-9)
            ));
            return Ok(Some(Advice { note: advice, remedy: true }));
        }
    }
    advice.push_str(&format!("; no precision up to {} bits agrees on {:.0}%", CANDIDATES.end(), 100.0 * AGREEMENT));
    Ok(Some(Advice { note: advice, remedy: false }))
}

/// The float model's predictions on the calibration rows, against which compiled programs are measured.
pub struct Reference {
    rows: Vec<FloatTensor<f32>>,
    float: Vec<usize>,
}

impl Reference {
    /// `None` when no check applies: no calibration rows, fewer than [`MIN_ROWS`], or not a classifier.
    pub fn new(nn: &veil_ir::Module, options: &Options) -> Result<Option<Reference>, String> {
        let Some(calibration) = &options.calibration else { return Ok(None) };
        let rows = rows(calibration);
        if rows.len() < MIN_ROWS {
            return Ok(None);
        }
        let float: Vec<Option<usize>> = rows
            .iter()
            .map(|x| Ok(pipeline::run_float(nn, std::slice::from_ref(x))?.first().and_then(|y| classify(y.data()))))
            .collect::<Result<_, String>>()?;
        Ok(float.into_iter().collect::<Option<Vec<usize>>>().map(|float| Reference { rows, float }))
    }

    /// The share of the rows on which `compiled`'s clear backend predicts what the float model does.
    pub fn agreement(&self, compiled: &Compiled) -> Result<f64, String> {
        let mut agree = 0;
        for (x, &f) in self.rows.iter().zip(&self.float) {
            let clear = pipeline::run_clear(&compiled.rt, std::slice::from_ref(x))?;
            agree += usize::from(clear.values.first().and_then(|y| classify(y.data())) == Some(f));
        }
        Ok(agree as f64 / self.rows.len() as f64)
    }
}

/// The predicted class of a classifier's output row; `None` for a single output (a regressor).
fn classify(y: &[f32]) -> Option<usize> {
    if y.len() < 2 {
        return None;
    }
    pipeline::argmax(y)
}
