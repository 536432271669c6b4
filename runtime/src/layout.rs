//! Data-movement kernels (reshape, transpose, pad, concat): generic over the element, so every backend shares them
//! and none needs code of its own. They never touch an element's value, so they cost no PBS.

use crate::error::{Result, RuntimeError};
use crate::tensor::{element_count, strides, unravel, Tensor};

pub fn reshape<T: Clone>(x: &Tensor<T>, shape: &[usize]) -> Result<Tensor<T>> {
    if element_count(shape) != x.len() {
        return Err(RuntimeError::kernel("reshape", format!("cannot reshape {:?} to {shape:?}", x.shape)));
    }
    Ok(Tensor::from_parts(shape.to_vec(), x.data.clone()))
}

pub fn transpose<T: Clone>(x: &Tensor<T>, perm: &[usize]) -> Result<Tensor<T>> {
    let mut seen = vec![false; x.rank()];
    if perm.len() != x.rank() || !perm.iter().all(|&p| p < x.rank() && !std::mem::replace(&mut seen[p], true)) {
        return Err(RuntimeError::kernel("transpose", format!("{perm:?} is not a permutation of {} axes", x.rank())));
    }
    let shape: Vec<usize> = perm.iter().map(|&p| x.shape[p]).collect();
    let in_strides = strides(&x.shape);
    let data = (0..x.len())
        .map(|flat| {
            let index = unravel(flat, &shape);
            let source: usize = perm.iter().zip(&index).map(|(&p, &i)| i * in_strides[p]).sum();
            x.data[source].clone()
        })
        .collect();
    Ok(Tensor::from_parts(shape, data))
}

/// Zero padding: `pads` holds the leading pads of every axis, then the trailing ones (ONNX order).
pub fn pad<T: Clone>(x: &Tensor<T>, pads: &[usize], zero: &T) -> Result<Tensor<T>> {
    let rank = x.rank();
    if pads.len() != 2 * rank {
        return Err(RuntimeError::kernel("pad", format!("{} pads given for rank {rank}", pads.len())));
    }
    let shape: Vec<usize> = (0..rank).map(|a| pads[a] + x.shape[a] + pads[a + rank]).collect();
    let in_strides = strides(&x.shape);
    let data = (0..element_count(&shape))
        .map(|flat| {
            let index = unravel(flat, &shape);
            let mut source = 0;
            for axis in 0..rank {
                match index[axis].checked_sub(pads[axis]).filter(|&i| i < x.shape[axis]) {
                    Some(i) => source += i * in_strides[axis],
                    None => return zero.clone(),
                }
            }
            x.data[source].clone()
        })
        .collect();
    Ok(Tensor::from_parts(shape, data))
}

pub fn concat<T: Clone>(parts: &[&Tensor<T>], axis: i64) -> Result<Tensor<T>> {
    let err = |m: String| RuntimeError::kernel("concat", m);
    let first = parts.first().ok_or_else(|| err("no operands".into()))?;
    let rank = first.rank() as i64;
    let axis = if axis < 0 { axis + rank } else { axis };
    if !(0..rank).contains(&axis) {
        return Err(err(format!("axis {axis} is out of range for rank {rank}")));
    }
    let axis = axis as usize;
    let mut shape = first.shape.clone();
    shape[axis] = 0;
    for part in parts {
        let same =
            part.rank() == first.rank() && (0..first.rank()).all(|a| a == axis || part.shape[a] == first.shape[a]);
        if !same {
            return Err(err(format!("shapes {:?} and {:?} differ outside axis {axis}", first.shape, part.shape)));
        }
        shape[axis] += part.shape[axis];
    }
    let outer: usize = shape[..axis].iter().product();
    let mut data = Vec::with_capacity(element_count(&shape));
    for o in 0..outer {
        for part in parts {
            let chunk: usize = part.shape[axis..].iter().product();
            data.extend_from_slice(&part.data[o * chunk..(o + 1) * chunk]);
        }
    }
    Ok(Tensor::from_parts(shape, data))
}
