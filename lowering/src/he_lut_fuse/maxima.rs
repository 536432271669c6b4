//! he-lut-fuse's form of `he.max` and `he.max_pool2d`: pairwise maxima `max(a, b) = a + lut(b - a)` with the relu
//! table, one bootstrap each.
//!
//! A `kh x kw` window's taps are gathered with leveled ops only: tap `(i, j)` of every window is one depthwise
//! `he.conv2d_plain` whose `kh x kw` kernel is 1 at `(i, j)` and 0 elsewhere, with the pool's strides and pads (the
//! weights' 2-norm is 1, so the noise does not grow). The taps are reduced by a balanced tree, `kh·kw - 1` maxima per
//! output in `ceil(log2(kh·kw))` levels of sequential bootstraps. Padding never wins: a padded tap reads 0, which
//! lies at or below every value when the input's proven range starts at 0 or above; otherwise the input is first
//! moved to start at 0 (`x - lo`, and `+ lo` after the tree), a leveled constant that leaves the differences alone.
//!
//! Each difference's type and table come from its proven range (he-ranges, per element): its table drops low bits
//! only when the range needs more than `index-bits` bits, and then keeps the headroom of every table
//! ([`HeLutFuse::table`]). A table that drops `s > 0` bits makes that maximum approximate: the entry at index
//! `floor(d / 2^s)` stands for the whole box of `2^s` differences, so the result is off by less than `2^s` (below
//! the maximum, never below `a`, with the table's lowest entries), and a window's by less than `2^s` per level.
//! With `s = 0` the maximum is exact.
//!
//! With approximate rounding a maximum that drops bits is `(a + b + |b - a|) / 2` instead, the form he-abs-relu
//! gives ReLU: `a + b` is leveled and exact, and `|b - a|` is a full-domain table (its entries at the middle of
//! their boxes), whose `index-bits + 1` index bits cost what `index-bits` do. Its error is a quarter of the relu
//! form's at most (half the box, halved), centred instead of one-sided, and the sum `2·max(a, b)` is read as the
//! maximum at one more fraction bit: a window's tree returns up to `ceil(log2(kh·kw))` more, which what follows
//! takes without a bootstrap (he-defer-rescale's [`can_defer`]; where it cannot, the relu form). he-ranges bounds
//! `(a + b) + T(b - a)` per index box like `a + T(b - a)`, so the sum's type is the maximum's.

use veil_he::{self as he, FixedTensor};
use veil_ir::{Module, OpId, Value};
use veil_rt::tfhe_config::Rounding;

use super::{lut, Entry, HeLutFuse, Step, INDEX_BITS_ATTR};
use crate::he_abs_relu::abs_table;
use crate::he_defer_rescale::{can_defer, defer};
use crate::he_plaintext_bypass::shared::{build, encode, erase_dead, replace, tensor};
use crate::he_ranges::{type_width_for, Interval, RangeAnalysis};

impl HeLutFuse {
    /// `max_pool2d(x)` → the window's taps, then a balanced tree of pairwise maxima.
    pub(super) fn max_pool_as_tables(&self, m: &mut Module, op: OpId) -> bool {
        let Some(mut ranges) = analysis(m, op) else { return false };
        let x = m.op(op).operands[0];
        let result = m.op(op).result();
        let (Some(xt), Some(out), Some(window)) = (tensor(m, x), tensor(m, result), Window::of(m, op)) else {
            return false;
        };
        let Some(hull) = ranges.hull(x) else { return false };
        // Moved input, differences: two bits at most above x's width.
        if xt.width + 2 > he::MAX_WIDTH {
            return false;
        }
        // Padded taps read 0: below every value only when the range starts at 0 or above.
        let offset = (window.padded() && hull.lo < 0).then_some(hull.lo);
        let source = match offset {
            Some(lo) => {
                let c = constant(m, &mut ranges, op, &xt, -lo as i64);
                let t = xt.with_width(type_width_for(Interval::new(0, hull.hi - lo)));
                let shifted = build(m, op, &he::ADD_PLAIN, &[x, c], &t, vec![]);
                typed(m, &mut ranges, shifted)
            }
            None => x,
        };
        let taps: Vec<Value> = (0..window.kernel[0])
            .flat_map(|i| (0..window.kernel[1]).map(move |j| (i, j)))
            .map(|tap| window.gather(m, op, source, tap, &out, &mut ranges))
            .collect();
        let levels = i64::from(usize::BITS - (taps.len().max(1) - 1).leading_zeros());
        let halves = self.halves(m, result, levels);
        let Some(mut max) = self.tree(m, op, &taps, halves, &mut ranges) else { return false };
        if let Some(lo) = offset {
            let t = tensor(m, max).unwrap_or(out.clone());
            let c = constant(m, &mut ranges, op, &t, (lo as i64) << (t.frac - out.frac));
            let back = build(m, op, &he::ADD_PLAIN, &[max, c], &t, vec![]);
            max = typed(m, &mut ranges, back);
        }
        finish(m, op, result, max, &out);
        true
    }

    /// Whether maxima may take the `(a + b + |b - a|) / 2` form: approximate rounding, and `levels` more fraction
    /// bits in `result` taken by what follows.
    fn halves(&self, m: &Module, result: Value, levels: i64) -> bool {
        self.rounding == Rounding::Approximate && can_defer(m, result, levels, 0)
    }

    /// `max(a, b)` → `a + lut(b - a)`.
    pub(super) fn max_as_table(&self, m: &mut Module, op: OpId) -> bool {
        let Some(mut ranges) = analysis(m, op) else { return false };
        let [a, b] = m.op(op).operands[..] else { return false };
        let (result, Some(out)) = (m.op(op).result(), tensor(m, m.op(op).result())) else { return false };
        let halves = self.halves(m, result, 1);
        let Some(max) = self.max_pair(m, op, a, b, halves, &mut ranges) else { return false };
        finish(m, op, result, max, &out);
        true
    }

    /// The maximum of `values` by a balanced tree of pairs (halves of the list, like the radix kernel's).
    fn tree(
        &self,
        m: &mut Module,
        at: OpId,
        values: &[Value],
        halves: bool,
        ranges: &mut RangeAnalysis,
    ) -> Option<Value> {
        match values {
            [] => None,
            [v] => Some(*v),
            _ => {
                let (left, right) = values.split_at(values.len() / 2);
                let a = self.tree(m, at, left, halves, ranges)?;
                let b = self.tree(m, at, right, halves, ranges)?;
                self.max_pair(m, at, a, b, halves, ranges)
            }
        }
    }

    /// `a + lut(b - a)` before `at`: the difference typed by its proven range, its relu table from
    /// [`HeLutFuse::table`] with that range, the sum typed by its range (the maximum's, he-ranges knows the form).
    /// With `halves`, when that table would drop bits: `(a + b + lut(b - a)) / 2` at one more fraction bit, the
    /// table |b - a| over the full domain.
    fn max_pair(
        &self,
        m: &mut Module,
        at: OpId,
        a: Value,
        b: Value,
        halves: bool,
        ranges: &mut RangeAnalysis,
    ) -> Option<Value> {
        // Operands of two halving maxima may differ in scale (an unbalanced tree): the coarser is scaled up.
        let (a, b) = (aligned(m, at, a, b, ranges)?, aligned(m, at, b, a, ranges)?);
        let (ta, tb) = (tensor(m, a)?, tensor(m, b)?);
        let width = ta.width.max(tb.width) + 1;
        if width > he::MAX_WIDTH {
            return None;
        }
        let wide = ta.with_width(width).with_shape(he::shape::broadcast(&ta.shape, &tb.shape).ok()?);
        let diff = build(m, at, &he::SUB, &[b, a], &wide, vec![]);
        let diff = typed(m, ranges, diff);
        let (dt, range) = (tensor(m, diff)?, ranges.hull(diff)?);
        let (shift, table) = self.table(dt.width, 0, self.index_bits, Some(&Step::Relu), &dt, Some(range), Entry::Low);
        if halves && shift > 0 && wide.width < he::MAX_WIDTH {
            return self.halved_max(m, at, (a, b), diff, &wide, ranges);
        }
        let relu = lut(m, at, diff, shift, table, &dt, Some("relu"));
        ranges.visit(m, m.defining_op(relu)?).ok()?;
        let sum = build(m, at, &he::ADD, &[a, relu], &wide, vec![]);
        Some(typed(m, ranges, sum))
    }
}

impl HeLutFuse {
    /// `(a + b + |d|) / 2` for `d = b - a` before `at`: `a + b` at one more fraction bit (the same integers), the
    /// full-domain table of |d| with `index-bits + 1` index bits at that scale, their sum typed by its range.
    fn halved_max(
        &self,
        m: &mut Module,
        at: OpId,
        (a, b): (Value, Value),
        diff: Value,
        wide: &FixedTensor,
        ranges: &mut RangeAnalysis,
    ) -> Option<Value> {
        let dt = tensor(m, diff)?;
        let pair = build(m, at, &he::ADD, &[a, b], wide, vec![]);
        let pair = typed(m, ranges, pair);
        let pt = tensor(m, pair)?;
        let half = FixedTensor { shape: vec![], width: 2, frac: 1, kind: he::Kind::Plain };
        let one = encode(m, at, &half, vec![1]);
        let one = typed(m, ranges, one);
        let halved = pt.with_frac(pt.frac + 1);
        let pair_half = build(m, at, &he::MUL_PLAIN, &[pair, one], &halved, vec![]);
        let pair_half = typed(m, ranges, pair_half);
        let (shift, table) = abs_table(dt.width, self.index_bits + 1);
        let abs_t = dt.with_width(dt.width + 1).with_frac(dt.frac + 1);
        let abs = lut(m, at, diff, shift, table, &abs_t, Some("abs,half"));
        ranges.visit(m, m.defining_op(abs)?).ok()?;
        let sum_t = halved.with_width(halved.width.max(abs_t.width) + 1);
        let sum = build(m, at, &he::ADD, &[pair_half, abs], &sum_t, vec![]);
        Some(typed(m, ranges, sum))
    }
}

/// `v` at `other`'s scale when that is finer (an exact up-scale by a power of two, leveled), else `v`.
fn aligned(m: &mut Module, at: OpId, v: Value, other: Value, ranges: &mut RangeAnalysis) -> Option<Value> {
    let (t, to) = (tensor(m, v)?, tensor(m, other)?.frac);
    if to <= t.frac {
        return Some(v);
    }
    let k = (to - t.frac) as u32;
    let scale = FixedTensor { shape: vec![], width: k + 2, frac: k as i32, kind: he::Kind::Plain };
    let c = encode(m, at, &scale, vec![1 << k]);
    let c = typed(m, ranges, c);
    let up = build(m, at, &he::MUL_PLAIN, &[v, c], &t.with_width(t.width + k).with_frac(to), vec![]);
    Some(typed(m, ranges, up))
}

/// Replaces the pool's or max's `result` (of type `out`) with `max`, carrying the fraction bits `max` has more
/// into what follows.
fn finish(m: &mut Module, op: OpId, result: Value, max: Value, out: &FixedTensor) {
    // A per-layer precision set on the pool is for the tables that read its result: they now read `max`.
    if let (Some(bits), Some(def)) = (m.op(op).attr(INDEX_BITS_ATTR), m.defining_op(max)) {
        m.set_attr(def, INDEX_BITS_ATTR, bits);
    }
    let k = tensor(m, max).map_or(0, |t| i64::from(t.frac) - i64::from(out.frac));
    if k > 0 {
        defer(m, result, k);
        m.replace_all_uses(result, max);
        erase_dead(m, op);
    } else {
        replace(m, result, max);
    }
}

/// A pool's window.
struct Window {
    kernel: [u64; 2],
    strides: [u64; 2],
    pads: [u64; 4],
}

impl Window {
    fn of(m: &Module, op: OpId) -> Option<Window> {
        let ints = |name: &str, default: &[i64]| -> Option<Vec<u64>> {
            let v = m.op(op).attr(name).map_or(Some(default.to_vec()), |a| m.attr_as_int_array(a))?;
            v.into_iter().map(|x| u64::try_from(x).ok()).collect()
        };
        Some(Window {
            kernel: ints("kernel", &[])?.try_into().ok()?,
            strides: ints("strides", &[1, 1])?.try_into().ok()?,
            pads: ints("pads", &[0; 4])?.try_into().ok()?,
        })
    }

    fn padded(&self) -> bool {
        self.pads.iter().any(|&p| p > 0)
    }

    /// Tap `(i, j)` of every window of `x` (NCHW), of `out`'s shape: `x` itself for a window of one that moves by
    /// one without padding, else a depthwise convolution with a one-hot kernel.
    fn gather(
        &self,
        m: &mut Module,
        at: OpId,
        x: Value,
        (i, j): (u64, u64),
        out: &FixedTensor,
        ranges: &mut RangeAnalysis,
    ) -> Value {
        let xt = tensor(m, x).expect("an he tensor");
        if self.kernel == [1, 1] && self.strides == [1, 1] && !self.padded() {
            return x;
        }
        let [kh, kw] = self.kernel;
        let channels = xt.shape[1];
        let one_hot: Vec<i64> =
            (0..channels * kh * kw).map(|k| i64::from(k % (kh * kw) == i * kw + j)).collect();
        let w = encode(m, at, &FixedTensor::plain([channels, 1, kh, kw], 2, 0), one_hot);
        let w = typed(m, ranges, w);
        let mut attrs = vec![];
        let mut int_array = |m: &mut Module, name: &str, values: &[u64], default: u64| {
            if values.iter().any(|&v| v != default) {
                let values: Vec<i64> = values.iter().map(|&v| v as i64).collect();
                attrs.push((name.to_string(), m.int_array_attr(&values)));
            }
        };
        int_array(m, "strides", &self.strides, 1);
        int_array(m, "pads", &self.pads, 0);
        if channels > 1 {
            attrs.push(("groups".to_string(), m.int_attr(channels as i64)));
        }
        let t = out.with_width(xt.width);
        let tap = build(m, at, &he::CONV2D_PLAIN, &[x, w], &t, attrs);
        typed(m, ranges, tap)
    }
}

/// The per-element ranges of the function holding `op`, as they are now (earlier rewrites of this pass made new
/// values).
fn analysis(m: &Module, op: OpId) -> Option<RangeAnalysis> {
    let mut at = op;
    let funcs = m.funcs();
    let f = loop {
        let block = m.op(at).parent?;
        at = m.region(m.block(block).parent?).parent;
        if funcs.contains(&at) {
            break at;
        }
    };
    RangeAnalysis::of_function(m, f).ok()
}

/// A `he.encode` of `value` at `like`'s scale, of shape `[1]` (a plaintext broadcasts to the ciphertext), analyzed.
fn constant(m: &mut Module, ranges: &mut RangeAnalysis, at: OpId, like: &FixedTensor, value: i64) -> Value {
    let c = encode(m, at, &like.with_width(2).with_shape([1]), vec![value]);
    typed(m, ranges, c)
}

/// Analyzes `v`'s op and gives `v` the narrowest width its range needs.
fn typed(m: &mut Module, ranges: &mut RangeAnalysis, v: Value) -> Value {
    let op = m.defining_op(v).expect("a built op");
    if ranges.visit(m, op).is_ok() {
        if let (Some(t), Some(hull)) = (tensor(m, v), ranges.hull(v)) {
            let ty = t.with_width(type_width_for(hull)).to_type(m);
            m.set_value_type(v, ty);
        }
    }
    v
}
