//! `he-lut-fuse`: the lookup-table (lut) model's form of every non-linear step. In that model each element is one
//! LWE ciphertext, linear maps are leveled, and each programmable bootstrap applies one table; so every chain of
//! element-wise non-linear steps becomes one `he.lut` whose table is the chain evaluated on each index:
//!
//! - `rescale(x, s)` → `lut(x) {shift = s}` (the bootstrap drops the low bits while it looks up), with the table
//!   of what follows fused in: `relu`, `square`, further `rescale`s, `lut`s, and `neg` after any of them;
//! - `relu(x)`, `square(x)` on any other value → `lut(x)` of that function;
//! - `max(a, b)` → `a + lut(b - a)` with the relu table (one bootstrap per pair); `max_pool2d` → its windows' taps
//!   (leveled one-hot convolutions) reduced by a balanced tree of such maxima ([`maxima`]);
//! - a `rescale` with a `chunk` (an exact floor, he-abs-relu's with exact rounding) stays as it is;
//! - a `rescale` whose only use is the function's return is removed (option `exact-outputs`): the client
//!   decrypts the exact accumulator, with more fraction bits and no bootstrap.
//!
//! The table's index is `floor(x / 2^shift)`. When that needs more than `index-bits` bits (or the
//! [`INDEX_BITS_ATTR`] of the op defining `x`: a per-layer precision), the shift grows until it
//! fits and each entry stands for the middle of the finer values its index covers, `floor(x / 2^shift') *
//! 2^(shift' - shift) + 2^(shift' - shift - 1)` (the lowest would bias every entry): the table input precision,
//! which decides the bootstrap's cost, chosen from the proven width (he-narrow-widths) and the option.
//! That coarsening changes the integers (like a lower `act-frac`); everything else is exact. Table entries for
//! inputs outside the result's range (never read by a range-correct program) are clamped to it.
//!
//! A table that drops bits also keeps one index of headroom at each end of its input's proven range (one more bit
//! is dropped when it would not): approximate rounding may read the neighbouring entry, and past either end of the
//! table the bootstrap's negacyclic rotation would read a negated entry from the other end.

use veil_he::{self as he, FixedTensor};
use std::collections::HashMap;

use veil_ir::{DenseValues, Diagnostics, Module, OpId, Value};
use veil_rt::tfhe_config::Rounding;

use crate::he_ranges::{integer_ranges, Interval};

use crate::he_plaintext_bypass::shared::{build, defined_by, erase_dead, replace, retype_all, tensor};
use crate::pass::{Changed, Pass, PassOption, PassOptions};

mod maxima;
pub mod window;

/// The lut fusion pass.
pub struct HeLutFuse {
    /// The most index bits a table may have.
    index_bits: u32,
    /// Remove rescales whose only use is the return.
    exact_outputs: bool,
    /// The program's rounding: approximate rounding halves the error of maxima that drop bits ([`maxima`]).
    rounding: Rounding,
}

const OPTIONS: &[PassOption] = &[
    PassOption::int(
        "index-bits",
        "5",
        "The most index bits of a table: wider inputs drop more low bits (coarser, cheaper bootstraps)",
    ),
    PassOption::bool(
        "exact-outputs",
        "true",
        "Remove rescales whose only use is the return: the client decrypts the exact accumulator",
    ),
    PassOption::string(
        "rounding",
        "exact",
        "The program's rounding: with approximate rounding a maximum that drops bits is (a + b + |b - a|) / 2",
    ),
];

impl Pass for HeLutFuse {
    fn name(&self) -> &'static str {
        "he-lut-fuse"
    }

    fn description(&self) -> &'static str {
        "Fuse each chain of element-wise non-linear steps (rescale, relu, square, max, lut) into one he.lut"
    }

    fn options() -> &'static [PassOption] {
        OPTIONS
    }

    fn from_options(options: &PassOptions) -> Result<Self, String> {
        let index_bits = options.int("index-bits")?;
        if !(1..=i64::from(he::rules::MAX_LUT_INPUT_WIDTH)).contains(&index_bits) {
            return Err(format!(
                "index-bits = {index_bits} must be in 1..={} (a table has at most 2^{} entries)",
                he::rules::MAX_LUT_INPUT_WIDTH,
                he::rules::MAX_LUT_INPUT_WIDTH
            ));
        }
        Ok(HeLutFuse {
            index_bits: index_bits as u32,
            exact_outputs: options.bool("exact-outputs")?,
            rounding: Rounding::parse(options.string("rounding")?)?,
        })
    }

    fn run(&self, m: &mut Module) -> Result<Changed, Diagnostics> {
        check_index_bits(m)?;
        let mut changed = false;
        if self.exact_outputs {
            changed |= drop_output_rescales(m);
        }
        let mut ranges = HashMap::new();
        for f in m.funcs() {
            ranges.extend(integer_ranges(m, f)?);
        }
        for op in m.walk() {
            if m.is_live(op) {
                changed |= self.fuse(m, op, &ranges);
            }
        }
        retype_all(m);
        Ok(Changed::from(changed))
    }
}

/// One element-wise step on exact integers.
#[derive(Clone, Debug)]
enum Step {
    Rescale(i64),
    Relu,
    Square,
    Neg,
    /// `table[floor(v / 2^shift) + 2^(bits - 1)]`, `bits` index bits, standing for the real function `real`
    /// (unknown when the table records none).
    Table { table: Vec<i64>, shift: i64, bits: u32, real: Option<String> },
}

impl Step {
    /// The step an op applies, if it is one (`neg` only counts after a table: alone it is leveled).
    fn of(m: &Module, op: OpId) -> Option<Step> {
        let data = m.op(op);
        let int = |name| data.attr(name).and_then(|a| m.attr_as_int(a));
        let def = data.def;
        if def == &he::RESCALE {
            // A rescale with a chunk is an exact floor on its own (he-abs-relu's): not fused.
            int("shift").filter(|_| data.attr("chunk").is_none()).map(Step::Rescale)
        } else if def == &he::RELU {
            Some(Step::Relu)
        } else if def == &he::SQUARE {
            Some(Step::Square)
        } else if def == &he::NEG {
            Some(Step::Neg)
        } else if def == &he::LUT {
            let shift = int("shift").unwrap_or(0);
            let width = tensor(m, *data.operands.first()?)?.width;
            let bits = u32::try_from(i64::from(width) - shift).ok()?;
            let table = match &m.attr_as_dense(data.attr("table")?)?.values {
                DenseValues::Int(values) => values.clone(),
                _ => return None,
            };
            Some(Step::Table { table, shift, bits, real: real_of(m, op) })
        } else {
            None
        }
    }

    /// The real function the step applies ([`REAL_ATTR`]'s form; a rescale is the identity in real terms), unless
    /// it is a table that records none.
    fn real(&self) -> Option<String> {
        match self {
            Step::Rescale(_) => Some(String::new()),
            Step::Relu => Some("relu".into()),
            Step::Square => Some("square".into()),
            Step::Neg => Some("neg".into()),
            Step::Table { real, .. } => real.clone(),
        }
    }

    fn apply(&self, v: i128) -> i128 {
        match self {
            Step::Rescale(s) => v >> s,
            Step::Relu => v.max(0),
            Step::Square => v.saturating_mul(v),
            Step::Neg => -v,
            Step::Table { table, shift, bits, .. } => {
                let half = 1i128 << (bits - 1);
                let index = ((v >> shift) + half).clamp(0, table.len() as i128 - 1);
                i128::from(table[index as usize])
            }
        }
    }
}

impl HeLutFuse {
    /// Rewrites `op` if it is a non-linear step: composed into the single-use table before it, or made a table.
    fn fuse(&self, m: &mut Module, op: OpId, ranges: &HashMap<Value, Interval>) -> bool {
        if m.op(op).def == &he::MAX {
            return self.max_as_table(m, op);
        }
        if m.op(op).def == &he::MAX_POOL2D {
            return self.max_pool_as_tables(m, op);
        }
        let Some(step) = Step::of(m, op) else { return false };
        let x = m.op(op).operands[0];
        let result = m.op(op).result();
        let Some(out) = tensor(m, result) else { return false };
        if let Some(inner) = defined_by(m, x, &he::LUT).filter(|_| m.uses(x).len() == 1) {
            // lut then step: one table.
            let Some(Step::Table { table, shift, real, .. }) = Step::of(m, inner) else { return false };
            let table = table.iter().map(|&t| clamp(step.apply(i128::from(t)), &out)).collect();
            let source = m.op(inner).operands[0];
            let real = real.zip(step.real()).map(|(first, then)| compose(&first, &then));
            let new = lut(m, op, source, shift, table, &out, real.as_deref());
            replace(m, result, new);
            erase_dead(m, inner);
            return true;
        }
        if matches!(step, Step::Table { .. } | Step::Neg) {
            return false;
        }
        let Some(input) = tensor(m, x) else { return false };
        let shift = match step {
            Step::Rescale(s) => s,
            _ => 0,
        };
        if shift >= i64::from(input.width) {
            return false;
        }
        let real = step.real();
        let after = match step {
            Step::Rescale(_) => None,
            other => Some(other),
        };
        let bits = index_bits_of(m, x, self.index_bits);
        let (x, input, range) = match windowed(m, op, x, &input, shift, ranges.get(&x).copied()) {
            Some((clamped, t, window)) => (clamped, t, Some(window)),
            None => (x, input, ranges.get(&x).copied()),
        };
        let (shift, table) = self.table(input.width, shift, bits, after.as_ref(), &out, range, Entry::Middle);
        let new = lut(m, op, x, shift, table, &out, real.as_deref());
        replace(m, result, new);
        true
    }

    /// The shift and table of `step` (identity when `None`) applied to `floor(x / 2^shift)` for a `width`-bit `x` of
    /// proven `range`, with at most `index_bits` index bits (more low bits dropped when needed) and, when it drops
    /// bits, one index of headroom past each end of the range. A coarsened entry stands for the `entry` value of the
    /// finer values its index covers.
    #[allow(clippy::too_many_arguments)]
    fn table(
        &self,
        width: u32,
        shift: i64,
        index_bits: u32,
        step: Option<&Step>,
        out: &FixedTensor,
        range: Option<Interval>,
        entry: Entry,
    ) -> (i64, Vec<i64>) {
        let mut shift_used = shift.max(i64::from(width) - i64::from(index_bits));
        if let (true, Some(r)) = (shift_used > 0, range) {
            let fits = |s: i64| {
                let half = 1i128 << (i64::from(width) - s - 1);
                (r.lo >> s) > -half && (r.hi >> s) + 1 < half
            };
            if !fits(shift_used) && shift_used + 1 < i64::from(width) {
                shift_used += 1;
            }
        }
        let bits = width - shift_used as u32;
        let half = 1i128 << (bits - 1);
        let coarsening = shift_used - shift;
        let middle = match entry {
            Entry::Middle if coarsening > 0 => 1i128 << (coarsening - 1),
            _ => 0,
        };
        let table = (0..1i128 << bits)
            .map(|j| {
                let value = ((j - half) << coarsening) + middle;
                clamp(step.map_or(value, |s| s.apply(value)), out)
            })
            .collect();
        (shift_used, table)
    }
}

/// `x` clamped to the window its defining op asks for ([`window::WINDOW_ATTR`]), when there is one, the clamp
/// narrows x's proven `range` and the table still drops `shift` bits of it: the clamp, its type and its range.
fn windowed(
    m: &mut Module,
    at: OpId,
    x: Value,
    input: &FixedTensor,
    shift: i64,
    range: Option<Interval>,
) -> Option<(Value, FixedTensor, Interval)> {
    let (window, range) = (window::window_of(m, at).or_else(|| window::window_of(m, m.defining_op(x)?))?, range?);
    let (clamped, narrowed) = window::clamp_to_window(m, at, x, input, range, window)?;
    let t = tensor(m, clamped)?;
    if shift >= i64::from(t.width) {
        erase_dead(m, m.defining_op(clamped)?);
        return None;
    }
    Some((clamped, t, narrowed))
}

/// Which of the finer values a coarsened table entry stands for.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Entry {
    /// The middle of the `2^coarsening` values its index covers: unbiased for values spread over the box (a
    /// rescaled accumulator); the lowest would bias every entry by half a box.
    Middle,
    /// The lowest: a maximum's difference of values on a grid of the box's size (pooled table outputs) is exact,
    /// and no maximum exceeds its larger operand.
    Low,
}

/// `v` clamped to the range of `t`'s width.
fn clamp(v: i128, t: &FixedTensor) -> i64 {
    v.clamp(t.min_int(), t.max_int()) as i64
}

/// The discardable attribute that sets, on the op defining a value, the most index bits of a table that reads it
/// (an integer in 1..=`MAX_LUT_INPUT_WIDTH`), in place of the pass option `index-bits`: the driver's per-layer
/// table precision. he-abs-relu reads it too.
pub const INDEX_BITS_ATTR: &str = "veil.index_bits";

/// The most index bits of a table reading `x`: its defining op's [`INDEX_BITS_ATTR`] when it has one
/// ([`check_index_bits`] has refused invalid ones), `default` otherwise.
pub fn index_bits_of(m: &Module, x: Value, default: u32) -> u32 {
    m.defining_op(x)
        .and_then(|op| m.op(op).attr(INDEX_BITS_ATTR))
        .and_then(|a| m.attr_as_int(a))
        .and_then(|b| u32::try_from(b).ok())
        .unwrap_or(default)
}

/// Refuses an [`INDEX_BITS_ATTR`] that is not an integer in `1..=MAX_LUT_INPUT_WIDTH`, at its op.
pub fn check_index_bits(m: &Module) -> Result<(), Diagnostics> {
    let most = i64::from(he::rules::MAX_LUT_INPUT_WIDTH);
    let errors: Vec<_> = m
        .walk()
        .into_iter()
        .filter_map(|op| Some((op, m.op(op).attr(INDEX_BITS_ATTR)?)))
        .filter(|&(_, a)| !m.attr_as_int(a).is_some_and(|b| (1..=most).contains(&b)))
        .map(|(op, _)| {
            let message = format!("{INDEX_BITS_ATTR} must be an integer in 1..={most} (a table has at most 2^{most} entries)");
            veil_ir::Diagnostic::error(m.op(op).loc.clone(), message)
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(m.report(errors))
    }
}

/// The ops whose results the tables of this pass will read, in program order (each once): the layers whose
/// precision [`INDEX_BITS_ATTR`] sets. A value is read by a table when a chain of non-linear steps starts at it
/// (a `rescale` without `chunk`, a `relu` or a `square`, not after another step), unless the chain is a rescale
/// whose only use is the return (removed by `exact-outputs`); maxima keep the option's precision.
pub fn table_inputs(m: &Module) -> Vec<OpId> {
    let step = |op: OpId| [&he::RESCALE, &he::RELU, &he::SQUARE, &he::LUT, &he::NEG].contains(&m.op(op).def);
    let returned = |v: Value| m.uses(v).len() == 1 && m.uses(v).iter().all(|&(u, _)| m.op(u).def.name == "func.return");
    let mut inputs = vec![];
    for op in m.walk() {
        let data = m.op(op);
        let starts = (data.def == &he::RESCALE && data.attr("chunk").is_none() && !returned(data.result()))
            || data.def == &he::RELU
            || data.def == &he::SQUARE;
        let Some(source) = starts.then(|| data.operands.first().and_then(|&x| m.defining_op(x))).flatten() else {
            continue;
        };
        if !step(source) && !inputs.contains(&source) {
            inputs.push(source);
        }
    }
    inputs
}

/// The attribute that records on each `he.lut` the real function its table stands for, of its input's real value:
/// steps from [`REAL_STEPS`] applied left to right, comma-separated (`relu`, `abs,half`; empty: the identity, a
/// rescale). The error bound of `veil accuracy` compares every table with it (`crate::lut_deviation`).
pub const REAL_ATTR: &str = "veil.real";

/// The steps a [`REAL_ATTR`] may name: `half` is multiplication by 1/2 (he-abs-relu's `|x| / 2`).
pub const REAL_STEPS: &[&str] = &["relu", "square", "neg", "abs", "half"];

/// The real function recorded on a table op, if any.
pub fn real_of(m: &Module, op: OpId) -> Option<String> {
    m.op(op).attr(REAL_ATTR).and_then(|a| m.attr_as_str(a)).map(str::to_string)
}

/// `first` then `then`, as a [`REAL_ATTR`] value.
fn compose(first: &str, then: &str) -> String {
    match (first.is_empty(), then.is_empty()) {
        (true, _) => then.to_string(),
        (_, true) => first.to_string(),
        _ => format!("{first},{then}"),
    }
}

/// A `he.lut` of `x` before `at` with `shift` and `table`, of type `out`, standing for the real function `real`
/// ([`REAL_ATTR`], none when unknown).
pub(crate) fn lut(
    m: &mut Module,
    at: OpId,
    x: Value,
    shift: i64,
    table: Vec<i64>,
    out: &FixedTensor,
    real: Option<&str>,
) -> Value {
    let attrs = lut_attrs(m, shift, table, out, real);
    build(m, at, &he::LUT, &[x], out, attrs)
}

/// The attributes of a `he.lut` with `shift` and `table`, of type `out`, standing for `real` (see [`lut`]).
pub(crate) fn lut_attrs(
    m: &mut Module,
    shift: i64,
    table: Vec<i64>,
    out: &FixedTensor,
    real: Option<&str>,
) -> Vec<(String, veil_ir::Attr)> {
    let mut attrs = vec![("table".to_string(), table_attr(m, table, out))];
    if shift > 0 {
        attrs.push(("shift".to_string(), m.int_attr(shift)));
    }
    if let Some(real) = real {
        attrs.push((REAL_ATTR.to_string(), m.string_attr(real)));
    }
    attrs
}

/// A table's entries as the `table` attribute of a lut of type `out`.
pub(crate) fn table_attr(m: &mut Module, table: Vec<i64>, out: &FixedTensor) -> veil_ir::Attr {
    let elem = m.int_type(out.width);
    let ty = m.tensor_type(&[table.len() as u64], elem);
    m.dense_attr(ty, DenseValues::Int(table))
}

/// Removes every rescale whose only use is a `func.return`; returns whether any was removed.
fn drop_output_rescales(m: &mut Module) -> bool {
    let mut changed = false;
    for op in m.walk() {
        if !m.is_live(op) || m.op(op).def.name != "func.return" {
            continue;
        }
        for (i, v) in m.op(op).operands.clone().into_iter().enumerate() {
            let Some(r) = defined_by(m, v, &he::RESCALE).filter(|_| m.uses(v).len() == 1) else { continue };
            let x = m.op(r).operands[0];
            m.set_operand(op, i, x);
            erase_dead(m, r);
            changed = true;
        }
    }
    changed
}
