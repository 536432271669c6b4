//! The pure shape rules of the nn ops (ONNX semantics), shared by the verifiers, the ONNX importer, the precision
//! pass and the float evaluator so that no crate re-derives them. Shapes are `&[u64]`; nothing here reads the IR.
//! The typed attribute readers that feed these rules live in [`crate::attrs`] and are re-exported here.

pub use crate::attrs::{
    AvgPool2dAttrs, BatchNormAttrs, ConcatAttrs, Conv2dAttrs, MaxPool2dAttrs, PadAttrs, ReduceSumAttrs, TransposeAttrs,
};

/// The number of elements of a shape (1 for rank 0), or `None` when it does not fit in a `u64`.
pub fn num_elements(shape: &[u64]) -> Option<u64> {
    shape.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d))
}

/// Numpy/ONNX multidirectional broadcasting: the shapes are aligned on the right, missing leading dimensions
/// count as 1, and each pair of dimensions must be equal or contain a 1. `None` when they are incompatible.
pub fn broadcast_shapes(a: &[u64], b: &[u64]) -> Option<Vec<u64>> {
    let rank = a.len().max(b.len());
    let dim = |s: &[u64], i: usize| if i + s.len() < rank { 1 } else { s[i + s.len() - rank] };
    (0..rank)
        .map(|i| match (dim(a, i), dim(b, i)) {
            (x, y) if x == y || y == 1 => Some(x),
            (1, y) => Some(y),
            _ => None,
        })
        .collect()
}

/// `axis` in `-rank..rank` (ONNX counts negative axes from the end) as an index in `0..rank`.
pub fn normalize_axis(axis: i64, rank: usize) -> Option<usize> {
    let rank = i64::try_from(rank).ok()?;
    let a = if axis < 0 { axis.checked_add(rank)? } else { axis };
    (0..rank).contains(&a).then_some(a as usize)
}

/// ONNX `MatMul` (numpy `matmul`): `[..., M, K] x [..., K, N] -> [..., M, N]` with broadcast batch dimensions;
/// a rank-1 lhs `[K]` is a row vector and a rank-1 rhs `[K]` a column vector, whose unit dimension is dropped.
pub fn matmul_output_shape(a: &[u64], b: &[u64]) -> Result<Vec<u64>, String> {
    let (a_batch, m, k) = match a {
        [] => return Err("the lhs must have rank at least 1, got a rank-0 tensor".into()),
        [k] => (&[][..], None, *k),
        [batch @ .., m, k] => (batch, Some(*m), *k),
    };
    let (b_batch, kb, n) = match b {
        [] => return Err("the rhs must have rank at least 1, got a rank-0 tensor".into()),
        [k] => (&[][..], *k, None),
        [batch @ .., k, n] => (batch, *k, Some(*n)),
    };
    if k != kb {
        return Err(format!("contracting dimensions differ: lhs {a:?} has K = {k} but rhs {b:?} has K = {kb}"));
    }
    let mut out = broadcast_shapes(a_batch, b_batch)
        .ok_or_else(|| format!("batch dimensions {a_batch:?} and {b_batch:?} are not broadcastable"))?;
    out.extend(m);
    out.extend(n);
    Ok(out)
}

/// One spatial dimension of a sliding window (convolution or pooling), ONNX's rule without `ceil_mode`:
/// `floor((input + pad_begin + pad_end - dilation * (kernel - 1) - 1) / stride) + 1`.
/// `None` when kernel, stride or dilation is 0, or the dilated kernel does not fit in the padded input.
pub fn window_output_dim(
    input: u64,
    kernel: u64,
    stride: u64,
    pad_begin: u64,
    pad_end: u64,
    dilation: u64,
) -> Option<u64> {
    if kernel == 0 || stride == 0 || dilation == 0 {
        return None;
    }
    let padded = u128::from(input) + u128::from(pad_begin) + u128::from(pad_end);
    let extent = u128::from(dilation) * (u128::from(kernel) - 1) + 1;
    let span = padded.checked_sub(extent)?;
    u64::try_from(span / u128::from(stride) + 1).ok()
}

/// A 2-d sliding window over the `H, W` dimensions of an `[N, C, H, W]` tensor.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Window2d {
    /// `[kh, kw]`
    pub kernel: [u64; 2],
    /// `[sh, sw]`
    pub strides: [u64; 2],
    /// `[top, left, bottom, right]` (ONNX order: all begins, then all ends).
    pub pads: [u64; 4],
    /// `[dh, dw]`
    pub dilations: [u64; 2],
}

impl Window2d {
    /// The output `[OH, OW]` for an input of spatial size `[H, W]`.
    pub fn output_hw(&self, h: u64, w: u64) -> Result<[u64; 2], String> {
        let mut out = [0; 2];
        for (i, (input, axis)) in [(h, "H"), (w, "W")].into_iter().enumerate() {
            let (k, s, d) = (self.kernel[i], self.strides[i], self.dilations[i]);
            let (begin, end) = (self.pads[i], self.pads[i + 2]);
            out[i] = window_output_dim(input, k, s, begin, end, d).ok_or_else(|| {
                if k == 0 || s == 0 || d == 0 {
                    format!("kernel, stride and dilation along {axis} must be positive, got {k}, {s} and {d}")
                } else {
                    format!(
                        "the kernel along {axis} (size {k}, dilation {d}) does not fit in the padded input \
                         ({input} + {begin} + {end})"
                    )
                }
            })?;
        }
        Ok(out)
    }
}

/// `[N, C, H, W]` as an array, or an error naming the operand.
fn nchw(shape: &[u64], what: &str) -> Result<[u64; 4], String> {
    <[u64; 4]>::try_from(shape)
        .map_err(|_| format!("{what} must have rank 4 (N, C, H, W), got shape {shape:?} of rank {}", shape.len()))
}

/// The output `[N, C, OH, OW]` of a 2-d pooling window over an `[N, C, H, W]` input.
pub fn pool2d_output_shape(input: &[u64], window: &Window2d) -> Result<Vec<u64>, String> {
    let [n, c, h, w] = nchw(input, "the input")?;
    let [oh, ow] = window.output_hw(h, w)?;
    Ok(vec![n, c, oh, ow])
}

/// The output of an average pooling, as [`pool2d_output_shape`]; without `count_include_pad` every pad must be
/// smaller than the kernel, or a window lying wholly in the padding would average zero cells.
pub fn avg_pool2d_output_shape(input: &[u64], attrs: &AvgPool2dAttrs) -> Result<Vec<u64>, String> {
    let [kh, kw] = attrs.kernel;
    if !attrs.count_include_pad && attrs.pads.iter().zip([kh, kw, kh, kw]).any(|(&p, k)| p >= k) {
        return Err(format!(
            "each pad must be smaller than the kernel when 'count_include_pad' is false, got pads {:?} for kernel {:?}",
            attrs.pads, attrs.kernel
        ));
    }
    pool2d_output_shape(input, &attrs.window())
}

/// The output `[N, O, OH, OW]` of a 2-d convolution of an `[N, C, H, W]` input with `[O, C / groups, kh, kw]`
/// weights; checks the channel and group rules.
pub fn conv2d_output_shape(input: &[u64], weight: &[u64], attrs: &Conv2dAttrs) -> Result<Vec<u64>, String> {
    let [n, c, h, w] = nchw(input, "the input")?;
    let [o, cg, kh, kw] = <[u64; 4]>::try_from(weight).map_err(|_| {
        format!("the weight must have rank 4 (O, C/groups, kh, kw), got shape {weight:?} of rank {}", weight.len())
    })?;
    let groups = attrs.groups;
    if groups == 0 {
        return Err("'groups' must be positive, got 0".into());
    }
    if c % groups != 0 {
        return Err(format!("input channels ({c}) are not divisible by groups ({groups})"));
    }
    if o % groups != 0 {
        return Err(format!("output channels ({o}) are not divisible by groups ({groups})"));
    }
    if cg != c / groups {
        return Err(format!(
            "the weight has {cg} input channel(s) per group, expected {} (input channels {c} / groups {groups})",
            c / groups
        ));
    }
    let window = Window2d { kernel: [kh, kw], strides: attrs.strides, pads: attrs.pads, dilations: attrs.dilations };
    let [oh, ow] = window.output_hw(h, w)?;
    Ok(vec![n, o, oh, ow])
}

/// Whether `perm` is a permutation of `0..rank`.
pub fn is_permutation(perm: &[usize], rank: usize) -> bool {
    let mut seen = vec![false; rank];
    perm.len() == rank && perm.iter().all(|&p| p < rank && !std::mem::replace(&mut seen[p], true))
}

/// The shape of a transpose: `out[i] = shape[perm[i]]`; `None` unless `perm` is a permutation of `0..rank`.
pub fn transpose_shape(shape: &[u64], perm: &[usize]) -> Option<Vec<u64>> {
    is_permutation(perm, shape.len()).then(|| perm.iter().map(|&p| shape[p]).collect())
}

/// The shape after constant padding with `pads` = all begins, then all ends (ONNX order); `None` when `pads`
/// does not have `2 * rank` entries or a dimension overflows.
pub fn pad_shape(shape: &[u64], pads: &[u64]) -> Option<Vec<u64>> {
    if pads.len() != 2 * shape.len() {
        return None;
    }
    let (begins, ends) = pads.split_at(shape.len());
    shape.iter().zip(begins).zip(ends).map(|((&d, &b), &e)| d.checked_add(b)?.checked_add(e)).collect()
}

/// The shape of a concatenation along `axis`: every shape must have the same rank and the same dimensions
/// except along `axis`, whose sizes add up.
pub fn concat_shape<S: AsRef<[u64]>>(shapes: &[S], axis: usize) -> Result<Vec<u64>, String> {
    let first = shapes.first().ok_or("concatenation needs at least one operand")?.as_ref();
    if axis >= first.len() {
        return Err(format!("axis {axis} is out of range for rank {}", first.len()));
    }
    let mut out = first.to_vec();
    for (i, s) in shapes.iter().enumerate().skip(1) {
        let s = s.as_ref();
        if s.len() != first.len() {
            return Err(format!("operand #{i} has rank {}, but operand #0 has rank {}", s.len(), first.len()));
        }
        if let Some(d) = (0..s.len()).find(|&d| d != axis && s[d] != first[d]) {
            return Err(format!(
                "operand #{i} has shape {s:?}, which differs from operand #0 {first:?} in dimension {d} \
                 (only axis {axis} may differ)"
            ));
        }
        out[axis] = out[axis].checked_add(s[axis]).ok_or("the concatenated dimension overflows")?;
    }
    Ok(out)
}

/// The shape after summing over `axes` (indices in `0..rank`): reduced dimensions become 1 with `keepdims`,
/// and disappear without it.
pub fn reduce_shape(shape: &[u64], axes: &[usize], keepdims: bool) -> Vec<u64> {
    (0..shape.len())
        .filter_map(|i| match axes.contains(&i) {
            true => keepdims.then_some(1),
            false => Some(shape[i]),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting() {
        assert_eq!(broadcast_shapes(&[2, 3], &[3]), Some(vec![2, 3]));
        assert_eq!(broadcast_shapes(&[4, 1, 5], &[3, 1]), Some(vec![4, 3, 5]));
        assert_eq!(broadcast_shapes(&[], &[2]), Some(vec![2]));
        assert_eq!(broadcast_shapes(&[0], &[1]), Some(vec![0]));
        assert_eq!(broadcast_shapes(&[2, 3], &[2]), None);
    }

    #[test]
    fn matmul() {
        assert_eq!(matmul_output_shape(&[2, 3], &[3, 4]), Ok(vec![2, 4]));
        assert_eq!(matmul_output_shape(&[3], &[3, 4]), Ok(vec![4]));
        assert_eq!(matmul_output_shape(&[2, 3], &[3]), Ok(vec![2]));
        assert_eq!(matmul_output_shape(&[5, 1, 2, 3], &[7, 3, 4]), Ok(vec![5, 7, 2, 4]));
        assert!(matmul_output_shape(&[2, 3], &[4, 4]).is_err());
        assert!(matmul_output_shape(&[], &[4]).is_err());
    }

    #[test]
    fn windows() {
        assert_eq!(window_output_dim(32, 3, 1, 1, 1, 1), Some(32));
        assert_eq!(window_output_dim(32, 3, 2, 0, 0, 1), Some(15));
        assert_eq!(window_output_dim(7, 3, 1, 0, 0, 3), Some(1));
        assert_eq!(window_output_dim(6, 3, 1, 0, 0, 3), None);
        assert_eq!(window_output_dim(u64::MAX, 1, 1, u64::MAX, u64::MAX, 1), None);
        let attrs = Conv2dAttrs { groups: 2, ..Conv2dAttrs::default() };
        assert_eq!(conv2d_output_shape(&[1, 4, 5, 5], &[6, 2, 3, 3], &attrs), Ok(vec![1, 6, 3, 3]));
        assert!(conv2d_output_shape(&[1, 4, 5, 5], &[6, 4, 3, 3], &attrs).is_err());
    }

    #[test]
    fn layout() {
        assert_eq!(normalize_axis(-1, 3), Some(2));
        assert_eq!(normalize_axis(3, 3), None);
        assert_eq!(normalize_axis(i64::MIN, 3), None);
        assert_eq!(transpose_shape(&[2, 3, 4], &[2, 0, 1]), Some(vec![4, 2, 3]));
        assert_eq!(transpose_shape(&[2, 3], &[0, 0]), None);
        assert_eq!(pad_shape(&[2, 3], &[1, 0, 1, 2]), Some(vec![4, 5]));
        assert_eq!(concat_shape(&[vec![2, 3], vec![2, 5]], 1), Ok(vec![2, 8]));
        assert_eq!(reduce_shape(&[2, 3, 4], &[1], true), vec![2, 1, 4]);
        assert_eq!(reduce_shape(&[2, 3, 4], &[0, 2], false), vec![3]);
    }
}
