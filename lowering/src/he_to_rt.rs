//! `he-to-rt`: lowers every he op to one call of a runtime kernel (`rt.call`) with every choice made: the callee
//! from rt's kernel table, the radix block count, signedness, the leveled or carry-propagating variant, and
//! plaintext buffers materialized (`he.encode` becomes `rt.const`). Types become rt types whose widths are whole
//! radix blocks. Client-side ops (encrypt, decrypt) and he ops without a kernel are errors naming the op.
//!
//! The variant rule: a call that has a leveled form (add, sub, add_plain, sub_plain, neg, mul_plain) is leveled
//! when its result is used only by such calls of the same block count, and the carries that accumulate in its
//! result and in each user's result fit a block's carry space ([`cost_model::MAX_LEVELED_LOAD`]); otherwise it
//! propagates its carries, so every value that reaches any other kernel or the function's return is clean.

use std::collections::HashMap;

use veil_he::FixedTensor;
use veil_ir::builtin::sync_func_signature;
use veil_ir::{AttrKind, DenseValues, Diagnostic, Diagnostics, Module, OpId, Traits, Type, Value};
use veil_rt::{block_width, Kernel, RtTensor, BLOCK_BITS};

use crate::cost_model::MAX_LEVELED_LOAD;
use crate::pass::{Changed, Pass, PassOption, PassOptions};

pub(crate) mod lut;

/// How ciphertext elements are represented (docs/runtime.md).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Signed radix integers of 2-bit blocks (`!rt.ct`).
    Radix,
    /// One LWE ciphertext per element, leveled linear maps, one bootstrap per table (`!rt.lwe`).
    Lut,
}

impl Strategy {
    pub fn parse(s: &str) -> Result<Strategy, String> {
        match s {
            "radix" => Ok(Strategy::Radix),
            "lut" => Ok(Strategy::Lut),
            other => Err(format!("strategy '{other}' is not one of: radix, lut")),
        }
    }
}

/// Lowers he to rt.
pub struct HeToRt {
    /// Choose the leveled variant where it is safe (else every call propagates its carries); radix only.
    pub leveled: bool,
    pub strategy: Strategy,
    /// lut: the coarse cells of a clamp's first table, as powers of two above a quarter of its window.
    pub clamp_cells: u32,
}

const OPTIONS: &[PassOption] = &[
    PassOption::bool(
        "leveled",
        "true",
        "Use the leveled (no-PBS) form of add/sub/neg/*_plain where the carries fit and the users absorb them",
    ),
    PassOption::string(
        "strategy",
        "radix",
        "radix: radix integers (!rt.ct); lut: one LWE ciphertext per element, tables (!rt.lwe; run he-lut-fuse first)",
    ),
    PassOption::int(
        "clamp-cells",
        "2",
        "lut: a clamp's coarse cells, 2^N quarters of its window (wider cells: a cheaper coarse table, wider margins)",
    ),
];

impl Pass for HeToRt {
    fn name(&self) -> &'static str {
        "he-to-rt"
    }

    fn description(&self) -> &'static str {
        "Lower he to rt: one runtime kernel call per op, with blocks, signedness and variant chosen"
    }

    fn lowers_away(&self) -> Option<&'static str> {
        Some(veil_he::NAME)
    }

    fn options() -> &'static [PassOption] {
        OPTIONS
    }

    fn from_options(options: &PassOptions) -> Result<HeToRt, String> {
        let clamp_cells = options.int("clamp-cells")?;
        let clamp_cells = u32::try_from(clamp_cells)
            .ok()
            .filter(|&c| c <= 16)
            .ok_or_else(|| format!("clamp-cells = {clamp_cells} must be in 0..=16"))?;
        Ok(HeToRt {
            leveled: options.bool("leveled")?,
            strategy: Strategy::parse(options.string("strategy")?)?,
            clamp_cells,
        })
    }

    fn run(&self, m: &mut Module) -> Result<Changed, Diagnostics> {
        if self.strategy == Strategy::Lut {
            lut::expand_clamps(m, self.clamp_cells)?;
            lut::reencode_table_inputs(m)?;
            let plan = plan(m, false)?;
            lut::retype(m)?;
            for (op, lowering) in plan {
                rewrite(m, op, lowering, Strategy::Lut);
            }
            for f in m.funcs() {
                sync_func_signature(m, f);
            }
            return Ok(Changed::yes());
        }
        let plan = plan(m, self.leveled)?;
        let retyped = convert_types(m);
        if plan.is_empty() && !retyped {
            return Ok(Changed::no());
        }
        for (op, lowering) in plan {
            rewrite(m, op, lowering, Strategy::Radix);
        }
        for f in m.funcs() {
            sync_func_signature(m, f);
        }
        Ok(Changed::yes())
    }
}

/// What one he op becomes.
#[derive(Copy, Clone, Debug)]
enum Lowering {
    /// `he.encode` -> `rt.const`.
    Const,
    /// A kernel call; `leveled` is the variant choice for kernels that have variants.
    Call { kernel: &'static Kernel, leveled: bool },
}

/// The kernel that implements an he op, if any.
pub fn kernel_for(def: &veil_ir::OpDef) -> Option<&'static Kernel> {
    veil_rt::KERNELS.iter().find(|k| k.he_op() == def)
}

/// Decides every he op's lowering, or reports every op that cannot run on the server.
fn plan(m: &Module, leveled: bool) -> Result<Vec<(OpId, Lowering)>, Diagnostics> {
    let mut plan = vec![];
    let mut errors = vec![];
    for op in m.walk() {
        let def = m.op(op).def;
        if def.dialect() != veil_he::NAME {
            continue;
        }
        if def.is(Traits::CLIENT_ONLY) {
            let message = format!(
                "'{}' runs on the client (it needs the secret key) and cannot be lowered to rt: a server program \
                 takes ciphertexts as arguments and returns ciphertexts",
                def.name
            );
            errors.push(Diagnostic::error(m.op(op).loc.clone(), message));
        } else if def == &veil_he::ENCODE {
            plan.push((op, Lowering::Const));
        } else if let Some(kernel) = kernel_for(def) {
            plan.push((op, Lowering::Call { kernel, leveled: false }));
        } else {
            let message = format!("'{}' has no runtime kernel (see the kernel table in docs/dialects/rt.md)", def.name);
            errors.push(Diagnostic::error(m.op(op).loc.clone(), message));
        }
    }
    if !errors.is_empty() {
        return Err(m.report(errors));
    }
    if leveled {
        choose_leveled(m, &mut plan);
    }
    Ok(plan)
}

/// The rt type of an he `ct` / `pt` type: same shape and frac, the width rounded up to whole blocks.
pub fn rt_type(m: &mut Module, t: Type) -> Option<Type> {
    let ft = FixedTensor::of(m, t)?;
    Some(ft.with_width(block_width(ft.width)).to_rt_type(m))
}

/// Every function's block arguments and op results, in order.
fn function_values(m: &Module) -> Vec<Value> {
    let mut values: Vec<Value> = vec![];
    for f in m.funcs() {
        if let Some(body) = m.body(f) {
            values.extend(m.block(body).args.iter().copied());
        }
        let mut nested = vec![];
        m.walk_into(f, &mut nested);
        values.extend(nested.iter().flat_map(|&op| m.op(op).results.iter().copied()));
    }
    values
}

/// Retypes every block argument and op result of an he type; returns whether any changed.
fn convert_types(m: &mut Module) -> bool {
    let mut cache: HashMap<Type, Option<Type>> = HashMap::new();
    let mut changed = false;
    for v in function_values(m) {
        let t = m.value_type(v);
        let new = match cache.get(&t) {
            Some(&new) => new,
            None => {
                let new = rt_type(m, t);
                cache.insert(t, new);
                new
            }
        };
        if let Some(new) = new {
            m.set_value_type(v, new);
            changed = true;
        }
    }
    changed
}

/// Rewrites one he op in place into its rt op (operands, results and location kept).
fn rewrite(m: &mut Module, op: OpId, lowering: Lowering, strategy: Strategy) {
    match lowering {
        Lowering::Const => m.op_mut(op).def = &veil_rt::CONST,
        Lowering::Call { kernel, leveled } => {
            let radix = strategy == Strategy::Radix;
            if radix && kernel.he_op() == &veil_he::LUT {
                widen_table(m, op);
            }
            let blocks = FixedTensor::of_rt(m, m.value_type(m.op(op).result())).map_or(0, |t| t.blocks());
            m.op_mut(op).def = &veil_rt::CALL;
            let callee = m.intern_attr(AttrKind::Symbol(kernel.name.to_string()));
            m.set_attr(op, "callee", callee);
            if radix {
                let blocks = m.int_attr(blocks.into());
                m.set_attr(op, "blocks", blocks);
            }
            let signed = m.bool_attr(true);
            m.set_attr(op, "signed", signed);
            if radix && !kernel.variants.is_empty() {
                let variant = if leveled { veil_rt::kernels::LEVELED.name } else { veil_rt::kernels::PROPAGATE.name };
                let variant = m.string_attr(variant);
                m.set_attr(op, "variant", variant);
            }
        }
    }
}

/// A lut table indexed by the he input width becomes one indexed by the (even) rt input width: the entries of
/// inputs the narrower width cannot hold repeat the nearest entry (they are never read).
fn widen_table(m: &mut Module, op: OpId) {
    let Some(input) = m.op(op).operands.first().and_then(|&x| FixedTensor::of_rt(m, m.value_type(x))) else {
        return;
    };
    let Some(table) = m.op(op).attr("table") else { return };
    let Some(dense) = m.attr_as_dense(table).cloned() else { return };
    let DenseValues::Int(values) = &dense.values else { return };
    // Tables have at most 2^12 entries (the verifiers' limit); anything wider is left to them to reject.
    let shift = m.op(op).attr("shift").and_then(|a| m.attr_as_int(a)).unwrap_or(0);
    let Some(index_bits) = u32::try_from(i64::from(input.width) - shift).ok().filter(|&b| (1..=16).contains(&b)) else {
        return;
    };
    let entries = 1usize << index_bits;
    if values.len() >= entries || values.is_empty() {
        return;
    }
    // Entry i of the old table is input i - len/2; entry j of the new one is input j - entries/2.
    let (old_half, new_half) = (values.len() as i64 / 2, entries as i64 / 2);
    let widened: Vec<i64> = (0..entries as i64)
        .map(|j| values[(j - new_half + old_half).clamp(0, values.len() as i64 - 1) as usize])
        .collect();
    let elem = m.element_type(dense.ty);
    let ty = m.tensor_type(&[entries as u64], elem);
    let attr = m.dense_attr(ty, DenseValues::Int(widened));
    m.set_attr(op, "table", attr);
}

// ---- the leveled-variant rule ------------------------------------------------------------------------------------

/// Chooses the leveled variant where it is safe. A value's *load* bounds its blocks' contents in units of a clean
/// block (a clean block holds at most `2^BLOCK_BITS - 1`, its load is 1); a leveled call's load is what its
/// operation adds up, and must stay within [`MAX_LEVELED_LOAD`], as must the load of every user that absorbs it.
fn choose_leveled(m: &Module, plan: &mut [(OpId, Lowering)]) {
    let index: HashMap<OpId, usize> = plan.iter().enumerate().map(|(i, &(op, _))| (op, i)).collect();
    let mut users: HashMap<Value, Vec<OpId>> = HashMap::new();
    for op in m.walk() {
        for &v in &m.op(op).operands {
            users.entry(v).or_default().push(op);
        }
    }
    let mut load: HashMap<Value, u64> = HashMap::new();
    for i in 0..plan.len() {
        let (op, Lowering::Call { kernel, .. }) = plan[i] else { continue };
        if kernel.variants.is_empty() || !same_blocks(m, op) {
            continue;
        }
        let result = m.op(op).result();
        let Some(own) = call_load(m, op, &|v| load.get(&v).copied().unwrap_or(1)) else { continue };
        let users = users.get(&result).map_or(&[][..], Vec::as_slice);
        if own > MAX_LEVELED_LOAD || users.is_empty() {
            continue;
        }
        let absorbed = users.iter().all(|&user| {
            let absorbs = index
                .get(&user)
                .is_some_and(|&j| matches!(plan[j].1, Lowering::Call { kernel, .. } if !kernel.variants.is_empty()));
            let with_own = |v: Value| if v == result { own } else { load.get(&v).copied().unwrap_or(1) };
            absorbs && same_blocks(m, user) && call_load(m, user, &with_own).is_some_and(|l| l <= MAX_LEVELED_LOAD)
        });
        if absorbed {
            plan[i].1 = Lowering::Call { kernel, leveled: true };
            load.insert(result, own);
        }
    }
}

/// Whether every ciphertext operand of a call has the result's block count (a leveled form cannot sign-extend).
fn same_blocks(m: &Module, op: OpId) -> bool {
    let blocks = |v: Value| FixedTensor::of(m, m.value_type(v)).map(|t| (t.kind, block_width(t.width) / BLOCK_BITS));
    let Some((_, out)) = blocks(m.op(op).result()) else { return false };
    m.op(op).operands.iter().all(|&v| match blocks(v) {
        Some((veil_he::Kind::Cipher, b)) => b == out,
        _ => true,
    })
}

/// The load of a call's result computed without carry propagation; `None` when unbounded (a plaintext whose
/// values are unknown).
fn call_load(m: &Module, op: OpId, load: &dyn Fn(Value) -> u64) -> Option<u64> {
    let data = m.op(op);
    let of = |i: usize| data.operands.get(i).map_or(1, |&v| load(v));
    let def = data.def;
    // A negation is a complement plus one: the complement keeps the load, the +1 adds a clean-block unit.
    if def == &veil_he::ADD {
        Some(of(0) + of(1))
    } else if def == &veil_he::SUB {
        Some(of(0) + of(1) + 1)
    } else if def == &veil_he::NEG || def == &veil_he::ADD_PLAIN || def == &veil_he::SUB_PLAIN {
        Some(of(0) + 1)
    } else if def == &veil_he::MUL_PLAIN {
        let values = plain_values(m, *data.operands.get(1)?)?;
        let max = values.iter().map(|v| v.unsigned_abs()).max().unwrap_or(0);
        let negative = u64::from(values.iter().any(|&v| v < 0));
        of(0).checked_mul(max).map(|l| l + negative)
    } else {
        None
    }
}

/// The integers of a plaintext operand defined by `he.encode` or `rt.const`.
pub fn plain_values(m: &Module, v: Value) -> Option<&[i64]> {
    let def = m.defining_op(v)?;
    if !m.op(def).def.is(Traits::CONSTANT) {
        return None;
    }
    match &m.attr_as_dense(m.op(def).attr("value")?)?.values {
        DenseValues::Int(values) => Some(values),
        _ => None,
    }
}
