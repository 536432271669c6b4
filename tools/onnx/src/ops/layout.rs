//! Ops that move elements around: Reshape, Flatten, Transpose, Pad (constant mode), Concat. Reshape and
//! Concat also run on integer constants, so that shape computations fold at import.

use std::rc::Rc;

use veil_nn::eval::{kernels, Op};
use veil_nn::shapes::{normalize_axis, num_elements, ConcatAttrs, PadAttrs, TransposeAttrs};

use crate::error::ImportError;
use crate::graph::{Importer, Val};
use crate::node::{decimal, Node};

/// Reshapes any value: integer constants directly, others through `nn.reshape` (folded on constants).
pub(super) fn reshape_val(imp: &mut Importer, node: &Node, x: Val, shape: Vec<u64>) -> Result<Val, ImportError> {
    match x {
        Val::Int(t) => Ok(Val::Int(Rc::new(kernels::reshape(&t, &shape).map_err(|e| node.shape_error(e))?))),
        x if x.shape() == shape.as_slice() => Ok(x),
        x => imp.emit(node, Op::Reshape(shape), &[x]),
    }
}

/// ONNX's shape operand: `0` copies the input dimension (unless `allowzero`), one `-1` takes what is left.
fn resolve_shape(node: &Node, input: &[u64], spec: &[i64], allowzero: bool) -> Result<Vec<u64>, ImportError> {
    let total = num_elements(input).unwrap_or(u64::MAX);
    let mut out = Vec::with_capacity(spec.len());
    let mut infer = None;
    for (i, &d) in spec.iter().enumerate() {
        match d {
            -1 if infer.is_none() => infer = Some(i),
            0 if !allowzero => {
                out.push(*input.get(i).ok_or_else(|| {
                    node.shape_error(format!(
                        "shape {spec:?} copies dimension {i} of {input:?}, which has no such dimension"
                    ))
                })?);
                continue;
            }
            d if d >= 0 => {}
            _ => return Err(node.shape_error(format!("invalid target shape {spec:?}"))),
        }
        out.push(u64::try_from(d).unwrap_or(1));
    }
    if let Some(i) = infer {
        let known = num_elements(&out).filter(|&k| k > 0 && total.is_multiple_of(k));
        out[i] = total / known.ok_or_else(|| node.shape_error(format!("cannot reshape {input:?} into {spec:?}")))?;
    }
    if num_elements(&out) != Some(total) {
        return Err(node.shape_error(format!("cannot reshape {input:?} ({total} elements) into {spec:?}")));
    }
    Ok(out)
}

pub fn reshape(imp: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    let x = imp.input(node, 0)?;
    let spec = imp.int_input(node, 1, "Reshape's shape")?;
    let shape = resolve_shape(node, x.shape(), spec.data(), node.int("allowzero", 0)? != 0)?;
    Ok(vec![reshape_val(imp, node, x, shape)?])
}

/// `Flatten(axis)`: `[d0 .. d(axis-1)] x [d(axis) ..]` as a matrix.
pub fn flatten(imp: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    let x = imp.input(node, 0)?;
    let rank = x.shape().len();
    let axis = node.int("axis", 1)?;
    // Flatten's axis may equal the rank (everything in the outer dimension).
    let axis = if axis == rank as i64 { Some(rank) } else { normalize_axis(axis, rank) };
    let axis = axis.ok_or_else(|| node.unsupported_attr("axis", axis_text(node), "out of range for the input"))?;
    let outer = x.shape()[..axis].iter().product::<u64>();
    let inner = x.shape()[axis..].iter().product::<u64>();
    Ok(vec![reshape_val(imp, node, x, vec![outer, inner])?])
}

fn axis_text(node: &Node) -> String {
    node.int("axis", 0).map_or_else(|_| "?".into(), |a| a.to_string())
}

pub fn transpose(imp: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    let x = imp.input(node, 0)?;
    let perm = match node.ints("perm")? {
        None => (0..x.shape().len()).rev().collect(),
        Some(p) => p.iter().map(|&v| usize::try_from(v).unwrap_or(usize::MAX)).collect(),
    };
    Ok(vec![imp.emit(node, Op::Transpose(TransposeAttrs { perm }), &[x])?])
}

/// `Pad` in constant mode; pads (and the fill value) from attributes before opset 11, from inputs after.
pub fn pad(imp: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    let mode = node.string("mode", "constant")?;
    if mode != "constant" {
        return Err(node.unsupported_attr("mode", format!("\"{mode}\""), "only constant padding is supported"));
    }
    let x = imp.input(node, 0)?;
    let rank = x.shape().len();
    let (mut pads, value) = match node.ints("pads")? {
        Some(pads) => (pads, node.float("value", 0.0)?),
        None => {
            let pads = imp.int_input(node, 1, "Pad's pads")?.data().to_vec();
            let value = match node.input_name(2) {
                None => 0.0,
                Some(_) => *imp.const_input(node, 2, "Pad's constant value")?.data().first().unwrap_or(&0.0),
            };
            (pads, value)
        }
    };
    if node.input_name(3).is_some() {
        // Pads for the listed axes only: spread them over every axis.
        let axes = imp.int_input(node, 3, "Pad's axes")?;
        let mut full = vec![0; 2 * rank];
        for (k, &a) in axes.data().iter().enumerate() {
            let a = normalize_axis(a, rank).ok_or_else(|| node.shape_error(format!("axis {a} is out of range")))?;
            let n = axes.len();
            (full[a], full[rank + a]) = (pads.get(k).copied().unwrap_or(0), pads.get(n + k).copied().unwrap_or(0));
        }
        pads = full;
    }
    let pads = pads.iter().map(|&p| u64::try_from(p).ok()).collect::<Option<Vec<u64>>>().ok_or_else(|| {
        node.unsupported_attr("pads", format!("{pads:?}"), "negative pads (cropping) are not supported")
    })?;
    Ok(vec![imp.emit(node, Op::Pad(PadAttrs { pads, value: decimal(value) }), &[x])?])
}

pub fn concat(imp: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    let inputs = imp.inputs(node)?;
    let rank = inputs.first().map_or(0, |v| v.shape().len());
    let axis = node.int("axis", 0)?;
    let axis = normalize_axis(axis, rank)
        .ok_or_else(|| node.unsupported_attr("axis", axis.to_string(), "out of range for the inputs"))?;
    let ints: Option<Vec<&veil_nn::eval::Tensor<i64>>> = inputs
        .iter()
        .map(|v| match v {
            Val::Int(t) => Some(t.as_ref()),
            _ => None,
        })
        .collect();
    if let Some(ints) = ints {
        return Ok(vec![Val::Int(Rc::new(kernels::concat(&ints, axis).map_err(|e| node.shape_error(e))?))]);
    }
    Ok(vec![imp.emit(node, Op::Concat(ConcatAttrs { axis }), &inputs)?])
}
