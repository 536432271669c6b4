//! `he-narrow-widths`: every he value's width becomes exactly what its sound integer range needs
//! ([`crate::he_ranges`]): after the rewrites of the other he passes, declared widths are often wider than
//! the values (a folded bias, a bypassed product) and sometimes only bounds; fewer bits mean fewer radix
//! blocks and fewer bootstraps. The integers do not change.
//!
//! - Each `!he.ct` / `!he.pt` value (function arguments included) gets `max(width_for(range), 2)` bits: never
//!   fewer than its range needs, never more. Arguments without `veil.range` keep their full type range, so
//!   their width stays.
//! - A `he.encode`'s dense attribute takes the new element width; a `he.lut`'s table is re-indexed for the new
//!   input width (entries for inputs the range rules out, or that no longer fit the result, become 0), except a
//!   table negacyclic up to a constant (read over the whole torus: its result keeps the width of every entry).
//! - Function signatures follow the returned values and arguments.
//! - A value whose range needs more than 64 bits (or a lut input more than 12) is an error naming the op and
//!   the range.

use veil_he::{self as he, FixedTensor, MAX_WIDTH, MIN_WIDTH};
use veil_ir::builtin::sync_func_signature;
use veil_ir::{DenseValues, Diagnostic, Diagnostics, Module, OpId, Value};

use veil_rt::tfhe_config::full_domain_offset;

use crate::he_plaintext_bypass::shared::tensor;
use crate::he_ranges::{integer_ranges, width_for, Interval};
use crate::pass::{Changed, Pass, PassOptions};

/// The width narrowing pass.
pub struct HeNarrowWidths;

impl Pass for HeNarrowWidths {
    fn name(&self) -> &'static str {
        "he-narrow-widths"
    }

    fn description(&self) -> &'static str {
        "Recompute every he value's width from its sound integer range: no bit more or less than it needs"
    }

    fn from_options(_: &PassOptions) -> Result<Self, String> {
        Ok(HeNarrowWidths)
    }

    fn run(&self, m: &mut Module) -> Result<Changed, Diagnostics> {
        let mut changed = false;
        for f in m.funcs() {
            changed |= narrow_function(m, f)?;
        }
        Ok(Changed::from(changed))
    }
}

/// One value's new type.
struct Narrowed {
    value: Value,
    old: FixedTensor,
    new: FixedTensor,
}

fn narrow_function(m: &mut Module, f: OpId) -> Result<bool, Diagnostics> {
    let ranges = integer_ranges(m, f)?;
    let mut ops = vec![];
    m.walk_into(f, &mut ops);
    let args = m.body(f).map(|b| m.block(b).args.clone()).unwrap_or_default();
    let values =
        args.iter().map(|&a| (a, f)).chain(ops.iter().flat_map(|&op| m.op(op).results.iter().map(move |&r| (r, op))));
    let mut plan = vec![];
    let mut errors = vec![];
    for (value, at) in values.collect::<Vec<_>>() {
        let (Some(old), Some(&range)) = (tensor(m, value), ranges.get(&value)) else { continue };
        // A lut drops `shift` low bits of its input and needs one index bit left.
        let lut_floor = m.uses(value).iter().filter_map(|&(user, _)| lut_shift(m, user)).max().map_or(0, |s| s as u32 + 1);
        let width = width_for(range).max(MIN_WIDTH).max(lut_floor).max(full_domain_entries_width(m, value));
        if width > MAX_WIDTH {
            let what = m
                .defining_op(value)
                .map_or("an argument".to_string(), |op| format!("the result of {}", m.op(op).name()));
            let message = format!("{what} needs i{width} for its range {range}, more than i{MAX_WIDTH}");
            errors.push(Diagnostic::error(m.op(at).loc.clone(), message));
        } else if width != old.width {
            plan.push(Narrowed { value, new: old.with_width(width), old });
        }
    }
    for &op in &ops {
        if m.op(op).def == &he::LUT {
            if let Err(e) = retable(m, op, &plan, &ranges) {
                errors.push(Diagnostic::error(m.op(op).loc.clone(), e));
            }
        }
    }
    if !errors.is_empty() {
        return Err(m.report(errors));
    }
    for n in &plan {
        let ty = n.new.to_type(m);
        m.set_value_type(n.value, ty);
        if let Some(op) = m.defining_op(n.value).filter(|&op| m.op(op).def == &he::ENCODE) {
            retype_dense(m, op, "value", &n.new.shape, n.new.width);
        }
    }
    if !plan.is_empty() {
        sync_func_signature(m, f);
    }
    Ok(!plan.is_empty())
}

/// The width that holds every entry of the table `v` is read from, when that table is negacyclic up to a constant:
/// a bootstrap reads such a table over the whole torus ([`full_domain_offset`]), so its entries for unreachable
/// inputs stay; 0 for any other value.
fn full_domain_entries_width(m: &Module, v: Value) -> u32 {
    let Some(op) = m.defining_op(v).filter(|&op| m.op(op).def == &he::LUT) else { return 0 };
    match m.op(op).attr("table").and_then(|a| m.attr_as_dense(a)).map(|d| &d.values) {
        Some(DenseValues::Int(t)) if full_domain_offset(t).is_some() => t
            .iter()
            .map(|&e| width_for(Interval::point(i128::from(e))))
            .max()
            .unwrap_or(0),
        _ => 0,
    }
}

/// The planned new type of `v`, or its current one.
fn planned(m: &Module, plan: &[Narrowed], v: Value) -> Option<FixedTensor> {
    plan.iter().find(|n| n.value == v).map(|n| n.new.clone()).or_else(|| tensor(m, v))
}

/// Re-indexes a lut's table for its operand's new width, zeroing entries that no input in the operand's
/// range reads or that do not fit the new result width.
fn retable(
    m: &mut Module,
    op: OpId,
    plan: &[Narrowed],
    ranges: &std::collections::HashMap<Value, Interval>,
) -> Result<(), String> {
    let (Some(&x), r) = (m.op(op).operands.first(), m.op(op).result()) else { return Ok(()) };
    let (Some(old_in), Some(new_in), Some(new_out)) = (tensor(m, x), planned(m, plan, x), planned(m, plan, r)) else {
        return Ok(());
    };
    let changes = plan.iter().any(|n| n.value == x || (n.value == r && n.new.width < n.old.width));
    if !changes {
        return Ok(());
    }
    let shift = lut_shift(m, op).unwrap_or(0);
    let new_bits = new_in.width - shift as u32;
    if new_bits > he::rules::MAX_LUT_INPUT_WIDTH {
        return Err(format!(
            "the lut input needs i{} for its range, more than a table holds ({} index bits{})",
            new_in.width,
            he::rules::MAX_LUT_INPUT_WIDTH,
            if shift > 0 { format!(" after dropping {shift}") } else { String::new() }
        ));
    }
    let Some(dense) = m.op(op).attr("table").and_then(|a| m.attr_as_dense(a)).cloned() else { return Ok(()) };
    let DenseValues::Int(old) = &dense.values else { return Ok(()) };
    if full_domain_offset(old).is_some() && new_bits == old_in.width - shift as u32 {
        return Ok(()); // read over the whole torus: every entry counts (and fits, see full_domain_entries_width)
    }
    let reachable = ranges.get(&x).copied().unwrap_or(Interval::of_width(old_in.width));
    let reachable = Interval::new(reachable.lo >> shift, reachable.hi >> shift);
    let old_bits = old_in.width - shift as u32;
    let (old_min, new_min) = (Interval::of_width(old_bits).lo, Interval::of_width(new_bits).lo);
    let table: Vec<i64> = (0..1i128 << new_bits)
        .map(|j| {
            let input = new_min + j;
            let value = usize::try_from(input - old_min).ok().and_then(|i| old.get(i)).copied().unwrap_or(0);
            if reachable.contains(input) && new_out.fits(value as i128) {
                value
            } else {
                0
            }
        })
        .collect();
    let elem = m.element_type(dense.ty);
    let ty = m.tensor_type(&[table.len() as u64], elem);
    let attr = m.dense_attr(ty, DenseValues::Int(table));
    m.set_attr(op, "table", attr);
    Ok(())
}

/// The `shift` of a `he.lut` op (0 when absent); `None` for other ops.
fn lut_shift(m: &Module, op: OpId) -> Option<i64> {
    (m.op(op).def == &he::LUT).then(|| m.op(op).attr("shift").and_then(|a| m.attr_as_int(a)).unwrap_or(0))
}

/// Gives a dense attribute of `op` the element type `i{width}` (its values fit: they are the range).
fn retype_dense(m: &mut Module, op: OpId, name: &str, shape: &[u64], width: u32) {
    let Some(dense) = m.op(op).attr(name).and_then(|a| m.attr_as_dense(a)).cloned() else { return };
    let elem = m.int_type(width);
    let ty = m.tensor_type(shape, elem);
    if ty != dense.ty {
        let attr = m.dense_attr(ty, dense.values);
        m.set_attr(op, name, attr);
    }
}
