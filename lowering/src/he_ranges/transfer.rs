//! The transfer functions of the integer interval analysis: the exact interval of every he op's result,
//! element by element, from its operands' intervals and its attributes.

use veil_he::FixedTensor;
use veil_ir::{AttrKind, DenseValues, Module, OpId};

use super::{broadcast_map, numel, strides, Interval, TensorRange};

fn ints(m: &Module, op: OpId, name: &str, default: &[i64]) -> Result<Vec<i64>, String> {
    match m.op(op).attr(name) {
        None => Ok(default.to_vec()),
        Some(a) => m.attr_as_int_array(a).ok_or_else(|| format!("attribute '{name}' must be an array of integers")),
    }
}

fn int(m: &Module, op: OpId, name: &str, default: i64) -> Result<i64, String> {
    match m.op(op).attr(name) {
        None => Ok(default),
        Some(a) => m.attr_as_int(a).ok_or_else(|| format!("attribute '{name}' must be an integer")),
    }
}

fn uints<const N: usize>(m: &Module, op: OpId, name: &str, default: [i64; N]) -> Result<[usize; N], String> {
    let v = ints(m, op, name, &default)?;
    let arr = <[i64; N]>::try_from(v.as_slice()).map_err(|_| format!("'{name}' must have {N} elements"))?;
    if arr.iter().any(|&x| x < 0) {
        return Err(format!("'{name}' must be non-negative"));
    }
    Ok(arr.map(|x| x as usize))
}

fn shift(m: &Module, op: OpId) -> Result<u32, String> {
    let s = int(m, op, "shift", 0)?;
    u32::try_from(s).ok().filter(|s| (1..=63).contains(s)).ok_or_else(|| format!("shift = {s} must be in 1..=63"))
}

fn dense_ints(m: &Module, op: OpId, name: &str) -> Result<Vec<i64>, String> {
    let a = m.op(op).attr(name).ok_or_else(|| format!("requires attribute '{name}'"))?;
    match m.attr(a) {
        AttrKind::Dense(d) => match &d.values {
            DenseValues::Int(v) => Ok(v.clone()),
            _ => Err(format!("attribute '{name}' must hold integers")),
        },
        _ => Err(format!("attribute '{name}' must be a dense elements attribute")),
    }
}

fn operand(ops: &[TensorRange], i: usize) -> Result<&TensorRange, String> {
    ops.get(i).ok_or_else(|| format!("operand #{i} is missing"))
}

/// Elementwise binary op with numpy broadcasting to the result's shape.
fn binary(ops: &[TensorRange], out: &[u64], f: impl Fn(Interval, Interval) -> Interval) -> Result<TensorRange, String> {
    let (a, b) = (operand(ops, 0)?, operand(ops, 1)?);
    let (ia, ib) = (broadcast_map(&a.shape, out)?, broadcast_map(&b.shape, out)?);
    let elems = ia.iter().zip(&ib).map(|(&i, &j)| f(a.elems[i], b.elems[j])).collect();
    Ok(TensorRange { shape: out.to_vec(), elems })
}

/// The ranges of `op`'s single he result (`rt` is its type) from its operands' ranges.
pub fn transfer(m: &Module, op: OpId, ops: &[TensorRange], rt: &FixedTensor) -> Result<TensorRange, String> {
    use veil_he as he;
    let def = m.op(op).def;
    let out = rt.shape.as_slice();
    let unary = |f: fn(Interval) -> Interval| operand(ops, 0).map(|x| x.map(f));
    if def == &he::ENCODE {
        let values = dense_ints(m, op, "value")?;
        let n = numel(out)?;
        let elems = (0..n)
            .map(|i| Interval::point(values.get(if values.len() == 1 { 0 } else { i }).copied().unwrap_or(0) as i128))
            .collect();
        Ok(TensorRange { shape: out.to_vec(), elems })
    } else if def == &he::ENCRYPT || def == &he::DECRYPT || def == &he::TRIVIAL {
        Ok(operand(ops, 0)?.clone())
    } else if def == &he::ADD || def == &he::ADD_PLAIN {
        binary(ops, out, |a, b| a + b)
    } else if def == &he::SUB || def == &he::SUB_PLAIN {
        binary(ops, out, |a, b| a - b)
    } else if def == &he::MAX {
        binary(ops, out, Interval::max)
    } else if def == &he::MUL || def == &he::MUL_PLAIN {
        binary(ops, out, |a, b| a * b)
    } else if def == &he::NEG {
        unary(|x| -x)
    } else if def == &he::RELU {
        unary(Interval::relu)
    } else if def == &he::SQUARE {
        unary(Interval::square)
    } else if def == &he::CLAMP {
        let (lo, hi) = (int(m, op, "lo", 0)?, int(m, op, "hi", 0)?);
        if lo > hi {
            return Err(format!("lo = {lo} must not exceed hi = {hi}"));
        }
        Ok(operand(ops, 0)?.map(|x| x.clamp(lo.into(), hi.into())))
    } else if def == &he::RESCALE {
        let s = shift(m, op)?;
        Ok(operand(ops, 0)?.map(|i| i.shr_floor(s)))
    } else if def == &he::SHL {
        let s = shift(m, op)?;
        Ok(operand(ops, 0)?.map(|i| i.shl_by(s)))
    } else if def == &he::MATMUL_PLAIN {
        matmul(ops, out)
    } else if def == &he::CONV2D_PLAIN {
        conv2d(m, op, ops, out)
    } else if def == &he::SUM {
        sum(m, op, ops, out)
    } else if def == &he::MAX_POOL2D || def == &he::AVG_POOL2D {
        pool(m, op, ops, out, def == &he::MAX_POOL2D)
    } else if def == &he::LUT {
        lut(m, op, ops)
    } else if def == &he::RESHAPE {
        Ok(TensorRange { shape: out.to_vec(), elems: operand(ops, 0)?.elems.clone() })
    } else if def == &he::TRANSPOSE {
        transpose(m, op, ops, out)
    } else if def == &he::PAD {
        pad(m, op, ops, out)
    } else if def == &he::CONCAT {
        concat(m, op, ops, out)
    } else {
        TensorRange::uniform(out, Interval::of_width(rt.width))
    }
}

/// `[M, K] x [K, N] (+ bias [N])` or `[K] x [K, N]`: each output is the exact sum of its product intervals.
fn matmul(ops: &[TensorRange], out: &[u64]) -> Result<TensorRange, String> {
    let (x, w) = (operand(ops, 0)?, operand(ops, 1)?);
    let &[k, n] = w.shape.as_slice() else { return Err("the weights must be [K, N]".into()) };
    let (k, n) = (k as usize, n as usize);
    let rows = match x.shape.as_slice() {
        [kk] if *kk as usize == k => 1,
        [mm, kk] if *kk as usize == k => *mm as usize,
        _ => return Err(format!("the input {:?} does not match the weights [{k}, {n}]", x.shape)),
    };
    if numel(out)? != rows * n {
        return Err("the result shape does not match the product".into());
    }
    let bias = ops.get(2);
    if bias.is_some_and(|b| b.elems.len() != n) {
        return Err(format!("the bias must have {n} elements"));
    }
    let mut elems = Vec::with_capacity(rows * n);
    for r in 0..rows {
        for j in 0..n {
            let mut acc = bias.map_or(Interval::point(0), |b| b.elems[j]);
            for kk in 0..k {
                acc = acc + x.elems[r * k + kk] * w.elems[kk * n + j];
            }
            elems.push(acc);
        }
    }
    Ok(TensorRange { shape: out.to_vec(), elems })
}

fn nchw(shape: &[u64], what: &str) -> Result<[usize; 4], String> {
    <[u64; 4]>::try_from(shape).map(|s| s.map(|d| d as usize)).map_err(|_| format!("the {what} must be NCHW"))
}

/// The input position read by output position `o` at kernel offset `k`, or `None` in the padding.
fn source(o: usize, k: usize, stride: usize, dilation: usize, pad: usize, size: usize) -> Option<usize> {
    (o * stride + k * dilation).checked_sub(pad).filter(|&i| i < size)
}

/// Grouped 2-D convolution: each output is the sum of the intervals of its products (padding reads zero).
fn conv2d(m: &Module, op: OpId, ops: &[TensorRange], out: &[u64]) -> Result<TensorRange, String> {
    let (x, w) = (operand(ops, 0)?, operand(ops, 1)?);
    let [n, c, h, wd] = nchw(&x.shape, "input")?;
    let [o, cg, kh, kw] = nchw(&w.shape, "weights")?;
    let [on, oo, oh, ow] = nchw(out, "result")?;
    let groups = usize::try_from(int(m, op, "groups", 1)?).map_err(|_| "groups must be positive")?;
    let [sh, sw] = uints(m, op, "strides", [1, 1])?;
    let [dh, dw] = uints(m, op, "dilations", [1, 1])?;
    let [pt, pl, _, _] = uints(m, op, "pads", [0; 4])?;
    if groups == 0 || on != n || oo != o || o % groups != 0 || cg * groups != c {
        return Err("the convolution's shapes do not agree".into());
    }
    let bias = ops.get(2);
    if bias.is_some_and(|b| b.elems.len() != o) {
        return Err(format!("the bias must have {o} elements"));
    }
    let per_group = o / groups;
    let mut elems = Vec::with_capacity(n * o * oh * ow);
    for b in 0..n {
        for oc in 0..o {
            let g = oc / per_group;
            for oy in 0..oh {
                for ox in 0..ow {
                    let mut acc = bias.map_or(Interval::point(0), |bias| bias.elems[oc]);
                    for ci in 0..cg {
                        let ch = g * cg + ci;
                        for ky in 0..kh {
                            let Some(iy) = source(oy, ky, sh, dh, pt, h) else { continue };
                            for kx in 0..kw {
                                let Some(ix) = source(ox, kx, sw, dw, pl, wd) else { continue };
                                let xi = x.elems[((b * c + ch) * h + iy) * wd + ix];
                                let wi = w.elems[((oc * cg + ci) * kh + ky) * kw + kx];
                                acc = acc + xi * wi;
                            }
                        }
                    }
                    elems.push(acc);
                }
            }
        }
    }
    Ok(TensorRange { shape: out.to_vec(), elems })
}

/// max_pool2d (padding never wins) and avg_pool2d (the sum of the in-bounds cells times `multiplier`).
fn pool(m: &Module, op: OpId, ops: &[TensorRange], out: &[u64], is_max: bool) -> Result<TensorRange, String> {
    let x = operand(ops, 0)?;
    let [n, c, h, wd] = nchw(&x.shape, "input")?;
    let [on, oc, oh, ow] = nchw(out, "result")?;
    if on != n || oc != c {
        return Err("the pooling's shapes do not agree".into());
    }
    let [kh, kw] = uints(m, op, "kernel", [1, 1])?;
    let [sh, sw] = uints(m, op, "strides", [1, 1])?;
    let [pt, pl, _, _] = uints(m, op, "pads", [0; 4])?;
    let multiplier = Interval::point(int(m, op, "multiplier", 1)? as i128);
    let mut elems = Vec::with_capacity(n * c * oh * ow);
    for plane in 0..n * c {
        for oy in 0..oh {
            for ox in 0..ow {
                let mut acc: Option<Interval> = None;
                for ky in 0..kh {
                    let Some(iy) = source(oy, ky, sh, 1, pt, h) else { continue };
                    for kx in 0..kw {
                        let Some(ix) = source(ox, kx, sw, 1, pl, wd) else { continue };
                        let v = x.elems[(plane * h + iy) * wd + ix];
                        acc = Some(match acc {
                            None => v,
                            Some(a) if is_max => a.max(v),
                            Some(a) => a + v,
                        });
                    }
                }
                let v = acc.unwrap_or(Interval::point(0));
                elems.push(if is_max { v } else { v * multiplier });
            }
        }
    }
    Ok(TensorRange { shape: out.to_vec(), elems })
}

fn sum(m: &Module, op: OpId, ops: &[TensorRange], out: &[u64]) -> Result<TensorRange, String> {
    let x = operand(ops, 0)?;
    let axes = ints(m, op, "axes", &[])?;
    let keep: Vec<usize> = (0..x.shape.len()).filter(|&d| !axes.contains(&(d as i64))).collect();
    let kept: Vec<u64> = keep.iter().map(|&d| x.shape[d]).collect();
    let n = numel(out)?;
    if numel(&kept)? != n {
        return Err("the result shape does not match the summed axes".into());
    }
    let (xs, ks) = (strides(&x.shape), strides(&kept));
    let mut elems = vec![Interval::point(0); n];
    for (flat, &v) in x.elems.iter().enumerate() {
        let idx: usize = keep.iter().zip(&ks).map(|(&d, &s)| (flat / xs[d]) % x.shape[d] as usize * s).sum();
        elems[idx] = elems[idx] + v;
    }
    Ok(TensorRange { shape: out.to_vec(), elems })
}

/// The min and max of the table entries each element's interval can reach (the index is `floor(x / 2^shift)`).
fn lut(m: &Module, op: OpId, ops: &[TensorRange]) -> Result<TensorRange, String> {
    let x = operand(ops, 0)?;
    let input = m.op(op).operands.first().and_then(|&v| FixedTensor::of(m, m.value_type(v)));
    let width = input.map(|t| t.width).ok_or("the operand is not an he tensor")?;
    let shift = m.op(op).attr("shift").and_then(|a| m.attr_as_int(a)).unwrap_or(0);
    let index_bits = u32::try_from(i64::from(width) - shift).ok().filter(|&b| b >= 1).ok_or("bad lut shift")?;
    let table = dense_ints(m, op, "table")?;
    let full = Interval::of_width(index_bits);
    if table.len() as u128 != (full.hi - full.lo + 1) as u128 {
        return Err(format!("the table must have {} entries", full.hi - full.lo + 1));
    }
    let elems = x
        .elems
        .iter()
        .map(|iv| {
            let index = Interval { lo: iv.lo >> shift, hi: iv.hi >> shift };
            let index = index.intersect(full).unwrap_or(full);
            let reach = &table[(index.lo - full.lo) as usize..=(index.hi - full.lo) as usize];
            let lo = reach.iter().copied().min().unwrap_or(0) as i128;
            let hi = reach.iter().copied().max().unwrap_or(0) as i128;
            Interval { lo, hi }
        })
        .collect();
    Ok(TensorRange { shape: x.shape.clone(), elems })
}

fn transpose(m: &Module, op: OpId, ops: &[TensorRange], out: &[u64]) -> Result<TensorRange, String> {
    let x = operand(ops, 0)?;
    let perm = ints(m, op, "perm", &[])?;
    if perm.len() != x.shape.len() || perm.iter().any(|&p| p < 0 || p as usize >= x.shape.len()) {
        return Err(format!("'perm' {perm:?} must be a permutation of the operand's dimensions {:?}", x.shape));
    }
    let (xs, os) = (strides(&x.shape), strides(out));
    let elems = (0..numel(out)?)
        .map(|flat| {
            let src: usize =
                perm.iter().enumerate().map(|(i, &p)| (flat / os[i]) % out[i] as usize * xs[p as usize]).sum();
            x.elems[src]
        })
        .collect();
    Ok(TensorRange { shape: out.to_vec(), elems })
}

fn pad(m: &Module, op: OpId, ops: &[TensorRange], out: &[u64]) -> Result<TensorRange, String> {
    let x = operand(ops, 0)?;
    let pads = ints(m, op, "pads", &[])?;
    let r = x.shape.len();
    if pads.len() != 2 * r || out.len() != r {
        return Err(format!(
            "'pads' must have two entries per dimension of the {r}-d operand ({} given, a {}-d result)",
            pads.len(),
            out.len()
        ));
    }
    let (xs, os) = (strides(&x.shape), strides(out));
    let elems = (0..numel(out)?)
        .map(|flat| {
            let mut src = 0;
            for d in 0..r {
                let coord = (flat / os[d]) % out[d] as usize;
                match coord.checked_sub(pads[d].max(0) as usize).filter(|&c| c < x.shape[d] as usize) {
                    Some(c) => src += c * xs[d],
                    None => return Interval::point(0),
                }
            }
            x.elems[src]
        })
        .collect();
    Ok(TensorRange { shape: out.to_vec(), elems })
}

fn concat(m: &Module, op: OpId, ops: &[TensorRange], out: &[u64]) -> Result<TensorRange, String> {
    let axis = usize::try_from(int(m, op, "axis", 0)?).map_err(|_| "'axis' must be non-negative")?;
    if axis >= out.len() {
        return Err("'axis' is out of range".into());
    }
    // Row-major: the result is, for each index before the axis, the operands' blocks one after another.
    let outer: usize = out[..axis].iter().map(|&d| d as usize).product();
    let mut elems = Vec::with_capacity(numel(out)?);
    for o in 0..outer {
        for x in ops {
            let block = x.elems.len() / outer.max(1);
            let part = x.elems.get(o * block..(o + 1) * block).ok_or("the operands' shapes do not agree")?;
            elems.extend_from_slice(part);
        }
    }
    Ok(TensorRange { shape: out.to_vec(), elems })
}
