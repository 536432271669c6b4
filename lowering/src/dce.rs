//! `dce`: dead code elimination. Removes pure ops none of whose results is used, repeatedly, so that whole
//! chains of unused computations disappear.

use veil_ir::{Diagnostics, Module, OpId, Traits};

use crate::pass::{Changed, Pass, PassOptions};

/// Dead code elimination over pure ops.
pub struct Dce;

impl Pass for Dce {
    fn name(&self) -> &'static str {
        "dce"
    }

    fn description(&self) -> &'static str {
        "Eliminate dead code: remove pure ops whose results are unused, until none is left"
    }

    fn from_options(_: &PassOptions) -> Result<Dce, String> {
        Ok(Dce)
    }

    fn run(&self, m: &mut Module) -> Result<Changed, Diagnostics> {
        let mut uses = m.use_counts();
        let mut changed = false;
        loop {
            let mut erased = false;
            // Users follow their operands' definitions, so a reverse walk frees whole chains in one sweep.
            for op in m.walk().into_iter().rev() {
                if !is_dead(m, op, &uses) {
                    continue;
                }
                for &v in &m.op(op).operands {
                    uses[v.index()] -= 1;
                }
                m.erase(op);
                erased = true;
            }
            if !erased {
                break;
            }
            changed = true;
        }
        Ok(Changed::from(changed))
    }
}

fn is_dead(m: &Module, op: OpId, uses: &[usize]) -> bool {
    let data = m.op(op);
    data.def.is(Traits::PURE)
        && !data.def.is(Traits::TERMINATOR)
        && data.regions.is_empty()
        && data.results.iter().all(|v| uses[v.index()] == 0)
}
