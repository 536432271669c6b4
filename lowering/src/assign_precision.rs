//! `--assign-precision`: the range analysis of nn programs and the choice of fixed-point formats.
//!
//! Ranges are sound by default: the function's arguments carry `veil.range = [lo, hi]` (a missing one is an
//! error that says how to give it), and the reference evaluator runs the function on per-element intervals
//! with the actual constant weights, so a dot product's interval is the exact sum of its products' intervals
//! (`x * x` of one value is a square, never negative). With `calibration=FILE.npy` the ranges are instead the
//! observed ones on that data, widened by `margin` and capped by the sound ones: tighter but UNSOUND, so the
//! module records `veil.calibrated = "FILE.npy"` and the pass warns.
//!
//! Every value then gets a format, recorded on its defining op (and on function arguments, in `arg_attrs`):
//! - `veil.range = [lo, hi]`: the real values' range (the hull over the elements);
//! - `veil.frac = F`: fraction bits, `act-frac` for values computed from the inputs, `weight-frac` for
//!   compile-time constants (weights and anything folded from them);
//! - `veil.width = W`: the signed bits holding `[floor(lo * 2^F), ceil(hi * 2^F)]`.
//!
//! The module records the options in `veil.precision = {act_frac, weight_frac, max_width}` (read by
//! `--nn-to-he`). A value needing more than `max-width` bits is an error naming the op, its range and the
//! width it would need. Running the pass twice changes nothing the second time.

mod analysis;
mod npy;

use std::collections::HashMap;
use std::path::PathBuf;

use veil_ir::builtin::{arg_attr, set_arg_attr, RETURN};
use veil_ir::{Attr, AttrKind, Diagnostic, Diagnostics, Module, OpId, Value, ValueDef};
use veil_nn::eval::{Interval as FloatInterval, Tensor};

use crate::he_ranges::{type_width_for, Interval};
use crate::pass::{Changed, Pass, PassOption, PassOptions};

pub use analysis::{calibrate, input_dependent, is_nn};

/// `[lo, hi]` on ops and arguments: the range of the real values.
pub const RANGE: &str = veil_nn::args::RANGE;
/// Fraction bits of a value's fixed-point format.
pub const FRAC: &str = "veil.frac";
/// Signed bits of a value's fixed-point format.
pub const WIDTH: &str = "veil.width";
/// On the module: the calibration file whose (unsound) ranges were used.
pub const CALIBRATED: &str = "veil.calibrated";
/// On the module: `{act_frac, weight_frac, max_width}` as chosen by the pass.
pub const PRECISION: &str = "veil.precision";

/// The precision analysis and format choice; see the module documentation.
#[derive(Clone, Debug)]
pub struct AssignPrecision {
    pub act_frac: i32,
    pub weight_frac: i32,
    pub max_width: u32,
    pub calibration: Option<PathBuf>,
    pub margin: f64,
}

const OPTIONS: &[PassOption] = &[
    PassOption::int("act-frac", "8", "Fraction bits of values computed from the inputs (x is held as round(x * 2^F))"),
    PassOption::int("weight-frac", "8", "Fraction bits of weights and other compile-time constants"),
    PassOption::int("max-width", "64", "The widest integer (bits) a value may need; a wider one is an error"),
    PassOption::path(
        "calibration",
        "",
        "UNSOUND, opt-in: ranges observed by running the float model on these inputs (.npy) instead of proven",
    ),
    PassOption::string("margin", "0.1", "With calibration: widen each observed range by this fraction of its width"),
];

impl Pass for AssignPrecision {
    fn name(&self) -> &'static str {
        "assign-precision"
    }

    fn description(&self) -> &'static str {
        "Prove every nn value's range from the input ranges and choose its fixed-point format (veil.frac/width)"
    }

    fn options() -> &'static [PassOption] {
        OPTIONS
    }

    fn from_options(o: &PassOptions) -> Result<AssignPrecision, String> {
        let frac = |name: &str| -> Result<i32, String> {
            let v = o.int(name)?;
            i32::try_from(v).ok().filter(|f| (0..=30).contains(f)).ok_or(format!("{name} = {v} must be in 0..=30"))
        };
        let max_width = o.int("max-width")?;
        let max_width = u32::try_from(max_width)
            .ok()
            .filter(|w| (veil_he::MIN_WIDTH..=veil_he::MAX_WIDTH).contains(w))
            .ok_or(format!("max-width = {max_width} must be in {}..={}", veil_he::MIN_WIDTH, veil_he::MAX_WIDTH))?;
        let margin_text = o.string("margin")?;
        let margin = margin_text
            .parse::<f64>()
            .ok()
            .filter(|m| m.is_finite() && *m >= 0.0)
            .ok_or(format!("margin = {margin_text} must be a non-negative number"))?;
        let path = o.path("calibration")?;
        let calibration = (!path.as_os_str().is_empty()).then(|| path.to_path_buf());
        Ok(AssignPrecision {
            act_frac: frac("act-frac")?,
            weight_frac: frac("weight-frac")?,
            max_width,
            calibration,
            margin,
        })
    }

    fn run(&self, m: &mut Module) -> Result<Changed, Diagnostics> {
        let data = match &self.calibration {
            None => None,
            Some(path) => {
                let bytes = veil_ir::limits::read_file(path, &m.limits).map_err(|e| {
                    m.report(vec![Diagnostic::error(
                        m.op(m.top()).loc.clone(),
                        format!("cannot read calibration data '{}': {e}", path.display()),
                    )])
                })?;
                let (_, numbers) = npy::read(&bytes).map_err(|e| {
                    m.report(vec![Diagnostic::error(
                        m.op(m.top()).loc.clone(),
                        format!("calibration data '{}': {e}", path.display()),
                    )])
                })?;
                Some(numbers)
            }
        };
        let mut changed = false;
        for f in m.funcs() {
            if !is_nn_function(m, f) {
                continue;
            }
            let formats = self.formats(m, f, data.as_deref())?;
            for (target, format) in formats {
                changed |= record(m, f, target, &format);
            }
        }
        let mut out = Changed::no();
        if let (Some(path), Some(_)) = (&self.calibration, &data) {
            let name = m.string_attr(path.display().to_string());
            changed |= set_if_changed(m, m.top(), CALIBRATED, name);
            out = out.with_diagnostic(Diagnostic::warning(
                m.op(m.top()).loc.clone(),
                format!(
                    "ranges come from calibration data '{}' widened by {}, not from a proof: inputs unlike that data \
                     may overflow",
                    path.display(),
                    self.margin
                ),
            ));
        }
        let precision = self.precision_attr(m);
        changed |= set_if_changed(m, m.top(), PRECISION, precision);
        out.ir = changed;
        Ok(out)
    }
}

/// Where a format is recorded: on an argument or on the op defining a value.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Target {
    Arg(usize),
    Op(OpId),
}

/// A value's chosen format.
#[derive(Clone, Debug)]
struct Format {
    range: (f64, f64),
    frac: i32,
    width: u32,
}

impl AssignPrecision {
    /// The pass with every option at its default.
    pub fn with_defaults() -> AssignPrecision {
        let defaults = PassOptions::defaults("assign-precision", OPTIONS);
        match defaults.and_then(|o| AssignPrecision::from_options(&o)) {
            Ok(p) => p,
            // The defaults are constants that `from_options` accepts (the registry checks it at startup).
            Err(_) => AssignPrecision { act_frac: 8, weight_frac: 8, max_width: 64, calibration: None, margin: 0.1 },
        }
    }

    fn precision_attr(&self, m: &mut Module) -> Attr {
        let entries = vec![
            ("act_frac".to_string(), m.int_attr(self.act_frac.into())),
            ("weight_frac".to_string(), m.int_attr(self.weight_frac.into())),
            ("max_width".to_string(), m.int_attr(self.max_width.into())),
        ];
        m.dict_attr(entries)
    }

    /// The format of every argument and nn result of `f`.
    fn formats(&self, m: &Module, f: OpId, calibration: Option<&[f32]>) -> Result<Vec<(Target, Format)>, Diagnostics> {
        let sound = sound_ranges(m, f)?;
        let observed = match calibration {
            None => HashMap::new(),
            Some(data) => calibrate(m, f, data, self.margin).map_err(|(op, e)| m.error_at(op, e))?,
        };
        let secret = input_dependent(m, f);
        let body = m.body(f).ok_or_else(|| m.error_at(f, "the function has no body"))?;
        let mut values: Vec<(Target, Value)> =
            m.block(body).args.iter().enumerate().map(|(i, &a)| (Target::Arg(i), a)).collect();
        for &op in &m.block(body).ops {
            if m.op(op).def != &RETURN && is_nn(m, op) {
                values.push((Target::Op(op), m.op(op).result()));
            }
        }
        let mut out = vec![];
        for (target, v) in values {
            let Some(t) = sound.get(&v) else { continue };
            let mut range = hull(t);
            // Arguments keep their declared range; calibration narrows what is computed from them.
            if let (Target::Op(_), Some(&(lo, hi))) = (target, observed.get(&v)) {
                if secret.contains(&v) {
                    range = (lo.max(range.0), hi.min(range.1));
                    range = (range.0.min(range.1), range.1.max(range.0));
                }
            }
            let frac = if secret.contains(&v) { self.act_frac } else { self.weight_frac };
            let at = match target {
                Target::Arg(_) => f,
                Target::Op(op) => op,
            };
            let what = match target {
                Target::Arg(i) => format!("argument #{i}"),
                Target::Op(op) => format!("'{}'", m.op(op).name()),
            };
            // Constants stay plaintext (cleartext integers): only ciphertexts are held to max-width.
            let limit = if secret.contains(&v) { self.max_width } else { veil_he::MAX_WIDTH };
            let width = self.width(range, frac, limit).map_err(|e| m.error_at(at, format!("{what} {e}")))?;
            out.push((target, Format { range, frac, width }));
        }
        Ok(out)
    }

    /// The width of `[floor(lo * 2^frac), ceil(hi * 2^frac)]`, or why it is too wide.
    fn width(&self, (lo, hi): (f64, f64), frac: i32, limit: u32) -> Result<u32, String> {
        let scale = (frac as f64).exp2();
        if !(lo.is_finite() && hi.is_finite()) {
            return Err(format!("has an unbounded range [{lo}, {hi}]: it cannot be held in fixed point"));
        }
        let bound = 2f64.powi(126);
        let ints = Interval::new(
            (lo * scale).floor().clamp(-bound, bound) as i128,
            (hi * scale).ceil().clamp(-bound, bound) as i128,
        );
        let width = type_width_for(ints);
        if width > limit {
            return Err(format!(
                "needs {width} bits for its range [{lo}, {hi}] at {frac} fraction bits (integers {ints}), more than \
                 max-width = {limit}; lower the fraction bits or narrow the input ranges"
            ));
        }
        Ok(width)
    }
}

/// Whether `f` is at the nn level: it has an nn op or a float tensor argument (an he function is left alone).
fn is_nn_function(m: &Module, f: OpId) -> bool {
    let mut ops = vec![];
    m.walk_into(f, &mut ops);
    let float_arg = m.body(f).is_some_and(|b| {
        m.block(b).args.iter().any(|&a| {
            m.tensor_dims(m.value_type(a)).is_some()
                && matches!(m.ty(m.element_type(m.value_type(a))), veil_ir::TypeKind::Float(_))
        })
    });
    float_arg || ops.iter().any(|&op| is_nn(m, op))
}

/// The hull of a tensor of intervals.
fn hull(t: &Tensor<FloatInterval>) -> (f64, f64) {
    let lo = t.data().iter().map(|i| i.lo).fold(f64::INFINITY, f64::min);
    let hi = t.data().iter().map(|i| i.hi).fold(f64::NEG_INFINITY, f64::max);
    if lo > hi {
        (0.0, 0.0)
    } else {
        (lo, hi)
    }
}

/// The sound per-element intervals of every value of `f`, from the arguments' `veil.range`.
pub fn sound_ranges(m: &Module, f: OpId) -> Result<HashMap<Value, Tensor<FloatInterval>>, Diagnostics> {
    let body = m.body(f).ok_or_else(|| m.error_at(f, "the function has no body"))?;
    let mut args = vec![];
    for (i, &a) in m.block(body).args.iter().enumerate() {
        let range = veil_nn::args::input_range(m, f, i).map_err(|e| m.error_at(f, e))?;
        let Some((lo, hi)) = range else {
            let what = if veil_nn::args::is_secret(m, f, i) { "is secret but has" } else { "has" };
            return Err(m.error_at(
                f,
                format!(
                    "argument #{i} {what} no input range, so its fixed-point format cannot be chosen: give one with \
                     `veil import --input-range LO,HI` or `--calibration FILE.npy`, or write `veil.range = [lo, hi]` \
                     on the argument"
                ),
            ));
        };
        let shape = m
            .static_shape(m.value_type(a))
            .ok_or_else(|| m.error_at(f, format!("argument #{i} must be a static tensor")))?;
        args.push(Tensor::full(shape, FloatInterval::new(lo, hi)).map_err(|e| m.error_at(f, e))?);
    }
    let mut out = HashMap::new();
    analysis::run(m, f, args, Some(analysis::square), |v, t| {
        out.insert(v, t.clone());
    })
    .map_err(|(op, e)| m.error_at(op, e))?;
    Ok(out)
}

/// Writes a format; returns whether anything changed.
fn record(m: &mut Module, f: OpId, target: Target, format: &Format) -> bool {
    let frac = m.int_attr(format.frac.into());
    let width = m.int_attr(format.width.into());
    match target {
        Target::Op(op) => {
            let range = m.float_array_attr(&[format.range.0, format.range.1]);
            let a = set_if_changed(m, op, RANGE, range);
            let b = set_if_changed(m, op, FRAC, frac);
            let c = set_if_changed(m, op, WIDTH, width);
            a || b || c
        }
        Target::Arg(i) => {
            let mut changed = false;
            for (name, value) in [(FRAC, frac), (WIDTH, width)] {
                if arg_attr(m, f, i, name) != Some(value) {
                    set_arg_attr(m, f, i, name, Some(value));
                    changed = true;
                }
            }
            changed
        }
    }
}

fn set_if_changed(m: &mut Module, op: OpId, name: &str, value: Attr) -> bool {
    if m.op(op).attr(name) == Some(value) {
        return false;
    }
    m.set_attr(op, name, value);
    true
}

/// The format recorded for `v` (on its defining op or its argument): `(range, frac, width)`.
pub fn format_of(m: &Module, f: OpId, v: Value) -> Option<((f64, f64), i32, u32)> {
    let read = |range: Option<Attr>, frac: Option<Attr>, width: Option<Attr>| {
        let range = m.attr_as_float_array(range?)?;
        let frac = i32::try_from(m.attr_as_int(frac?)?).ok()?;
        let width = u32::try_from(m.attr_as_int(width?)?).ok()?;
        match range.as_slice() {
            &[lo, hi] => Some(((lo, hi), frac, width)),
            _ => None,
        }
    };
    match m.value(v).def {
        ValueDef::Result { op, .. } => read(m.op(op).attr(RANGE), m.op(op).attr(FRAC), m.op(op).attr(WIDTH)),
        ValueDef::BlockArg { index, .. } => {
            read(arg_attr(m, f, index, RANGE), arg_attr(m, f, index, FRAC), arg_attr(m, f, index, WIDTH))
        }
    }
}

/// The `veil.precision` options recorded on the module: `(act_frac, weight_frac, max_width)`.
pub fn recorded_precision(m: &Module) -> Option<(i32, i32, u32)> {
    let a = m.op(m.top()).attr(PRECISION)?;
    let AttrKind::Dict(entries) = m.attr(a) else { return None };
    let get = |k: &str| entries.iter().find(|(n, _)| n == k).and_then(|(_, a)| m.attr_as_int(*a));
    Some((get("act_frac")? as i32, get("weight_frac")? as i32, get("max_width")? as u32))
}

/// Whether the module's ranges come from calibration data (unsound).
pub fn is_calibrated(m: &Module) -> bool {
    m.op(m.top()).attr(CALIBRATED).is_some()
}

#[cfg(test)]
mod tests;
