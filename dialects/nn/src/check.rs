//! The verifier helpers every nn op shares: the common signature rule (static float tensors of one element
//! type) and precise messages for shape and rank mismatches.

use veil_ir::{type_to_string, Module, OpId, Type, TypeKind, Value};

use crate::shapes::num_elements;

/// The checked signature of an nn op: the static shapes of its operands and of its single result.
pub(crate) struct Signature {
    pub operands: Vec<Vec<u64>>,
    pub result: Vec<u64>,
}

impl Signature {
    /// Operand `i`'s shape (the core has checked the arity; an absent operand reads as an error, not a panic).
    pub fn operand(&self, i: usize) -> Result<&[u64], String> {
        self.operands.get(i).map(Vec::as_slice).ok_or_else(|| format!("operand #{i} is missing"))
    }
}

/// Checks that every operand and the result are statically shaped tensors of one float element type.
pub(crate) fn signature(m: &Module, op: OpId) -> Result<Signature, String> {
    let data = m.op(op);
    let result = *data.results.first().ok_or("expects one result")?;
    let mut first: Option<(Type, String)> = None;
    let mut shape_of = |v: Value, what: String| -> Result<Vec<u64>, String> {
        let t = m.value_type(v);
        let elem = match m.ty(t) {
            TypeKind::Tensor { elem, .. } if matches!(m.ty(*elem), TypeKind::Float(_)) => *elem,
            _ => return Err(format!("{what} must be a tensor of floats, got {}", type_to_string(m, t))),
        };
        let shape = m
            .static_shape(t)
            .ok_or_else(|| format!("{what} must have a static shape, got {}", type_to_string(m, t)))?;
        match &first {
            None => first = Some((elem, what)),
            Some((e, first_what)) if *e != elem => {
                return Err(format!(
                    "{what} has element type {} but {first_what} has {}; all must be equal",
                    type_to_string(m, elem),
                    type_to_string(m, *e)
                ))
            }
            Some(_) => {}
        }
        Ok(shape)
    };
    let operands = data
        .operands
        .iter()
        .enumerate()
        .map(|(i, &v)| shape_of(v, format!("operand #{i}")))
        .collect::<Result<_, _>>()?;
    let result = shape_of(result, "the result".to_string())?;
    Ok(Signature { operands, result })
}

/// The result must have the shape the op's rule computes.
pub(crate) fn expect_result(sig: &Signature, expected: &[u64]) -> Result<(), String> {
    if sig.result != expected {
        return Err(format!("expected result shape {expected:?}, got {:?}", sig.result));
    }
    Ok(())
}

/// Operand `i` must have exactly `rank` dimensions; `dims` names them for the message.
pub(crate) fn expect_rank<'s>(sig: &'s Signature, i: usize, rank: usize, dims: &str) -> Result<&'s [u64], String> {
    let shape = sig.operand(i)?;
    if shape.len() != rank {
        return Err(format!("operand #{i} must have rank {rank} ({dims}), got shape {shape:?}"));
    }
    Ok(shape)
}

/// The element count of a shape, or an error when it overflows.
pub(crate) fn element_count(shape: &[u64], what: &str) -> Result<u64, String> {
    num_elements(shape).ok_or_else(|| format!("{what} has more than 2^64 elements: {shape:?}"))
}
