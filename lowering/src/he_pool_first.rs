//! `he-pool-first`: in the lookup-table model with approximate rounding, max pooling before the element-wise steps
//! that feed it. Rescales and ReLU are monotone (never decreasing), so they commute with a maximum exactly:
//!
//! ```text
//! max_pool2d(relu(rescale(x, s)))   becomes   relu(rescale(max_pool2d(x), s))
//! ```
//!
//! the same integers in every element. he-lut-fuse makes the chain one table per element either way; after the
//! rewrite it reads the pooled elements only (a 2×2 pool: a quarter of the bootstraps), and the maxima's tables
//! read the unrounded differences of x, whose boxes the approximate rounding was going to drop anyway. The
//! maxima stay as many (one table per tap but one, per pooled element). With exact rounding nothing moves: a
//! maximum of the wide accumulator would read differences that no table's index holds without an exact floor
//! of its own.
//!
//! The chain moves whole: every op from the pool's operand down through rescales (without `chunk`) and ReLUs,
//! each with the next as its only use. A pool whose result has as many elements as its operand (stride 1 with
//! padding) would save nothing and is left alone.
//!
//! The integers of the he program stay the same, but not those of the tables he-lut-fuse makes of it: the maxima
//! now read wide differences through a table that drops bits (each maximum within a quarter of its box, with
//! he-lut-fuse's approximate-rounding form), where before they mostly compared narrow table outputs exactly. So
//! it is a precision trade: the driver compiles both ways (option `apply`) and keeps this form when, raising
//! table precision where needed, it predicts like the float model on the calibration rows as well as the other.

use veil_he as he;
use veil_ir::{Diagnostics, Module, OpId};
use veil_rt::tfhe_config::Rounding;

use crate::he_plaintext_bypass::shared::{build, erase_dead, retype_all, tensor};
use crate::pass::{Changed, Pass, PassOption, PassOptions};

/// The pass.
pub struct HePoolFirst {
    rounding: Rounding,
    apply: bool,
}

const OPTIONS: &[PassOption] = &[
    PassOption::string("rounding", "exact", "The program's rounding: only approximate rounding pools first"),
    PassOption::bool("apply", "true", "Move the pools (the driver compiles both ways and keeps the better)"),
];

impl Pass for HePoolFirst {
    fn name(&self) -> &'static str {
        "he-pool-first"
    }

    fn description(&self) -> &'static str {
        "lut model, approximate rounding: max pooling before the rescales and ReLUs that feed it (their tables read \
         the pooled elements only)"
    }

    fn options() -> &'static [PassOption] {
        OPTIONS
    }

    fn from_options(options: &PassOptions) -> Result<Self, String> {
        Ok(HePoolFirst { rounding: Rounding::parse(options.string("rounding")?)?, apply: options.bool("apply")? })
    }

    fn run(&self, m: &mut Module) -> Result<Changed, Diagnostics> {
        if self.rounding != Rounding::Approximate || !self.apply {
            return Ok(Changed::from(false));
        }
        let mut changed = false;
        for op in m.walk() {
            if m.is_live(op) && m.op(op).def == &he::MAX_POOL2D {
                changed |= rewrite(m, op);
            }
        }
        retype_all(m);
        Ok(Changed::from(changed))
    }
}

/// Whether `op` is a step that commutes with a maximum: a ReLU or a rescale that is not an exact floor.
fn is_monotone_step(m: &Module, op: OpId) -> bool {
    let data = m.op(op);
    data.def == &he::RELU || (data.def == &he::RESCALE && data.attr("chunk").is_none())
}

/// Moves `pool` above the chain of monotone steps feeding it, if there is one and the pool shrinks its operand.
fn rewrite(m: &mut Module, pool: OpId) -> bool {
    // The chain, nearest the pool first.
    let mut chain = vec![];
    let mut v = m.op(pool).operands[0];
    while let Some(step) = m.defining_op(v).filter(|&op| is_monotone_step(m, op) && m.uses(v).len() == 1) {
        chain.push(step);
        v = m.op(step).operands[0];
    }
    let result = m.op(pool).result();
    let (Some(input), Some(pooled)) = (tensor(m, v), tensor(m, result)) else { return false };
    if chain.is_empty() || pooled.numel() >= input.numel() {
        return false;
    }
    let mut steps = vec![];
    for &step in chain.iter().rev() {
        let data = m.op(step);
        let Some(t) = tensor(m, data.result()) else { return false };
        steps.push((data.def, data.attrs.clone(), t.with_shape(pooled.shape.clone())));
    }
    let pool_attrs = m.op(pool).attrs.clone();
    let mut x = build(m, pool, &he::MAX_POOL2D, &[v], &input.with_shape(pooled.shape.clone()), pool_attrs);
    for (def, attrs, t) in steps {
        x = build(m, pool, def, &[x], &t, attrs);
    }
    m.replace_all_uses(result, x);
    erase_dead(m, pool);
    true
}
