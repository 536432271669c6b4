//! The lookup-table model's table precision (he-lut-fuse's `index-bits`, per layer) checked against the
//! calibration rows, when the user sets none: the compiled program runs on every calibration row beside the float
//! model, and when their predictions differ on more than 1 − [`AGREEMENT`] of the rows, the driver raises the
//! precision of the layers that need it. A greedy search: each step raises one layer's tables by one bit (up to
//! [`CANDIDATES`]' last), the layer whose raise makes the predictions agree most (the cheaper by the estimated
//! bootstrap time on a tie), until they agree; per-partition parameters make a raised layer cost only its own
//! bootstraps. A note says what was raised and what it costs. The driver only raises: calibration rows come from
//! the training split, where a model is surer of itself than on new data (digits_mlp at 4 bits agrees on all 100
//! of them and on 95% of the test rows), so they can tell that a precision is too low but not that a lower one is
//! enough. When no precision up to [`CANDIDATES`]' last agrees, the lookup-table model cannot keep the model's
//! predictions (mnist_cryptonets' squares over proven ranges): without a `--strategy`, the driver then compiles for
//! the radix model, whose integers stay within the proven error bound of the float model, and says why.
//!
//! Classifiers only (more than one output per row: the argmax is what a user reads), with at least [`MIN_ROWS`]
//! calibration rows.

use veil_nn::eval::Tensor as FloatTensor;

use crate::pipeline::{self, Compiled, Options};

/// he-lut-fuse's default precision, and the highest one tried.
pub const DEFAULT: u32 = 5;
pub const CANDIDATES: std::ops::RangeInclusive<u32> = DEFAULT..=8;

/// The least share of calibration rows on which a candidate's prediction must equal the float model's.
pub const AGREEMENT: f64 = 0.97;

/// The fewest calibration rows a choice is made on (an input file standing in for calibration data holds one).
pub const MIN_ROWS: usize = 20;

/// One choice of per-layer precisions, compiled and measured.
struct Candidate {
    bits: Vec<u32>,
    compiled: Compiled,
    fit: Fit,
    /// Bootstraps × the cost model's time per bootstrap, in seconds on one core.
    estimated_s: f64,
}

/// How close a program's clear results on the calibration rows are to the float model's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fit {
    /// The share of rows on which the prediction is the float model's.
    pub agreement: f64,
    /// The mean |clear − float| over every output of every row: a finer measure than 100 predictions.
    pub mean_error: f64,
}

/// What the calibration rows must show of a program: its prediction like the float model's on at least
/// `agreement` of them and, where another form of the program sets the bar, its outputs on average no farther from
/// the float model's than `mean_error`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Goal {
    pub agreement: f64,
    pub mean_error: f64,
}

impl Goal {
    /// [`AGREEMENT`], nothing on the mean error.
    pub const DEFAULT: Goal = Goal { agreement: AGREEMENT, mean_error: f64::INFINITY };

    pub fn met_by(&self, fit: Fit) -> bool {
        fit.agreement >= self.agreement && fit.mean_error <= self.mean_error
    }

    /// What a program of `fit` on `rows` calibration rows misses of this goal, for a note.
    fn shortfall(&self, fit: Fit, rows: usize) -> String {
        if fit.agreement < self.agreement {
            format!(
                "the prediction agrees with the float model's on only {:.0}% of the {rows} calibration rows",
                100.0 * fit.agreement
            )
        } else {
            format!(
                "the outputs lie on average {:.3} from the float model's on the {rows} calibration rows, against \
                 {:.3} for the other form",
                fit.mean_error, self.mean_error
            )
        }
    }

    /// Why no precision meets this goal, for a note.
    fn unmet(&self) -> String {
        match self.mean_error.is_finite() {
            false => format!("no precision up to {} bits agrees on {:.0}%", CANDIDATES.end(), 100.0 * self.agreement),
            true => format!("no precision up to {} bits comes as close", CANDIDATES.end()),
        }
    }
}

/// Whether the precision is chosen already (`he-lut-fuse{index-bits=...}`, or per layer in
/// [`Options::table_bits`]): then nothing is checked.
pub fn chosen_by_user(options: &Options) -> bool {
    !options.table_bits.is_empty()
        || options.pass_options.iter().any(|(pass, o)| pass == "he-lut-fuse" && o.contains("index-bits"))
}

/// The calibration rows, one `[1, ...]` tensor each.
pub fn calibration_rows(calibration: &FloatTensor<f32>) -> Vec<FloatTensor<f32>> {
    let n = calibration.shape().first().map_or(0, |&r| r as usize);
    (0..n).filter_map(|i| crate::cli::accuracy::row(calibration, i).ok()).collect()
}

/// What the check found when the default precision disagrees with the float model.
pub struct Choice {
    /// What to tell the user: the agreement, and what was raised, if anything.
    pub note: String,
    /// The raised per-layer precisions (for [`Options::table_bits`]) and the program compiled with them, when
    /// some agree.
    pub raised: Option<(Vec<u32>, Compiled)>,
}

/// A [`Choice`] when `compiled` (at the default precision) does not meet `goal` on the calibration rows of the float
/// model `nn` ([`Goal::DEFAULT`], or more where another form of the program sets the bar): the per-layer precisions
/// that meet it (compiled with `compile`), if any; `None` when it is met, or when no check applies (no calibration
/// rows, too few, not a classifier, no tables).
pub fn choose(
    nn: &veil_ir::Module,
    options: &Options,
    compiled: &Compiled,
    compile: impl Fn(&Options) -> Result<Compiled, String>,
    goal: Goal,
) -> Result<Option<Choice>, String> {
    let Some(reference) = Reference::new(nn, options)? else { return Ok(None) };
    let measure = |bits: Vec<u32>, compiled: Compiled| -> Result<Option<Candidate>, String> {
        let Some(estimated_s) = pipeline::estimated_bootstrap_s(&compiled)? else { return Ok(None) };
        let fit = reference.fit(&compiled)?;
        Ok(Some(Candidate { bits, compiled, fit, estimated_s }))
    };
    let layers = compiled.table_inputs;
    let Some(default) = measure(vec![DEFAULT; layers], compiled.clone())? else { return Ok(None) };
    if goal.met_by(default.fit) || layers == 0 {
        return Ok(None);
    }
    let mut note = format!("the tables' {DEFAULT} index bits: {}", goal.shortfall(default.fit, reference.rows.len()));
    let default_s = default.estimated_s;
    let mut current = default;
    while !goal.met_by(current.fit) {
        let mut best = None::<Candidate>;
        for layer in (0..layers).filter(|&l| current.bits[l] < *CANDIDATES.end()) {
            let mut raised = current.bits.clone();
            raised[layer] += 1;
            let with_bits = Options { table_bits: raised.clone(), ..options.clone() };
            // A precision without parameters is no candidate.
            let Ok(c) = compile(&with_bits) else { continue };
            let Some(m) = measure(raised, c)? else { continue };
            let key = |c: &Candidate| (goal.met_by(c.fit), c.fit.agreement, -c.fit.mean_error, -c.estimated_s);
            if best.as_ref().is_none_or(|b| key(&m) > key(b)) {
                best = Some(m);
            }
        }
        let Some(b) = best else { break };
        current = b;
    }
    if !goal.met_by(current.fit) {
        note.push_str(&format!("; {}", goal.unmet()));
        return Ok(Some(Choice { note, raised: None }));
    }
    let per_layer: Vec<String> = current.bits.iter().map(u32::to_string).collect();
    note.push_str(&format!(
        "; raised to {} index bits per layer of tables (in program order): {:.0}% agree, at {:.1}x the bootstrap \
         time ('he-lut-fuse{{index-bits=N}}' sets one precision for every table instead)",
        per_layer.join(", "),
        100.0 * current.fit.agreement,
        current.estimated_s / default_s.max(1e-9)
    ));
    Ok(Some(Choice { note, raised: Some((current.bits, current.compiled)) }))
}

/// The float model's predictions on the calibration rows, against which compiled programs are measured.
pub struct Reference {
    rows: Vec<FloatTensor<f32>>,
    /// The float model's output row and prediction for each row.
    float: Vec<(Vec<f32>, usize)>,
}

impl Reference {
    /// `None` when no check applies: no calibration rows, fewer than [`MIN_ROWS`], or not a classifier.
    pub fn new(nn: &veil_ir::Module, options: &Options) -> Result<Option<Reference>, String> {
        let Some(calibration) = &options.calibration else { return Ok(None) };
        let rows = calibration_rows(calibration);
        if rows.len() < MIN_ROWS {
            return Ok(None);
        }
        let float: Vec<Option<(Vec<f32>, usize)>> = rows
            .iter()
            .map(|x| {
                let y = pipeline::run_float(nn, std::slice::from_ref(x))?;
                Ok(y.first().and_then(|y| Some((y.data().to_vec(), classify(y.data())?))))
            })
            .collect::<Result<_, String>>()?;
        Ok(float.into_iter().collect::<Option<Vec<_>>>().map(|float| Reference { rows, float }))
    }

    /// The share of the rows on which `compiled`'s clear backend predicts what the float model does.
    pub fn agreement(&self, compiled: &Compiled) -> Result<f64, String> {
        Ok(self.fit(compiled)?.agreement)
    }

    /// How close `compiled`'s clear results are to the float model's.
    pub fn fit(&self, compiled: &Compiled) -> Result<Fit, String> {
        let (mut agree, mut error, mut outputs) = (0, 0.0, 0usize);
        for (x, (float, f)) in self.rows.iter().zip(&self.float) {
            let clear = pipeline::run_clear(&compiled.rt, std::slice::from_ref(x))?;
            let y = clear.values.first().map(|y| y.data().to_vec()).unwrap_or_default();
            agree += usize::from(classify(&y) == Some(*f));
            error += y.iter().zip(float).map(|(a, b)| f64::from((a - b).abs())).sum::<f64>();
            outputs += float.len();
        }
        Ok(Fit { agreement: agree as f64 / self.rows.len() as f64, mean_error: error / outputs.max(1) as f64 })
    }
}

/// The predicted class of a classifier's output row; `None` for a single output (a regressor).
fn classify(y: &[f32]) -> Option<usize> {
    if y.len() < 2 {
        return None;
    }
    pipeline::argmax(y)
}
