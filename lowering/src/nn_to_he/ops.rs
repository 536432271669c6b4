//! The lowering of each nn op with at least one ciphertext operand (ops on constants only were folded).

use veil_he as he;
use veil_ir::{Attr, Diagnostics, Module, OpId, Value};
use veil_nn::attrs::{
    AvgPool2dAttrs, BatchNormAttrs, ConcatAttrs, Conv2dAttrs, MaxPool2dAttrs, PadAttrs, ReduceSumAttrs, TransposeAttrs,
};
use veil_nn::eval::{kernels, Tensor};
use veil_nn::shapes::Window2d;

use super::{result_shape, Lowering, Operand};

/// Ints as an attribute list entry.
fn ints(m: &mut Module, name: &str, values: &[u64]) -> (String, Attr) {
    let v: Vec<i64> = values.iter().map(|&x| x as i64).collect();
    (name.to_string(), m.int_array_attr(&v))
}

/// `kernel`, then `strides` and `pads` where they are not the defaults (1 and 0).
fn window_attrs(m: &mut Module, kernel: &[u64; 2], strides: &[u64; 2], pads: &[u64; 4]) -> Vec<(String, Attr)> {
    let mut attrs = vec![ints(m, "kernel", kernel)];
    if strides != &[1, 1] {
        attrs.push(ints(m, "strides", strides));
    }
    if pads != &[0; 4] {
        attrs.push(ints(m, "pads", pads));
    }
    attrs
}

/// A per-output vector `[n]` from a constant of shape `[n]`, `[1, n]` (matmul) or `[n, 1, 1]`, `[1, n, 1, 1]`
/// (conv), when it is one; `None` otherwise.
fn as_bias(c: &Tensor<f32>, n: u64, conv: bool) -> Option<Tensor<f32>> {
    let dims: Vec<u64> = c.shape().to_vec();
    let ok = match conv {
        false => dims == [n] || dims == [1, n],
        true => dims == [n] || dims == [n, 1, 1] || dims == [1, n, 1, 1],
    };
    ok.then(|| c.clone().reshaped(vec![n]).ok()).flatten()
}

impl Lowering {
    /// Lowers one nn op:
    /// - `add` / `sub` of ciphertexts: `he.add` / `he.sub` (operands rescaled to a common frac); of a ciphertext
    ///   and a constant: `he.add_plain` / `he.sub_plain` (constant - x is `he.neg` then `he.add_plain`), or
    ///   `he.add` of an `he.trivial` when the constant is the larger operand of a broadcast;
    /// - `mul`: `x * x` is `he.square`, ciphertext × ciphertext `he.mul`, × constant `he.mul_plain` (the
    ///   constant at the weight frac); each followed by `he.rescale` to the recorded frac;
    /// - `neg`, `relu`: `he.neg`, `he.relu`;
    /// - `matmul` with constant weights: `he.matmul_plain` (+ bias, see the module doc) then `he.rescale`;
    ///   constant × ciphertext is computed transposed, `(Xᵀ Cᵀ)ᵀ`;
    /// - `conv2d` with constant weights (and bias): `he.conv2d_plain` then `he.rescale`;
    /// - `avg_pool2d` / `global_avg_pool2d`: `he.avg_pool2d` (the exact window sum times a multiplier: a window
    ///   of 2^k cells is multiplier 1 at k more fraction bits; another count n is round(2^s / n) at s = weight
    ///   frac + ceil(log2 n) bits) then `he.rescale`; border windows of fewer cells (padding not counted) get a
    ///   per-position `he.mul_plain` instead;
    /// - `max_pool2d`: `he.max_pool2d`;
    /// - `batch_norm` with constant statistics: `he.mul_plain` by scale / sqrt(var + eps) per channel, then
    ///   `he.add_plain` of bias - mean * that at the product's frac, then `he.rescale`;
    /// - `reshape`, `transpose`, `concat`, `reduce_sum`: `he.reshape`, `he.transpose`, `he.concat` (constants
    ///   as `he.trivial`), `he.sum`; `pad`: `he.pad`, plus an `he.add_plain` of the fill value when it is not 0.
    pub(super) fn lower_op(&mut self, m: &mut Module, op: OpId) -> Result<Value, Diagnostics> {
        use veil_nn as nn;
        let def = m.op(op).def;
        let frac = self.target_frac(m, op)?;
        let shape = result_shape(m, op);
        if def == &nn::ADD || def == &nn::SUB {
            self.add_sub(m, op, def == &nn::SUB, frac)
        } else if def == &nn::MUL {
            self.mul(m, op, frac)
        } else if def == &nn::NEG || def == &nn::RELU {
            let x = self.cipher(m, op, 0)?;
            let fx = self.view(m, x).frac;
            let hdef = if def == &nn::NEG { &he::NEG } else { &he::RELU };
            self.emit(m, hdef, &[x], &shape, fx, vec![], true)
        } else if def == &nn::MATMUL {
            self.matmul(m, op, frac)
        } else if def == &nn::CONV2D {
            self.conv2d(m, op, frac)
        } else if def == &nn::AVG_POOL2D || def == &nn::GLOBAL_AVG_POOL2D {
            self.avg_pool(m, op, frac)
        } else if def == &nn::MAX_POOL2D {
            let a = MaxPool2dAttrs::try_read(m, op).map_err(|e| m.error_at(op, e))?;
            if a.dilations != [1, 1] {
                return Err(m.error_at(op, "'nn.max_pool2d' with dilations is not supported: he.max_pool2d has none"));
            }
            let x = self.cipher(m, op, 0)?;
            let fx = self.view(m, x).frac;
            let attrs = window_attrs(m, &a.kernel, &a.strides, &a.pads);
            let v = self.emit(m, &he::MAX_POOL2D, &[x], &shape, fx, attrs, true)?;
            self.rescale_to(m, v, frac, true)
        } else if def == &nn::BATCH_NORM {
            self.batch_norm(m, op, frac)
        } else if def == &nn::RESHAPE {
            let x = self.cipher(m, op, 0)?;
            let fx = self.view(m, x).frac;
            self.emit(m, &he::RESHAPE, &[x], &shape, fx, vec![], true)
        } else if def == &nn::TRANSPOSE {
            let x = self.cipher(m, op, 0)?;
            let xt = self.view(m, x);
            let a = TransposeAttrs::try_read_ranked(m, op, xt.shape.len()).map_err(|e| m.error_at(op, e))?;
            let perm: Vec<u64> = a.perm.iter().map(|&p| p as u64).collect();
            let fx = xt.frac;
            let attrs = vec![ints(m, "perm", &perm)];
            self.emit(m, &he::TRANSPOSE, &[x], &shape, fx, attrs, true)
        } else if def == &nn::PAD {
            self.pad(m, op, &shape)
        } else if def == &nn::CONCAT {
            self.concat(m, op, frac, &shape)
        } else if def == &nn::REDUCE_SUM {
            let x = self.cipher(m, op, 0)?;
            let xt = self.view(m, x);
            let a = ReduceSumAttrs::try_read_ranked(m, op, xt.shape.len()).map_err(|e| m.error_at(op, e))?;
            let fx = xt.frac;
            let axes: Vec<u64> = a.axes.iter().map(|&x| x as u64).collect();
            let mut attrs = vec![ints(m, "axes", &axes)];
            if !a.keepdims {
                attrs.push(("keepdims".to_string(), m.bool_attr(false)));
            }
            self.emit(m, &he::SUM, &[x], &shape, fx, attrs, true)
        } else {
            Err(m.error_at(op, format!("'{}' has no lowering to he", def.name)))
        }
    }

    /// Operand `i` as a ciphertext (a constant operand becomes a trivial encryption at the op's frac).
    fn cipher(&mut self, m: &mut Module, op: OpId, i: usize) -> Result<Value, Diagnostics> {
        match self.operand(m, op, i)? {
            Operand::Cipher(v) => Ok(v),
            Operand::Const(c) => {
                let c = c.clone();
                let frac = self.target_frac(m, op)?;
                self.trivial(m, &c, frac)
            }
        }
    }

    /// Both operands at the smaller of their fracs.
    fn align(&mut self, m: &mut Module, a: Value, b: Value) -> Result<(Value, Value), Diagnostics> {
        let f = self.view(m, a).frac.min(self.view(m, b).frac);
        Ok((self.rescale_to(m, a, f, false)?, self.rescale_to(m, b, f, false)?))
    }

    fn add_sub(&mut self, m: &mut Module, op: OpId, sub: bool, frac: i32) -> Result<Value, Diagnostics> {
        let shape = result_shape(m, op);
        let (a, b) = (self.operand(m, op, 0)?, self.operand(m, op, 1)?);
        let v = match (a, b) {
            (Operand::Cipher(x), Operand::Cipher(y)) => {
                let (x, y) = self.align(m, x, y)?;
                let fx = self.view(m, x).frac;
                self.emit(m, if sub { &he::SUB } else { &he::ADD }, &[x, y], &shape, fx, vec![], true)?
            }
            (Operand::Cipher(x), Operand::Const(c)) => {
                let c = c.clone();
                self.add_const(m, x, &c, sub, &shape)?
            }
            (Operand::Const(c), Operand::Cipher(x)) => {
                let c = c.clone();
                let x = match sub {
                    true => {
                        let t = self.view(m, x);
                        self.emit(m, &he::NEG, &[x], &t.shape, t.frac, vec![], false)?
                    }
                    false => x,
                };
                self.add_const(m, x, &c, false, &shape)?
            }
            (Operand::Const(_), Operand::Const(_)) => unreachable_const(m, op)?,
        };
        self.rescale_to(m, v, frac, true)
    }

    /// `x ± c`: a plaintext addition when `c` broadcasts to `x`, else an addition of a trivial ciphertext.
    fn add_const(
        &mut self,
        m: &mut Module,
        x: Value,
        c: &Tensor<f32>,
        sub: bool,
        out: &[u64],
    ) -> Result<Value, Diagnostics> {
        let t = self.view(m, x);
        if he::shape::broadcasts_to(c.shape(), &t.shape) {
            let p = self.encode(m, c, t.frac)?;
            let def = if sub { &he::SUB_PLAIN } else { &he::ADD_PLAIN };
            return self.emit(m, def, &[x, p], out, t.frac, vec![], true);
        }
        let k = self.trivial(m, c, t.frac)?;
        self.emit(m, if sub { &he::SUB } else { &he::ADD }, &[x, k], out, t.frac, vec![], true)
    }

    fn mul(&mut self, m: &mut Module, op: OpId, frac: i32) -> Result<Value, Diagnostics> {
        let shape = result_shape(m, op);
        let same = m.op(op).operands[0] == m.op(op).operands[1];
        let v = match (self.operand(m, op, 0)?, self.operand(m, op, 1)?) {
            (Operand::Cipher(x), Operand::Cipher(_)) if same => {
                let fx = self.view(m, x).frac;
                self.emit(m, &he::SQUARE, &[x], &shape, 2 * fx, vec![], false)?
            }
            (Operand::Cipher(x), Operand::Cipher(y)) => {
                let fs = self.view(m, x).frac + self.view(m, y).frac;
                self.emit(m, &he::MUL, &[x, y], &shape, fs, vec![], false)?
            }
            (Operand::Cipher(x), Operand::Const(c)) | (Operand::Const(c), Operand::Cipher(x)) => {
                let c = c.clone();
                let p = self.encode(m, &c, self.weight_frac)?;
                let fs = self.view(m, x).frac + self.weight_frac;
                self.emit(m, &he::MUL_PLAIN, &[x, p], &shape, fs, vec![], false)?
            }
            (Operand::Const(_), Operand::Const(_)) => unreachable_const(m, op)?,
        };
        self.rescale_to(m, v, frac, true)
    }

    /// The constant bias of the `nn.add` that is the only user of `op`'s result, as a vector `[n]`; marks the
    /// add as lowered with `op`.
    fn fused_bias(&mut self, m: &Module, op: OpId, n: u64, conv: bool) -> Option<(OpId, Tensor<f32>)> {
        let result = m.op(op).result();
        let uses = m.uses(result);
        let [(user, index)] = uses.as_slice() else { return None };
        if m.op(*user).def != &veil_nn::ADD || result_shape(m, *user) != result_shape(m, op) {
            return None;
        }
        let other = m.op(*user).operands[1 - index];
        let bias = as_bias(self.consts.get(&other)?, n, conv)?;
        self.fused.insert(*user);
        Some((*user, bias))
    }

    /// Switches the op being lowered to the fused add (its frac, its calibrated range) and maps its result.
    fn finish_fused(&mut self, m: &mut Module, add: Option<OpId>, acc: Value, frac: i32) -> Result<Value, Diagnostics> {
        let Some(add) = add else { return self.rescale_to(m, acc, frac, true) };
        let frac = self.target_frac(m, add)?;
        let v = self.rescale_to(m, acc, frac, true)?;
        self.map.insert(m.op(add).result(), v);
        Ok(v)
    }

    fn matmul(&mut self, m: &mut Module, op: OpId, frac: i32) -> Result<Value, Diagnostics> {
        let shape = result_shape(m, op);
        match (self.operand(m, op, 0)?, self.operand(m, op, 1)?) {
            (Operand::Cipher(x), Operand::Const(w)) => {
                let w = w.clone();
                let xt = self.view(m, x);
                let (&[_, n], 1..=2) = (w.shape(), xt.rank()) else {
                    return Err(m.error_at(op, "'nn.matmul' of a secret [M, K] or [K] by constant [K, N] weights is supported; batched products are not"));
                };
                let pw = self.encode(m, &w, self.weight_frac)?;
                let acc_frac = xt.frac + self.weight_frac;
                let mut operands = vec![x, pw];
                let fused = self.fused_bias(m, op, n, false);
                if let Some((_, b)) = &fused {
                    operands.push(self.encode(m, b, acc_frac)?);
                }
                let acc = self.emit(m, &he::MATMUL_PLAIN, &operands, &shape, acc_frac, vec![], fused.is_none())?;
                self.finish_fused(m, fused.map(|(a, _)| a), acc, frac)
            }
            (Operand::Const(c), Operand::Cipher(x)) => {
                // C [M, K] x X [K, N] = (Xᵀ [N, K] x Cᵀ [K, M])ᵀ.
                let c = c.clone();
                let xt = self.view(m, x);
                let (&[mm, k], &[k2, n]) = (c.shape(), xt.shape.as_slice()) else {
                    return Err(m.error_at(op, "'nn.matmul' of constant [M, K] by secret [K, N] needs both of rank 2"));
                };
                if k != k2 {
                    return Err(m.error_at(op, "'nn.matmul': inner dimensions differ"));
                }
                let perm = vec![ints(m, "perm", &[1, 0])];
                let xtr = self.emit(m, &he::TRANSPOSE, &[x], &[n, k], xt.frac, perm.clone(), false)?;
                let ct = kernels::transpose(&c, &[1, 0]).map_err(|e| m.error_at(op, e))?;
                let pw = self.encode(m, &ct, self.weight_frac)?;
                let acc_frac = xt.frac + self.weight_frac;
                let acc = self.emit(m, &he::MATMUL_PLAIN, &[xtr, pw], &[n, mm], acc_frac, vec![], true)?;
                let r = self.rescale_to(m, acc, frac, true)?;
                let fr = self.view(m, r).frac;
                self.emit(m, &he::TRANSPOSE, &[r], &shape, fr, perm, true)
            }
            _ => Err(m.error_at(
                op,
                "'nn.matmul' multiplies two secret tensors: he has no ciphertext x ciphertext matrix product; one \
                 operand must be a constant",
            )),
        }
    }

    fn conv2d(&mut self, m: &mut Module, op: OpId, frac: i32) -> Result<Value, Diagnostics> {
        let shape = result_shape(m, op);
        let n_operands = m.op(op).operands.len();
        let x = match self.operand(m, op, 0)? {
            Operand::Cipher(x) => x,
            Operand::Const(_) => {
                return Err(m.error_at(op, "'nn.conv2d' of a constant input by secret weights is not supported: he.conv2d_plain needs constant weights"))
            }
        };
        let Operand::Const(w) = self.operand(m, op, 1)? else {
            return Err(m.error_at(
                op,
                "'nn.conv2d' with secret weights is not supported: he.conv2d_plain needs constant weights",
            ));
        };
        let w = w.clone();
        let own_bias = match n_operands {
            3 => match self.operand(m, op, 2)? {
                Operand::Const(b) => Some(b.clone()),
                Operand::Cipher(_) => {
                    return Err(m.error_at(
                        op,
                        "'nn.conv2d' with a secret bias is not supported: he.conv2d_plain needs a constant bias",
                    ))
                }
            },
            _ => None,
        };
        let o = w.shape().first().copied().unwrap_or(0);
        let acc_frac = self.view(m, x).frac + self.weight_frac;
        let fused = if own_bias.is_none() { self.fused_bias(m, op, o, true) } else { None };
        let bias = own_bias.or(fused.as_ref().map(|(_, b)| b.clone()));
        let pw = self.encode(m, &w, self.weight_frac)?;
        let mut operands = vec![x, pw];
        if let Some(b) = &bias {
            operands.push(self.encode(m, b, acc_frac)?);
        }
        let attrs = Conv2dAttrs::try_read(m, op).map_err(|e| m.error_at(op, e))?.to_attrs(m);
        let acc = self.emit(m, &he::CONV2D_PLAIN, &operands, &shape, acc_frac, attrs, fused.is_none())?;
        self.finish_fused(m, fused.map(|(a, _)| a), acc, frac)
    }

    fn avg_pool(&mut self, m: &mut Module, op: OpId, frac: i32) -> Result<Value, Diagnostics> {
        let shape = result_shape(m, op);
        let x = self.cipher(m, op, 0)?;
        let xt = self.view(m, x);
        let a = match m.op(op).def == &veil_nn::GLOBAL_AVG_POOL2D {
            true => AvgPool2dAttrs { kernel: [xt.shape[2], xt.shape[3]], ..AvgPool2dAttrs::default() },
            false => AvgPool2dAttrs::try_read(m, op).map_err(|e| m.error_at(op, e))?,
        };
        let cells = a.kernel[0] * a.kernel[1];
        let uniform = a.count_include_pad || a.pads == [0; 4];
        let (multiplier, shift) = if uniform { self.reciprocal(cells) } else { (1, 0) };
        let mut attrs = window_attrs(m, &a.kernel, &a.strides, &a.pads);
        if multiplier != 1 {
            attrs.push(("multiplier".to_string(), m.int_attr(multiplier)));
        }
        if shift != 0 {
            attrs.push(("multiplier_frac".to_string(), m.int_attr(shift.into())));
        }
        let mut v = self.emit(m, &he::AVG_POOL2D, &[x], &shape, xt.frac + shift, attrs, false)?;
        if !uniform {
            // Per output position: 1 / (the number of cells of its window inside the input), at weight frac.
            let counts = window_counts(&a.window(), xt.shape[2], xt.shape[3], &shape).map_err(|e| m.error_at(op, e))?;
            let fw = self.weight_frac;
            let recips = counts.map(|n| 1.0 / n);
            let p = self.encode(m, &recips, fw)?;
            v = self.emit(m, &he::MUL_PLAIN, &[v, p], &shape, xt.frac + fw, vec![], false)?;
        }
        self.rescale_to(m, v, frac, true)
    }

    /// A fixed-point reciprocal of a cell count: `(multiplier, fraction bits)` with `multiplier / 2^bits ≈ 1/n`
    /// (exact for powers of two).
    fn reciprocal(&self, n: u64) -> (i64, i32) {
        if n.is_power_of_two() {
            return (1, n.trailing_zeros() as i32);
        }
        let s = self.weight_frac + (64 - (n - 1).leading_zeros()) as i32;
        (((s as f64).exp2() / n as f64).round() as i64, s)
    }

    fn batch_norm(&mut self, m: &mut Module, op: OpId, frac: i32) -> Result<Value, Diagnostics> {
        let x = self.cipher(m, op, 0)?;
        let mut params = vec![];
        for (i, name) in [(1, "scale"), (2, "bias"), (3, "mean"), (4, "var")] {
            match self.operand(m, op, i)? {
                Operand::Const(c) => params.push(c.data().iter().map(|&v| v as f64).collect::<Vec<f64>>()),
                Operand::Cipher(_) => {
                    return Err(m.error_at(
                        op,
                        format!(
                            "'nn.batch_norm' with secret statistics (operand #{i}, {name}) is not supported: the \
                             normalization must be a public per-channel affine map"
                        ),
                    ))
                }
            }
        }
        let eps = BatchNormAttrs::try_read(m, op).map_err(|e| m.error_at(op, e))?.epsilon;
        let xt = self.view(m, x);
        let c = xt.shape.get(1).copied().unwrap_or(1);
        let mut pshape = vec![c];
        pshape.extend(std::iter::repeat_n(1, xt.rank().saturating_sub(2)));
        let scale: Vec<f32> = (0..c as usize).map(|i| (params[0][i] / (params[3][i] + eps).sqrt()) as f32).collect();
        let shift: Vec<f32> = (0..c as usize)
            .map(|i| (params[1][i] - params[2][i] * params[0][i] / (params[3][i] + eps).sqrt()) as f32)
            .collect();
        let to_tensor = |v: Vec<f32>| Tensor::new(pshape.clone(), v);
        let (scale, shift) = match (to_tensor(scale), to_tensor(shift)) {
            (Ok(a), Ok(b)) => (a, b),
            _ => return Err(m.error_at(op, "'nn.batch_norm': the parameters do not match the channels")),
        };
        let p = self.encode(m, &scale, self.weight_frac)?;
        let acc_frac = xt.frac + self.weight_frac;
        let v = self.emit(m, &he::MUL_PLAIN, &[x, p], &xt.shape, acc_frac, vec![], false)?;
        let b = self.encode(m, &shift, acc_frac)?;
        let v = self.emit(m, &he::ADD_PLAIN, &[v, b], &xt.shape, acc_frac, vec![], true)?;
        self.rescale_to(m, v, frac, true)
    }

    fn pad(&mut self, m: &mut Module, op: OpId, shape: &[u64]) -> Result<Value, Diagnostics> {
        let x = self.cipher(m, op, 0)?;
        let xt = self.view(m, x);
        let a = PadAttrs::try_read_ranked(m, op, xt.shape.len()).map_err(|e| m.error_at(op, e))?;
        let attrs = vec![ints(m, "pads", &a.pads)];
        let v = self.emit(m, &he::PAD, &[x], shape, xt.frac, attrs, a.value == 0.0)?;
        if a.value == 0.0 {
            return Ok(v);
        }
        // The fill value where the padding is: pad a tensor of zeros with it.
        let zeros = Tensor::full(xt.shape.clone(), 0.0f32).map_err(|e| m.error_at(op, e))?;
        let mask = kernels::pad(&zeros, &a.pads, a.value as f32).map_err(|e| m.error_at(op, e))?;
        let p = self.encode(m, &mask, xt.frac)?;
        self.emit(m, &he::ADD_PLAIN, &[v, p], shape, xt.frac, vec![], true)
    }

    fn concat(&mut self, m: &mut Module, op: OpId, frac: i32, shape: &[u64]) -> Result<Value, Diagnostics> {
        let mut parts = vec![];
        for i in 0..m.op(op).operands.len() {
            parts.push(self.cipher(m, op, i)?);
        }
        let common = parts.iter().map(|&v| self.view(m, v).frac).min().unwrap_or(frac);
        for p in &mut parts {
            *p = self.rescale_to(m, *p, common, false)?;
        }
        let rank = shape.len();
        let axis = ConcatAttrs::try_read_ranked(m, op, rank).map_err(|e| m.error_at(op, e))?.axis as i64;
        let attrs = vec![("axis".to_string(), m.int_attr(axis))];
        self.emit(m, &he::CONCAT, &parts, shape, common, attrs, true)
    }
}

/// Ops on constants only are folded before lowering; reaching one here is a bug in the folding, reported.
fn unreachable_const(m: &Module, op: OpId) -> Result<Value, Diagnostics> {
    Err(m.error_at(op, format!("'{}' on constants only was not folded", m.op(op).name())))
}

/// The number of in-bounds cells of every output window.
fn window_counts(w: &Window2d, h: u64, wd: u64, out: &[u64]) -> Result<Tensor<f32>, String> {
    let &[_, _, oh, ow] = out else { return Err("the result must be NCHW".into()) };
    let count = |o: u64, k: u64, s: u64, pad: u64, size: u64| {
        (0..k).filter(|&i| (o * s + i).checked_sub(pad).is_some_and(|p| p < size)).count() as f32
    };
    let mut data = vec![];
    for oy in 0..oh {
        for ox in 0..ow {
            let ch = count(oy, w.kernel[0], w.strides[0], w.pads[0], h);
            let cw = count(ox, w.kernel[1], w.strides[1], w.pads[1], wd);
            data.push(ch * cw);
        }
    }
    Tensor::new(vec![1, 1, oh, ow], data)
}
