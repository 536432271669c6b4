//! `he-table-grid`: in the lookup-table model, a table whose entries are all multiples of 2^t (those its input's
//! proven range reads; the others, clamped or headroom, are floored to that grid) returns them divided by 2^t at t
//! fewer fraction bits: the same real numbers, on the grid they already lie on. A table that drops bits
//! of a wide accumulator has such entries: each stands for the middle of its box, so a ReLU re-quantized to the
//! activations' fraction bits is a multiple of 2^(dropped − 1 − rescale). The factor is carried as an exact
//! up-scale, `mul_plain(u, 2^t at frac t)`, that sinks through what follows:
//!
//! - linear ops and data movement compute on the quotient, at t fewer fraction bits (a sum or a concatenation sinks
//!   the smallest factor of its operands, the others keep the rest as up-scales); a constant they add (a bias, an
//!   addend) is rounded to the coarser grid, to the nearest multiple of 2^t (ties up). That is the one change to the
//!   integers: at most half a unit of the grid the products already lie on;
//! - a table or a rescale that drops s bits of the value drops s − t bits of the quotient (a table that drops fewer
//!   is re-indexed: each entry of the quotient reads the entry its multiple of 2^t read);
//! - a returned value is returned as the quotient: the client decodes the same real number.
//!
//! So each value that the factor reaches is t bits narrower: the next table drops t fewer bits (in exact rounding
//! it clears them, two bootstraps per chunk), and the client decrypts t fewer bits of each result, whose noise (the
//! PBS outputs times the last layer's weights) decides the TFHE parameters. An up-scale that cannot sink further
//! stays (leveled), or right after its table is folded back into it. Tables read over the whole torus (he-abs-relu's
//! |x|) are left alone. The pass ends by recomputing every width (he-narrow-widths); if a rounded constant moved a
//! table's input out of the table's domain (the rounding is at most half a unit, so only a range that already fills
//! its width could), the module is left as it was.

use std::collections::HashMap;

use veil_he::{self as he, FixedTensor, Kind};
use veil_ir::{DenseValues, Diagnostics, Module, OpDef, OpId, Value};
use veil_rt::tfhe_config::full_domain_offset;

use crate::he_lut_fuse::{lut, real_of};
use crate::he_narrow_widths::HeNarrowWidths;
use crate::he_plaintext_bypass::shared::{
    build, constant, defined_by, discard_if_unused, encode, erase_dead, retype_all, shift, tensor,
};
use crate::he_ranges::{integer_ranges, type_width_for, Interval};
use crate::pass::{Changed, Pass, PassOptions};

/// The attribute that records on an op whose constant operand this pass rounded the largest change of the real
/// value that rounding adds to any element of the result (a float): the error bound of `veil accuracy` adds it
/// (`crate::lut_deviation`).
pub const ROUNDED_ATTR: &str = "veil.rounded";

/// The pass.
pub struct HeTableGrid;

impl Pass for HeTableGrid {
    fn name(&self) -> &'static str {
        "he-table-grid"
    }

    fn description(&self) -> &'static str {
        "lut model: a table whose entries share a factor 2^t returns them divided by it (t fewer fraction bits); \
         what follows computes on the quotient, constants rounded to its grid"
    }

    fn from_options(_: &PassOptions) -> Result<Self, String> {
        Ok(HeTableGrid)
    }

    fn run(&self, m: &mut Module) -> Result<Changed, Diagnostics> {
        let before = m.clone();
        let mut function_of = HashMap::new();
        for f in m.funcs() {
            let mut ops = vec![];
            m.walk_into(f, &mut ops);
            function_of.extend(ops.into_iter().map(|op| (op, f)));
        }
        let (mut sunk, mut factored) = (0, 0);
        for op in m.walk() {
            if !m.is_live(op) {
                continue;
            }
            let Some(&f) = function_of.get(&op) else { continue };
            let current = match sink(m, op, f) {
                Sunk::Into(new) => {
                    sunk += 1;
                    Some(new)
                }
                Sunk::Gone => {
                    sunk += 1;
                    None
                }
                Sunk::No => Some(op),
            };
            if let Some(table) = current.filter(|&o| m.op(o).def == &he::LUT) {
                factored += usize::from(factor(m, table, f));
            }
        }
        // Factors that went nowhere are folded back: then the module is what it was.
        let folded = fold_stuck_factors(m);
        retype_all(m);
        let unchanged = sunk == 0 && factored == folded;
        if unchanged || !tables_keep_their_domains(m) || HeNarrowWidths.run(m).is_err() {
            *m = before;
            return Ok(Changed::from(false));
        }
        Ok(Changed::from(true))
    }
}

/// `(u, t)` when `v` is an up-scale `mul_plain(u, 2^t at frac t)`.
fn as_up(m: &Module, v: Value) -> Option<(Value, i64)> {
    let op = defined_by(m, v, &he::MUL_PLAIN)?;
    let (&u, &c) = (m.op(op).operands.first()?, m.op(op).operands.get(1)?);
    let c = constant(m, c)?;
    let t = i64::from(c.tensor.frac);
    (1..=62).contains(&t).then_some(())?;
    (c.uniform()? == 1i64 << t).then_some((u, t))
}

/// `u` times 2^t at t more fraction bits (the real value kept), of type `ty`, before `at`.
fn up(m: &mut Module, at: OpId, u: Value, t: i64, ty: &FixedTensor) -> Value {
    let scale = FixedTensor { shape: vec![], width: t as u32 + 2, frac: t as i32, kind: Kind::Plain };
    let c = encode(m, at, &scale, vec![1 << t]);
    build(m, at, &he::MUL_PLAIN, &[u, c], ty, vec![])
}

/// What [`sink`] did with an op.
enum Sunk {
    /// Nothing: no operand is an up-scale, or the op cannot take the quotient.
    No,
    /// Replaced by this op, computing the quotient (its result followed by an up-scale) or, for a table, the same.
    Into(OpId),
    /// Replaced by an up-scale or the quotient itself (a rescale the factor covers).
    Gone,
}

/// Linear ops and data movement whose ciphertext operands all take the quotient, and which of their operands are
/// constants to round to the coarser grid.
const LINEAR: &[(&OpDef, &[usize])] = &[
    (&he::ADD, &[]),
    (&he::SUB, &[]),
    (&he::CONCAT, &[]),
    (&he::NEG, &[]),
    (&he::MUL_PLAIN, &[]),
    (&he::ADD_PLAIN, &[1]),
    (&he::SUB_PLAIN, &[1]),
    (&he::MATMUL_PLAIN, &[2]),
    (&he::CONV2D_PLAIN, &[2]),
    (&he::SUM, &[]),
    (&he::AVG_POOL2D, &[]),
    (&he::RESHAPE, &[]),
    (&he::TRANSPOSE, &[]),
    (&he::PAD, &[]),
];

/// Moves the up-scales among `op`'s operands past it, where it can take their quotients.
fn sink(m: &mut Module, op: OpId, f: OpId) -> Sunk {
    let def = m.op(op).def;
    if def.name == "func.return" {
        let mut any = false;
        for (i, v) in m.op(op).operands.clone().into_iter().enumerate() {
            if let Some((u, _)) = as_up(m, v) {
                m.set_operand(op, i, u);
                discard_if_unused(m, v);
                any = true;
            }
        }
        return if any { Sunk::Into(op) } else { Sunk::No };
    }
    if def == &he::LUT {
        return sink_into_table(m, op, f);
    }
    if def == &he::RESCALE {
        return sink_into_rescale(m, op);
    }
    match LINEAR.iter().find(|(d, _)| *d == def) {
        Some(&(_, constants)) => sink_into_linear(m, op, constants),
        None => Sunk::No,
    }
}

/// `lut(up(u, t)) {shift = s}` → `lut(u) {shift = s − t}`, or for s < t the table re-indexed for the quotient.
fn sink_into_table(m: &mut Module, op: OpId, f: OpId) -> Sunk {
    let x = m.op(op).operands[0];
    let (Some((u, t)), Some(table), Some(xt), Some(out)) =
        (as_up(m, x), table_of(m, op), tensor(m, x), tensor(m, m.op(op).result()))
    else {
        return Sunk::No;
    };
    if full_domain_offset(&table).is_some() {
        return Sunk::No;
    }
    let s = shift(m, op).unwrap_or(0);
    let new_shift = (s - t).max(0);
    let Some(ut) = tensor(m, u) else { return Sunk::No };
    // The quotient's width: a table's result keeps its own (its entries are typed by it); any other value gets
    // the width of its range, which rounded constants may have moved.
    let width = if defined_by(m, u, &he::LUT).is_some() {
        ut.width
    } else {
        let Ok(ranges) = integer_ranges(m, f) else { return Sunk::No };
        let Some(&range) = ranges.get(&u) else { return Sunk::No };
        type_width_for(range)
    }
    .max(new_shift as u32 + 1);
    let bits = width - new_shift as u32;
    if bits > he::rules::MAX_LUT_INPUT_WIDTH {
        return Sunk::No;
    }
    if width != ut.width {
        let ty = ut.with_width(width).to_type(m);
        m.set_value_type(u, ty);
    }
    let (old_half, new_half) = (1i64 << (xt.width as i64 - s - 1), 1i64 << (bits - 1));
    let spread = (t - s).max(0);
    let last = table.len() as i64 - 1;
    let new_table =
        (0..1i64 << bits).map(|j| table[(((j - new_half) << spread) + old_half).clamp(0, last) as usize]).collect();
    let new = lut(m, op, u, new_shift, new_table, &out, real_of(m, op).as_deref());
    m.replace_all_uses(m.op(op).result(), new);
    m.erase(op);
    discard_if_unused(m, x);
    Sunk::Into(m.defining_op(new).expect("just built"))
}

/// `rescale(up(u, t), s)` → `up(u, t − s)` (or `u`) when t ≥ s, else `rescale(u, s − t)`: the same integers.
fn sink_into_rescale(m: &mut Module, op: OpId) -> Sunk {
    let x = m.op(op).operands[0];
    let (Some((u, t)), Some(s), Some(out)) = (as_up(m, x), shift(m, op), tensor(m, m.op(op).result())) else {
        return Sunk::No;
    };
    let new = if t > s {
        up(m, op, u, t - s, &out)
    } else if t == s {
        u
    } else {
        let attrs = crate::he_plaintext_bypass::shared::shift_attr(m, s - t);
        build(m, op, &he::RESCALE, &[u], &out, attrs)
    };
    m.replace_all_uses(m.op(op).result(), new);
    m.erase(op);
    discard_if_unused(m, x);
    Sunk::Gone
}

/// A linear op on up-scales → the op on their quotients (the smallest factor m sunk, constants rounded to 2^m),
/// followed by one up-scale.
fn sink_into_linear(m: &mut Module, op: OpId, constants: &[usize]) -> Sunk {
    let operands = m.op(op).operands.clone();
    let mut factors = vec![];
    for (i, &v) in operands.iter().enumerate() {
        let Some(vt) = tensor(m, v) else { return Sunk::No };
        if vt.kind != Kind::Cipher {
            continue;
        }
        match as_up(m, v) {
            Some((u, t)) => factors.push((i, u, t)),
            None => return Sunk::No,
        }
    }
    let Some(sunk) = factors.iter().map(|&(_, _, t)| t).min() else { return Sunk::No };
    // The constants rounded, and the largest change of the real value any of them adds to the result.
    let mut moved = 0f64;
    let rounded: Vec<(usize, Vec<i64>, FixedTensor)> = {
        let mut out = vec![];
        for &i in constants.iter().filter(|&&i| i < operands.len()) {
            let Some(c) = constant(m, operands[i]) else { return Sunk::No };
            let half = 1i64 << (sunk - 1);
            let values: Vec<i64> = c.values.iter().map(|&v| v.saturating_add(half) >> sunk).collect();
            let change = c.values.iter().zip(&values).map(|(&v, &q)| ((q << sunk) - v).unsigned_abs()).max();
            moved += change.unwrap_or(0) as f64 * (-f64::from(c.tensor.frac)).exp2();
            out.push((i, values, c.tensor.with_frac(c.tensor.frac - sunk as i32)));
        }
        out
    };
    let Some(old) = tensor(m, m.op(op).result()) else { return Sunk::No };
    let mut new_operands = operands.clone();
    for &(i, u, t) in &factors {
        new_operands[i] = if t == sunk {
            u
        } else {
            let Some(ut) = tensor(m, u) else { return Sunk::No };
            let rest = t - sunk;
            let ty = ut.with_frac(ut.frac + rest as i32).with_width((ut.width + rest as u32).min(he::MAX_WIDTH));
            up(m, op, u, rest, &ty)
        };
    }
    for (i, values, t) in rounded {
        new_operands[i] = encode(m, op, &t, values);
    }
    // A provisional width: the final he-narrow-widths sets every width from the ranges.
    let width = (old.width + 2).saturating_sub(sunk as u32).clamp(he::MIN_WIDTH, he::MAX_WIDTH);
    let quotient = old.with_frac(old.frac - sunk as i32).with_width(width);
    let mut attrs = m.op(op).attrs.clone();
    if moved > 0.0 {
        let before = m.op(op).attr(ROUNDED_ATTR).and_then(|a| m.attr_as_float(a)).unwrap_or(0.0);
        let total = m.float_attr(before + moved);
        attrs.retain(|(name, _)| name != ROUNDED_ATTR);
        attrs.push((ROUNDED_ATTR.to_string(), total));
    }
    let new = build(m, op, m.op(op).def, &new_operands, &quotient, attrs);
    let scaled = up(m, op, new, sunk, &old);
    m.replace_all_uses(m.op(op).result(), scaled);
    m.erase(op);
    for v in operands {
        discard_if_unused(m, v);
    }
    Sunk::Into(m.defining_op(new).expect("just built"))
}

/// A table whose entries (those its input's proven range reads) share a factor 2^t (t ≥ 1) → the table of the
/// quotients (floored), at t fewer fraction bits and bits, followed by an up-scale. Whether it changed anything.
fn factor(m: &mut Module, op: OpId, f: OpId) -> bool {
    let (Some(table), Some(out)) = (table_of(m, op), tensor(m, m.op(op).result())) else { return false };
    if full_domain_offset(&table).is_some() {
        return false;
    }
    let x = m.op(op).operands[0];
    let s = shift(m, op).unwrap_or(0);
    let (Some(xt), Ok(ranges)) = (tensor(m, x), integer_ranges(m, f)) else { return false };
    let Some(&range) = ranges.get(&x) else { return false };
    // The entries the input's range reads; the others (clamped to the result's range, or the headroom that only an
    // approximate read of a neighbour reaches) are floored to the grid.
    let half = 1i128 << (i64::from(xt.width) - s - 1);
    let last = table.len() as i128 - 1;
    let (first, end) = (((range.lo >> s) + half).clamp(0, last), ((range.hi >> s) + half).clamp(0, last));
    let read = &table[first as usize..=end as usize];
    let t = read.iter().filter(|&&e| e != 0).map(|e| e.trailing_zeros()).min().unwrap_or(0);
    let t = t.min(out.width.saturating_sub(he::MIN_WIDTH)) as i64;
    if t == 0 {
        return false;
    }
    let quotient = out.with_frac(out.frac - t as i32).with_width(out.width - t as u32);
    let new = lut(m, op, x, s, table.iter().map(|&e| e >> t).collect(), &quotient, real_of(m, op).as_deref());
    let scaled = up(m, op, new, t, &out);
    m.replace_all_uses(m.op(op).result(), scaled);
    m.erase(op);
    true
}

/// An up-scale that nothing took, right after the table it came from (and its only use): folded back into it.
/// Returns how many were.
fn fold_stuck_factors(m: &mut Module) -> usize {
    let mut folded = 0;
    for op in m.walk() {
        if !m.is_live(op) {
            continue;
        }
        let Some(&v) = m.op(op).results.first() else { continue };
        let Some((u, t)) = as_up(m, v) else { continue };
        let (Some(table_op), Some(out)) = (defined_by(m, u, &he::LUT), tensor(m, v)) else { continue };
        if m.uses(u).len() != 1 {
            continue;
        }
        let Some(table) = table_of(m, table_op) else { continue };
        let x = m.op(table_op).operands[0];
        let s = shift(m, table_op).unwrap_or(0);
        let new = lut(m, op, x, s, table.iter().map(|&e| e << t).collect(), &out, real_of(m, table_op).as_deref());
        m.replace_all_uses(v, new);
        erase_dead(m, op);
        folded += 1;
    }
    folded
}

/// Whether every table's input still lies in the domain its width gives it (see the module doc).
fn tables_keep_their_domains(m: &Module) -> bool {
    m.funcs().into_iter().all(|f| {
        let Ok(ranges) = integer_ranges(m, f) else { return false };
        let mut ops = vec![];
        m.walk_into(f, &mut ops);
        ops.into_iter().filter(|&op| m.op(op).def == &he::LUT).all(|op| {
            let x = m.op(op).operands[0];
            match (tensor(m, x), ranges.get(&x)) {
                (Some(t), Some(&r)) => Interval::of_width(t.width).intersect(r) == Some(r),
                _ => false,
            }
        })
    })
}

/// A `he.lut`'s table.
fn table_of(m: &Module, op: OpId) -> Option<Vec<i64>> {
    match &m.attr_as_dense(m.op(op).attr("table")?)?.values {
        DenseValues::Int(values) => Some(values.clone()),
        _ => None,
    }
}
