//! The rt ops: `rt.const` (a materialized plaintext buffer) and `rt.call` (one kernel of the table, every choice
//! made). A call is checked against its kernel: operand kinds, the kernel's attributes, the variant, the block
//! count, then the mirrored he op's shape and scale rule.

use veil_he::ops::attrs;
use veil_he::{rules, Kind, OpView, Operands};
use veil_ir::op_def::edit_distance;
use veil_ir::{Arity, AttrSpec, AttrType, Module, OpDef, OpId, Traits, TypeKind, Value};

use crate::kernels::{kernel, Kernel, KERNELS};
use crate::types::{is_lwe, BLOCK_BITS};

pub static CONST: OpDef =
    OpDef::new("rt.const", "A plaintext buffer of integers", Arity::Exactly(0), Arity::Exactly(1))
        .with_traits(Traits::PURE.with(Traits::CONSTANT))
        .with_attrs(&[attrs::VALUE])
        .with_verifier(verify_const);

/// The attributes every call has; the rest of [`CALL_ATTRS`] belong to kernels.
pub const CALL_OWN_ATTRS: &[&str] = &["callee", "blocks", "signed", "variant"];

const fn optional(spec: AttrSpec) -> AttrSpec {
    AttrSpec { required: false, ..spec }
}

/// The call's own attributes, then every kernel attribute as optional (the call verifier checks which kernel
/// takes which, and which it requires).
pub static CALL_ATTRS: &[AttrSpec] = &[
    AttrSpec::required("callee", AttrType::Symbol),
    AttrSpec::optional("blocks", AttrType::Int),
    AttrSpec::required("signed", AttrType::Bool),
    AttrSpec::optional("variant", AttrType::String),
    optional(attrs::SHIFT),
    optional(attrs::TABLE),
    optional(attrs::ZERO_BITS),
    optional(attrs::LO),
    optional(attrs::HI),
    optional(attrs::CHUNK),
    optional(attrs::STRIDES),
    optional(attrs::WINDOW_PADS),
    optional(attrs::DILATIONS),
    optional(attrs::GROUPS),
    optional(attrs::KERNEL),
    optional(attrs::MULTIPLIER),
    optional(attrs::MULTIPLIER_FRAC),
    optional(attrs::AXES),
    optional(attrs::KEEPDIMS),
    optional(attrs::PERM),
    optional(attrs::AXIS),
    // The lut model's per-partition parameters: the partition whose keys run a table's bootstrap (rt.tfhe).
    AttrSpec::optional(crate::tfhe_config::PARTITION_ATTR, AttrType::Int),
];

pub static CALL: OpDef = OpDef::new(
    "rt.call",
    "Calls a runtime kernel on ciphertext and plaintext buffers",
    Arity::AtLeast(0),
    Arity::Exactly(1),
)
.with_attrs(CALL_ATTRS)
.with_verifier(verify_call);

pub static OPS: &[&OpDef] = &[&CONST, &CALL];

fn verify_const(m: &Module, op: OpId) -> Result<(), String> {
    rules::encode(&OpView::new(m, op, crate::NAME, "const", &Operands::NONE, Kind::Plain)?)
}

/// The kernel named by a call's `callee`.
pub fn callee(m: &Module, op: OpId) -> Result<&'static Kernel, String> {
    let name = m.op(op).attr("callee").and_then(|a| m.attr_as_str(a)).ok_or("requires attribute 'callee'")?;
    kernel(name).ok_or_else(|| {
        let closest = KERNELS.iter().map(|k| (edit_distance(k.name, name), k.name)).min();
        match closest {
            Some((d, k)) if d <= 2.max(name.len() / 3) => format!("unknown kernel @{name}; did you mean @{k}?"),
            _ => format!("unknown kernel @{name} (the kernels are listed in docs/dialects/rt.md)"),
        }
    })
}

fn verify_call(m: &Module, op: OpId) -> Result<(), String> {
    let k = callee(m, op)?;
    let at = |msg: String| format!("@{}: {msg}", k.name);
    check_attrs(m, op, k).map_err(at)?;
    let view = OpView::new(m, op, crate::NAME, k.name, &k.operands, k.signature.result).map_err(at)?;
    let data = m.op(op);
    let lwe = data.results.iter().any(|&r| is_lwe(m, m.value_type(r)));
    if lwe {
        check_lwe_call(m, op).map_err(at)?;
    } else {
        let blocks = data
            .attr("blocks")
            .and_then(|a| m.attr_as_int(a))
            .ok_or_else(|| at("a radix call (!rt.ct) requires attribute 'blocks'".into()))?;
        let expected = view.result.width / BLOCK_BITS;
        if blocks != expected as i64 {
            return Err(at(format!(
                "blocks = {blocks} does not match the result's i{}: expected {expected} blocks of {BLOCK_BITS} bits",
                view.result.width
            )));
        }
    }
    (k.signature.rule)(&view).map_err(at)
}

/// A call in the lookup-table model: every ciphertext is `!rt.lwe`, and the radix-only attributes are absent.
fn check_lwe_call(m: &Module, op: OpId) -> Result<(), String> {
    let data = m.op(op);
    let radix = |v: &Value| matches!(m.ty(m.value_type(*v)), TypeKind::Dialect(d) if d.name == "ct");
    if data.operands.iter().any(radix) {
        return Err("mixes !rt.ct (radix) and !rt.lwe (lookup-table model) ciphertexts".into());
    }
    for name in ["blocks", "variant"] {
        if data.attr(name).is_some() {
            return Err(format!(
                "'{name}' is a radix attribute; an !rt.lwe call has none (its linear maps are always leveled)"
            ));
        }
    }
    Ok(())
}

/// The attributes a call of `k` may and must have, its variant and its signedness.
fn check_attrs(m: &Module, op: OpId, k: &Kernel) -> Result<(), String> {
    let data = m.op(op);
    for (name, _) in &data.attrs {
        // A table's bootstrap may name its partition (per-partition parameters, rt.tfhe).
        let partition = name == crate::tfhe_config::PARTITION_ATTR && k.name == "lut";
        if !name.contains('.') && !CALL_OWN_ATTRS.contains(&name.as_str()) && !partition && k.attr(name).is_none() {
            let takes: Vec<&str> = k.attrs.iter().map(|a| a.name).collect();
            let takes = if takes.is_empty() { "none".to_string() } else { takes.join(", ") };
            return Err(format!("the kernel has no attribute '{name}' (it takes: {takes})"));
        }
    }
    if let Some(spec) = k.attrs.iter().find(|a| a.required && data.attr(a.name).is_none()) {
        return Err(format!("the kernel requires attribute '{}'", spec.name));
    }
    let names = || k.variants.iter().map(|v| format!("\"{}\"", v.name)).collect::<Vec<_>>().join(" or ");
    let lwe = data.results.iter().any(|&r| is_lwe(m, m.value_type(r)));
    match (data.attr("variant").and_then(|a| m.attr_as_str(a)), k.variants.is_empty() || lwe) {
        (None, false) => return Err(format!("the kernel requires attribute 'variant' ({})", names())),
        (Some(v), false) if k.variant(v).is_none() => {
            return Err(format!("variant \"{v}\" is not one of the kernel's: {}", names()))
        }
        (Some(_), true) => return Err("the kernel has one form; remove attribute 'variant'".into()),
        _ => {}
    }
    if data.attr("signed").and_then(|a| m.attr_as_int(a)) != Some(1) {
        return Err("signed = false is not supported: rt integers are signed (two's complement radix)".into());
    }
    Ok(())
}
