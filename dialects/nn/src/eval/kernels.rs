//! One function per nn op, on [`Tensor`]s of any [`Scalar`]: ONNX semantics, sums accumulated in the element
//! type in natural order, products of dot products fused into the sum as onnxruntime's kernels do (so that
//! the f32 results match it bit for bit on most models). Shapes and windows come
//! from [`crate::shapes`]; layout ops (reshape, transpose, pad, concat) need only `Copy` elements, so the ONNX
//! importer also runs them on integer shape tensors.

use super::scalar::Scalar;
use super::tensor::{broadcast_indices, element_count, strided_indices, strides, Tensor};
use crate::shapes::{
    broadcast_shapes, concat_shape, conv2d_output_shape, matmul_output_shape, pad_shape, pool2d_output_shape,
    reduce_shape, transpose_shape, AvgPool2dAttrs, Conv2dAttrs, MaxPool2dAttrs, Window2d,
};

/// Elementwise `f(a, b)` with numpy broadcasting.
pub fn broadcast<T: Copy>(a: &Tensor<T>, b: &Tensor<T>, f: impl Fn(T, T) -> T) -> Result<Tensor<T>, String> {
    let shape = broadcast_shapes(a.shape(), b.shape())
        .ok_or_else(|| format!("operand shapes {:?} and {:?} are not broadcastable", a.shape(), b.shape()))?;
    let data = if a.shape() == b.shape() {
        a.data().iter().zip(b.data()).map(|(&x, &y)| f(x, y)).collect()
    } else {
        let ia = broadcast_indices(a.shape(), &shape);
        let ib = broadcast_indices(b.shape(), &shape);
        ia.iter().zip(&ib).map(|(&i, &j)| f(a.data()[i], b.data()[j])).collect()
    };
    Tensor::new(shape, data)
}

pub fn add<T: Scalar>(a: &Tensor<T>, b: &Tensor<T>) -> Result<Tensor<T>, String> {
    broadcast(a, b, |x, y| x + y)
}

pub fn sub<T: Scalar>(a: &Tensor<T>, b: &Tensor<T>) -> Result<Tensor<T>, String> {
    broadcast(a, b, |x, y| x - y)
}

pub fn mul<T: Scalar>(a: &Tensor<T>, b: &Tensor<T>) -> Result<Tensor<T>, String> {
    broadcast(a, b, |x, y| x * y)
}

pub fn neg<T: Scalar>(x: &Tensor<T>) -> Tensor<T> {
    x.map(|v| -v)
}

pub fn relu<T: Scalar>(x: &Tensor<T>) -> Tensor<T> {
    x.map(|v| v.max(T::zero()))
}

/// ONNX `MatMul`: batch dimensions broadcast; rank-1 operands are a row (lhs) or column (rhs) vector.
pub fn matmul<T: Scalar>(a: &Tensor<T>, b: &Tensor<T>) -> Result<Tensor<T>, String> {
    let out_shape = matmul_output_shape(a.shape(), b.shape())?;
    // Promote vectors to matrices; the output shape above already drops their unit dimension.
    let a_shape: Vec<u64> = if a.shape().len() == 1 { vec![1, a.shape()[0]] } else { a.shape().to_vec() };
    let b_shape: Vec<u64> = if b.shape().len() == 1 { vec![b.shape()[0], 1] } else { b.shape().to_vec() };
    let (a_batch, a_mat) = a_shape.split_at(a_shape.len() - 2);
    let (b_batch, b_mat) = b_shape.split_at(b_shape.len() - 2);
    let (m, k, n) = (a_mat[0] as usize, a_mat[1] as usize, b_mat[1] as usize);
    let batch = broadcast_shapes(a_batch, b_batch).ok_or("batch dimensions are not broadcastable")?;
    let a_index = broadcast_indices(a_batch, &batch);
    let b_index = broadcast_indices(b_batch, &batch);
    let mut data = Vec::with_capacity(element_count(&out_shape)?);
    for (&ia, &ib) in a_index.iter().zip(&b_index) {
        let (a_mat, b_mat) = (&a.data()[ia * m * k..][..m * k], &b.data()[ib * k * n..][..k * n]);
        for i in 0..m {
            for j in 0..n {
                let mut acc = T::zero();
                for p in 0..k {
                    acc = acc.add_product(a_mat[i * k + p], b_mat[p * n + j]);
                }
                data.push(acc);
            }
        }
    }
    Tensor::new(out_shape, data)
}

/// The cells of the window at output position `(oh, ow)` that lie inside an `h x w` input, as (position in
/// the `kh x kw` kernel, row, column), and how many cells the window has in all (padding included).
fn window_cells(window: &Window2d, h: u64, w: u64, oh: u64, ow: u64) -> (Vec<(usize, usize, usize)>, usize) {
    let [kh, kw] = window.kernel;
    let mut cells = Vec::with_capacity((kh * kw) as usize);
    for i in 0..kh {
        for j in 0..kw {
            let row = (oh * window.strides[0] + i * window.dilations[0]).checked_sub(window.pads[0]);
            let col = (ow * window.strides[1] + j * window.dilations[1]).checked_sub(window.pads[1]);
            if let (Some(row), Some(col)) = (row, col) {
                if row < h && col < w {
                    cells.push(((i * kw + j) as usize, row as usize, col as usize));
                }
            }
        }
    }
    (cells, (kh * kw) as usize)
}

/// 2-d convolution (cross-correlation) of `[N, C, H, W]` with `[O, C / groups, kh, kw]`, zero padding, the
/// bias added after the sum.
pub fn conv2d<T: Scalar>(
    x: &Tensor<T>,
    w: &Tensor<T>,
    bias: Option<&Tensor<T>>,
    attrs: &Conv2dAttrs,
) -> Result<Tensor<T>, String> {
    let out_shape = conv2d_output_shape(x.shape(), w.shape(), attrs)?;
    let [n, o, oh, ow] = <[u64; 4]>::try_from(out_shape.as_slice()).map_err(|_| "conv2d output must have rank 4")?;
    if let Some(b) = bias {
        if b.shape() != [o] {
            return Err(format!("the bias must have shape [{o}] (output channels), got {:?}", b.shape()));
        }
    }
    let (h, w_in) = (x.shape()[2], x.shape()[3]);
    let (cg, kh, kw) = (w.shape()[1] as usize, w.shape()[2], w.shape()[3]);
    let out_per_group = o / attrs.groups;
    let window = Window2d { kernel: [kh, kw], strides: attrs.strides, pads: attrs.pads, dilations: attrs.dilations };
    let (xs, ws) = (strides(x.shape()), strides(w.shape()));
    let mut data = Vec::with_capacity(element_count(&out_shape)?);
    for b in 0..n as usize {
        for oc in 0..o as usize {
            let first_channel = (oc as u64 / out_per_group) as usize * cg;
            for y in 0..oh {
                for xo in 0..ow {
                    let (cells, _) = window_cells(&window, h, w_in, y, xo);
                    let mut acc = T::zero();
                    for ci in 0..cg {
                        let x_plane = &x.data()[b * xs[0] + (first_channel + ci) * xs[1]..][..xs[1]];
                        let kernel = &w.data()[oc * ws[0] + ci * ws[1]..][..ws[1]];
                        for &(k, row, col) in &cells {
                            acc = acc.add_product(x_plane[row * xs[2] + col], kernel[k]);
                        }
                    }
                    data.push(match bias {
                        Some(bias) => acc + bias.data()[oc],
                        None => acc,
                    });
                }
            }
        }
    }
    Tensor::new(out_shape, data)
}

/// Applies `reduce(cells, window size)` to every window of a 2-d pooling over `[N, C, H, W]`.
fn pool2d<T: Scalar>(
    x: &Tensor<T>,
    window: &Window2d,
    reduce: impl Fn(&mut dyn Iterator<Item = T>, usize, usize) -> T,
) -> Result<Tensor<T>, String> {
    let out_shape = pool2d_output_shape(x.shape(), window)?;
    let (h, w) = (x.shape()[2], x.shape()[3]);
    let (oh, ow) = (out_shape[2], out_shape[3]);
    let plane = (h * w) as usize;
    let mut data = Vec::with_capacity(element_count(&out_shape)?);
    for p in 0..(out_shape[0] * out_shape[1]) as usize {
        let values = &x.data()[p * plane..][..plane];
        for y in 0..oh {
            for xo in 0..ow {
                let (cells, total) = window_cells(window, h, w, y, xo);
                let mut it = cells.iter().map(|&(_, row, col)| values[row * w as usize + col]);
                data.push(reduce(&mut it, cells.len(), total));
            }
        }
    }
    Tensor::new(out_shape, data)
}

/// The mean of each window; the divisor counts padded cells only with `count_include_pad`.
pub fn avg_pool2d<T: Scalar>(x: &Tensor<T>, attrs: &AvgPool2dAttrs) -> Result<Tensor<T>, String> {
    let include_pad = attrs.count_include_pad;
    pool2d(x, &attrs.window(), |cells, inside, total| {
        let sum = cells.fold(T::zero(), |acc, v| acc + v);
        sum / T::from_f64(if include_pad { total } else { inside } as f64)
    })
}

/// The maximum of each window; padded cells never win.
pub fn max_pool2d<T: Scalar>(x: &Tensor<T>, attrs: &MaxPool2dAttrs) -> Result<Tensor<T>, String> {
    pool2d(x, &attrs.window(), |cells, _, _| {
        let first = cells.next().unwrap_or(T::from_f64(f64::NEG_INFINITY));
        cells.fold(first, T::max)
    })
}

/// The mean over `H, W`: `[N, C, H, W] -> [N, C, 1, 1]`.
pub fn global_avg_pool2d<T: Scalar>(x: &Tensor<T>) -> Result<Tensor<T>, String> {
    let &[n, c, h, w] = x.shape() else {
        return Err(format!("the input must have rank 4 (N, C, H, W), got shape {:?}", x.shape()));
    };
    let plane = (h * w) as usize;
    let count = T::from_f64(plane as f64);
    let data = (0..(n * c) as usize)
        .map(|p| x.data()[p * plane..][..plane].iter().fold(T::zero(), |acc, &v| acc + v) / count)
        .collect();
    Tensor::new(vec![n, c, 1, 1], data)
}

pub fn reshape<T: Copy>(x: &Tensor<T>, shape: &[u64]) -> Result<Tensor<T>, String> {
    x.clone().reshaped(shape.to_vec())
}

/// Output dimension `i` is input dimension `perm[i]`.
pub fn transpose<T: Copy>(x: &Tensor<T>, perm: &[usize]) -> Result<Tensor<T>, String> {
    let out_shape = transpose_shape(x.shape(), perm)
        .ok_or_else(|| format!("{perm:?} is not a permutation of the {} axes", x.shape().len()))?;
    let in_strides = strides(x.shape());
    // The source stride of each output dimension, so the output can be walked in order.
    let step: Vec<usize> = perm.iter().map(|&p| in_strides[p]).collect();
    let source = strided_indices(&out_shape, &step);
    Tensor::new(out_shape, source.iter().map(|&i| x.data()[i]).collect())
}

/// Constant padding: `pads` = all begins, then all ends.
pub fn pad<T: Copy>(x: &Tensor<T>, pads: &[u64], value: T) -> Result<Tensor<T>, String> {
    let rank = x.shape().len();
    let out_shape = pad_shape(x.shape(), pads)
        .ok_or_else(|| format!("'pads' must have 2 * rank = {} entries, got {}", 2 * rank, pads.len()))?;
    let out_strides = strides(&out_shape);
    let offset: usize = (0..rank).map(|d| pads[d] as usize * out_strides[d]).sum();
    let mut data = vec![value; element_count(&out_shape)?];
    for (t, &v) in strided_indices(x.shape(), &out_strides).into_iter().zip(x.data()) {
        data[offset + t] = v;
    }
    Tensor::new(out_shape, data)
}

/// Concatenation along `axis` (an index in `0..rank`).
pub fn concat<T: Copy>(inputs: &[&Tensor<T>], axis: usize) -> Result<Tensor<T>, String> {
    let shapes: Vec<&[u64]> = inputs.iter().map(|t| t.shape()).collect();
    let out_shape = concat_shape(&shapes, axis)?;
    let outer: usize = out_shape[..axis].iter().map(|&d| d as usize).product();
    let mut data = Vec::with_capacity(element_count(&out_shape)?);
    for o in 0..outer {
        for t in inputs {
            let chunk: usize = t.shape()[axis..].iter().map(|&d| d as usize).product();
            data.extend_from_slice(&t.data()[o * chunk..][..chunk]);
        }
    }
    Tensor::new(out_shape, data)
}

/// Sums over `axes` (sorted indices in `0..rank`).
pub fn reduce_sum<T: Scalar>(x: &Tensor<T>, axes: &[usize], keepdims: bool) -> Result<Tensor<T>, String> {
    let kept = reduce_shape(x.shape(), axes, true);
    // Each input element adds into the output element it maps to when the reduced axes are stretched.
    let targets = broadcast_target(x.shape(), &kept);
    let mut data = vec![T::zero(); element_count(&kept)?];
    for (&t, &v) in targets.iter().zip(x.data()) {
        data[t] = data[t] + v;
    }
    Tensor::new(reduce_shape(x.shape(), axes, keepdims), data)
}

/// For each element of `shape`, the flat index in `reduced` (the same rank, reduced dimensions 1).
fn broadcast_target(shape: &[u64], reduced: &[u64]) -> Vec<usize> {
    let own = strides(reduced);
    let step: Vec<usize> = (0..shape.len()).map(|d| if reduced[d] == 1 { 0 } else { own[d] }).collect();
    strided_indices(shape, &step)
}

/// Inference batch normalization over dimension 1: `(x - mean) / sqrt(var + epsilon) * scale + bias`.
pub fn batch_norm<T: Scalar>(x: &Tensor<T>, params: [&Tensor<T>; 4], epsilon: f64) -> Result<Tensor<T>, String> {
    let channels = match x.shape() {
        [_, c, ..] => *c,
        s => return Err(format!("the input must have rank at least 2 (N, C, ...), got shape {s:?}")),
    };
    if let Some(p) = params.iter().find(|p| p.shape() != [channels]) {
        return Err(format!("each parameter must have shape [{channels}] (the channels of x), got {:?}", p.shape()));
    }
    let [scale, bias, mean, var] = params;
    let inner: usize = x.shape()[2..].iter().map(|&d| d as usize).product();
    let eps = T::from_f64(epsilon);
    let data = x
        .data()
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let c = (i / inner) % channels as usize;
            (v - mean.data()[c]) / (var.data()[c] + eps).sqrt() * scale.data()[c] + bias.data()[c]
        })
        .collect();
    Tensor::new(x.shape().to_vec(), data)
}
