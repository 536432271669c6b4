//! `cse`: common subexpression elimination. Merges identical pure ops (same op, operands, attributes and
//! result types; operands compared as a multiset for commutative ops) within a block, keeping the first.

use std::collections::HashMap;

use veil_ir::{Attr, BlockId, Diagnostics, Module, OpId, Traits, Type, Value};

use crate::pass::{Changed, Pass, PassOptions};

/// Common subexpression elimination over pure ops.
pub struct Cse;

/// What makes two ops interchangeable.
#[derive(PartialEq, Eq, Hash)]
struct OpKey {
    name: &'static str,
    operands: Vec<Value>,
    attrs: Vec<(String, Attr)>,
    result_types: Vec<Type>,
}

impl Pass for Cse {
    fn name(&self) -> &'static str {
        "cse"
    }

    fn description(&self) -> &'static str {
        "Eliminate common subexpressions: merge identical pure ops, keeping the first"
    }

    fn from_options(_: &PassOptions) -> Result<Cse, String> {
        Ok(Cse)
    }

    fn run(&self, m: &mut Module) -> Result<Changed, Diagnostics> {
        // Values defined before their uses, so one walk in program order both rewrites uses and finds duplicates.
        let mut replaced: HashMap<Value, Value> = HashMap::new();
        let mut changed = false;
        for block in blocks_in_order(m) {
            let mut seen: HashMap<OpKey, OpId> = HashMap::new();
            for op in m.block(block).ops.clone() {
                rewrite_operands(m, op, &replaced);
                let Some(key) = key(m, op) else { continue };
                match seen.get(&key) {
                    Some(&first) => {
                        let pairs: Vec<(Value, Value)> =
                            m.op(op).results.iter().copied().zip(m.op(first).results.iter().copied()).collect();
                        replaced.extend(pairs);
                        m.erase(op);
                        changed = true;
                    }
                    None => {
                        seen.insert(key, op);
                    }
                }
            }
        }
        Ok(Changed::from(changed))
    }
}

/// Every block of the module, outer blocks before the blocks nested in their ops.
pub(crate) fn blocks_in_order(m: &Module) -> Vec<BlockId> {
    let mut ops = vec![m.top()];
    ops.extend(m.walk());
    ops.iter().flat_map(|&op| m.op(op).regions.iter().flat_map(|&r| m.region(r).blocks.iter().copied())).collect()
}

fn rewrite_operands(m: &mut Module, op: OpId, replaced: &HashMap<Value, Value>) {
    if replaced.is_empty() {
        return;
    }
    for i in 0..m.op(op).operands.len() {
        if let Some(&new) = replaced.get(&m.op(op).operands[i]) {
            m.set_operand(op, i, new);
        }
    }
}

/// The key of a pure op without regions; `None` for ops CSE must not touch.
fn key(m: &Module, op: OpId) -> Option<OpKey> {
    let data = m.op(op);
    if !data.def.is(Traits::PURE) || data.def.is(Traits::TERMINATOR) || !data.regions.is_empty() {
        return None;
    }
    let mut operands = data.operands.clone();
    if data.def.is(Traits::COMMUTATIVE) {
        operands.sort();
    }
    Some(OpKey {
        name: data.def.name,
        operands,
        attrs: data.attrs.clone(),
        result_types: data.results.iter().map(|&v| m.value_type(v)).collect(),
    })
}
