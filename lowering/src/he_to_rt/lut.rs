//! he-to-rt for the lookup-table (lut) execution model (`strategy=lut`): every ciphertext element becomes one LWE
//! ciphertext, `!rt.lwe<shape x iW, frac = F>`, encoding a W-bit integer under one padding bit. Linear maps with
//! clear weights and data movement are leveled and need their operands at the result's encoding (a wider encoding
//! cannot be produced without a bootstrap), so the ciphertexts connected through such ops share one encoding
//! width: the widest of them (a *partition*, as Concrete calls it). A `lut` starts a new partition (its bootstrap
//! writes any encoding). Every non-linear op must already be a table (he-lut-fuse); anything else is an error
//! naming the op.

use std::collections::HashMap;

use veil_he::{self as he, FixedTensor, Kind};
use veil_ir::{Diagnostic, Diagnostics, Module, OpDef, Traits, Value};
use veil_rt::{block_width, lwe_type, RtTensor};

/// The he ops the lut model runs: leveled linear maps and data movement, tables, trivial encryptions.
const LUT_MODEL_OPS: &[&OpDef] = &[
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
    &he::LUT,
    &he::TRIVIAL,
    &he::RESHAPE,
    &he::TRANSPOSE,
    &he::PAD,
    &he::CONCAT,
];

/// Why an he op has no lut-model kernel, for the error.
fn unsupported(def: &OpDef) -> String {
    let name = def.name;
    if [&he::RELU, &he::RESCALE, &he::SQUARE, &he::MAX].contains(&def) {
        format!("'{name}' is not a table yet: run --he-lut-fuse before --he-to-rt=strategy=lut")
    } else if def == &he::MAX_POOL2D {
        format!("'{name}' has no lookup-table-model kernel yet: compile this model with the radix strategy")
    } else if def == &he::MUL {
        format!("'{name}' (a product of two ciphertexts) has no lookup-table-model kernel yet: use the radix strategy")
    } else {
        format!("'{name}' has no lookup-table-model kernel (see docs/dialects/rt.md)")
    }
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
                && !LUT_MODEL_OPS.contains(&def)
        })
        .map(|op| Diagnostic::error(m.op(op).loc.clone(), unsupported(m.op(op).def)))
        .collect()
}

/// A union-find over values: the partitions of ciphertexts that share one encoding.
#[derive(Default)]
struct Partitions {
    parent: HashMap<Value, Value>,
}

impl Partitions {
    fn root(&mut self, v: Value) -> Value {
        let p = *self.parent.entry(v).or_insert(v);
        if p == v {
            return v;
        }
        let r = self.root(p);
        self.parent.insert(v, r);
        r
    }

    fn join(&mut self, a: Value, b: Value) {
        let (ra, rb) = (self.root(a), self.root(b));
        if ra != rb {
            self.parent.insert(ra, rb);
        }
    }
}

/// The encoding width of every ciphertext value: the widest he width in its partition. Errors where a table's
/// input would need a wider encoding than its own width (the bootstrap reads the input at its own precision).
fn encodings(m: &Module) -> Result<HashMap<Value, u32>, Vec<Diagnostic>> {
    let cipher = |v: Value| FixedTensor::of(m, m.value_type(v)).filter(|t| t.kind == Kind::Cipher);
    let mut parts = Partitions::default();
    let mut values = vec![];
    for f in m.funcs() {
        if let Some(body) = m.body(f) {
            values.extend(m.block(body).args.iter().copied().filter(|&a| cipher(a).is_some()));
        }
    }
    for op in m.walk() {
        let data = m.op(op);
        if data.def.dialect() != he::NAME {
            continue;
        }
        for &r in data.results.iter().filter(|&&r| cipher(r).is_some()) {
            values.push(r);
            parts.root(r);
            if data.def != &he::LUT {
                for &x in data.operands.iter().filter(|&&x| cipher(x).is_some()) {
                    parts.join(r, x);
                }
            }
        }
    }
    let mut widest: HashMap<Value, u32> = HashMap::new();
    for &v in &values {
        let w = cipher(v).map_or(0, |t| t.width);
        let root = parts.root(v);
        let entry = widest.entry(root).or_insert(0);
        *entry = (*entry).max(w);
    }
    let encoding: HashMap<Value, u32> = values.iter().map(|&v| (v, widest[&parts.root(v)])).collect();
    let errors: Vec<Diagnostic> = m
        .walk()
        .into_iter()
        .filter(|&op| m.op(op).def == &he::LUT)
        .filter_map(|op| {
            let x = m.op(op).operands[0];
            let (own, enc) = (cipher(x)?.width, *encoding.get(&x)?);
            (enc > own).then(|| {
                let message = format!(
                    "the table's input (i{own}) shares its encoding with a wider linear op (i{enc}); the lookup-table \
                     model reads a table input at its own width, which needs a re-encoding it does not do yet"
                );
                Diagnostic::error(m.op(op).loc.clone(), message)
            })
        })
        .collect();
    if errors.is_empty() {
        Ok(encoding)
    } else {
        Err(errors)
    }
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
    let mut errors = check_ops(m);
    let encoding = match encodings(m) {
        Ok(e) => Some(e),
        Err(e) => {
            errors.extend(e);
            None
        }
    };
    if !errors.is_empty() {
        return Err(m.report(errors));
    }
    convert_types(m, &encoding.unwrap_or_default());
    Ok(())
}
