//! `he-defer-rescale`: in the lookup-table model with approximate rounding, a rescale between two linear layers
//! is left to the table that follows. A rescale is a bootstrap there (an identity table that drops the low bits),
//! but the next layer is leveled and the next table drops low bits anyway, at no cost, in the bootstrap's modulus
//! switch; so
//!
//! ```text
//! rescale(x, s) → linear ops → table or rescale (shift t)   becomes   x → linear ops → table (shift t + s)
//! ```
//!
//! with the linear ops' biases re-encoded at `s` more fraction bits (exact: `b · 2^s`) and their results `s` bits
//! wider. One bootstrap less per element, and the next layer computes on the unrounded values (digits_cnn_relu's
//! average pool feeds its second convolution at 11 fraction bits instead of 2). The table's index precision and
//! the noise it tolerates are those of the table's own bits, which do not change; the wider accumulator only
//! moves the noise's scale with it.
//!
//! Only rescales whose every use is the first operand of a linear op or data movement, up to a table, a rescale
//! or the return ([`can_defer`]), and only with approximate rounding: with exact rounding every deferred bit is
//! one more bit the exact floor must resolve through the noise.
//!
//! [`defer`] is shared with he-abs-relu, which defers the fraction bit its `(x + |x|) / 2` adds.

use veil_he as he;
use veil_ir::{Diagnostics, Module, OpDef, OpId, Value};
use veil_rt::tfhe_config::Rounding;

use crate::he_plaintext_bypass::shared::{constant, encode, erase_dead, retype_all, tensor};
use crate::pass::{Changed, Pass, PassOption, PassOptions};

/// The pass.
pub struct HeDeferRescale {
    rounding: Rounding,
}

const OPTIONS: &[PassOption] =
    &[PassOption::string("rounding", "exact", "The program's rounding: only approximate rounding defers rescales")];

impl Pass for HeDeferRescale {
    fn name(&self) -> &'static str {
        "he-defer-rescale"
    }

    fn description(&self) -> &'static str {
        "lut model, approximate rounding: a rescale between linear layers is left to the next table (one bootstrap \
         less per element)"
    }

    fn options() -> &'static [PassOption] {
        OPTIONS
    }

    fn from_options(options: &PassOptions) -> Result<Self, String> {
        Ok(HeDeferRescale { rounding: Rounding::parse(options.string("rounding")?)? })
    }

    fn run(&self, m: &mut Module) -> Result<Changed, Diagnostics> {
        if self.rounding != Rounding::Approximate {
            return Ok(Changed::from(false));
        }
        let mut changed = false;
        for op in m.walk() {
            if m.is_live(op) && m.op(op).def == &he::RESCALE {
                changed |= rewrite(m, op);
            }
        }
        retype_all(m);
        Ok(Changed::from(changed))
    }
}

/// Removes `rescale` when every use takes its operand at `shift` more fraction bits through linear ops only.
fn rewrite(m: &mut Module, rescale: OpId) -> bool {
    let data = m.op(rescale);
    let (x, result) = (data.operands[0], data.result());
    let Some(shift) = data.attr("shift").and_then(|a| m.attr_as_int(a)) else { return false };
    if data.attr("chunk").is_some() || shift <= 0 {
        return false;
    }
    let (Some(xt), Some(rt)) = (tensor(m, x), tensor(m, result)) else { return false };
    if i64::from(xt.frac) - i64::from(rt.frac) != shift {
        return false;
    }
    // Its own uses are linear ops or data movement (can_defer checks the rest); a ReLU right after it is
    // he-lut-fuse's, which makes the two one table.
    let uses = m.uses(result);
    let feeds_linear = !uses.is_empty()
        && uses.iter().all(|&(user, _)| CARRIERS.contains(&m.op(user).def) && m.op(user).def != &he::RELU);
    if !feeds_linear || !can_defer(m, result, shift, 0) {
        return false;
    }
    defer(m, result, shift);
    m.replace_all_uses(result, x);
    erase_dead(m, rescale);
    true
}

/// The linear ops and data movement that carry k more fraction bits of their first operand into their result.
pub(crate) const CARRIERS: &[&OpDef] = &[
    &he::MATMUL_PLAIN,
    &he::CONV2D_PLAIN,
    &he::MUL_PLAIN,
    &he::AVG_POOL2D,
    &he::SUM,
    &he::RESHAPE,
    &he::TRANSPOSE,
    &he::PAD,
    &he::NEG,
    &he::RELU,
];

/// Whether every use of `v` takes it at `k` more fraction bits: a rescale or table (they shift k bits more), the
/// return, or, as its first operand, a carrier whose result does the same (its bias or addend a constant).
pub(crate) fn can_defer(m: &Module, v: Value, k: i64, depth: usize) -> bool {
    if depth > 64 {
        return false;
    }
    m.uses(v).into_iter().all(|(user, i)| {
        let data = m.op(user);
        let def = data.def;
        if def.name == "func.return" {
            return true;
        }
        if i != 0 {
            return false;
        }
        let Some(t) = tensor(m, data.result()) else { return false };
        if def == &he::RESCALE || def == &he::LUT {
            return true;
        }
        let bias_ok = data.operands.get(2).is_none_or(|&b| constant(m, b).is_some());
        CARRIERS.contains(&def)
            && bias_ok
            && t.width + k as u32 <= he::MAX_WIDTH
            && can_defer(m, data.result(), k, depth + 1)
    })
}

/// Retypes the uses of `v` (checked by [`can_defer`]) for `v` at `k` more fraction bits.
pub(crate) fn defer(m: &mut Module, v: Value, k: i64) {
    for (user, _) in m.uses(v) {
        let def = m.op(user).def;
        if def.name == "func.return" {
            continue;
        }
        if def == &he::RESCALE || def == &he::LUT {
            let shift = m.op(user).attr("shift").and_then(|a| m.attr_as_int(a)).unwrap_or(0) + k;
            let attr = m.int_attr(shift);
            m.set_attr(user, "shift", attr);
            continue;
        }
        let r = m.op(user).result();
        let Some(t) = tensor(m, r) else { continue };
        let wider = t.with_width(t.width + k as u32).with_frac(t.frac + k as i32);
        if let Some(&bias) = m.op(user).operands.get(2) {
            if let Some(c) = constant(m, bias) {
                let scaled = c.values.iter().map(|&b| b << k).collect();
                let rescaled = c.tensor.with_frac(c.tensor.frac + k as i32);
                let new = encode(m, user, &rescaled, scaled);
                m.set_operand(user, 2, new);
                if let Some(old) = m.defining_op(bias) {
                    erase_dead(m, old);
                }
            }
        }
        let ty = wider.to_type(m);
        m.set_value_type(r, ty);
        defer(m, r, k);
    }
}
