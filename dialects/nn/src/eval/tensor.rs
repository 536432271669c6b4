//! A dense row-major tensor of any element type, and the index arithmetic (strides, broadcasting) that the
//! kernels share.

use crate::shapes::num_elements;

/// A dense tensor: a static shape and its elements in row-major order (`data.len()` is the element count).
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor<T> {
    shape: Vec<u64>,
    data: Vec<T>,
}

impl<T: Copy> Tensor<T> {
    /// A tensor of `shape` holding `data`; an error when the lengths disagree.
    pub fn new(shape: Vec<u64>, data: Vec<T>) -> Result<Tensor<T>, String> {
        match num_elements(&shape) {
            Some(n) if n == data.len() as u64 => Ok(Tensor { shape, data }),
            _ => Err(format!("shape {shape:?} does not hold {} elements", data.len())),
        }
    }

    /// A rank-0 tensor.
    pub fn scalar(value: T) -> Tensor<T> {
        Tensor { shape: vec![], data: vec![value] }
    }

    /// A tensor of `shape` with every element `value`; an error when the shape is too large.
    pub fn full(shape: Vec<u64>, value: T) -> Result<Tensor<T>, String> {
        let n = element_count(&shape)?;
        Ok(Tensor { shape, data: vec![value; n] })
    }

    pub fn shape(&self) -> &[u64] {
        &self.shape
    }

    pub fn data(&self) -> &[T] {
        &self.data
    }

    pub fn into_data(self) -> Vec<T> {
        self.data
    }

    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The same elements under another shape with as many elements.
    pub fn reshaped(self, shape: Vec<u64>) -> Result<Tensor<T>, String> {
        let from = self.shape.clone();
        Tensor::new(shape, self.data).map_err(|_| format!("cannot reshape {from:?} into a different element count"))
    }

    /// Applies `f` to every element.
    pub fn map<U: Copy>(&self, f: impl Fn(T) -> U) -> Tensor<U> {
        Tensor { shape: self.shape.clone(), data: self.data.iter().map(|&x| f(x)).collect() }
    }
}

/// The element count of a shape as a `usize`, or an error when it does not fit.
pub(crate) fn element_count(shape: &[u64]) -> Result<usize, String> {
    num_elements(shape)
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| format!("shape {shape:?} has too many elements to evaluate"))
}

/// Row-major strides of a shape, in elements.
pub(crate) fn strides(shape: &[u64]) -> Vec<usize> {
    let mut out = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        out[i] = out[i + 1] * shape[i + 1] as usize;
    }
    out
}

/// For each element of `out` (row-major), the flat index of the element of a tensor of `shape` that numpy
/// broadcasting maps to it. `shape` must broadcast to `out`.
pub(crate) fn broadcast_indices(shape: &[u64], out: &[u64]) -> Vec<usize> {
    let offset = out.len() - shape.len();
    let own = strides(shape);
    // The stride of each output dimension in the source: 0 where the source is stretched or missing.
    let step: Vec<usize> =
        (0..out.len()).map(|i| if i < offset || shape[i - offset] == 1 { 0 } else { own[i - offset] }).collect();
    strided_indices(out, &step)
}

/// For each element of `shape` (row-major), `sum(index[d] * step[d])`: the flat position of that element in
/// a tensor laid out with strides `step` (transposed, padded, stretched by broadcasting, ...).
pub(crate) fn strided_indices(shape: &[u64], step: &[usize]) -> Vec<usize> {
    let total: usize = shape.iter().map(|&d| d as usize).product();
    let mut indices = Vec::with_capacity(total);
    let mut counter = vec![0u64; shape.len()];
    let mut flat = 0usize;
    for _ in 0..total {
        indices.push(flat);
        // Advance the multi-index like an odometer, keeping the flat position in step.
        for d in (0..shape.len()).rev() {
            counter[d] += 1;
            flat += step[d];
            if counter[d] < shape[d] {
                break;
            }
            flat -= step[d] * counter[d] as usize;
            counter[d] = 0;
        }
    }
    indices
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_index_maps() {
        assert_eq!(strides(&[2, 3, 4]), vec![12, 4, 1]);
        assert_eq!(broadcast_indices(&[3], &[2, 3]), vec![0, 1, 2, 0, 1, 2]);
        assert_eq!(broadcast_indices(&[2, 1], &[2, 3]), vec![0, 0, 0, 1, 1, 1]);
        assert_eq!(broadcast_indices(&[], &[2]), vec![0, 0]);
        assert_eq!(broadcast_indices(&[2, 2], &[2, 2]), vec![0, 1, 2, 3]);
        assert!(Tensor::new(vec![2, 2], vec![1.0f32; 3]).is_err());
    }
}
