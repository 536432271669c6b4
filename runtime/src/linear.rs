//! Linear maps: every kernel whose output elements are plaintext-weighted sums of ciphertext elements (add, sub,
//! neg, the `_plain` kernels, shl, matmul_plain, conv2d_plain, sum, avg_pool2d) is described here once, as a
//! [`LinearMap`] built from shapes and plaintext weights. Backends only evaluate the map, so the index arithmetic
//! (broadcasting, convolution and pooling windows, reduced axes) exists once for all of them.

use crate::error::{Result, RuntimeError};
use crate::tensor::{broadcast_shape, broadcast_sources, element_count, strides, unravel, Tensor};

/// One output element: `constant + sum(coefficient * input[index])`. Zero coefficients are never stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row {
    pub terms: Vec<(usize, i64)>,
    pub constant: i128,
}

/// A linear map from a flat list of input elements to the output elements of one kernel call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinearMap {
    pub shape: Vec<usize>,
    pub rows: Vec<Row>,
}

impl LinearMap {
    fn new(shape: Vec<usize>, rows: Vec<Row>) -> LinearMap {
        debug_assert_eq!(element_count(&shape), rows.len());
        LinearMap { shape, rows }
    }
}

/// Convolution attributes (ONNX semantics): strides, pads `[top, left, bottom, right]`, dilations, groups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conv2d {
    pub strides: [usize; 2],
    pub pads: [usize; 4],
    pub dilations: [usize; 2],
    pub groups: usize,
}

/// Pooling attributes: window, strides, pads `[top, left, bottom, right]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pool2d {
    pub kernel: [usize; 2],
    pub strides: [usize; 2],
    pub pads: [usize; 4],
}

fn term(index: usize, coefficient: i64) -> Option<(usize, i64)> {
    (coefficient != 0).then_some((index, coefficient))
}

fn broadcast(kernel: &str, a: &[usize], b: &[usize]) -> Result<Vec<usize>> {
    broadcast_shape(a, b)
        .ok_or_else(|| RuntimeError::kernel(kernel, format!("shapes {a:?} and {b:?} do not broadcast")))
}

/// `ca * a + cb * b` with broadcasting; inputs are `a`'s elements followed by `b`'s.
pub fn combine(kernel: &str, a: &[usize], b: &[usize], ca: i64, cb: i64) -> Result<LinearMap> {
    let shape = broadcast(kernel, a, b)?;
    let offset = element_count(a);
    let rows = broadcast_sources(a, &shape)
        .into_iter()
        .zip(broadcast_sources(b, &shape))
        .map(|(ia, ib)| Row {
            terms: [term(ia, ca), term(offset + ib, cb)].into_iter().flatten().collect(),
            constant: 0,
        })
        .collect();
    Ok(LinearMap::new(shape, rows))
}

/// How a plaintext operand enters an elementwise kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlainOp {
    Add,
    Sub,
    Mul,
}

/// `a (+|-|*) pt` with broadcasting.
pub fn with_plain(kernel: &str, a: &[usize], pt: &Tensor<i64>, op: PlainOp) -> Result<LinearMap> {
    let shape = broadcast(kernel, a, &pt.shape)?;
    let rows = broadcast_sources(a, &shape)
        .into_iter()
        .zip(broadcast_sources(&pt.shape, &shape))
        .map(|(ia, ip)| {
            let p = pt.data[ip];
            match op {
                PlainOp::Add => Row { terms: vec![(ia, 1)], constant: p as i128 },
                PlainOp::Sub => Row { terms: vec![(ia, 1)], constant: -(p as i128) },
                PlainOp::Mul => Row { terms: term(ia, p).into_iter().collect(), constant: 0 },
            }
        })
        .collect();
    Ok(LinearMap::new(shape, rows))
}

/// Every element times the same coefficient (neg: -1, shl: 2^shift).
pub fn scale(shape: &[usize], coefficient: i64) -> LinearMap {
    let rows =
        (0..element_count(shape)).map(|i| Row { terms: term(i, coefficient).into_iter().collect(), constant: 0 });
    LinearMap::new(shape.to_vec(), rows.collect())
}

/// `x[.., K] @ w[K, N] + bias[N]`.
pub fn matmul(x: &[usize], w: &Tensor<i64>, bias: Option<&Tensor<i64>>) -> Result<LinearMap> {
    let err = |m: String| RuntimeError::kernel("matmul_plain", m);
    let (&k, lead) = x.split_last().ok_or_else(|| err("the input must have rank >= 1".into()))?;
    let [wk, n] = w.shape[..] else { return Err(err(format!("the weight must be [K, N], not {:?}", w.shape))) };
    if wk != k {
        return Err(err(format!("input {x:?} and weight {:?} disagree on K", w.shape)));
    }
    check_bias("matmul_plain", bias, n)?;
    let m = element_count(lead);
    let rows = (0..m * n)
        .map(|o| {
            let (row, col) = (o / n, o % n);
            Row {
                terms: (0..k).filter_map(|i| term(row * k + i, w.data[i * n + col])).collect(),
                constant: bias.map_or(0, |b| b.data[col] as i128),
            }
        })
        .collect();
    Ok(LinearMap::new([lead, &[n]].concat(), rows))
}

fn check_bias(kernel: &str, bias: Option<&Tensor<i64>>, n: usize) -> Result<()> {
    match bias {
        Some(b) if b.shape != [n] => {
            Err(RuntimeError::kernel(kernel, format!("bias must be [{n}], not {:?}", b.shape)))
        }
        _ => Ok(()),
    }
}

/// Output extent of a window sweep along one axis; `None` when the window does not fit.
fn out_extent(input: usize, pad: usize, kernel: usize, stride: usize, dilation: usize) -> Option<usize> {
    let span = dilation.checked_mul(kernel.checked_sub(1)?)?.checked_add(1)?;
    (input + pad).checked_sub(span).filter(|_| stride > 0).map(|room| room / stride + 1)
}

/// A 2-D window sweep over the last two axes of an image: for each output position, the in-bounds taps as
/// (input flat index within one plane, kernel tap index). Padding taps are left out.
struct Sweep {
    out: [usize; 2],
    taps: Vec<Vec<(usize, usize)>>,
}

fn sweep(
    kernel: &str,
    hw: [usize; 2],
    k: [usize; 2],
    strides: [usize; 2],
    pads: [usize; 4],
    dil: [usize; 2],
) -> Result<Sweep> {
    let extent = |axis: usize| out_extent(hw[axis], pads[axis] + pads[axis + 2], k[axis], strides[axis], dil[axis]);
    let (Some(oh), Some(ow)) = (extent(0), extent(1)) else {
        return Err(RuntimeError::kernel(kernel, format!("window {k:?} does not fit image {hw:?} with pads {pads:?}")));
    };
    let taps = (0..oh * ow)
        .map(|o| {
            let (oy, ox) = (o / ow, o % ow);
            let mut taps = Vec::with_capacity(k[0] * k[1]);
            for ky in 0..k[0] {
                for kx in 0..k[1] {
                    let y = (oy * strides[0] + ky * dil[0]).checked_sub(pads[0]).filter(|&y| y < hw[0]);
                    let x = (ox * strides[1] + kx * dil[1]).checked_sub(pads[1]).filter(|&x| x < hw[1]);
                    if let (Some(y), Some(x)) = (y, x) {
                        taps.push((y * hw[1] + x, ky * k[1] + kx));
                    }
                }
            }
            taps
        })
        .collect();
    Ok(Sweep { out: [oh, ow], taps })
}

fn image_shape(kernel: &str, x: &[usize]) -> Result<[usize; 4]> {
    x.try_into().map_err(|_| RuntimeError::kernel(kernel, format!("the input must be [N, C, H, W], not {x:?}")))
}

/// ONNX Conv on `x[N, C, H, W]` with `w[O, C/groups, kh, kw]` and `bias[O]`.
pub fn conv2d(x: &[usize], w: &Tensor<i64>, bias: Option<&Tensor<i64>>, attrs: &Conv2d) -> Result<LinearMap> {
    let kernel = "conv2d_plain";
    let [n, c, h, wd] = image_shape(kernel, x)?;
    let &[o, cg, kh, kw] = &w.shape[..] else {
        return Err(RuntimeError::kernel(
            kernel,
            format!("the weight must be [O, C/groups, kh, kw], not {:?}", w.shape),
        ));
    };
    let g = attrs.groups;
    if g == 0 || c % g != 0 || o % g != 0 || cg != c / g {
        return Err(RuntimeError::kernel(
            kernel,
            format!("groups = {g} does not fit input {x:?} and weight {:?}", w.shape),
        ));
    }
    check_bias(kernel, bias, o)?;
    let s = sweep(kernel, [h, wd], [kh, kw], attrs.strides, attrs.pads, attrs.dilations)?;
    let plane = h * wd;
    let (og, positions) = (o / g, s.taps.len());
    let rows = (0..n * o * positions)
        .map(|flat| {
            let (b, oc, pos) = (flat / (o * positions), flat / positions % o, flat % positions);
            let first_channel = oc / og * cg;
            let mut terms = Vec::with_capacity(cg * s.taps[pos].len());
            for ci in 0..cg {
                let input_plane = (b * c + first_channel + ci) * plane;
                let weights = &w.data[(oc * cg + ci) * kh * kw..][..kh * kw];
                terms.extend(s.taps[pos].iter().filter_map(|&(at, tap)| term(input_plane + at, weights[tap])));
            }
            Row { terms, constant: bias.map_or(0, |b| b.data[oc] as i128) }
        })
        .collect();
    Ok(LinearMap::new(vec![n, o, s.out[0], s.out[1]], rows))
}

/// The windows of a 2-D pooling over `x[N, C, H, W]`: output shape and, per output, the flat input indices that are
/// not padding.
pub fn pool_windows(kernel: &str, x: &[usize], attrs: &Pool2d) -> Result<(Vec<usize>, Vec<Vec<usize>>)> {
    let [n, c, h, w] = image_shape(kernel, x)?;
    let s = sweep(kernel, [h, w], attrs.kernel, attrs.strides, attrs.pads, [1, 1])?;
    let windows = (0..n * c)
        .flat_map(|plane| s.taps.iter().map(move |taps| taps.iter().map(|&(at, _)| plane * h * w + at).collect()))
        .collect();
    Ok((vec![n, c, s.out[0], s.out[1]], windows))
}

/// Window sums (padding counts as zero) times `multiplier`.
pub fn avg_pool2d(x: &[usize], attrs: &Pool2d, multiplier: i64) -> Result<LinearMap> {
    let (shape, windows) = pool_windows("avg_pool2d", x, attrs)?;
    let rows = windows
        .into_iter()
        .map(|window| Row { terms: window.into_iter().filter_map(|i| term(i, multiplier)).collect(), constant: 0 })
        .collect();
    Ok(LinearMap::new(shape, rows))
}

/// Sum over `axes` (all axes when empty), keeping reduced axes as 1 when `keepdims`.
pub fn sum(x: &[usize], axes: &[i64], keepdims: bool) -> Result<LinearMap> {
    let rank = x.len() as i64;
    let mut reduced = vec![axes.is_empty(); x.len()];
    for &axis in axes {
        let a = if axis < 0 { axis + rank } else { axis };
        if !(0..rank).contains(&a) {
            return Err(RuntimeError::kernel("sum", format!("axis {axis} is out of range for rank {rank}")));
        }
        reduced[a as usize] = true;
    }
    let kept: Vec<usize> = x.iter().zip(&reduced).map(|(&d, &r)| if r { 1 } else { d }).collect();
    let kept_strides = strides(&kept);
    let mut rows = vec![Row::default(); element_count(&kept)];
    for flat in 0..element_count(x) {
        let index = unravel(flat, x);
        let out: usize = (0..x.len()).filter(|&a| !reduced[a]).map(|a| index[a] * kept_strides[a]).sum();
        rows[out].terms.push((flat, 1));
    }
    let shape = if keepdims { kept } else { x.iter().zip(&reduced).filter(|(_, &r)| !r).map(|(&d, _)| d).collect() };
    Ok(LinearMap::new(shape, rows))
}
