//! [`Tensor`]: a row-major tensor of any element (clear integers or ciphertexts), with the index arithmetic shared by
//! every kernel and backend: strides, multi-indices and numpy broadcasting.

use crate::error::{Result, RuntimeError};

/// A row-major tensor. `data.len()` is always the product of `shape`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tensor<T> {
    pub shape: Vec<usize>,
    pub data: Vec<T>,
}

impl<T> Tensor<T> {
    /// A tensor of `shape` holding `data`; fails when the sizes disagree.
    pub fn new(shape: Vec<usize>, data: Vec<T>) -> Result<Tensor<T>> {
        let expected = element_count(&shape);
        if expected != data.len() {
            return Err(RuntimeError::Program(format!(
                "shape {shape:?} holds {expected} elements, but {} were given",
                data.len()
            )));
        }
        Ok(Tensor { shape, data })
    }

    /// A tensor with a shape known to match `data` (kernel outputs).
    pub(crate) fn from_parts(shape: Vec<usize>, data: Vec<T>) -> Tensor<T> {
        debug_assert_eq!(element_count(&shape), data.len());
        Tensor { shape, data }
    }

    pub fn scalar(value: T) -> Tensor<T> {
        Tensor { shape: vec![], data: vec![value] }
    }

    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn rank(&self) -> usize {
        self.shape.len()
    }

    /// The same elements, mapped one by one.
    pub fn map<U>(&self, f: impl FnMut(&T) -> U) -> Tensor<U> {
        Tensor { shape: self.shape.clone(), data: self.data.iter().map(f).collect() }
    }
}

pub fn element_count(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// Row-major strides of `shape`.
pub fn strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![1; shape.len()];
    for axis in (0..shape.len().saturating_sub(1)).rev() {
        strides[axis] = strides[axis + 1] * shape[axis + 1];
    }
    strides
}

/// The multi-index of flat position `flat` in `shape`.
pub fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for axis in (0..shape.len()).rev() {
        if shape[axis] > 0 {
            index[axis] = flat % shape[axis];
            flat /= shape[axis];
        }
    }
    index
}

/// The shape two operands broadcast to, numpy style (trailing axes aligned; 1 stretches).
pub fn broadcast_shape(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let rank = a.len().max(b.len());
    let dim = |s: &[usize], axis: usize| if axis + s.len() >= rank { s[axis + s.len() - rank] } else { 1 };
    (0..rank)
        .map(|axis| match (dim(a, axis), dim(b, axis)) {
            (x, y) if x == y => Some(x),
            (1, y) => Some(y),
            (x, 1) => Some(x),
            _ => None,
        })
        .collect()
}

/// For every element of `out_shape`, the flat index of the element of an operand of shape `in_shape` that
/// broadcasting reads there. `in_shape` must broadcast to `out_shape`.
pub fn broadcast_sources(in_shape: &[usize], out_shape: &[usize]) -> Vec<usize> {
    let offset = out_shape.len() - in_shape.len();
    let in_strides = strides(in_shape);
    (0..element_count(out_shape))
        .map(|flat| {
            let index = unravel(flat, out_shape);
            (0..in_shape.len())
                .map(|axis| if in_shape[axis] == 1 { 0 } else { index[axis + offset] * in_strides[axis] })
                .sum()
        })
        .collect()
}
