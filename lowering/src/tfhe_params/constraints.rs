//! The constraints of a lookup-table-model program (the table in [`super`]'s documentation), collected from its
//! ops, and the optimizer's answer for them: what `tfhe-params` records.

use std::collections::HashMap;

use veil_he::FixedTensor;
use veil_ir::{DenseValues, Diagnostic, Diagnostics, Module, OpId, Value};
use veil_params::partitioned::judge;
use veil_params::{optimize, program_p_fail, refine, Constraint, ConstraintKind, CostModel, NoParams, Request};
use veil_rt::tfhe_config::{reads_full_domain, ChunkForm, Floor, LookupFloors, LutKeyset, LutParams, Rounding, TfheConfig};
use veil_rt::{is_lwe, RtTensor};

use crate::he_to_rt::plain_values;
use crate::value_classes::ValueClasses;

/// The least share of the estimated bootstrap time per-partition parameters must save over one set to be kept: each
/// partition brings its own bootstrap and keyswitch keys (and key generation time).
const MIN_SAVING: f64 = 0.1;

/// The parameters, rounding and failure probabilities for `m` at `rounding` and at most `p_fail` per bootstrap or
/// decryption, its results decrypted to `decrypt_frac` fraction bits (the activations' when `None`); with
/// `partitioned`, a set per partition where that is cheaper, and for each `@lut` call the partition of its
/// bootstrap. An error at the op whose constraint no parameters meet.
pub(super) fn choose(
    m: &Module,
    rounding: Rounding,
    p_fail: f64,
    decrypt_frac: Option<i32>,
    partitioned: bool,
) -> Result<(TfheConfig, Vec<(OpId, usize)>), Diagnostics> {
    let cleared = collect(m, rounding, decrypt_frac, LookupFloors::Cleared)?;
    let signs = collect(m, rounding, decrypt_frac, LookupFloors::Signs)?;
    let fewer = signs.pbs < cleared.pbs;
    let by_cleared = choose_for(m, cleared, rounding, p_fail, decrypt_frac, partitioned);
    if !fewer {
        return by_cleared;
    }
    // Sign tests take fewer bootstraps but need more of the noise: the program takes them when its estimated time
    // is lower.
    let by_signs = choose_for(m, signs, rounding, p_fail, decrypt_frac, partitioned);
    let estimate = |c: &TfheConfig| c.pbs as f64 * c.pbs_us;
    match (by_cleared, by_signs) {
        (Ok(cleared), Ok(signs)) => Ok(if estimate(&signs.0) < estimate(&cleared.0) { signs } else { cleared }),
        (Err(_), Ok(signs)) => Ok(signs),
        (cleared, _) => cleared,
    }
}

/// The parameters of the program whose constraints are `collected`, its exact lookups clearing their bits as
/// `collected.floors` says.
fn choose_for(
    m: &Module,
    mut collected: Collected,
    rounding: Rounding,
    p_fail: f64,
    decrypt_frac: Option<i32>,
    partitioned: bool,
) -> Result<(TfheConfig, Vec<(OpId, usize)>), Diagnostics> {
    if !partitioned {
        collected.merge_partitions();
    }
    let request = Request { constraints: collected.constraints.clone(), p_fail };
    let cost = CostModel::default();
    let solution = optimize(&request, &cost).map_err(|e| no_params(m, &collected, e))?;
    let (keyset, per_constraint, total_us) = match collected.partitions {
        1 => (LutKeyset::single(solution.params), solution.per_constraint, solution.pbs_cost_us * collected.pbs as f64),
        count => {
            let refined = refine(&request, solution.params, count, &cost);
            // Partitions the descent left with the same parameters would only duplicate keys: merge them.
            let mut sets: Vec<LutParams> = vec![];
            let merged: Vec<usize> = refined
                .partitions
                .iter()
                .map(|p| match sets.iter().position(|s| s == p) {
                    Some(i) => i,
                    None => {
                        sets.push(*p);
                        sets.len() - 1
                    }
                })
                .collect();
            collected.renumber(&merged);
            let request = Request { constraints: collected.constraints.clone(), p_fail };
            let judged = judge(&request, sets, &cost);
            let single_us = solution.pbs_cost_us * collected.pbs as f64;
            if judged.partitions.len() == 1 || judged.total_us > (1.0 - MIN_SAVING) * single_us {
                // Not worth more keys: one set, as if the program had one partition.
                collected.merge_partitions();
                (LutKeyset::single(solution.params), solution.per_constraint, single_us)
            } else {
                (LutKeyset { partitions: judged.partitions, routes: judged.routes }, judged.per_constraint, judged.total_us)
            }
        }
    };
    let uses: Vec<(f64, u64)> =
        per_constraint.iter().zip(&collected.constraints).map(|(&(_, _, p), c)| (p, c.count)).collect();
    let config = TfheConfig {
        keyset,
        rounding,
        p_fail_bound: p_fail,
        p_fail: program_p_fail(&uses),
        pbs: collected.pbs,
        pbs_us: if collected.pbs > 0 { total_us / collected.pbs as f64 } else { solution.pbs_cost_us },
        decrypt_frac,
        floors: collected.floors,
    };
    Ok((config, collected.table_partitions))
}

/// The constraints of a program, where each comes from, and its partitions: the classes of ciphertexts that meet
/// in leveled combinations (so share a big key), the inputs' class numbered 0.
struct Collected {
    constraints: Vec<Constraint>,
    ops: Vec<OpId>,
    pbs: u64,
    partitions: usize,
    /// Each `@lut` call and the partition of its (final) bootstrap.
    table_partitions: Vec<(OpId, usize)>,
    /// How the exact lookups clear their dropped bits.
    floors: LookupFloors,
}

impl Collected {
    fn push(&mut self, op: OpId, kind: ConstraintKind, bits: (u32, u32, u32), nu2: Norms, count: u64) {
        let (precision, table_bits, multiplier_log2) = bits;
        let label = format!("#{}", self.constraints.len());
        let (norm2_squared, fresh_norm2_squared) = (nu2.pbs, nu2.fresh);
        self.constraints.push(Constraint {
            label,
            kind,
            precision,
            table_bits,
            multiplier_log2,
            norm2_squared,
            fresh_norm2_squared,
            source: 0,
            partition: 0,
            count,
            margin: 1.0,
        });
        self.ops.push(op);
    }

    /// A bootstrap's constraint whose values leave only `margin` of half a box to the noise.
    fn push_with_margin(&mut self, op: OpId, bits: (u32, u32, u32), margin: f64, nu2: Norms, count: u64) {
        self.push(op, ConstraintKind::Pbs, bits, nu2, count);
        if let Some(last) = self.constraints.last_mut() {
            last.margin = margin;
        }
    }

    /// One partition for the whole program.
    fn merge_partitions(&mut self) {
        self.renumber(&vec![0; self.partitions]);
    }

    /// Partition p becomes `to[p]`.
    fn renumber(&mut self, to: &[usize]) {
        self.constraints.iter_mut().for_each(|c| (c.source, c.partition) = (to[c.source], to[c.partition]));
        self.table_partitions.iter_mut().for_each(|(_, p)| *p = to[*p]);
        self.partitions = to.iter().max().map_or(1, |&p| p + 1);
    }
}

/// Where each constraint's value lives, as values whose classes are known once the whole program is read: the
/// value its sources are combined into and the value its bootstrap writes (the same for a decryption and for an
/// exact floor's chunks, whose outputs are subtracted from their input).
#[derive(Default)]
struct Routes {
    classes: ValueClasses,
    routes: Vec<(Value, Value)>,
    inputs: Option<Value>,
}

impl Routes {
    /// Numbers the classes (the inputs' first, then in order of appearance) and writes them into the constraints.
    fn resolve(mut self, c: &mut Collected, tables: &[(OpId, Value)]) {
        let mut numbers: HashMap<Value, usize> = HashMap::new();
        let mut number = |classes: &mut ValueClasses, v: Option<Value>| match v.filter(|&v| classes.contains(v)) {
            Some(v) => {
                let next = numbers.len();
                *numbers.entry(classes.root(v)).or_insert(next)
            }
            None => 0,
        };
        number(&mut self.classes, self.inputs);
        for (constraint, &(from, to)) in c.constraints.iter_mut().zip(&self.routes) {
            constraint.source = number(&mut self.classes, Some(from));
            constraint.partition = number(&mut self.classes, Some(to));
        }
        c.table_partitions = tables.iter().map(|&(op, out)| (op, number(&mut self.classes, Some(out)))).collect();
        c.partitions = numbers.len().max(1);
    }
}

/// A value's ν² over bootstrap outputs and over fresh encryptions.
#[derive(Clone, Copy, Debug, Default)]
struct Norms {
    pbs: f64,
    fresh: f64,
}

impl Norms {
    const FRESH: Norms = Norms { pbs: 0.0, fresh: 1.0 };
    const BOOTSTRAPPED: Norms = Norms { pbs: 1.0, fresh: 0.0 };

    fn scaled(self, c: f64) -> Norms {
        Norms { pbs: self.pbs * c, fresh: self.fresh * c }
    }

    fn plus(self, o: Norms) -> Norms {
        Norms { pbs: self.pbs + o.pbs, fresh: self.fresh + o.fresh }
    }

    fn max(self, o: Norms) -> Norms {
        Norms { pbs: self.pbs.max(o.pbs), fresh: self.fresh.max(o.fresh) }
    }
}

/// Reads the program's constraints; errors when it is not a lookup-table-model program.
fn collect(
    m: &Module,
    rounding: Rounding,
    decrypt_frac: Option<i32>,
    floors: LookupFloors,
) -> Result<Collected, Diagnostics> {
    let mut c = Collected { constraints: vec![], ops: vec![], pbs: 0, partitions: 1, table_partitions: vec![], floors };
    let mut routes = Routes::default();
    let mut tables: Vec<(OpId, Value)> = vec![];
    let mut norm: HashMap<Value, Norms> = HashMap::new();
    let mut any_lwe = false;
    let decrypt_frac = decrypt_frac.or(crate::assign_precision::recorded_precision(m).map(|(act, _, _)| act));
    for f in m.funcs() {
        if let Some(body) = m.body(f) {
            for &a in &m.block(body).args {
                any_lwe |= is_lwe(m, m.value_type(a));
                norm.insert(a, Norms::FRESH);
                // Every input is encrypted under one key: partition 0's.
                let first = *routes.inputs.get_or_insert(a);
                routes.classes.join(a, first);
            }
        }
    }
    for op in m.walk() {
        let data = m.op(op);
        if data.def.name == "func.return" {
            for &v in &data.operands {
                let Some(t) = lwe(m, v) else { continue };
                let nu2 = norm.get(&v).copied().unwrap_or(Norms::BOOTSTRAPPED);
                let spare = super::spare_bits(rounding, &t, decrypt_frac);
                c.push(op, ConstraintKind::Decrypt, (t.width - spare, 0, 0), nu2, t.numel());
                routes.routes.push((v, v));
            }
            continue;
        }
        if data.def != &veil_rt::CALL {
            continue;
        }
        let Some(out) = lwe(m, data.result()) else { continue };
        any_lwe = true;
        let callee = data.attr("callee").and_then(|a| m.attr_as_str(a)).unwrap_or_default();
        let own = |i: usize| data.operands.get(i).and_then(|v| norm.get(v)).copied().unwrap_or(Norms::BOOTSTRAPPED);
        // A leveled kernel re-encodes an input encoded at b > W_out bits: times 2^(b - W_out), ν² times 4^(b - W_out).
        let of = |i: usize| {
            let b = data.operands.get(i).and_then(|&v| lwe(m, v)).map_or(out.width, |t| t.width);
            own(i).scaled(f64::from(2 * b.saturating_sub(out.width)).exp2())
        };
        let int = |name: &str| data.attr(name).and_then(|a| m.attr_as_int(a)).unwrap_or(0).clamp(0, 63) as u32;
        let (result, pushed) = (data.result(), c.constraints.len());
        let nu2 = match callee {
            "lut" => {
                let x = lwe(m, data.operands[0]).ok_or_else(|| error(m, op, "the table's input is not !rt.lwe"))?;
                let (shift, zero_bits) = (int("shift"), int("zero_bits"));
                let table = data.attr("table").and_then(|a| m.attr_as_dense(a)).map(|d| match &d.values {
                    DenseValues::Int(values) => values.clone(),
                    _ => vec![],
                });
                let full = reads_full_domain(rounding, shift, zero_bits, &table.unwrap_or_default());
                let floor = Floor::of_lookup(x.width, shift, zero_bits, floors);
                lookup_constraints(&mut c, op, rounding, (x.width, floor, full), own(0), out.numel())
                    .map_err(|e| error(m, op, &e))?;
                // The floor's chunks write into the input's class, the table into a class of its own.
                let input = data.operands[0];
                routes.routes.extend((pushed..c.constraints.len() - 1).map(|_| (input, input)));
                routes.routes.push((input, result));
                routes.classes.root(result);
                tables.push((op, result));
                Norms::BOOTSTRAPPED
            }
            "rescale" => {
                // An exact floor without a table (he-abs-relu's, exact rounding): the chunks' bootstrap outputs are
                // subtracted from the input, whose ciphertext is the result.
                let x = lwe(m, data.operands[0]).ok_or_else(|| error(m, op, "the rescale's input is not !rt.lwe"))?;
                let floor = Floor::of_rescale(int("shift"), int("chunk"));
                c.pbs += out.numel() * floor.bootstraps();
                let extracted = floor_constraints(&mut c, op, x.width, floor, own(0), out.numel());
                let input = data.operands[0];
                routes.routes.extend((pushed..c.constraints.len()).map(|_| (input, input)));
                own(0).plus(Norms { pbs: extracted, fresh: 0.0 })
            }
            "trivial" => Norms::default(),
            "add" | "sub" => of(0).plus(of(1)),
            "concat" => (0..data.operands.len()).map(of).fold(Norms::default(), Norms::max),
            "mul_plain" => of(0).scaled(max_square(m, data.operands[1])),
            "shl" => of(0).scaled((2.0 * data.attr("shift").and_then(|a| m.attr_as_int(a)).unwrap_or(0) as f64).exp2()),
            "matmul_plain" => of(0).scaled(column_norm(m, data.operands[1], 1)),
            "conv2d_plain" => of(0).scaled(column_norm(m, data.operands[1], 0)),
            "sum" => {
                let x = lwe(m, data.operands[0]).map_or(1, |t| t.numel());
                of(0).scaled((x / out.numel().max(1)) as f64)
            }
            "avg_pool2d" => {
                let window: i64 = data.attr("kernel").and_then(|a| m.attr_as_int_array(a)).unwrap_or_default().iter().product();
                let mult = data.attr("multiplier").and_then(|a| m.attr_as_int(a)).unwrap_or(1) as f64;
                of(0).scaled(window as f64 * mult * mult)
            }
            _ => of(0),
        };
        if callee != "lut" {
            // A leveled result shares the key of its encrypted operands (a trivial one belongs to no class).
            for &x in &data.operands {
                if routes.classes.contains(x) {
                    routes.classes.join(result, x);
                }
            }
        }
        norm.insert(result, nu2);
    }
    routes.resolve(&mut c, &tables);
    if !any_lwe {
        let at = m.funcs().first().copied().unwrap_or(m.top());
        return Err(m.report(vec![Diagnostic::error(
            m.op(at).loc.clone(),
            "tfhe-params chooses parameters for lookup-table-model programs (!rt.lwe): compile with \
             --he-to-rt=strategy=lut first"
                .to_string(),
        )]));
    }
    Ok(c)
}

/// The constraints and bootstraps of one lookup of `count` elements.
fn lookup_constraints(
    c: &mut Collected,
    op: OpId,
    rounding: Rounding,
    (width, floor, full_domain): (u32, Floor, bool),
    nu2: Norms,
    count: u64,
) -> Result<(), String> {
    let shift = floor.shift;
    let p = width.checked_sub(shift).filter(|&p| p >= 1).ok_or("the table drops every bit of its input")?;
    c.pbs += count * rounding.lookup_bootstraps(&floor);
    // An approximate lookup that drops bits centres each box's values (the runtime's `lut`) and its error bound
    // counts a neighbouring entry (lut_deviation): it goes wrong only past the neighbour, a whole box away at
    // least, where an exact read goes wrong past half a box. A whole box is half a box of one bit less.
    let approximate = rounding == Rounding::Approximate && shift > 0;
    if full_domain {
        // The input doubled onto the whole torus: boxes of a (p − 1)-bit table with padding, twice the noise.
        let precision = if approximate { (p - 1).saturating_sub(1) } else { p - 1 };
        c.push(op, ConstraintKind::Pbs, (precision, p - 1, 1), nu2, count);
        return Ok(());
    }
    match (rounding, shift) {
        (_, 0) => c.push(op, ConstraintKind::Pbs, (width, width, 0), nu2, count),
        (Rounding::Approximate, _) => c.push(op, ConstraintKind::Pbs, (p - 1, p, 0), nu2, count),
        (Rounding::Exact, _) => {
            let extracted = floor_constraints(c, op, width, floor, nu2, count);
            // The rests of sign-only chunks take a sliver of each box (Floor::margin).
            let read = nu2.plus(Norms { pbs: extracted, fresh: 0.0 });
            c.push_with_margin(op, (p, p, 0), floor.margin(), read, count);
        }
    }
    Ok(())
}

/// The constraints of an exact floor's chunks on a `width`-bit encoding; returns the bootstrap outputs it
/// subtracts from its input.
fn floor_constraints(c: &mut Collected, op: OpId, width: u32, floor: Floor, nu2: Norms, count: u64) -> f64 {
    let mut extracted = 0.0;
    for chunk in floor.chunks() {
        let (multiplier, precision) = (chunk.multiplier_log2(width), chunk.precision());
        let sign = nu2.plus(Norms { pbs: extracted, fresh: 0.0 });
        c.push(op, ConstraintKind::Pbs, (precision, 1, multiplier), sign, count);
        // The sign bootstrap's output, subtracted before the table bootstrap reads the chunk: at the moved scale
        // (weight 1 against the input's 4^m) or from the input itself (times 2^m with it).
        let at_top = chunk.form == ChunkForm::SignAtTop;
        let sign_output = if at_top { (-2.0 * f64::from(multiplier)).exp2() } else { 1.0 };
        if chunk.reads_rest() {
            let rest = nu2.plus(Norms { pbs: extracted + sign_output, fresh: 0.0 });
            c.push(op, ConstraintKind::Pbs, (precision, chunk.size - 1, multiplier), rest, count);
        }
        extracted += if at_top { 1.0 } else { chunk.bootstraps() as f64 };
    }
    extracted
}

fn lwe(m: &Module, v: Value) -> Option<FixedTensor> {
    let t = m.value_type(v);
    is_lwe(m, t).then(|| FixedTensor::of_rt(m, t)).flatten()
}

/// The largest squared value of a plaintext (unknown plaintexts count as their type's extreme).
fn max_square(m: &Module, v: Value) -> f64 {
    match plain_values(m, v) {
        Some(values) => values.iter().map(|&x| (x as f64) * (x as f64)).fold(0.0, f64::max),
        None => FixedTensor::of_rt(m, m.value_type(v)).map_or(f64::INFINITY, |t| (t.min_int() as f64).powi(2)),
    }
}

/// The largest Σw² over the outputs of a weight tensor whose output index is dimension `axis` (1 for a matmul's
/// `[K, N]`, 0 for a convolution's `[O, C/g, kh, kw]`).
fn column_norm(m: &Module, w: Value, axis: usize) -> f64 {
    let (Some(values), Some(t)) = (plain_values(m, w), FixedTensor::of_rt(m, m.value_type(w))) else {
        return f64::INFINITY;
    };
    let shape: Vec<usize> = t.shape.iter().map(|&d| d as usize).collect();
    let (outputs, inner): (usize, usize) = match axis {
        0 => (shape.first().copied().unwrap_or(1), shape.iter().skip(1).product()),
        _ => (shape.get(1).copied().unwrap_or(1), shape.first().copied().unwrap_or(1)),
    };
    let at = |o: usize, i: usize| {
        let index = if axis == 0 { o * inner + i } else { i * outputs + o };
        values.get(if values.len() == 1 { 0 } else { index }).copied().unwrap_or(0) as f64
    };
    (0..outputs).map(|o| (0..inner).map(|i| at(o, i).powi(2)).sum::<f64>()).fold(0.0, f64::max)
}

fn error(m: &Module, op: OpId, message: &str) -> Diagnostics {
    m.report(vec![Diagnostic::error(m.op(op).loc.clone(), message.to_string())])
}

/// The optimizer's failure as a diagnostic at the op whose constraint is hardest to meet.
fn no_params(m: &Module, collected: &Collected, e: NoParams) -> Diagnostics {
    let op = match &e {
        NoParams::Unmet(unmet) => collected.constraints.iter().position(|c| c.label == unmet.label),
        NoParams::Invalid { label: Some(l), .. } => collected.constraints.iter().position(|c| &c.label == l),
        NoParams::Invalid { .. } => None,
    }
    .map_or(m.top(), |i| collected.ops[i]);
    let what = m.op(op).attr("callee").and_then(|a| m.attr_as_str(a)).map_or_else(|| m.op(op).name().to_string(), |c| format!("@{c}"));
    let floor = what == "@rescale" && m.op(op).attr("chunk").is_some();
    let hint = if floor {
        "; this exact floor is he-abs-relu's exact form, whose input is encoded wide: he-abs-relu{exact-floor=false} \
         compiles the plain form (veil compile and veil run try both)"
    } else {
        ""
    };
    error(m, op, &format!("no TFHE parameters for {what}: {e}{hint}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::he_to_rt::{HeToRt, Strategy};
    use crate::pass::Pass;

    /// A max's difference b - a at i5 while a sits in the i8 encoding of the shift after the max: the subtraction
    /// re-encodes a by 2^3.
    const DIFFERENCE: &str = r#"func.func @difference(%a: !he.ct<4xi4, frac = 0>, %b: !he.ct<4xi4, frac = 0>) -> !he.ct<4xi8, frac = 0> {
  %0 = "he.sub"(%b, %a) : (!he.ct<4xi4, frac = 0>, !he.ct<4xi4, frac = 0>) -> !he.ct<4xi5, frac = 0>
  %1 = "he.lut"(%0) {table = dense<[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]> : tensor<32xi5>} : (!he.ct<4xi5, frac = 0>) -> !he.ct<4xi5, frac = 0>
  %2 = "he.add"(%a, %1) : (!he.ct<4xi4, frac = 0>, !he.ct<4xi5, frac = 0>) -> !he.ct<4xi5, frac = 0>
  %3 = "he.shl"(%2) {shift = 3} : (!he.ct<4xi5, frac = 0>) -> !he.ct<4xi8, frac = 0>
  func.return %3 : !he.ct<4xi8, frac = 0>
}"#;

    #[test]
    fn a_re_encoded_input_multiplies_its_noise() {
        let mut m = veil_ir::parse_and_verify("test.mlir", DIFFERENCE, &crate::registry()).unwrap();
        HeToRt { leveled: false, strategy: Strategy::Lut, clamp_cells: 2 }.run(&mut m).unwrap();
        let c = collect(&m, Rounding::Approximate, None, LookupFloors::Cleared).unwrap();
        let lut = c.ops.iter().position(|&op| m.op(op).attr("callee").and_then(|a| m.attr_as_str(a)) == Some("lut"));
        let table = &c.constraints[lut.unwrap()];
        // b (fresh, i5: kept) + a (fresh, i8 read at i5: times 2^3, ν² times 64).
        assert_eq!((table.precision, table.fresh_norm2_squared, table.norm2_squared), (5, 65.0, 0.0));
        // The decrypted result: the shift (times 2^3) of a (fresh) plus the table's output (a bootstrap).
        let out = c.constraints.last().unwrap();
        assert_eq!((out.kind, out.fresh_norm2_squared, out.norm2_squared), (ConstraintKind::Decrypt, 64.0, 64.0));
    }
}
