//! Shape computations, folded at import: Shape, Gather, Unsqueeze, Squeeze and Cast. Exporters build a
//! Reshape's target from these (`Shape -> Gather -> Unsqueeze -> Concat -> Reshape`); every shape is static
//! here (the batch dimension is bound), so they all become constants.

use std::rc::Rc;

use veil_nn::eval::Tensor;
use veil_nn::shapes::normalize_axis;

use super::layout::reshape_val;
use crate::error::ImportError;
use crate::graph::{Importer, Val};
use crate::node::Node;
use crate::tensor::{dtype_name, is_float};

fn ints(node: &Node, shape: Vec<u64>, data: Vec<i64>) -> Result<Val, ImportError> {
    Ok(Val::Int(Rc::new(Tensor::new(shape, data).map_err(|e| node.shape_error(e))?)))
}

/// `Shape(x)`, optionally sliced by `start` / `end` (opset 15).
pub fn shape(imp: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    let dims: Vec<i64> = imp.input(node, 0)?.shape().iter().map(|&d| d as i64).collect();
    let rank = dims.len() as i64;
    let clamp = |v: i64| (if v < 0 { v + rank } else { v }).clamp(0, rank) as usize;
    let (start, end) = (clamp(node.int("start", 0)?), clamp(node.int("end", rank)?));
    let dims = dims[start..end.max(start)].to_vec();
    Ok(vec![ints(node, vec![dims.len() as u64], dims)?])
}

/// `Gather(data, indices, axis)` on constants.
pub fn gather(imp: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    let data = imp.input(node, 0)?;
    let indices = imp.int_input(node, 1, "Gather's indices")?;
    let shape = data.shape().to_vec();
    let axis = node.int("axis", 0)?;
    let axis = normalize_axis(axis, shape.len())
        .ok_or_else(|| node.unsupported_attr("axis", axis.to_string(), "out of range for the data"))?;
    let n = shape[axis] as i64;
    let picks = indices
        .data()
        .iter()
        .map(|&i| usize::try_from(if i < 0 { i + n } else { i }).ok().filter(|&i| (i as i64) < n))
        .collect::<Option<Vec<usize>>>()
        .ok_or_else(|| node.shape_error(format!("indices {:?} out of range for dimension {n}", indices.data())))?;
    let out_shape: Vec<u64> = shape[..axis].iter().chain(indices.shape()).chain(&shape[axis + 1..]).copied().collect();
    let (outer, inner) =
        (shape[..axis].iter().product::<u64>() as usize, shape[axis + 1..].iter().product::<u64>() as usize);
    fn pick<T: Copy>(data: &[T], picks: &[usize], outer: usize, n: usize, inner: usize) -> Vec<T> {
        let mut out = Vec::with_capacity(outer * picks.len() * inner);
        for o in 0..outer {
            for &p in picks {
                out.extend_from_slice(&data[(o * n + p) * inner..][..inner]);
            }
        }
        out
    }
    let n = n as usize;
    let out = match &data {
        Val::Int(t) => ints(node, out_shape, pick(t.data(), &picks, outer, n, inner))?,
        Val::Float(t) => Val::float(
            Tensor::new(out_shape, pick(t.data(), &picks, outer, n, inner)).map_err(|e| node.shape_error(e))?,
        ),
        Val::Ir { .. } => return Err(node.unsupported("Gather is supported on constants (shape computations) only")),
    };
    Ok(vec![out])
}

/// The axes of Unsqueeze / Squeeze: the `axes` attribute before opset 13, the second input after.
fn axes(imp: &Importer, node: &Node) -> Result<Option<Vec<i64>>, ImportError> {
    if let Some(a) = node.ints("axes")? {
        return Ok(Some(a));
    }
    match node.input_name(1) {
        Some(_) => Ok(Some(imp.int_input(node, 1, "the axes")?.data().to_vec())),
        None => Ok(None),
    }
}

pub fn unsqueeze(imp: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    let x = imp.input(node, 0)?;
    let axes = axes(imp, node)?.ok_or_else(|| node.invalid("Unsqueeze needs axes"))?;
    let rank = x.shape().len() + axes.len();
    let mut ones = vec![false; rank];
    for &a in &axes {
        let a = normalize_axis(a, rank).ok_or_else(|| node.shape_error(format!("axis {a} is out of range")))?;
        ones[a] = true;
    }
    let mut dims = x.shape().iter();
    let shape = ones.iter().map(|&one| if one { 1 } else { dims.next().copied().unwrap_or(1) }).collect();
    Ok(vec![reshape_val(imp, node, x, shape)?])
}

pub fn squeeze(imp: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    let x = imp.input(node, 0)?;
    let rank = x.shape().len();
    let axes: Vec<usize> = match axes(imp, node)? {
        None => (0..rank).filter(|&i| x.shape()[i] == 1).collect(),
        Some(list) => list
            .iter()
            .map(|&a| normalize_axis(a, rank).filter(|&a| x.shape()[a] == 1))
            .collect::<Option<_>>()
            .ok_or_else(|| node.shape_error(format!("cannot squeeze axes {list:?} of shape {:?}", x.shape())))?,
    };
    let shape = (0..rank).filter(|i| !axes.contains(i)).map(|i| x.shape()[i]).collect();
    Ok(vec![reshape_val(imp, node, x, shape)?])
}

/// `Cast(to)`: between integer and float constants; a run-time float value stays as it is.
pub fn cast(imp: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    let x = imp.input(node, 0)?;
    let to = node.int("to", 1)? as i32;
    let out = match (x, is_float(to)) {
        (Val::Int(t), true) => Val::float(t.map(|v| v as f32)),
        (Val::Float(t), false) => Val::Int(Rc::new(t.map(|v| v as i64))),
        (x @ (Val::Float(_) | Val::Int(_)), _) => x,
        (x @ Val::Ir { .. }, true) => x,
        (Val::Ir { .. }, false) => {
            return Err(node.unsupported_attr("to", dtype_name(to), "run-time values stay float"));
        }
    };
    Ok(vec![out])
}
