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

use veil_he::{self as he, FixedTensor};
use veil_ir::{Module, OpId, Value};

use super::{lut, Entry, HeLutFuse, Step};
use crate::he_plaintext_bypass::shared::{build, encode, replace, tensor};
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
        let Some(mut max) = self.tree(m, op, &taps, &mut ranges) else { return false };
        if let Some(lo) = offset {
            let c = constant(m, &mut ranges, op, &out, lo as i64);
            let t = tensor(m, max).unwrap_or(out.clone());
            let back = build(m, op, &he::ADD_PLAIN, &[max, c], &t, vec![]);
            max = typed(m, &mut ranges, back);
        }
        replace(m, result, max);
        true
    }

    /// `max(a, b)` → `a + lut(b - a)`.
    pub(super) fn max_as_table(&self, m: &mut Module, op: OpId) -> bool {
        let Some(mut ranges) = analysis(m, op) else { return false };
        let [a, b] = m.op(op).operands[..] else { return false };
        let result = m.op(op).result();
        let Some(max) = self.max_pair(m, op, a, b, &mut ranges) else { return false };
        replace(m, result, max);
        true
    }

    /// The maximum of `values` by a balanced tree of pairs (halves of the list, like the radix kernel's).
    fn tree(&self, m: &mut Module, at: OpId, values: &[Value], ranges: &mut RangeAnalysis) -> Option<Value> {
        match values {
            [] => None,
            [v] => Some(*v),
            _ => {
                let (left, right) = values.split_at(values.len() / 2);
                let (a, b) = (self.tree(m, at, left, ranges)?, self.tree(m, at, right, ranges)?);
                self.max_pair(m, at, a, b, ranges)
            }
        }
    }

    /// `a + lut(b - a)` before `at`: the difference typed by its proven range, its relu table from
    /// [`HeLutFuse::table`] with that range, the sum typed by its range (the maximum's, he-ranges knows the form).
    fn max_pair(&self, m: &mut Module, at: OpId, a: Value, b: Value, ranges: &mut RangeAnalysis) -> Option<Value> {
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
        let relu = lut(m, at, diff, shift, table, &dt, Some("relu"));
        ranges.visit(m, m.defining_op(relu)?).ok()?;
        let sum = build(m, at, &he::ADD, &[a, relu], &wide, vec![]);
        Some(typed(m, ranges, sum))
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
