//! The verifier: structural rules (arity, regions, attribute kinds, definitions before uses, dialect types)
//! checked for every op from its [`OpDef`](crate::OpDef), then the op's own verifier.

use std::collections::HashSet;

use crate::attrs::AttrKind;
use crate::diag::{Diagnostic, Diagnostics};
use crate::limits::{element_bytes, LimitError};
use crate::module::{Module, OpId, Value};
use crate::op_def::{AttrType, Registry};
use crate::printer::type_to_string;
use crate::types::{Type, TypeKind};

/// Verifies every op of the module; all errors are reported, not just the first.
pub fn verify(m: &Module, registry: &Registry) -> Result<(), Diagnostics> {
    let mut errors = vec![];
    let mut constant_bytes = 0u64;
    let mut ops = 0usize;
    for f in m.block(m.top_block()).ops.clone() {
        let mut defined: HashSet<Value> = HashSet::new();
        if let Some(body) = m.body(f) {
            defined.extend(m.block(body).args.iter().copied());
        }
        check_op(m, registry, f, &mut defined, &mut errors);
        let mut nested = vec![];
        m.walk_into(f, &mut nested);
        ops += 1 + nested.len();
        for op in nested {
            check_op(m, registry, op, &mut defined, &mut errors);
            if let Err(e) = check_limits(m, op, &mut constant_bytes) {
                // One error is enough: past a limit, every later op would repeat it.
                let e = LimitError { message: format!("'{}': {}", m.op(op).def.name, e.message), ..e };
                errors.push(e.diagnostic(m.op(op).loc.clone()));
                break;
            }
        }
    }
    if let Err(e) = m.limits.check_ops(ops) {
        errors.push(e.diagnostic(m.op(m.top()).loc.clone()));
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

/// Holds an op's tensor types and dense constants to the module's [`crate::Limits`] (for modules that were not
/// parsed, and for what passes build); `constant_bytes` is the running total of the module's constants.
fn check_limits(m: &Module, op: OpId, constant_bytes: &mut u64) -> Result<(), LimitError> {
    let data = m.op(op);
    for &v in data.operands.iter().chain(&data.results) {
        let t = m.value_type(v);
        if let TypeKind::Tensor { shape, .. } = m.ty(t) {
            m.limits.check_elements(|| format!("the type {}", type_to_string(m, t)), shape)?;
        }
    }
    for &(_, a) in &data.attrs {
        if let AttrKind::Dense(d) = m.attr(a) {
            if let TypeKind::Tensor { shape, elem } = m.ty(d.ty) {
                let count =
                    m.limits.check_elements(|| format!("the constant of type {}", type_to_string(m, d.ty)), shape)?;
                m.limits.add_constant_bytes(constant_bytes, count.saturating_mul(element_bytes(m.ty(*elem))))?;
            }
        }
    }
    Ok(())
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
