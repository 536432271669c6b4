//! he-to-rt for the lookup-table (lut) execution model (`strategy=lut`): every ciphertext element becomes one LWE
//! ciphertext, `!rt.lwe<shape x iW, frac = F>`, encoding a W-bit integer under one padding bit. Linear maps with
//! clear weights and data movement are leveled and need their operands at the result's encoding (a wider encoding
//! cannot be produced without a bootstrap), so the ciphertexts connected through such ops share one encoding
//! width: the widest of them (a *partition*, as Concrete calls it). A `lut` starts a new partition (its bootstrap
//! writes any encoding); a table whose input is narrower than its partition reads it re-encoded
//! ([`reencode_table_inputs`]). Every non-linear op must already be a table (he-lut-fuse) or an exact floor (a
//! `rescale` with a `chunk`, he-abs-relu's): its result is its input's ciphertext with the low bits cleared, so it
//! is encoded at exactly `shift` bits fewer than its input, and the two partitions are widened until they are.
//! Anything else is an error naming the op.

use std::collections::HashMap;

use veil_he::{self as he, FixedTensor, Kind};
use veil_ir::{Diagnostic, Diagnostics, Module, OpDef, OpId, Traits, Value};
use veil_rt::{block_width, lwe_type, RtTensor};

use crate::he_lut_fuse::window::ClampPlan;
use crate::he_plaintext_bypass::shared::{build, erase_dead};
use crate::he_ranges::{integer_ranges, type_width_for, Interval};
use crate::value_classes::ValueClasses;

/// The he ops the lut model runs beside the leveled ones ([`LINEAR_OPS`]): tables, exact floors, trivial
/// encryptions and data movement.
const NON_LINEAR_LUT_MODEL_OPS: &[&OpDef] =
    &[&he::LUT, &he::RESCALE, &he::TRIVIAL, &he::RESHAPE, &he::TRANSPOSE, &he::PAD, &he::CONCAT];

/// Whether the lut model runs `def`.
fn in_lut_model(def: &OpDef) -> bool {
    LINEAR_OPS.contains(&def) || NON_LINEAR_LUT_MODEL_OPS.contains(&def)
}

/// Why an he op has no lut-model kernel, for the error.
fn unsupported(def: &OpDef) -> String {
    let name = def.name;
    if [&he::RELU, &he::RESCALE, &he::SQUARE, &he::MAX, &he::MAX_POOL2D].contains(&def) {
        format!("'{name}' is not a table yet: run --he-lut-fuse before --he-to-rt=strategy=lut")
    } else if def == &he::MUL {
        format!("'{name}' (a product of two ciphertexts) has no lookup-table-model kernel yet: use the radix strategy")
    } else {
        format!("'{name}' has no lookup-table-model kernel (see docs/dialects/rt.md)")
    }
}

/// Whether `op` is an exact floor the lut model runs as such (a `rescale` with a `chunk`).
fn is_floor(m: &Module, op: OpId) -> bool {
    m.op(op).def == &he::RESCALE && m.op(op).attr("chunk").is_some()
}

/// The ops of `m` that the lut model cannot run, as diagnostics.
fn check_ops(m: &Module) -> Vec<Diagnostic> {
    m.walk()
        .into_iter()
        .filter(|&op| {
            let def = m.op(op).def;
            def.dialect() == he::NAME
                && !def.is(Traits::CLIENT_ONLY)
                && def != &he::ENCODE
                && (!in_lut_model(def) || (def == &he::RESCALE && !is_floor(m, op)))
        })
        .map(|op| Diagnostic::error(m.op(op).loc.clone(), unsupported(m.op(op).def)))
        .collect()
}

/// The ops the runtime computes as leveled rows `Σ c·x`: an input encoded at more bits than the result is
/// re-encoded on the way (times 2^(b − W), exact when the value fits W).
pub(crate) const LINEAR_OPS: &[&OpDef] = &[
    &he::ADD,
    &he::SUB,
    &he::ADD_PLAIN,
    &he::SUB_PLAIN,
    &he::NEG,
    &he::MUL_PLAIN,
    &he::SHL,
    &he::MATMUL_PLAIN,
    &he::CONV2D_PLAIN,
    &he::SUM,
    &he::AVG_POOL2D,
];

/// The encoding width of every ciphertext value: the widest he width in its partition. The result of a linear op
/// read only by tables (a max's difference) stays apart, at its own width, and its operands' partitions are encoded
/// at least that wide: the linear op re-encodes its operands, and the tables read it at its own width. An exact
/// floor's result is encoded exactly `shift` bits narrower than its input: the narrower of the two partitions is
/// widened until both agree (an error when they are one partition).
fn encodings(m: &Module) -> Result<HashMap<Value, u32>, Diagnostics> {
    let apart: Vec<Value> = m
        .walk()
        .into_iter()
        .filter(|&op| LINEAR_OPS.contains(&m.op(op).def))
        .map(|op| m.op(op).result())
        .filter(|&r| {
            let uses = m.uses(r);
            !uses.is_empty() && uses.iter().all(|&(user, _)| m.op(user).def == &he::LUT)
        })
        .collect();
    let mut parts = ValueClasses::default();
    let mut values = vec![];
    for f in m.funcs() {
        if let Some(body) = m.body(f) {
            values.extend(m.block(body).args.iter().copied().filter(|&a| cipher(m, a).is_some()));
        }
    }
    for op in m.walk() {
        let data = m.op(op);
        if data.def.dialect() != he::NAME {
            continue;
        }
        for &r in data.results.iter().filter(|&&r| cipher(m, r).is_some()) {
            values.push(r);
            parts.root(r);
            if data.def != &he::LUT && !is_floor(m, op) && !apart.contains(&r) {
                for &x in data.operands.iter().filter(|&&x| cipher(m, x).is_some()) {
                    parts.join(r, x);
                }
            }
        }
    }
    let width = |v: Value| cipher(m, v).map_or(0, |t| t.width);
    let mut widest: HashMap<Value, u32> = HashMap::new();
    let mut widen = |parts: &mut ValueClasses, v: Value, w: u32| {
        let entry = widest.entry(parts.root(v)).or_insert(0);
        *entry = (*entry).max(w);
    };
    for &v in &values {
        widen(&mut parts, v, width(v));
    }
    for &r in &apart {
        let op = m.defining_op(r).expect("an op result");
        for &x in m.op(op).operands.iter().filter(|&&x| cipher(m, x).is_some()) {
            widen(&mut parts, x, width(r));
        }
    }
    let floors: Vec<(OpId, Value, Value, u32)> = m
        .walk()
        .into_iter()
        .filter(|&op| is_floor(m, op))
        .map(|op| {
            let shift = m.op(op).attr("shift").and_then(|a| m.attr_as_int(a)).unwrap_or(0).clamp(0, 63) as u32;
            (op, m.op(op).operands[0], m.op(op).result(), shift)
        })
        .collect();
    // Widening only grows encodings, each step to one another partition needs: at most one step per floor and
    // partition before every constraint holds, unless a cycle of floors asks for more.
    let mut rounds = 0;
    loop {
        let mut changed = false;
        for &(op, x, k, shift) in &floors {
            let (rx, rk) = (parts.root(x), parts.root(k));
            let (ex, ek) = (widest[&rx], widest[&rk]);
            let why = if rx == rk || rounds > floors.len() + 1 {
                "which it also reaches through leveled ops: no encoding fits both".to_string()
            } else if ek + shift > he::MAX_WIDTH {
                format!("i{}, wider than the widest encoding, i{}", ek + shift, he::MAX_WIDTH)
            } else {
                String::new()
            };
            if !why.is_empty() {
                let message = format!("this exact floor's result must be encoded {shift} bits narrower than its input, {why}");
                return Err(m.report(vec![Diagnostic::error(m.op(op).loc.clone(), message)]));
            }
            if ex < ek + shift {
                widest.insert(rx, ek + shift);
                changed = true;
            } else if ek + shift < ex {
                widest.insert(rk, ex - shift);
                changed = true;
            }
        }
        if !changed {
            break;
        }
        rounds += 1;
    }
    Ok(values.iter().map(|&v| (v, widest[&parts.root(v)])).collect())
}

/// The he tensor of a ciphertext value.
fn cipher(m: &Module, v: Value) -> Option<FixedTensor> {
    FixedTensor::of(m, m.value_type(v)).filter(|t| t.kind == Kind::Cipher)
}

/// Re-encodes every table input still narrower than its partition's encoding (one a wider linear op also reads): a
/// bootstrap reads its input's top bits at its encoding, so an `iW` input encoded at `E > W` bits becomes
/// `he.shl(x) {shift = E - W}` (leveled: the value times 2^(E - W), its bits at the top of the encoding, the noise
/// times 2^(E - W) as well) and the table's shift grows by `E - W`: the same entries, read at the same index (with
/// exact rounding, `E - W` more bits to clear). Those `E - W` bits are zero: the table's `zero_bits` grows by as
/// much, and an exact floor does not clear them.
pub(super) fn reencode_table_inputs(m: &mut Module) -> Result<(), Diagnostics> {
    let encoding = encodings(m)?;
    let mut shifted: HashMap<Value, Value> = HashMap::new();
    let luts: Vec<OpId> = m.walk().into_iter().filter(|&op| m.op(op).def == &he::LUT).collect();
    for op in luts {
        let x = m.op(op).operands[0];
        let (Some(t), Some(&enc)) = (cipher(m, x), encoding.get(&x)) else { continue };
        if enc <= t.width {
            continue;
        }
        let k = i64::from(enc - t.width);
        let y = match shifted.get(&x) {
            Some(&y) => y,
            None => {
                let attrs = vec![("shift".to_string(), m.int_attr(k))];
                let y = build(m, op, &he::SHL, &[x], &t.with_width(enc), attrs);
                shifted.insert(x, y);
                y
            }
        };
        m.set_operand(op, 0, y);
        let int = |m: &Module, name: &str| m.op(op).attr(name).and_then(|a| m.attr_as_int(a)).unwrap_or(0);
        let (shift, zero_bits) = (int(m, "shift"), int(m, "zero_bits"));
        let attr = m.int_attr(shift + k);
        m.set_attr(op, "shift", attr);
        let attr = m.int_attr(zero_bits + k);
        m.set_attr(op, "zero_bits", attr);
    }
    Ok(())
}

/// Runs every `clamp` as two bootstraps and a difference ([`ClampPlan`]): `o = lut(x)` (the coarse offsets), `y = x −
/// o` at y's own width, and each table that read the clamp reads y instead, its entries extended over y's margins
/// by those of the window's ends. A clamp read by anything but tables, or whose x leaves no room for the coarse
/// table, is an error at the clamp.
pub(super) fn expand_clamps(m: &mut Module, cells: u32) -> Result<(), Diagnostics> {
    let clamps: Vec<OpId> = m.walk().into_iter().filter(|&op| m.op(op).def == &he::CLAMP).collect();
    if clamps.is_empty() {
        return Ok(());
    }
    let mut ranges = HashMap::new();
    for f in m.funcs() {
        ranges.extend(integer_ranges(m, f)?);
    }
    for op in clamps {
        expand_clamp(m, op, &ranges, cells).map_err(|e| m.report(vec![Diagnostic::error(m.op(op).loc.clone(), e)]))?;
    }
    Ok(())
}

fn expand_clamp(m: &mut Module, op: OpId, ranges: &HashMap<Value, Interval>, cells: u32) -> Result<(), String> {
    let (x, c) = (m.op(op).operands[0], m.op(op).result());
    let int = |m: &Module, name: &str| m.op(op).attr(name).and_then(|a| m.attr_as_int(a)).unwrap_or(0);
    let window = Interval::new(int(m, "lo").into(), int(m, "hi").into());
    let users: Vec<OpId> = m.uses(c).iter().map(|&(user, _)| user).collect();
    if users.iter().any(|&u| m.op(u).def != &he::LUT) {
        return Err("the lookup-table model runs a clamp only before tables (its bootstraps give the table's \
                    margins, not the clamped value)"
            .into());
    }
    let (Some(xt), Some(ct), Some(&range)) = (cipher(m, x), cipher(m, c), ranges.get(&x)) else {
        return Err("a clamp of a ciphertext with a proven range".into());
    };
    let plan = ClampPlan::new(xt.width, range, window, cells).ok_or_else(|| {
        format!("no coarse table for this clamp: its i{} input's proven range {range} leaves no headroom", xt.width)
    })?;
    let hull = plan.offsets.iter().fold(Interval::point(0), |h, &o| h.hull(Interval::point(o.into())));
    let offsets = xt.with_width(type_width_for(hull));
    let attrs = crate::he_lut_fuse::lut_attrs(m, i64::from(plan.cell_bits), plan.offsets.clone(), &offsets, None);
    let o = build(m, op, &he::LUT, &[x], &offsets, attrs);
    let y = build(m, op, &he::SUB, &[x, o], &xt.with_width(type_width_for(plan.y)), vec![]);
    let yt = cipher(m, y).ok_or("the clamp's difference is no ciphertext")?;
    for user in users {
        let shift = m.op(user).attr("shift").and_then(|a| m.attr_as_int(a)).unwrap_or(0);
        let table = match m.op(user).attr("table").and_then(|a| m.attr_as_dense(a)).map(|d| &d.values) {
            Some(veil_ir::DenseValues::Int(t)) => t.clone(),
            _ => return Err("a table reading the clamp has no integer table".into()),
        };
        let extended = saturated_table(&table, ct.width, yt.width, shift, window);
        let out = cipher(m, m.op(user).result()).ok_or("a table reading the clamp returns no ciphertext")?;
        let attr = crate::he_lut_fuse::table_attr(m, extended, &out);
        m.set_attr(user, "table", attr);
        let position = m.op(user).operands.iter().position(|&v| v == c).unwrap_or(0);
        m.set_operand(user, position, y);
    }
    erase_dead(m, op);
    Ok(())
}

/// The table of `shift` dropped bits over a `y_width`-bit input that reads, for each index, the entry a
/// `clamp_width`-bit input clamped to `window` read in `table`.
fn saturated_table(table: &[i64], clamp_width: u32, y_width: u32, shift: i64, window: Interval) -> Vec<i64> {
    let (half, y_half) = (1i128 << (i64::from(clamp_width) - shift - 1), 1i128 << (i64::from(y_width) - shift - 1));
    let (first, last) = (window.lo >> shift, window.hi >> shift);
    (0..2 * y_half).map(|j| table[((j - y_half).clamp(first, last) + half) as usize]).collect()
}

/// Retypes every he value for the lut model: ciphertexts to `!rt.lwe` at their encoding width, plaintexts to
/// `!rt.pt` (whole blocks, as in the radix model: plaintext buffers are the same in both).
fn convert_types(m: &mut Module, encoding: &HashMap<Value, u32>) {
    for v in super::function_values(m) {
        let Some(t) = FixedTensor::of(m, m.value_type(v)) else { continue };
        let new = match t.kind {
            Kind::Cipher => lwe_type(m, &t.with_width(encoding.get(&v).copied().unwrap_or(t.width))),
            Kind::Plain => t.with_width(block_width(t.width)).to_rt_type(m),
        };
        m.set_value_type(v, new);
    }
}

/// Checks every he op for the lut model and retypes the values; the errors name each op it cannot lower.
pub(super) fn retype(m: &mut Module) -> Result<(), Diagnostics> {
    let errors = check_ops(m);
    if !errors.is_empty() {
        return Err(m.report(errors));
    }
    convert_types(m, &encodings(m)?);
    Ok(())
}
