//! The verifier: structural rules (arity, regions, attribute kinds, definitions before uses, dialect types)
//! checked for every op from its [`OpDef`](crate::OpDef), then the op's own verifier.

use std::collections::HashSet;

use crate::attrs::AttrKind;
use crate::diag::{Diagnostic, Diagnostics};
use crate::module::{Module, OpId, Value};
use crate::op_def::{AttrType, Registry};
use crate::printer::type_to_string;
use crate::types::{Type, TypeKind};

/// Verifies every op of the module; all errors are reported, not just the first.
pub fn verify(m: &Module, registry: &Registry) -> Result<(), Diagnostics> {
    let mut errors = vec![];
    for f in m.block(m.top_block()).ops.clone() {
        let mut defined: HashSet<Value> = HashSet::new();
        if let Some(body) = m.body(f) {
            defined.extend(m.block(body).args.iter().copied());
        }
        check_op(m, registry, f, &mut defined, &mut errors);
        let mut nested = vec![];
        m.walk_into(f, &mut nested);
        for op in nested {
            check_op(m, registry, op, &mut defined, &mut errors);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(m.report(errors))
    }
}

fn check_op(m: &Module, registry: &Registry, op: OpId, defined: &mut HashSet<Value>, errors: &mut Vec<Diagnostic>) {
    let data = m.op(op);
    let def = data.def;
    let fail = |msg: String| Diagnostic::error(data.loc.clone(), format!("'{}' {msg}", def.name));
    // Results count as defined even when the op is rejected, so one bad op gives one error.
    defined.extend(data.results.iter().copied());
    if !def.operands.accepts(data.operands.len()) {
        errors.push(fail(format!("expects {} operand(s), got {}", def.operands.describe(), data.operands.len())));
        return;
    }
    if !def.results.accepts(data.results.len()) {
        errors.push(fail(format!("expects {} result(s), got {}", def.results.describe(), data.results.len())));
        return;
    }
    if data.regions.len() != def.regions {
        errors.push(fail(format!("expects {} region(s), got {}", def.regions, data.regions.len())));
        return;
    }
    for (i, &v) in data.operands.iter().enumerate() {
        if !defined.contains(&v) {
            errors.push(fail(format!("operand #{i} is not defined before this use")));
            return;
        }
    }
    for &v in data.operands.iter().chain(&data.results) {
        if let Err(msg) = check_type(m, registry, m.value_type(v)) {
            errors.push(fail(msg));
            return;
        }
    }
    for spec in def.attrs {
        match data.attr(spec.name) {
            None if spec.required => {
                errors.push(fail(format!("requires attribute '{}'", spec.name)));
                return;
            }
            Some(a) if !attr_has_type(m, a, spec.ty) => {
                errors.push(fail(format!("attribute '{}' must be {}", spec.name, describe_attr_type(spec.ty))));
                return;
            }
            _ => {}
        }
    }
    for (name, _) in &data.attrs {
        if !name.contains('.') && !def.attrs.iter().any(|s| s.name == name) {
            errors.push(fail(format!("has unknown attribute '{name}'")));
            return;
        }
    }
    if let Err(msg) = (def.verify)(m, op) {
        errors.push(fail(msg));
    }
}

/// Checks a type and the dialect types inside it.
fn check_type(m: &Module, registry: &Registry, t: Type) -> Result<(), String> {
    match m.ty(t) {
        TypeKind::Dialect(d) => {
            let dialect =
                registry.dialect(&d.dialect).ok_or_else(|| format!("uses type of unknown dialect '{}'", d.dialect))?;
            match dialect.verify_type {
                Some(verify) => verify(m, d).map_err(|e| format!("has invalid type {}: {e}", type_to_string(m, t))),
                None => Ok(()),
            }
        }
        TypeKind::Tensor { elem, .. } => check_type(m, registry, *elem),
        _ => Ok(()),
    }
}

fn attr_has_type(m: &Module, a: crate::Attr, ty: AttrType) -> bool {
    let kind = m.attr(a);
    match ty {
        AttrType::Any => true,
        AttrType::Int => matches!(kind, AttrKind::Int { .. }),
        AttrType::Float => matches!(kind, AttrKind::Float { .. } | AttrKind::Int { .. }),
        AttrType::Bool => matches!(kind, AttrKind::Bool(_)),
        AttrType::String => matches!(kind, AttrKind::String(_)),
        AttrType::Symbol => matches!(kind, AttrKind::Symbol(_)),
        AttrType::Type => matches!(kind, AttrKind::Type(_)),
        AttrType::Dense => matches!(kind, AttrKind::Dense(_)),
        AttrType::IntArray => {
            matches!(kind, AttrKind::Array(items) if items.iter().all(|&i| matches!(m.attr(i), AttrKind::Int { .. })))
        }
        AttrType::FloatArray => matches!(kind, AttrKind::Array(items)
            if items.iter().all(|&i| matches!(m.attr(i), AttrKind::Int { .. } | AttrKind::Float { .. }))),
    }
}

fn describe_attr_type(ty: AttrType) -> &'static str {
    match ty {
        AttrType::Int => "an integer",
        AttrType::Float => "a number",
        AttrType::Bool => "a boolean",
        AttrType::String => "a string",
        AttrType::Symbol => "a symbol reference",
        AttrType::Type => "a type",
        AttrType::Dense => "a dense elements attribute",
        AttrType::IntArray => "an array of integers",
        AttrType::FloatArray => "an array of numbers",
        AttrType::Any => "any attribute",
    }
}
