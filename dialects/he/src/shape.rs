//! Shape rules shared by the he ops, the rt kernels and the passes that build them: numpy broadcasting,
//! matrix products, 2-D sliding windows (convolution, pooling), reductions, permutations, padding and
//! concatenation. Pure functions over static dimensions; every error says which rule failed.

use crate::types::numel;

/// `1x64`, or `scalar` for rank 0, as shapes are written in types.
pub fn format_shape(shape: &[u64]) -> String {
    if shape.is_empty() {
        return "scalar".into();
    }
    shape.iter().map(u64::to_string).collect::<Vec<_>>().join("x")
}

/// The numpy broadcast of two shapes: right-aligned, each pair of dimensions equal or one of them 1.
pub fn broadcast(a: &[u64], b: &[u64]) -> Result<Vec<u64>, String> {
    let rank = a.len().max(b.len());
    let dim = |s: &[u64], i: usize| if i + s.len() < rank { 1 } else { s[i + s.len() - rank] };
    (0..rank)
        .map(|i| match (dim(a, i), dim(b, i)) {
            (x, y) if x == y || y == 1 => Ok(x),
            (1, y) => Ok(y),
            _ => Err(format!("shapes {} and {} do not broadcast", format_shape(a), format_shape(b))),
        })
        .collect()
}

/// Whether `from` broadcasts to exactly `to` (the result keeps `to`'s shape).
pub fn broadcasts_to(from: &[u64], to: &[u64]) -> bool {
    broadcast(from, to).is_ok_and(|s| s == to)
}

/// `[M, K] x [K, N] -> [M, N]` and `[K] x [K, N] -> [N]`.
pub fn matmul(x: &[u64], w: &[u64]) -> Result<Vec<u64>, String> {
    let &[k2, n] = w else { return Err(format!("the weights must be a matrix [K, N], got {}", format_shape(w))) };
    let (rows, k) = match *x {
        [k] => (None, k),
        [m, k] => (Some(m), k),
        _ => return Err(format!("the input must be [M, K] or [K], got {}", format_shape(x))),
    };
    if k != k2 {
        return Err(format!(
            "inner dimensions differ: input {} has K = {k}, weights {} have K = {k2}",
            format_shape(x),
            format_shape(w)
        ));
    }
    Ok(rows.into_iter().chain([n]).collect())
}

/// A 2-D sliding window over the last two dimensions of an NCHW tensor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window2d {
    /// `[kh, kw]`
    pub kernel: [u64; 2],
    /// `[sh, sw]`
    pub strides: [u64; 2],
    /// `[top, left, bottom, right]`
    pub pads: [u64; 4],
    /// `[dh, dw]`
    pub dilations: [u64; 2],
}

impl Window2d {
    /// The output height and width over an input of `[h, w]`: `(in + pads - dilation*(k-1) - 1) / stride + 1`.
    pub fn output(&self, input: [u64; 2]) -> Result<[u64; 2], String> {
        let mut out = [0; 2];
        for i in 0..2 {
            let padded = input[i] as u128 + self.pads[i] as u128 + self.pads[i + 2] as u128;
            let extent = self.dilations[i] as u128 * (self.kernel[i] as u128).saturating_sub(1) + 1;
            if padded < extent {
                return Err(format!(
                    "the window ({}x{} kernel, dilations {}x{}) is larger than the padded input {}x{}",
                    self.kernel[0],
                    self.kernel[1],
                    self.dilations[0],
                    self.dilations[1],
                    input[0] as u128 + self.pads[0] as u128 + self.pads[2] as u128,
                    input[1] as u128 + self.pads[1] as u128 + self.pads[3] as u128,
                ));
            }
            let n = (padded - extent) / self.strides[i].max(1) as u128 + 1;
            out[i] = u64::try_from(n).map_err(|_| "the output is too large".to_string())?;
        }
        Ok(out)
    }
}

fn nchw(x: &[u64], what: &str) -> Result<[u64; 4], String> {
    <[u64; 4]>::try_from(x).map_err(|_| format!("the {what} must be NCHW (rank 4), got {}", format_shape(x)))
}

/// A grouped 2-D convolution: input `[N, C, H, W]`, weights `[O, C/groups, kh, kw]` -> `[N, O, OH, OW]`.
/// The window's kernel is taken from the weights.
pub fn conv2d(x: &[u64], w: &[u64], window: &Window2d, groups: u64) -> Result<Vec<u64>, String> {
    let [n, c, h, wd] = nchw(x, "input")?;
    let [o, cg, kh, kw] = <[u64; 4]>::try_from(w)
        .map_err(|_| format!("the weights must be [O, C/groups, kh, kw] (rank 4), got {}", format_shape(w)))?;
    if groups == 0 || c % groups != 0 || o % groups != 0 {
        return Err(format!("groups = {groups} must divide the input channels ({c}) and the output channels ({o})"));
    }
    if cg != c / groups {
        return Err(format!(
            "the weights have {cg} input channels per group; the input has {c} channels in {groups} group(s), so \
             {} per group",
            c / groups
        ));
    }
    let [oh, ow] = Window2d { kernel: [kh, kw], ..window.clone() }.output([h, wd])?;
    Ok(vec![n, o, oh, ow])
}

/// 2-D pooling: `[N, C, H, W] -> [N, C, OH, OW]`. Each pad must be smaller than the kernel, so that no window
/// lies wholly in the padding.
pub fn pool2d(x: &[u64], window: &Window2d) -> Result<Vec<u64>, String> {
    let [n, c, h, w] = nchw(x, "input")?;
    for i in 0..4 {
        if window.pads[i] >= window.kernel[i % 2] {
            return Err(format!(
                "pads {:?} must each be smaller than the kernel {}x{}, so that no window is all padding",
                window.pads, window.kernel[0], window.kernel[1]
            ));
        }
    }
    let [oh, ow] = window.output([h, w])?;
    Ok(vec![n, c, oh, ow])
}

/// Summing over `axes` (strictly increasing, each in `0..rank`, at least one): the summed dimensions become 1
/// (`keepdims`) or disappear.
pub fn reduce(shape: &[u64], axes: &[i64], keepdims: bool) -> Result<Vec<u64>, String> {
    let rank = shape.len() as i64;
    let increasing = axes.windows(2).all(|w| w[0] < w[1]);
    if axes.is_empty() || !increasing || axes.iter().any(|&a| !(0..rank).contains(&a)) {
        return Err(format!(
            "axes {axes:?} must be a non-empty, strictly increasing list of dimensions in 0..{rank} (the input is {})",
            format_shape(shape)
        ));
    }
    Ok(shape
        .iter()
        .enumerate()
        .filter_map(|(i, &d)| match axes.contains(&(i as i64)) {
            false => Some(d),
            true => keepdims.then_some(1),
        })
        .collect())
}

/// Dimension `i` of the result is dimension `perm[i]` of the input; `perm` is a permutation of `0..rank`.
pub fn transpose(shape: &[u64], perm: &[i64]) -> Result<Vec<u64>, String> {
    let mut seen = vec![false; shape.len()];
    let is_perm = perm.len() == shape.len()
        && perm
            .iter()
            .all(|&p| usize::try_from(p).is_ok_and(|p| p < seen.len() && !std::mem::replace(&mut seen[p], true)));
    if !is_perm {
        return Err(format!(
            "perm {perm:?} is not a permutation of 0..{} (the input is {})",
            shape.len(),
            format_shape(shape)
        ));
    }
    Ok(perm.iter().map(|&p| shape[p as usize]).collect())
}

/// Zero padding: `pads` is `[begin_0, .., begin_{r-1}, end_0, .., end_{r-1}]` (ONNX order), each `>= 0`.
pub fn pad(shape: &[u64], pads: &[i64]) -> Result<Vec<u64>, String> {
    let r = shape.len();
    if pads.len() != 2 * r || pads.iter().any(|&p| p < 0) {
        return Err(format!(
            "pads {pads:?} must be {} non-negative integers (all begins, then all ends) for the input {}",
            2 * r,
            format_shape(shape)
        ));
    }
    let out: Option<Vec<u64>> =
        (0..r).map(|i| shape[i].checked_add(pads[i] as u64)?.checked_add(pads[i + r] as u64)).collect();
    out.filter(|s| numel(s).is_some()).ok_or_else(|| "the padded shape is too large".to_string())
}

/// Joins shapes along `axis`: every other dimension must agree.
pub fn concat(shapes: &[&[u64]], axis: i64) -> Result<Vec<u64>, String> {
    let Some(first) = shapes.first() else { return Err("concat needs at least one operand".into()) };
    let rank = first.len();
    let axis = usize::try_from(axis)
        .ok()
        .filter(|&a| a < rank)
        .ok_or_else(|| format!("axis {axis} is out of range for rank {rank}"))?;
    let mut out = first.to_vec();
    for (i, s) in shapes.iter().enumerate().skip(1) {
        let agrees = s.len() == rank && (0..rank).all(|d| d == axis || s[d] == first[d]);
        if !agrees {
            return Err(format!(
                "operand #{i} has shape {}, which differs from operand #0's {} outside axis {axis}",
                format_shape(s),
                format_shape(first)
            ));
        }
        out[axis] = out[axis].checked_add(s[axis]).ok_or("the concatenated shape is too large")?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting() {
        assert_eq!(broadcast(&[2, 1, 4], &[3, 1]).unwrap(), vec![2, 3, 4]);
        assert_eq!(broadcast(&[], &[5]).unwrap(), vec![5]);
        assert!(broadcast(&[2, 3], &[4, 3]).is_err());
        assert!(broadcasts_to(&[3], &[2, 3]));
        assert!(!broadcasts_to(&[2, 3], &[3]));
    }

    #[test]
    fn windows() {
        let w = Window2d { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1] };
        assert_eq!(w.output([28, 28]).unwrap(), [14, 14]);
        let huge = Window2d { kernel: [u64::MAX, 1], strides: [1, 1], pads: [0; 4], dilations: [u64::MAX, 1] };
        assert!(huge.output([4, 4]).is_err());
        assert_eq!(conv2d(&[1, 4, 8, 8], &[6, 2, 3, 3], &w, 2).unwrap(), vec![1, 6, 4, 4]);
        assert!(conv2d(&[1, 4, 8, 8], &[6, 4, 3, 3], &w, 2).is_err());
        assert!(pool2d(&[1, 1, 4, 4], &Window2d { pads: [3, 0, 0, 0], ..w }).is_err());
    }

    #[test]
    fn data_movement() {
        assert_eq!(reduce(&[2, 3, 4], &[0, 2], false).unwrap(), vec![3]);
        assert_eq!(reduce(&[2, 3, 4], &[1], true).unwrap(), vec![2, 1, 4]);
        assert!(reduce(&[2, 3], &[1, 0], true).is_err());
        assert_eq!(transpose(&[2, 3, 4], &[2, 0, 1]).unwrap(), vec![4, 2, 3]);
        assert!(transpose(&[2, 3], &[0, 0]).is_err());
        assert_eq!(pad(&[2, 3], &[1, 0, 0, 2]).unwrap(), vec![3, 5]);
        assert!(pad(&[2], &[i64::MAX, i64::MAX]).is_err());
        assert_eq!(concat(&[&[1, 2], &[1, 3]], 1).unwrap(), vec![1, 5]);
        assert!(concat(&[&[1, 2], &[2, 3]], 1).is_err());
    }
}
