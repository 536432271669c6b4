//! `he-fold-linear`: plaintext operations around a `matmul_plain` / `conv2d_plain` are folded into its
//! weights and bias, so that a layer is one leveled accumulation with one carry propagation. Every fold is
//! exact (integer sums and products are associative and distributive); the pass repeats them until none
//! applies:
//!
//! - bias: `add_plain` / `sub_plain` of a per-output-channel constant `c` after the op (its only user) →
//!   `bias ± c` (a new bias when there was none). The op takes the add's result type.
//! - output scale: `mul_plain` by a per-output-channel constant `c` after the op (its only user), e.g. a batch
//!   norm's scale → weights `W[., n] * c[n]` and bias `b[n] * c[n]`; the weights gain `c`'s fraction bits, so
//!   the product keeps the mul's scale and type.
//! - input scale: the op reads `mul_plain(x, c)` (and is its only user) with `c` per input channel → weights
//!   `W[k, .] * c[k]` on `x` itself; the result keeps its type (the same integers).
//! - input offset: the op reads `add_plain` / `sub_plain(x, c)` with `c` per input channel → `bias ±
//!   sum_k c[k] W[k, .]` on `x` itself (for `conv2d_plain` only without padding, where every window sees the
//!   whole kernel).
//!
//! "Per channel" means the plaintext, broadcast to the tensor, depends on the channel index only (the last axis
//! of a matmul, axis 1 of a convolution); scalars qualify.

use veil_he::{self as he, FixedTensor, MAX_FRAC};
use veil_ir::{Diagnostics, Module, OpDef, OpId, Value};

use crate::he_plaintext_bypass::shared::{
    constant, encode, erase_dead, fixpoint, per_channel, replace, retype_all, tensor, Constant,
};
use crate::pass::{Changed, Pass, PassOptions};

/// The linear folding pass.
pub struct HeFoldLinear;

impl Pass for HeFoldLinear {
    fn name(&self) -> &'static str {
        "he-fold-linear"
    }

    fn description(&self) -> &'static str {
        "Fold bias adds, per-channel scales and input offsets into matmul_plain / conv2d_plain weights and bias"
    }

    fn from_options(_: &PassOptions) -> Result<Self, String> {
        Ok(HeFoldLinear)
    }

    fn run(&self, m: &mut Module) -> Result<Changed, Diagnostics> {
        let changed = fixpoint(m, fold);
        retype_all(m);
        Ok(Changed::from(changed))
    }
}

fn fold(m: &mut Module, op: OpId) -> bool {
    let def = m.op(op).def;
    if def == &he::ADD_PLAIN || def == &he::SUB_PLAIN {
        fold_bias(m, op)
    } else if def == &he::MUL_PLAIN {
        fold_output_scale(m, op)
    } else if is_linear(def) {
        fold_input_scale(m, op) || fold_input_offset(m, op)
    } else {
        false
    }
}

fn is_linear(def: &OpDef) -> bool {
    def == &he::MATMUL_PLAIN || def == &he::CONV2D_PLAIN
}

/// A linear op with constant weights (and bias, if it has one).
struct Linear {
    op: OpId,
    conv: bool,
    weights: Constant,
    bias: Option<Constant>,
    result: FixedTensor,
    /// Input channels per group (conv) and output channels per group.
    per_group: (usize, usize),
}

impl Linear {
    fn of(m: &Module, op: OpId) -> Option<Linear> {
        let data = m.op(op);
        if !is_linear(data.def) {
            return None;
        }
        let weights = constant(m, *data.operands.get(1)?)?;
        let bias = match data.operands.get(2) {
            Some(&b) => Some(constant(m, b)?),
            None => None,
        };
        let conv = data.def == &he::CONV2D_PLAIN;
        if weights.tensor.rank() != if conv { 4 } else { 2 } {
            return None;
        }
        let groups = data.attr("groups").and_then(|a| m.attr_as_int(a)).unwrap_or(1).max(1) as usize;
        let shape = &weights.tensor.shape;
        let per_group = if conv { (shape[1] as usize, shape[0] as usize / groups) } else { (0, 0) };
        Some(Linear { op, conv, weights, bias, result: tensor(m, data.result())?, per_group })
    }

    fn outputs(&self) -> usize {
        let s = &self.weights.tensor.shape;
        (if self.conv { s[0] } else { s[1] }) as usize
    }

    /// The output channel (bias index) weight element `i` contributes to.
    fn out_channel(&self, i: usize) -> usize {
        let s = &self.weights.tensor.shape;
        if self.conv {
            i / (s[1] * s[2] * s[3]) as usize
        } else {
            i % s[1] as usize
        }
    }

    /// The input channel weight element `i` reads (within the whole input, across groups).
    fn in_channel(&self, i: usize) -> usize {
        let s = &self.weights.tensor.shape;
        if self.conv {
            let (cg, og) = self.per_group;
            let ci = i / (s[2] * s[3]) as usize % cg;
            self.out_channel(i) / og.max(1) * cg + ci
        } else {
            i / s[1] as usize
        }
    }

    /// The result's channel axis (the bias runs along it).
    fn out_axis(&self) -> usize {
        if self.conv {
            1
        } else {
            self.result.rank().saturating_sub(1)
        }
    }

    fn bias_values(&self) -> Vec<i64> {
        self.bias.as_ref().map_or_else(|| vec![0; self.outputs()], Constant::expanded)
    }

    /// Installs new weights (at `frac`) and/or a new bias (at the result's frac).
    fn install(&self, m: &mut Module, weights: Option<(Vec<i64>, i32)>, bias: Option<Vec<i64>>, result_frac: i32) {
        if let Some((values, frac)) = weights {
            let t = self.weights.tensor.with_frac(frac).with_width(veil_he::MIN_WIDTH);
            let w = encode(m, self.op, &t, values);
            swap_operand(m, self.op, 1, w);
        }
        if let Some(values) = bias {
            let t = FixedTensor::plain([values.len() as u64], veil_he::MIN_WIDTH, result_frac);
            let b = encode(m, self.op, &t, values);
            if m.op(self.op).operands.len() > 2 {
                swap_operand(m, self.op, 2, b);
            } else {
                m.op_mut(self.op).operands.push(b);
            }
        }
    }
}

/// Sets operand `i` of `op`, erasing the old operand's definition if nothing else uses it.
fn swap_operand(m: &mut Module, op: OpId, i: usize, v: Value) {
    let old = m.op(op).operands[i];
    m.set_operand(op, i, v);
    if let Some(d) = m.defining_op(old) {
        erase_dead(m, d);
    }
}

/// The op defining `v` when it is a `def` op whose result only `user` reads.
fn only_feeding(m: &Module, v: Value, defs: &[&OpDef], user: OpId) -> Option<OpId> {
    let op = m.defining_op(v).filter(|&o| defs.iter().any(|d| m.op(o).def == *d))?;
    m.uses(v).iter().all(|&(u, _)| u == user).then_some(op)
}

/// Gives the linear op the type of `op`'s result, then lets it replace `op`.
fn take_over(m: &mut Module, linear: OpId, op: OpId) -> bool {
    let (r, lr) = (m.op(op).result(), m.op(linear).result());
    let ty = m.value_type(r);
    m.set_value_type(lr, ty);
    replace(m, r, lr);
    true
}

fn checked(values: impl Iterator<Item = Option<i64>>) -> Option<Vec<i64>> {
    values.collect()
}

/// `add_plain/sub_plain(linear(x), c)` → `linear(x)` with bias `b ± c`.
fn fold_bias(m: &mut Module, op: OpId) -> bool {
    let [v, p] = m.op(op).operands[..] else { return false };
    let Some(lin) = only_feeding(m, v, &[&he::MATMUL_PLAIN, &he::CONV2D_PLAIN], op).and_then(|l| Linear::of(m, l))
    else {
        return false;
    };
    let Some(c) = constant(m, p).and_then(|c| per_channel(&c, &lin.result.shape, lin.out_axis())) else { return false };
    let sign = if m.op(op).def == &he::SUB_PLAIN { -1 } else { 1 };
    let bias = lin.bias_values();
    let Some(bias) = checked(bias.iter().zip(&c).map(|(&b, &c)| c.checked_mul(sign).and_then(|c| b.checked_add(c))))
    else {
        return false;
    };
    lin.install(m, None, Some(bias), lin.result.frac);
    take_over(m, lin.op, op)
}

/// `mul_plain(linear(x), c)` → `linear(x)` with weights `W * c[out]` and bias `b * c`.
fn fold_output_scale(m: &mut Module, op: OpId) -> bool {
    let [v, p] = m.op(op).operands[..] else { return false };
    let Some(lin) = only_feeding(m, v, &[&he::MATMUL_PLAIN, &he::CONV2D_PLAIN], op).and_then(|l| Linear::of(m, l))
    else {
        return false;
    };
    let (Some(c), Some(rt)) = (constant(m, p), tensor(m, m.op(op).result())) else { return false };
    let frac = lin.weights.tensor.frac + c.tensor.frac;
    let Some(scale) = per_channel(&c, &lin.result.shape, lin.out_axis()) else { return false };
    if rt.shape != lin.result.shape || frac.abs() > MAX_FRAC {
        return false;
    }
    let weights = lin.weights.expanded();
    let weights = checked(weights.iter().enumerate().map(|(i, &w)| w.checked_mul(scale[lin.out_channel(i)])));
    let bias = match &lin.bias {
        None => None,
        Some(_) => match checked(lin.bias_values().iter().zip(&scale).map(|(&b, &s)| b.checked_mul(s))) {
            Some(b) => Some(b),
            None => return false,
        },
    };
    let Some(weights) = weights else { return false };
    lin.install(m, Some((weights, frac)), bias, rt.frac);
    take_over(m, lin.op, op)
}

/// `linear(mul_plain(x, c))` → `linear(x)` with weights `W * c[in]`.
fn fold_input_scale(m: &mut Module, op: OpId) -> bool {
    let Some(&x) = m.op(op).operands.first() else { return false };
    let Some(mul) = only_feeding(m, x, &[&he::MUL_PLAIN], op) else { return false };
    let [xin, p] = m.op(mul).operands[..] else { return false };
    let (Some(lin), Some(xt), Some(mt), Some(c)) = (Linear::of(m, op), tensor(m, xin), tensor(m, x), constant(m, p))
    else {
        return false;
    };
    let axis = if lin.conv { 1 } else { xt.rank().saturating_sub(1) };
    let frac = lin.weights.tensor.frac + c.tensor.frac;
    let Some(scale) = per_channel(&c, &xt.shape, axis) else { return false };
    if mt.shape != xt.shape || frac.abs() > MAX_FRAC {
        return false;
    }
    let weights = lin.weights.expanded();
    let Some(weights) = checked(weights.iter().enumerate().map(|(i, &w)| w.checked_mul(scale[lin.in_channel(i)])))
    else {
        return false;
    };
    lin.install(m, Some((weights, frac)), None, lin.result.frac);
    m.set_operand(op, 0, xin);
    erase_dead(m, mul);
    true
}

/// `linear(add_plain/sub_plain(x, c))` → `linear(x)` with bias `b ± sum c[in] W`.
fn fold_input_offset(m: &mut Module, op: OpId) -> bool {
    let Some(&x) = m.op(op).operands.first() else { return false };
    let Some(add) = only_feeding(m, x, &[&he::ADD_PLAIN, &he::SUB_PLAIN], op) else { return false };
    let [xin, p] = m.op(add).operands[..] else { return false };
    let (Some(lin), Some(xt), Some(c)) = (Linear::of(m, op), tensor(m, xin), constant(m, p)) else { return false };
    let padded = m.op(op).attr("pads").and_then(|a| m.attr_as_int_array(a)).is_some_and(|p| p.iter().any(|&v| v != 0));
    let axis = if lin.conv { 1 } else { xt.rank().saturating_sub(1) };
    let Some(offset) = per_channel(&c, &xt.shape, axis) else { return false };
    if padded {
        return false;
    }
    let sign: i128 = if m.op(add).def == &he::SUB_PLAIN { -1 } else { 1 };
    let mut bias: Vec<i128> = lin.bias_values().iter().map(|&b| b as i128).collect();
    for (i, &w) in lin.weights.expanded().iter().enumerate() {
        let term = (sign * offset[lin.in_channel(i)] as i128).saturating_mul(w as i128);
        bias[lin.out_channel(i)] = bias[lin.out_channel(i)].saturating_add(term);
    }
    let Some(bias) = checked(bias.into_iter().map(|b| i64::try_from(b).ok())) else { return false };
    lin.install(m, None, Some(bias), lin.result.frac);
    m.set_operand(op, 0, xin);
    erase_dead(m, add);
    true
}
