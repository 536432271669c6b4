//! `veil accuracy`: a model's float and fixed-point accuracy on labelled inputs, their argmax agreement and
//! errors, and [`error_bound`], the compiler's sound bound of |fixed point − real| per output element, which the
//! clear-backend model and conformance tests hold the runtime to.
//!
//! # The error bound
//!
//! The fixed-point program computes every value `v` as an integer `V` at `F` fraction bits; its error is
//! `|V / 2^F − v|` against the real-number result `v`. [`error_bound`] runs the nn program on [`Bounded`]
//! elements (the range of the real value and a bound of that error) and adds, per op, what lowering adds:
//!
//! - an input is encoded by rounding: error ≤ 2^-(Fa+1) (Fa = act frac);
//! - a constant is rounded to `Fw` (a multiplicand) or to the ciphertext's frac (an addend): its error is the
//!   larger of the two exact rounding errors;
//! - sums, differences, negation, data movement: errors add or carry over; `relu` and `max` are 1-Lipschitz, so
//!   the error of the result is at most the largest operand error;
//! - a product `a·b` errs by at most `|a|·e_b + |b|·e_a + e_a·e_b` (|a| the largest magnitude of a's range);
//! - a division by a count `n` (average pools) is a multiplier `round(2^s/n)/2^s` with `s ≥ Fw`: its error adds
//!   `|a|·2^-(Fw+1)` unless `1/n` is a power of two;
//! - every op that multiplies (matmul, conv2d, mul, the average pools, batch norm) ends with one rescale, a floor
//!   that errs by less than one unit of its result: + 2^-Fa. The he optimizations only merge rescales (a floor of
//!   a floor is one floor) or fold biases at a finer frac, so they never add error.
//!
//! That is the radix model ([`Lowering::Radix`]). A lookup-table program computes its non-linear steps with tables
//! instead ([`Lowering::Lut`]): no floor is added after the ops that multiply; instead, at each nn op, what the
//! compiled program's tables, exact floors and rounded constants lowered from it deviate from the real functions
//! they stand for, measured on the program over its proven ranges ([`veil_lowering::lut_deviation`]: coarse
//! indices, re-quantized entries, a neighbouring entry under approximate rounding); batch norm's folded offset
//! still adds half a unit; and each result, under approximate rounding, the error of its decryption (its bits
//! beyond the activations' precision are left to the noise: up to half a unit of `2^-Fa`). Both bounds hold
//! except with the program's stated failure probability.
//!
//! Evaluated on an input's own values (point ranges), the bound is one row's; on the input range, every row's.

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::{Add, Div, Mul, Neg, Sub};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use veil_ir::{Location, Module};
use veil_lowering::he_to_rt::Strategy;
use veil_nn::eval::{Interval, Op, Scalar, Tensor};
use veil_rt::tfhe_config::Rounding;

use super::model_args::CompileFlags;
use super::{npy, Output};
use crate::pipeline;

thread_local! {
    /// The (act frac, weight frac) that [`Bounded::from_f64`] rounds constants at, set by [`error_bound`].
    static FRACS: Cell<(i32, i32)> = const { Cell::new((8, 8)) };
}

/// The error of rounding `v` to `frac` fraction bits.
fn rounding_error(v: f64, frac: i32) -> f64 {
    if !v.is_finite() {
        return 0.0;
    }
    let scale = f64::from(frac).exp2();
    (v - (v * scale).round() / scale).abs()
}

/// A value of the fixed-point program: the range of its real value, and a bound of its fixed-point error.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Bounded {
    pub range: Interval,
    pub err: f64,
}

impl Bounded {
    /// An input element with range `range`, encoded by rounding at `act_frac` bits.
    pub fn input(range: Interval, act_frac: i32) -> Bounded {
        Bounded { range, err: (-f64::from(act_frac) - 1.0).exp2() }
    }

    /// A constant, rounded at the weight frac or the act frac, whichever errs more.
    fn constant(v: f64) -> Bounded {
        let (fa, fw) = FRACS.with(Cell::get);
        Bounded { range: Interval::point(v), err: rounding_error(v, fa).max(rounding_error(v, fw)) }
    }
}

impl Add for Bounded {
    type Output = Bounded;
    fn add(self, o: Bounded) -> Bounded {
        Bounded { range: self.range + o.range, err: self.err + o.err }
    }
}

impl Sub for Bounded {
    type Output = Bounded;
    fn sub(self, o: Bounded) -> Bounded {
        Bounded { range: self.range - o.range, err: self.err + o.err }
    }
}

impl Mul for Bounded {
    type Output = Bounded;
    fn mul(self, o: Bounded) -> Bounded {
        let err = self.range.magnitude() * o.err + o.range.magnitude() * self.err + self.err * o.err;
        Bounded { range: self.range * o.range, err }
    }
}

impl Div for Bounded {
    type Output = Bounded;
    /// Only by an exact constant (a cell count, a batch norm factor): a fixed-point reciprocal multiplier.
    fn div(self, o: Bounded) -> Bounded {
        let range = self.range / o.range;
        if o.range.lo != o.range.hi || o.err != 0.0 || o.range.lo == 0.0 {
            return Bounded { range, err: f64::INFINITY };
        }
        let d = o.range.lo.abs();
        if self.range.lo == self.range.hi {
            // A constant quotient (batch norm's factor) is computed exactly and rounded.
            let q = Bounded::constant(self.range.lo / o.range.lo);
            return Bounded { range, err: self.err / d + q.err };
        }
        let exact = (1.0 / d).log2().fract() == 0.0;
        let (_, fw) = FRACS.with(Cell::get);
        let multiplier = if exact { 0.0 } else { self.range.magnitude() * (-f64::from(fw) - 1.0).exp2() };
        Bounded { range, err: self.err / d + multiplier }
    }
}

impl Neg for Bounded {
    type Output = Bounded;
    fn neg(self) -> Bounded {
        Bounded { range: -self.range, err: self.err }
    }
}

impl Scalar for Bounded {
    /// Integers (cell counts, zero) are exact; other literals (a pad value) are rounded like constants.
    fn from_f64(v: f64) -> Self {
        Bounded::constant(v)
    }
    fn max(self, o: Bounded) -> Bounded {
        Bounded { range: self.range.max(o.range), err: self.err.max(o.err) }
    }
    /// Only of constants (batch norm's variance), which the compiler folds exactly before rounding the factor.
    fn sqrt(self) -> Bounded {
        Bounded { range: self.range.sqrt(), err: 0.0 }
    }
}

/// Whether lowering ends the op with a rescale (a floor at its result's frac).
fn rescales(op: &Op) -> bool {
    matches!(op, Op::MatMul | Op::Conv2d(_) | Op::Mul | Op::AvgPool2d(_) | Op::GlobalAvgPool2d | Op::BatchNorm(_))
}

/// What lowering adds to the nn program's arithmetic (see the module doc).
#[derive(Clone, Debug, Default)]
pub enum Lowering {
    /// The radix model: a floor of one unit after every op that multiplies.
    #[default]
    Radix,
    /// A lookup-table program: the summed deviations of its tables, exact floors and rounded constants by the
    /// location of the nn op they come from, and per result the error its decryption may add.
    Lut { deviations: HashMap<Location, f64>, decryption: Vec<f64> },
}

impl Lowering {
    /// What lowering added to `compiled`: its he program's deviations, for a lookup-table program.
    pub fn of(compiled: &pipeline::Compiled) -> Result<Lowering, String> {
        if compiled.strategy == Strategy::Radix {
            return Ok(Lowering::Radix);
        }
        let he = compiled.he.as_ref().ok_or("the lookup-table program's he form is needed for its error bound")?;
        let config = pipeline::lut_config(&compiled.rt)?;
        let rounding = config.as_ref().map_or(Rounding::Exact, |c| c.rounding);
        let deviations = veil_lowering::lut_deviation::deviations(he, rounding)?;
        let act_frac = veil_lowering::assign_precision::recorded_precision(&compiled.rt).map(|(act, _, _)| act);
        let decrypt_frac = config.and_then(|c| c.decrypt_frac).or(act_frac);
        let decryption = pipeline::encoding(&compiled.rt)?
            .results
            .iter()
            .map(|t| match veil_lowering::tfhe_params::spare_bits(rounding, t, decrypt_frac) {
                0 => 0.0,
                spare => (f64::from(spare) - 1.0 - f64::from(t.frac)).exp2(),
            })
            .collect();
        Ok(Lowering::Lut { deviations, decryption })
    }
}

/// The sound per-element error bound of `@main`'s results compiled at `act_frac` / `weight_frac` with `lowering`,
/// for inputs given as [`Bounded`] tensors (see [`Bounded::input`]); the results' ranges come with it.
pub fn error_bound(
    m: &Module,
    inputs: &[Tensor<Bounded>],
    act_frac: i32,
    weight_frac: i32,
    lowering: &Lowering,
) -> Result<Vec<Tensor<Bounded>>, String> {
    FRACS.with(|f| f.set((act_frac, weight_frac)));
    let unit = (-f64::from(act_frac)).exp2();
    let added_at = std::cell::RefCell::new(std::collections::HashSet::new());
    let results = veil_nn::eval::eval_func_with(m, veil_nn::eval::main_func(m)?, inputs, &|id, op, operands, out| {
        let added = match lowering {
            Lowering::Radix => rescale_floor(op, operands, unit),
            Lowering::Lut { deviations, .. } => {
                let offset = if matches!(op, Op::BatchNorm(_)) { unit / 2.0 } else { 0.0 };
                let loc = &m.op(id).loc;
                added_at.borrow_mut().insert(loc.clone());
                deviations.get(loc).copied().unwrap_or(0.0) + offset
            }
        };
        match added > 0.0 {
            true => out.map(|b| Bounded { err: b.err + added, ..b }),
            false => out,
        }
    })?;
    match lowering {
        Lowering::Radix => Ok(results),
        Lowering::Lut { deviations, .. } if deviations.keys().any(|loc| !added_at.borrow().contains(loc)) => {
            // A deviation no op of the nn program takes would be left out of the bound.
            let lost: Vec<String> = deviations
                .keys()
                .filter(|loc| !added_at.borrow().contains(*loc))
                .map(|loc| format!("{loc:?}"))
                .collect();
            Err(format!(
                "the lookup-table program deviates at locations no op of the nn program has ({}): no bound",
                lost.join(", ")
            ))
        }
        Lowering::Lut { decryption, .. } => Ok(results
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let e = decryption.get(i).copied().unwrap_or(0.0);
                t.map(|b| Bounded { err: b.err + e, ..b })
            })
            .collect()),
    }
}

/// What the radix model's rescale adds to an op's result: its floor, when lowering ends the op with one (and it has
/// a secret operand).
fn rescale_floor(op: &Op, operands: &[&Tensor<Bounded>], unit: f64) -> f64 {
    let secret = operands.iter().any(|t| t.data().iter().any(|b| b.range.lo != b.range.hi || b.err != 0.0));
    // Batch norm's folded offset `bias - mean * factor` is rounded once more (half a unit).
    let extra = if matches!(op, Op::BatchNorm(_)) { unit * 1.5 } else { unit };
    match rescales(op) && secret {
        true => extra,
        false => 0.0,
    }
}

/// Where the fixed-point program runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AccuracyBackend {
    /// The float reference evaluator only (no fixed point)
    Float,
    /// The exact integer backend, every value checked against its width
    Clear,
    /// TFHE-rs ciphertexts (slow: minutes per row for the larger models)
    #[cfg(feature = "tfhe")]
    Tfhe,
}

#[derive(Args, Debug)]
pub struct AccuracyArgs {
    /// The ONNX model (or an nn program)
    #[arg(value_name = "MODEL.onnx")]
    pub model: PathBuf,
    /// The inputs, one model input per row (`[rows, ...]`, float32)
    #[arg(long, value_name = "X.npy")]
    pub inputs: PathBuf,
    /// The true class of each row (int64), for classifiers
    #[arg(long, value_name = "L.npy")]
    pub labels: Option<PathBuf>,
    /// The true target of each row (float), for regressors: RMSE instead of accuracy
    #[arg(long, value_name = "T.npy", conflicts_with = "labels")]
    pub targets: Option<PathBuf>,
    /// Reference outputs (e.g. onnxruntime's), one row per input: max and mean absolute error against them
    #[arg(long, value_name = "Y.npy")]
    pub expected: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "clear")]
    pub backend: AccuracyBackend,
    /// Only the first N rows
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Print one JSON object instead of text
    #[arg(long)]
    pub json: bool,
    /// How to compile the model; without a range or calibration data, the inputs' extremes give the range.
    #[command(flatten)]
    pub compile: CompileFlags,
}

/// Row `i` of a `[rows, ...]` tensor as a `[1, ...]` tensor; an error when it has no such row.
pub fn row<T: Copy>(t: &Tensor<T>, i: usize) -> Result<Tensor<T>, String> {
    let rows = t.shape().first().map_or(0, |&r| r as usize);
    if i >= rows {
        return Err(format!("row {i} of a tensor of shape {:?} does not exist", t.shape()));
    }
    let per_row = t.len() / rows;
    let mut shape = t.shape().to_vec();
    shape[0] = 1;
    Tensor::new(shape, t.data()[i * per_row..][..per_row].to_vec())
}

/// What `veil accuracy` measured.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Report {
    pub n: usize,
    pub backend: String,
    pub float_accuracy: Option<f64>,
    pub accuracy: Option<f64>,
    pub float_rmse: Option<f64>,
    pub rmse: Option<f64>,
    /// Rows whose argmax is the float model's.
    pub agreement: f64,
    /// max |backend − float| over all output elements.
    pub max_error_vs_float: f64,
    /// The largest per-element error bound [`error_bound`] proves (per row, on the row's own values).
    pub max_bound: f64,
    /// Elements where |backend − float| exceeds the bound plus the float evaluator's own rounding.
    pub bound_violations: usize,
    pub max_error: Option<f64>,
    pub mean_error: Option<f64>,
    /// The widest ciphertext of the compiled program, in bits.
    pub max_width: u32,
    pub compile_seconds: f64,
    pub run_seconds: f64,
    /// What the driver chose and why (the compiler's notes), printed on stderr as `veil run` does.
    #[serde(skip)]
    pub notes: Vec<String>,
}

impl Report {
    pub fn json(&self) -> String {
        // Numbers and strings only: serde_json cannot fail on them (a NaN is written as null).
        serde_json::to_string(self).unwrap_or_default() + "\n"
    }

    pub fn text(&self) -> String {
        let mut s = String::new();
        let pct = |v: f64| format!("{:.2}%", 100.0 * v);
        let _ = writeln!(s, "rows:                 {}", self.n);
        if let (Some(f), Some(a)) = (self.float_accuracy, self.accuracy) {
            let _ = writeln!(s, "float accuracy:       {}", pct(f));
            let _ = writeln!(s, "{:<21} {}", format!("{} accuracy:", self.backend), pct(a));
        }
        if let (Some(f), Some(r)) = (self.float_rmse, self.rmse) {
            let _ = writeln!(s, "float RMSE:           {f:.4}");
            let _ = writeln!(s, "{:<21} {r:.4}", format!("{} RMSE:", self.backend));
        }
        let _ = writeln!(s, "argmax agreement:     {}", pct(self.agreement));
        let bound = format!("proven bound {:.6}, {} violations", self.max_bound, self.bound_violations);
        let _ = writeln!(s, "max |{} - float|: {:.6} ({bound})", self.backend, self.max_error_vs_float);
        if let (Some(m), Some(a)) = (self.max_error, self.mean_error) {
            let _ = writeln!(s, "vs expected:          max abs error {m:.6}, mean {a:.6}");
        }
        let _ = writeln!(s, "widest ciphertext:    {} bits", self.max_width);
        let _ = writeln!(s, "compile: {:.2}s, run: {:.2}s", self.compile_seconds, self.run_seconds);
        s
    }
}

pub fn run(args: &AccuracyArgs) -> Output {
    match measure(args) {
        Ok(r) => Output {
            stdout: if args.json { r.json() } else { r.text() },
            stderr: r.notes.iter().map(|n| format!("note: {n}\n")).collect(),
            ..Output::default()
        },
        Err(e) => Output::error(e),
    }
}

/// The f32 evaluator's own rounding, which the comparison with it must allow besides the bound.
fn float_slack(v: f32) -> f64 {
    1e-3 + 1e-4 * f64::from(v.abs())
}

/// Runs every row on the float reference and the chosen backend and compares them.
pub fn measure(args: &AccuracyArgs) -> Result<Report, String> {
    let inputs = npy::read_f32(&args.inputs)?;
    let rows = inputs.shape().first().map_or(0, |&r| r as usize);
    let n = args.limit.map_or(rows, |l| l.min(rows));
    if n == 0 {
        return Err(format!("'{}' holds no rows", args.inputs.display()));
    }
    let labels = args.labels.as_deref().map(npy::read_i64).transpose()?;
    let targets = args.targets.as_deref().map(npy::read_f32).transpose()?;
    let expected = args.expected.as_deref().map(npy::read_f32).transpose()?;
    for (what, len) in [("labels", labels.as_ref().map(|t| t.len())), ("targets", targets.as_ref().map(|t| t.len()))] {
        if let Some(len) = len.filter(|&l| l < n) {
            return Err(format!("{len} {what} for {n} rows"));
        }
    }
    if let Some(e) = expected.as_ref().filter(|e| e.shape().first().map_or(0, |&r| r as usize) < n) {
        return Err(format!("{} expected rows for {n} rows", e.shape().first().unwrap_or(&0)));
    }
    let options = args.compile.options(Some(&args.inputs))?;
    let start = std::time::Instant::now();
    let compiled = pipeline::load_and_compile(&args.model, &options)?;
    let compile_seconds = start.elapsed().as_secs_f64();
    let nn = compiled.nn.as_ref().ok_or("veil accuracy needs an ONNX model or an nn program (the float reference)")?;
    let encoding = pipeline::encoding(&compiled.rt)?;
    let max_width =
        encoding.args.iter().chain(&encoding.results).map(|t| t.width).max().unwrap_or(0).max(widest(&compiled.rt));
    let (act_frac, weight_frac, _) = compiled
        .he
        .as_ref()
        .and_then(veil_lowering::assign_precision::recorded_precision)
        .ok_or("the compiled program records no precision")?;
    let lowering = Lowering::of(&compiled)?;
    #[cfg(feature = "tfhe")]
    let keys = (args.backend == AccuracyBackend::Tfhe)
        .then(|| pipeline::ProgramKeys::for_program(&compiled.rt))
        .transpose()?;

    let bar = ProgressBar::new(n as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows {elapsed}/{eta}").map_err(|e| e.to_string())?,
    );
    let mut r = Report {
        n,
        backend: format!("{:?}", args.backend).to_lowercase(),
        max_width,
        compile_seconds,
        notes: compiled.notes.clone(),
        ..Report::default()
    };
    let (mut float_correct, mut correct, mut agree) = (0usize, 0usize, 0usize);
    let (mut float_sq, mut sq, mut err_sum, mut err_count) = (0f64, 0f64, 0f64, 0usize);
    let (mut max_err, mut max_diff) = (0f64, 0f64);
    let start = std::time::Instant::now();
    for i in 0..n {
        let x = row(&inputs, i)?;
        let float = pipeline::run_float(nn, std::slice::from_ref(&x)).map_err(|e| format!("row {i}: float: {e}"))?;
        let fixed = match args.backend {
            AccuracyBackend::Float => float.clone(),
            AccuracyBackend::Clear => {
                pipeline::run_clear(&compiled.rt, std::slice::from_ref(&x)).map_err(|e| format!("row {i}: {e}"))?.values
            }
            #[cfg(feature = "tfhe")]
            AccuracyBackend::Tfhe => {
                let keys = keys.as_ref().expect("generated for the tfhe backend");
                pipeline::run_tfhe(&compiled.rt, std::slice::from_ref(&x), keys)?.0.values
            }
        };
        let (f, v) =
            (float.first().ok_or("the model has no output")?, fixed.first().ok_or("the program has no output")?);
        if f.len() != v.len() {
            return Err(format!("row {i}: the float model gives {} outputs, the program {}", f.len(), v.len()));
        }
        let bounded = x.map(|e| Bounded::input(Interval::point(f64::from(e)), act_frac));
        let bounds = error_bound(nn, &[bounded], act_frac, weight_frac, &lowering)?;
        for ((&a, &b), bound) in v.data().iter().zip(f.data()).zip(bounds[0].data()) {
            let d = f64::from((a - b).abs());
            max_diff = max_diff.max(d);
            r.max_bound = r.max_bound.max(bound.err);
            if args.backend != AccuracyBackend::Float && d > bound.err + float_slack(b) {
                r.bound_violations += 1;
            }
        }
        let (pf, pv) = (pipeline::argmax(f.data()), pipeline::argmax(v.data()));
        agree += usize::from(pf == pv);
        if let Some(l) = &labels {
            let want = usize::try_from(l.data()[i]).ok();
            float_correct += usize::from(pf == want);
            correct += usize::from(pv == want);
        }
        if let Some(t) = &targets {
            let t = f64::from(t.data()[i]);
            float_sq += (f64::from(f.data()[0]) - t).powi(2);
            sq += (f64::from(v.data()[0]) - t).powi(2);
        }
        if let Some(e) = &expected {
            let e = row(e, i)?;
            if e.len() != v.len() {
                return Err(format!("row {i}: {} expected outputs, the program gives {}", e.len(), v.len()));
            }
            for (&a, &b) in v.data().iter().zip(e.data()) {
                let d = f64::from((a - b).abs());
                max_err = max_err.max(d);
                err_sum += d;
                err_count += 1;
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    r.run_seconds = start.elapsed().as_secs_f64();
    let frac = |k: usize| k as f64 / n as f64;
    r.agreement = frac(agree);
    r.max_error_vs_float = max_diff;
    if labels.is_some() {
        (r.float_accuracy, r.accuracy) = (Some(frac(float_correct)), Some(frac(correct)));
    }
    if targets.is_some() {
        (r.float_rmse, r.rmse) = (Some((float_sq / n as f64).sqrt()), Some((sq / n as f64).sqrt()));
    }
    if expected.is_some() {
        (r.max_error, r.mean_error) = (Some(max_err), Some(err_sum / err_count.max(1) as f64));
    }
    Ok(r)
}

/// The widest ciphertext type of any value of the rt program.
pub(crate) fn widest(rt: &Module) -> u32 {
    let mut w = 0;
    for op in rt.walk() {
        for &v in &rt.op(op).results {
            let ty = veil_runtime::interp::rt_type(rt, rt.value_type(v)).ok();
            if let Some(t) = ty.filter(|t| t.kind == veil_he::Kind::Cipher) {
                w = w.max(t.width);
            }
        }
    }
    w
}
