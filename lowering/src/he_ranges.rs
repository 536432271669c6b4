//! The sound integer interval analysis of he programs: for every `!he.ct` / `!he.pt` value, the closed interval
//! `[lo, hi]` of the integer each of its elements can hold, computed exactly per element from the function's
//! argument ranges (`veil.range` scaled by the argument's frac; the type's full range without one) and the
//! constants of `he.encode`. Widths come from it ([`width_for`]): `--nn-to-he` sizes every value it builds
//! with it, `--he-narrow-widths` recomputes widths after rewrites.
//!
//! Every transfer function is exact interval arithmetic for the op's integer meaning (docs/dialects/he.md):
//! linear ops sum the intervals of their products with the actual weights, `rescale` floors, `relu` / `max`
//! / pools take maxima, `square` knows that a square is never negative, `lut` looks at the reachable table
//! entries, data movement permutes intervals. An op the analysis does not know gets its result type's range.
//! One relational rule: a sum `a + T(b - a)` (a max written as a table) is bounded knowing that `a` and `b - a` move
//! together ([`difference_table`]).

use std::collections::HashMap;
use std::ops::{Add, Mul, Neg, Sub};

use veil_he::FixedTensor;
use veil_ir::builtin::func_signature;
use veil_ir::{Diagnostics, Module, OpId, Value};

/// A closed interval of integers. Arithmetic saturates at the `i128` bounds, whose width (128 bits) no
/// program accepts, so saturation can only turn into a width error, never into a wrong width.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Interval {
    pub lo: i128,
    pub hi: i128,
}

impl Interval {
    /// `[lo, hi]`; the bounds are swapped if given in the wrong order.
    pub fn new(lo: i128, hi: i128) -> Interval {
        Interval { lo: lo.min(hi), hi: lo.max(hi) }
    }

    pub const fn point(v: i128) -> Interval {
        Interval { lo: v, hi: v }
    }

    /// The values a signed `width`-bit integer holds.
    pub fn of_width(width: u32) -> Interval {
        let w = width.clamp(1, 127);
        Interval { lo: -(1i128 << (w - 1)), hi: (1i128 << (w - 1)) - 1 }
    }

    pub fn contains(self, v: i128) -> bool {
        self.lo <= v && v <= self.hi
    }

    /// The smallest interval holding both.
    pub fn hull(self, o: Interval) -> Interval {
        Interval { lo: self.lo.min(o.lo), hi: self.hi.max(o.hi) }
    }

    /// The common part, `None` when disjoint.
    pub fn intersect(self, o: Interval) -> Option<Interval> {
        let (lo, hi) = (self.lo.max(o.lo), self.hi.min(o.hi));
        (lo <= hi).then_some(Interval { lo, hi })
    }

    /// `x * x` for one `x` of the interval: never negative.
    pub fn square(self) -> Interval {
        let (a, b) = (self.lo.saturating_mul(self.lo), self.hi.saturating_mul(self.hi));
        if self.lo >= 0 || self.hi <= 0 {
            Interval::new(a, b)
        } else {
            Interval { lo: 0, hi: a.max(b) }
        }
    }

    pub fn relu(self) -> Interval {
        Interval { lo: self.lo.max(0), hi: self.hi.max(0) }
    }

    /// The interval of `min(max(x, lo), hi)`.
    pub fn clamp(self, lo: i128, hi: i128) -> Interval {
        Interval { lo: self.lo.clamp(lo, hi), hi: self.hi.clamp(lo, hi) }
    }

    /// The interval of `max(x, y)`.
    pub fn max(self, o: Interval) -> Interval {
        Interval { lo: self.lo.max(o.lo), hi: self.hi.max(o.hi) }
    }

    /// `floor(x / 2^shift)`, as `he.rescale` computes it.
    pub fn shr_floor(self, shift: u32) -> Interval {
        let s = shift.min(127);
        Interval { lo: self.lo >> s, hi: self.hi >> s }
    }

    /// `x * 2^shift`.
    pub fn shl_by(self, shift: u32) -> Interval {
        self * Interval::point(1i128 << shift.min(126))
    }
}

impl Add for Interval {
    type Output = Interval;
    fn add(self, o: Interval) -> Interval {
        Interval { lo: self.lo.saturating_add(o.lo), hi: self.hi.saturating_add(o.hi) }
    }
}

impl Sub for Interval {
    type Output = Interval;
    fn sub(self, o: Interval) -> Interval {
        Interval { lo: self.lo.saturating_sub(o.hi), hi: self.hi.saturating_sub(o.lo) }
    }
}

impl Neg for Interval {
    type Output = Interval;
    fn neg(self) -> Interval {
        Interval { lo: self.hi.saturating_neg(), hi: self.lo.saturating_neg() }
    }
}

impl Mul for Interval {
    type Output = Interval;
    fn mul(self, o: Interval) -> Interval {
        let p = [
            self.lo.saturating_mul(o.lo),
            self.lo.saturating_mul(o.hi),
            self.hi.saturating_mul(o.lo),
            self.hi.saturating_mul(o.hi),
        ];
        Interval { lo: p.iter().copied().min().unwrap_or(0), hi: p.iter().copied().max().unwrap_or(0) }
    }
}

impl std::fmt::Display for Interval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}, {}]", self.lo, self.hi)
    }
}

/// The number of signed (two's complement) bits that hold every integer of the interval: `[0, 0]` needs 1,
/// `[-2, 1]` needs 2, `[0, 255]` needs 9. he types are at least `veil_he::MIN_WIDTH` (2) bits wide; clamp
/// with [`type_width_for`] when choosing a type.
pub fn width_for(iv: Interval) -> u32 {
    let bits = |v: i128| if v >= 0 { 129 - v.leading_zeros() } else { 129 - (!v).leading_zeros() };
    bits(iv.lo).max(bits(iv.hi))
}

/// [`width_for`] raised to the narrowest width an he type may have.
pub fn type_width_for(iv: Interval) -> u32 {
    width_for(iv).max(veil_he::MIN_WIDTH)
}

/// The most elements one tensor may have for the per-element analysis.
pub const MAX_ELEMENTS: u64 = 1 << 24;

/// The intervals of every element of one tensor, row-major.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorRange {
    pub shape: Vec<u64>,
    pub elems: Vec<Interval>,
}

impl TensorRange {
    /// Every element in `iv`.
    pub fn uniform(shape: &[u64], iv: Interval) -> Result<TensorRange, String> {
        Ok(TensorRange { shape: shape.to_vec(), elems: vec![iv; numel(shape)?] })
    }

    /// The interval holding every element (a point at 0 for an empty tensor).
    pub fn hull(&self) -> Interval {
        let mut it = self.elems.iter().copied();
        let first = it.next().unwrap_or(Interval::point(0));
        it.fold(first, Interval::hull)
    }

    fn map(&self, f: impl Fn(Interval) -> Interval) -> TensorRange {
        TensorRange { shape: self.shape.clone(), elems: self.elems.iter().map(|&i| f(i)).collect() }
    }
}

fn numel(shape: &[u64]) -> Result<usize, String> {
    match veil_he::types::numel(shape) {
        Some(n) if n <= MAX_ELEMENTS => Ok(n as usize),
        _ => Err(format!("tensors of more than {MAX_ELEMENTS} elements are too large for the range analysis")),
    }
}

/// Row-major strides.
fn strides(shape: &[u64]) -> Vec<usize> {
    let mut s = vec![1usize; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1] as usize;
    }
    s
}

/// For each element of `out` (numpy broadcasting), the index of the element of `input` it reads.
fn broadcast_map(input: &[u64], out: &[u64]) -> Result<Vec<usize>, String> {
    let n = numel(out)?;
    if input.len() > out.len() {
        return Err(format!("shape {input:?} does not broadcast to {out:?}"));
    }
    let off = out.len() - input.len();
    let (in_strides, out_strides) = (strides(input), strides(out));
    for (i, &d) in input.iter().enumerate() {
        if d != 1 && d != out[off + i] {
            return Err(format!("shape {input:?} does not broadcast to {out:?}"));
        }
    }
    Ok((0..n)
        .map(|flat| {
            let mut idx = 0;
            for (i, &d) in input.iter().enumerate() {
                let coord = (flat / out_strides[off + i]) % out[off + i] as usize;
                if d != 1 {
                    idx += coord * in_strides[i];
                }
            }
            idx
        })
        .collect())
}

/// The per-element ranges of the he values analyzed so far. Build it for a whole function with
/// [`RangeAnalysis::of_function`], or op by op with [`RangeAnalysis::visit`] while a program is being built.
#[derive(Clone, Debug, Default)]
pub struct RangeAnalysis {
    ranges: HashMap<Value, TensorRange>,
}

impl RangeAnalysis {
    pub fn new() -> RangeAnalysis {
        RangeAnalysis::default()
    }

    /// Analyzes every op of function `f`, in program order.
    pub fn of_function(m: &Module, f: OpId) -> Result<RangeAnalysis, Diagnostics> {
        let mut a = RangeAnalysis::new();
        for index in 0..func_signature(m, f).0.len() {
            a.seed_argument(m, f, index).map_err(|e| m.error_at(f, e))?;
        }
        let mut ops = vec![];
        m.walk_into(f, &mut ops);
        for op in ops {
            a.visit(m, op).map_err(|e| m.error_at(op, e))?;
        }
        Ok(a)
    }

    pub fn get(&self, v: Value) -> Option<&TensorRange> {
        self.ranges.get(&v)
    }

    /// The interval holding every element of `v`.
    pub fn hull(&self, v: Value) -> Option<Interval> {
        self.ranges.get(&v).map(TensorRange::hull)
    }

    /// Records (or replaces) the ranges of `v`, e.g. tightened by calibration.
    pub fn set(&mut self, v: Value, r: TensorRange) {
        self.ranges.insert(v, r);
    }

    /// The hulls of every analyzed value.
    pub fn hulls(&self) -> HashMap<Value, Interval> {
        self.ranges.iter().map(|(&v, r)| (v, r.hull())).collect()
    }

    /// Seeds argument `index` of `f`: `veil.range = [lo, hi]` at the argument's frac gives
    /// `[round(lo * 2^frac), round(hi * 2^frac)]` (the client encodes `x` as `round(x * 2^frac)`); without a
    /// range, the type's full range. Arguments of other types are skipped.
    pub fn seed_argument(&mut self, m: &Module, f: OpId, index: usize) -> Result<(), String> {
        let Some(body) = m.body(f) else { return Ok(()) };
        let Some(&arg) = m.block(body).args.get(index) else { return Ok(()) };
        let Some(t) = FixedTensor::of(m, m.value_type(arg)) else { return Ok(()) };
        let full = Interval::of_width(t.width);
        let iv = match veil_nn::args::input_range(m, f, index)? {
            None => full,
            Some((lo, hi)) => {
                let declared = Interval::new(scale_round(lo, t.frac), scale_round(hi, t.frac));
                if declared.intersect(full) != Some(declared) {
                    return Err(format!(
                        "argument #{index}: 'veil.range' [{lo}, {hi}] at frac {} is the integer range {declared}, \
                         which needs i{} but the argument is {t}",
                        t.frac,
                        type_width_for(declared)
                    ));
                }
                declared
            }
        };
        self.ranges.insert(arg, TensorRange::uniform(&t.shape, iv)?);
        Ok(())
    }

    /// Computes the ranges of `op`'s he results from its operands' (which must have been analyzed, else their
    /// types' ranges are used). Results that are not he tensors are skipped.
    pub fn visit(&mut self, m: &Module, op: OpId) -> Result<(), String> {
        let data = m.op(op);
        let [result] = data.results.as_slice() else { return Ok(()) };
        let Some(rt) = FixedTensor::of(m, m.value_type(*result)) else { return Ok(()) };
        let mut operands = Vec::with_capacity(data.operands.len());
        for &v in &data.operands {
            operands.push(match self.ranges.get(&v) {
                Some(r) => r.clone(),
                None => type_range(m, v)?,
            });
        }
        let mut r = transfer(m, op, &operands, &rt)?;
        if let Some(bound) = difference_table::bound(m, op, &self.ranges) {
            for (e, b) in r.elems.iter_mut().zip(&bound.elems) {
                *e = e.intersect(*b).unwrap_or(*e);
            }
        }
        if r.elems.len() != numel(&rt.shape)? {
            return Err(format!("the range analysis computed {} elements for a result of {}", r.elems.len(), rt));
        }
        self.ranges.insert(*result, r);
        Ok(())
    }
}

/// `round(x * 2^frac)` as an integer (half away from zero; saturating far outside any width).
pub fn scale_round(x: f64, frac: i32) -> i128 {
    let v = (x * (frac as f64).exp2()).round();
    v.clamp(-(2f64.powi(126)), 2f64.powi(126)) as i128
}

/// The full range of an he value's type, per element.
fn type_range(m: &Module, v: Value) -> Result<TensorRange, String> {
    let t = FixedTensor::of(m, m.value_type(v)).ok_or("an operand is not an he tensor")?;
    TensorRange::uniform(&t.shape, Interval::of_width(t.width))
}

/// The hull of every he value of function `f`: what width choices need.
pub fn integer_ranges(m: &Module, f: OpId) -> Result<HashMap<Value, Interval>, Diagnostics> {
    Ok(RangeAnalysis::of_function(m, f)?.hulls())
}

mod difference_table;
mod transfer;

pub use transfer::transfer;

#[cfg(test)]
mod tests;
