//! `he-lazy-rescale`: fewer and cheaper rescales. A rescale (`floor(x / 2^s)`) costs bootstraps unless its
//! shift is a whole number of radix blocks (2 bits), when it only drops blocks. The pass repeats, until none
//! applies:
//!
//! - merge: `rescale(rescale(x, a), b)` → `rescale(x, a + b)`. Exact: `floor(floor(x / 2^a) / 2^b) =
//!   floor(x / 2^(a+b))`.
//! - sink: `reshape` / `transpose` / `pad` of `rescale(x, k)` → `rescale(reshape(x), k)` when the rescale then
//!   meets another (a rescale reads the result, or an add/sub whose other operand is a rescale by `k`). Exact:
//!   a rescale is elementwise and `floor(0 / 2^k) = 0` for padding.
//! - combine (option `combine-sums`, on by default): `add` / `sub` of `rescale(a, k)` and `rescale(b, k)` →
//!   `rescale(add(a, b), k)`, and `sum(rescale(x, k))` → `rescale(sum(x), k)`: one rescale for the whole sum.
//!   Not bit-identical: `floor((a + b) / 2^k)` is the sum of the floors plus 0 or 1 (minus 1 or 0 for sub;
//!   plus 0..n-1 for a sum of n terms), and it is the better value: it rounds the exact sum once instead of
//!   every term. The new values' widths are sound bounds from the operands' widths.
//! - align (option `block-aligned`, off by default): a rescale by an odd shift `s` whose every user is the
//!   ciphertext operand of `mul_plain` / `matmul_plain` / `conv2d_plain` with `he.encode` weights becomes a
//!   rescale by an even shift, and the weights are re-encoded with one fraction bit more or less (the same
//!   real numbers), so the products keep their scale and every type after them stays. `s - 1` when every
//!   weight is even (halved exactly; one bit more precise; `s = 1` removes the rescale), else `s + 1` (weights
//!   doubled; the rescaled value loses its lowest bit: an error of at most one unit of `2^-(f-s)` in the real
//!   value, `f` the operand's frac).

use veil_he::{self as he, FixedTensor, MAX_FRAC, MAX_WIDTH, MIN_WIDTH};
use veil_ir::{Diagnostics, Module, OpDef, OpId, Value};

use crate::he_plaintext_bypass::shared::{
    build, constant, defined_by, encode, erase_dead, fixpoint, replace_or_discard, retype_all, shift, shift_attr,
    tensor,
};
use crate::pass::{Changed, Pass, PassOption, PassOptions};

/// The lazy rescaling pass.
pub struct HeLazyRescale {
    combine_sums: bool,
    block_aligned: bool,
}

const OPTIONS: &[PassOption] = &[
    PassOption::bool(
        "combine-sums",
        "true",
        "Rescale a sum once instead of each term (floor of the sum: more accurate, not bit-identical)",
    ),
    PassOption::bool(
        "block-aligned",
        "false",
        "Round odd rescale shifts before plaintext products to whole 2-bit blocks, re-encoding the weights",
    ),
];

impl Pass for HeLazyRescale {
    fn name(&self) -> &'static str {
        "he-lazy-rescale"
    }

    fn description(&self) -> &'static str {
        "Rescale lazily: merge consecutive rescales, rescale sums once, prefer shifts by whole radix blocks"
    }

    fn options() -> &'static [PassOption] {
        OPTIONS
    }

    fn from_options(options: &PassOptions) -> Result<Self, String> {
        Ok(HeLazyRescale { combine_sums: options.bool("combine-sums")?, block_aligned: options.bool("block-aligned")? })
    }

    fn run(&self, m: &mut Module) -> Result<Changed, Diagnostics> {
        let changed = fixpoint(m, |m, op| self.rewrite(m, op));
        retype_all(m);
        Ok(Changed::from(changed))
    }
}

impl HeLazyRescale {
    fn rewrite(&self, m: &mut Module, op: OpId) -> bool {
        let def = m.op(op).def;
        if def == &he::RESCALE {
            merge(m, op) || (self.block_aligned && align(m, op))
        } else if def == &he::ADD || def == &he::SUB {
            self.combine_sums && combine_pair(m, op)
        } else if def == &he::SUM {
            self.combine_sums && combine_sum(m, op)
        } else if is_data_movement(def) {
            sink(m, op)
        } else {
            false
        }
    }
}

/// The rescale defining `v` and its shift, when `v` is a rescale result used by `user` only.
fn rescale_used_only_by(m: &Module, v: Value, user: OpId) -> Option<(OpId, i64)> {
    let r = defined_by(m, v, &he::RESCALE)?;
    m.uses(v).iter().all(|&(u, _)| u == user).then_some(())?;
    Some((r, shift(m, r)?))
}

/// The width that holds `floor(v / 2^k)` for every `v` of `width` bits.
fn rescaled_width(width: u32, k: i64) -> u32 {
    (width as i64 - k).max(MIN_WIDTH as i64) as u32
}

/// `rescale(rescale(x, a), b)` → `rescale(x, a + b)`.
fn merge(m: &mut Module, op: OpId) -> bool {
    let Some(inner) = m.op(op).operands.first().and_then(|&v| defined_by(m, v, &he::RESCALE)) else { return false };
    let (Some(a), Some(b)) = (shift(m, inner), shift(m, op)) else { return false };
    if a + b > 63 {
        return false;
    }
    let x = m.op(inner).operands[0];
    m.set_operand(op, 0, x);
    let attr = m.int_attr(a + b);
    m.set_attr(op, "shift", attr);
    erase_dead(m, inner);
    true
}

/// `add/sub(rescale(a, k), rescale(b, k))` → `rescale(add/sub(a, b), k)`.
fn combine_pair(m: &mut Module, op: OpId) -> bool {
    let [va, vb] = m.op(op).operands[..] else { return false };
    let (Some((ra, ka)), Some((rb, kb))) = (rescale_used_only_by(m, va, op), rescale_used_only_by(m, vb, op)) else {
        return false;
    };
    let (a, b) = (m.op(ra).operands[0], m.op(rb).operands[0]);
    let (Some(ta), Some(tb), Some(rt)) = (tensor(m, a), tensor(m, b), tensor(m, m.op(op).result())) else {
        return false;
    };
    let width = ta.width.max(tb.width) + 1;
    if ka != kb || ta.frac != tb.frac || width > MAX_WIDTH {
        return false;
    }
    let def = m.op(op).def;
    let sum = build(m, op, def, &[a, b], &rt.with_frac(ta.frac).with_width(width), vec![]);
    rescale_after(m, op, sum, ka, &rt)
}

/// `sum(rescale(x, k))` → `rescale(sum(x), k)`.
fn combine_sum(m: &mut Module, op: OpId) -> bool {
    let Some((r, k)) = m.op(op).operands.first().and_then(|&v| rescale_used_only_by(m, v, op)) else { return false };
    let x = m.op(r).operands[0];
    let (Some(xt), Some(rt)) = (tensor(m, x), tensor(m, m.op(op).result())) else { return false };
    let terms = xt.numel() / rt.numel().max(1);
    let width = xt.width as u64 + terms.next_power_of_two().trailing_zeros() as u64;
    if width > MAX_WIDTH as u64 {
        return false;
    }
    let attrs = m.op(op).attrs.clone();
    let sum = build(m, op, &he::SUM, &[x], &rt.with_frac(xt.frac).with_width(width as u32), attrs);
    rescale_after(m, op, sum, k, &rt)
}

/// Replaces `op` (of type `rt`) by `rescale(sum, k)`, sized from `sum`'s width.
fn rescale_after(m: &mut Module, op: OpId, sum: Value, k: i64, rt: &FixedTensor) -> bool {
    let width = tensor(m, sum).map_or(rt.width, |t| rescaled_width(t.width, k));
    let attrs = shift_attr(m, k);
    let rescaled = build(m, op, &he::RESCALE, &[sum], &rt.with_width(width), attrs);
    replace_or_discard(m, m.op(op).result(), rescaled)
}

/// `move(rescale(x, k))` → `rescale(move(x), k)` for a data movement op, when the rescale then meets another.
fn sink(m: &mut Module, op: OpId) -> bool {
    let Some((r, k)) = m.op(op).operands.first().and_then(|&v| rescale_used_only_by(m, v, op)) else { return false };
    let moved = m.op(op).result();
    if !meets_rescale(m, moved, k) {
        return false;
    }
    let x = m.op(r).operands[0];
    let (Some(xt), Some(dt)) = (tensor(m, x), tensor(m, moved)) else { return false };
    let def = m.op(op).def;
    let attrs = m.op(op).attrs.clone();
    let inner = build(m, op, def, &[x], &dt.with_width(xt.width).with_frac(xt.frac), attrs);
    let attrs = shift_attr(m, k);
    let rescaled = build(m, op, &he::RESCALE, &[inner], &dt, attrs);
    replace_or_discard(m, moved, rescaled)
}

fn is_data_movement(def: &OpDef) -> bool {
    def == &he::RESHAPE || def == &he::TRANSPOSE || def == &he::PAD
}

/// Whether a rescale by `k` moved after `v` would meet another rescale: every user of `v` is a rescale or a
/// data movement op whose result meets one, or an add/sub reads `v` with a rescale by `k` as its other operand.
fn meets_rescale(m: &Module, v: Value, k: i64) -> bool {
    let users = m.uses(v);
    let partner = |u: OpId, i: usize| {
        let d = m.op(u).def;
        let other = m.op(u).operands.get(1 - i.min(1)).copied();
        (d == &he::ADD || d == &he::SUB)
            && other.and_then(|o| defined_by(m, o, &he::RESCALE)).and_then(|o| shift(m, o)) == Some(k)
    };
    let onward = |u: OpId| {
        let d = m.op(u).def;
        d == &he::RESCALE || (is_data_movement(d) && meets_rescale(m, m.op(u).result(), k))
    };
    !users.is_empty() && (users.iter().all(|&(u, _)| onward(u)) || users.iter().any(|&(u, i)| partner(u, i)))
}

/// Rounds an odd rescale shift to an even one before plaintext products, re-encoding their weights.
fn align(m: &mut Module, op: OpId) -> bool {
    let Some(s) = shift(m, op).filter(|s| s % 2 == 1) else { return false };
    let (Some(&x), r) = (m.op(op).operands.first(), m.op(op).result()) else { return false };
    let users = m.uses(r);
    let linear = |u: OpId, i: usize| {
        let d = m.op(u).def;
        i == 0 && (d == &he::MUL_PLAIN || d == &he::MATMUL_PLAIN || d == &he::CONV2D_PLAIN)
    };
    if users.is_empty() || !users.iter().all(|&(u, i)| linear(u, i)) {
        return false;
    }
    let weights: Option<Vec<_>> =
        users.iter().map(|&(u, _)| m.op(u).operands.get(1).and_then(|&w| constant(m, w))).collect();
    let (Some(weights), Some(xt), Some(rt)) = (weights, tensor(m, x), tensor(m, r)) else { return false };
    let down = weights.iter().all(|w| w.all(|v| v % 2 == 0) && w.tensor.frac > -MAX_FRAC) && rt.width < MAX_WIDTH;
    let up = s < 63 && weights.iter().all(|w| w.tensor.frac < MAX_FRAC && w.all(|v| v.checked_mul(2).is_some()));
    let (new_shift, scale): (i64, fn(i64) -> i64) = if down {
        (s - 1, |v| v / 2)
    } else if up {
        (s + 1, |v| v * 2)
    } else {
        return false;
    };
    let frac_delta = (s - new_shift) as i32;
    for ((user, _), w) in users.into_iter().zip(weights) {
        let values = w.values.iter().map(|&v| scale(v)).collect();
        let p = encode(m, user, &w.tensor.with_frac(w.tensor.frac - frac_delta), values);
        let old = m.op(user).operands[1];
        m.set_operand(user, 1, p);
        if let Some(d) = m.defining_op(old) {
            erase_dead(m, d);
        }
        if new_shift == 0 {
            m.set_operand(user, 0, x);
        }
    }
    if new_shift == 0 {
        erase_dead(m, op);
    } else {
        let attr = m.int_attr(new_shift);
        m.set_attr(op, "shift", attr);
        let width = if down { rt.width + 1 } else { rt.width };
        let t = FixedTensor::cipher(rt.shape.clone(), width, xt.frac - new_shift as i32).to_type(m);
        m.set_value_type(r, t);
    }
    true
}
