//! Elementwise ops (Add, Sub, Mul, Div, Neg, Relu, Sum), the identities (Identity, Dropout at inference) and
//! Constant nodes.

use veil_nn::eval::{kernels, Op, Tensor};

use crate::error::ImportError;
use crate::graph::{Importer, Val};
use crate::node::Node;
use crate::tensor::tensor_from_proto;

fn binary(imp: &mut Importer, node: &Node, op: Op) -> Result<Vec<Val>, ImportError> {
    let (a, b) = (imp.input(node, 0)?, imp.input(node, 1)?);
    Ok(vec![imp.emit(node, op, &[a, b])?])
}

pub fn add(imp: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    binary(imp, node, Op::Add)
}

pub fn sub(imp: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    binary(imp, node, Op::Sub)
}

pub fn mul(imp: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    binary(imp, node, Op::Mul)
}

/// Division by a constant is multiplication by its reciprocal; a constant quotient is folded exactly.
pub fn div(imp: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    let a = imp.input(node, 0)?;
    let b = imp.const_input(node, 1, "the divisor")?;
    if let Some(a) = a.as_float() {
        return Ok(vec![Val::float(kernels::broadcast(a, &b, |x, y| x / y).map_err(|e| node.shape_error(e))?)]);
    }
    let reciprocal = Val::float(b.map(|v| 1.0 / v));
    Ok(vec![imp.emit(node, Op::Mul, &[a, reciprocal])?])
}

pub fn neg(imp: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    let x = imp.input(node, 0)?;
    Ok(vec![imp.emit(node, Op::Neg, &[x])?])
}

pub fn relu(imp: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    let x = imp.input(node, 0)?;
    Ok(vec![imp.emit(node, Op::Relu, &[x])?])
}

/// `Sum` of one or more tensors: a chain of additions, left to right.
pub fn sum(imp: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    let mut inputs = imp.inputs(node)?.into_iter();
    let first = inputs.next().ok_or_else(|| node.invalid("Sum needs at least one input"))?;
    let mut acc = first;
    for next in inputs {
        acc = imp.emit(node, Op::Add, &[acc, next])?;
    }
    Ok(vec![acc])
}

/// Identity, and Dropout at inference: the output is the input (Dropout's mask output is not produced).
pub fn identity(imp: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    Ok(vec![imp.input(node, 0)?])
}

/// A Constant node: `value` (a tensor), `value_float(s)` or `value_int(s)`.
pub fn constant(_: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    let invalid = |e: String| node.invalid(e);
    let value = if let Some(t) = node.tensor("value")? {
        Val::from(tensor_from_proto(t).map_err(invalid)?)
    } else if node.has("value_float") {
        Val::float(Tensor::scalar(node.float("value_float", 0.0)?))
    } else if let Some(v) = node.floats("value_floats")? {
        Val::float(Tensor::new(vec![v.len() as u64], v).map_err(invalid)?)
    } else if node.has("value_int") {
        Val::Int(Tensor::scalar(node.int("value_int", 0)?).into())
    } else if let Some(v) = node.ints("value_ints")? {
        Val::Int(Tensor::new(vec![v.len() as u64], v).map_err(invalid)?.into())
    } else {
        let name = node.proto.attribute.first().map_or("none", |a| a.name());
        return Err(node.unsupported_attr(name, "(given)", "only tensor, float and integer constants are supported"));
    };
    Ok(vec![value])
}
