//! The structural ops every program has: `builtin.module`, `func.func` and `func.return`, with helpers for
//! reading and editing functions (signature, argument attributes, the return op).

use crate::attrs::{Attr, AttrKind};
use crate::module::{BlockId, InsertPoint, Module, OpId};
use crate::op_def::{Arity, AttrSpec, AttrType, Dialect, OpDef, Traits};
use crate::types::{Type, TypeKind};
use crate::Location;

pub static MODULE: OpDef =
    OpDef::new("builtin.module", "The top-level container of functions", Arity::Exactly(0), Arity::Exactly(0))
        .with_traits(Traits::NONE)
        .with_regions(1)
        .with_attrs(&[AttrSpec::optional("sym_name", AttrType::String)]);

pub static FUNC_OP: OpDef =
    OpDef::new("func.func", "A function with one body block", Arity::Exactly(0), Arity::Exactly(0))
        .with_traits(Traits::NONE)
        .with_regions(1)
        .with_attrs(&[
            AttrSpec::required("sym_name", AttrType::String),
            AttrSpec::required("function_type", AttrType::Type),
            AttrSpec::optional("arg_attrs", AttrType::Any),
            AttrSpec::optional("res_attrs", AttrType::Any),
            AttrSpec::optional("sym_visibility", AttrType::String),
        ])
        .with_verifier(verify_func);

pub static RETURN: OpDef =
    OpDef::new("func.return", "Returns values from a function", Arity::AtLeast(0), Arity::Exactly(0))
        .with_traits(Traits::TERMINATOR)
        .with_verifier(verify_return);

pub static BUILTIN: Dialect =
    Dialect { name: "builtin", summary: "MLIR's builtin module", ops: &[&MODULE], verify_type: None };
pub static FUNC: Dialect =
    Dialect { name: "func", summary: "Functions and returns", ops: &[&FUNC_OP, &RETURN], verify_type: None };

/// Adds an empty function at the end of the module; returns it and its body block (arguments created).
pub fn create_func(m: &mut Module, name: &str, inputs: &[Type], results: &[Type], loc: Location) -> (OpId, BlockId) {
    let fty = m.function_type(inputs.to_vec(), results.to_vec());
    let attrs = vec![("sym_name".to_string(), m.string_attr(name)), ("function_type".to_string(), m.type_attr(fty))];
    let top = m.top_block();
    let f = m.create(InsertPoint::End(top), &FUNC_OP, &[], &[], attrs, loc);
    let region = m.add_region(f);
    let body = m.add_block(region);
    for &t in inputs {
        m.add_block_arg(body, t);
    }
    (f, body)
}

pub fn func_name(m: &Module, f: OpId) -> &str {
    m.op(f).attr("sym_name").and_then(|a| m.attr_as_str(a)).unwrap_or("")
}

/// The function's (inputs, results).
pub fn func_signature(m: &Module, f: OpId) -> (Vec<Type>, Vec<Type>) {
    let fty = m.op(f).attr("function_type").and_then(|a| match m.attr(a) {
        AttrKind::Type(t) => Some(*t),
        _ => None,
    });
    match fty.map(|t| m.ty(t)) {
        Some(TypeKind::Function { inputs, results }) => (inputs.clone(), results.clone()),
        _ => (vec![], vec![]),
    }
}

/// Rewrites the signature from the body: argument types from the block arguments, results from the return.
pub fn sync_func_signature(m: &mut Module, f: OpId) {
    let Some(body) = m.body(f) else { return };
    let inputs = m.block(body).args.iter().map(|&a| m.value_type(a)).collect();
    let results = match return_op(m, f) {
        Some(r) => m.op(r).operands.iter().map(|&v| m.value_type(v)).collect(),
        None => func_signature(m, f).1,
    };
    let fty = m.function_type(inputs, results);
    let a = m.type_attr(fty);
    m.set_attr(f, "function_type", a);
}

/// The `func.return` ending the function's body.
pub fn return_op(m: &Module, f: OpId) -> Option<OpId> {
    let body = m.body(f)?;
    m.block(body).ops.last().copied().filter(|&o| m.op(o).def == &RETURN)
}

/// The attribute dictionary of argument `index` (`arg_attrs`), or of result `index` (`res_attrs`).
fn slot_attrs(m: &Module, f: OpId, key: &str, index: usize) -> Vec<(String, Attr)> {
    let Some(all) = m.op(f).attr(key) else { return vec![] };
    let AttrKind::Array(items) = m.attr(all) else { return vec![] };
    match items.get(index).map(|&d| m.attr(d)) {
        Some(AttrKind::Dict(entries)) => entries.clone(),
        _ => vec![],
    }
}

fn set_slot_attr(m: &mut Module, f: OpId, key: &str, count: usize, index: usize, name: &str, value: Option<Attr>) {
    let mut dicts: Vec<Vec<(String, Attr)>> = (0..count).map(|i| slot_attrs(m, f, key, i)).collect();
    let entries = &mut dicts[index];
    entries.retain(|(n, _)| n != name);
    if let Some(v) = value {
        entries.push((name.to_string(), v));
    }
    if dicts.iter().all(Vec::is_empty) {
        m.remove_attr(f, key);
        return;
    }
    let items = dicts.into_iter().map(|d| m.dict_attr(d)).collect();
    let array = m.array_attr(items);
    m.set_attr(f, key, array);
}

pub fn arg_attrs(m: &Module, f: OpId, index: usize) -> Vec<(String, Attr)> {
    slot_attrs(m, f, "arg_attrs", index)
}

pub fn arg_attr(m: &Module, f: OpId, index: usize, name: &str) -> Option<Attr> {
    arg_attrs(m, f, index).into_iter().find(|(n, _)| n == name).map(|(_, a)| a)
}

/// Sets (or with `None` removes) one attribute of argument `index`.
pub fn set_arg_attr(m: &mut Module, f: OpId, index: usize, name: &str, value: Option<Attr>) {
    let count = func_signature(m, f).0.len();
    set_slot_attr(m, f, "arg_attrs", count, index, name, value);
}

pub fn result_attrs(m: &Module, f: OpId, index: usize) -> Vec<(String, Attr)> {
    slot_attrs(m, f, "res_attrs", index)
}

/// Sets (or with `None` removes) one attribute of result `index`.
pub fn set_result_attr(m: &mut Module, f: OpId, index: usize, name: &str, value: Option<Attr>) {
    let count = func_signature(m, f).1.len();
    set_slot_attr(m, f, "res_attrs", count, index, name, value);
}

fn verify_func(m: &Module, f: OpId) -> Result<(), String> {
    let (inputs, results) = func_signature(m, f);
    let body = m.body(f).ok_or("function has no body")?;
    let args: Vec<Type> = m.block(body).args.iter().map(|&a| m.value_type(a)).collect();
    if args != inputs {
        return Err("entry block arguments do not match the function type".into());
    }
    let ret = return_op(m, f).ok_or("function body must end with func.return")?;
    let returned: Vec<Type> = m.op(ret).operands.iter().map(|&v| m.value_type(v)).collect();
    if returned != results {
        return Err(format!(
            "func.return returns {} value(s) of other types than the function's {} result type(s)",
            returned.len(),
            results.len()
        ));
    }
    for key in ["arg_attrs", "res_attrs"] {
        if let Some(a) = m.op(f).attr(key) {
            let count = if key == "arg_attrs" { inputs.len() } else { results.len() };
            match m.attr(a) {
                AttrKind::Array(items) if items.len() == count => {}
                _ => return Err(format!("'{key}' must be an array of {count} dictionaries")),
            }
        }
    }
    Ok(())
}

fn verify_return(m: &Module, op: OpId) -> Result<(), String> {
    let parent = m.op(op).parent.and_then(|b| m.block(b).parent).map(|r| m.region(r).parent);
    match parent {
        Some(f) if m.op(f).def == &FUNC_OP => {
            if m.block(m.body(f).unwrap()).ops.last() != Some(&op) {
                return Err("func.return must be the last op of its block".into());
            }
            Ok(())
        }
        _ => Err("func.return must be inside a func.func".into()),
    }
}
