//! Linear layers: MatMul, Gemm (transposes, alpha and beta folded into constants where possible),
//! BatchNormalization (folded into the preceding Conv, MatMul or MatMul + Add when their weights are
//! constants), and the scikit-learn linear models of `ai.onnx.ml` (LinearClassifier, LinearRegressor) as a
//! matmul and an add.

use veil_ir::{Module, OpId, Value};
use veil_nn::eval::{self, kernels, Op, Tensor};
use veil_nn::shapes::{BatchNormAttrs, Conv2dAttrs, TransposeAttrs};

use crate::error::ImportError;
use crate::graph::{Importer, Val};
use crate::node::{decimal, Node};

const TRANSPOSE_2D: fn() -> Op = || Op::Transpose(TransposeAttrs { perm: vec![1, 0] });

fn scalar(v: f32) -> Val {
    Val::float(Tensor::scalar(v))
}

pub fn matmul(imp: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    let (a, b) = (imp.input(node, 0)?, imp.input(node, 1)?);
    Ok(vec![imp.emit(node, Op::MatMul, &[a, b])?])
}

/// `Y = alpha * A' B' + beta * C` with `A' = transA ? A^T : A`, and likewise `B'`.
pub fn gemm(imp: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    let mut a = imp.input(node, 0)?;
    let mut b = imp.input(node, 1)?;
    for (v, name) in [(&a, "A"), (&b, "B")] {
        if v.shape().len() != 2 {
            return Err(node.shape_error(format!("{name} must be a matrix, got shape {:?}", v.shape())));
        }
    }
    if node.int("transA", 0)? != 0 {
        a = imp.emit(node, TRANSPOSE_2D(), &[a])?;
    }
    if node.int("transB", 0)? != 0 {
        b = imp.emit(node, TRANSPOSE_2D(), &[b])?;
    }
    let (alpha, beta) = (node.float("alpha", 1.0)?, node.float("beta", 1.0)?);
    // alpha scales constant weights at import; it costs a multiplication only on run-time weights.
    let fold_alpha = alpha != 1.0 && b.as_float().is_some();
    if fold_alpha {
        b = imp.emit(node, Op::Mul, &[b, scalar(alpha)])?;
    }
    let mut y = imp.emit(node, Op::MatMul, &[a, b])?;
    if alpha != 1.0 && !fold_alpha {
        y = imp.emit(node, Op::Mul, &[y, scalar(alpha)])?;
    }
    if let Some(mut c) = imp.opt_input(node, 2)?.filter(|_| beta != 0.0) {
        if beta != 1.0 {
            c = imp.emit(node, Op::Mul, &[c, scalar(beta)])?;
        }
        y = imp.emit(node, Op::Add, &[y, c])?;
    }
    Ok(vec![y])
}

pub fn batch_norm(imp: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    if node.int("training_mode", 0)? != 0 {
        return Err(node.unsupported_attr("training_mode", "1", "only inference batch normalization is supported"));
    }
    let x = imp.input(node, 0)?;
    let params = (1..=4).map(|i| imp.input(node, i)).collect::<Result<Vec<_>, _>>()?;
    let epsilon = decimal(node.float("epsilon", 1e-5)?);
    let consts: Option<Vec<&Tensor<f32>>> = params.iter().map(Val::as_float).collect();
    let channels = x.shape().get(1).copied().unwrap_or(0);
    if let (Val::Ir { value, .. }, Some(p)) = (&x, consts.filter(|p| p.iter().all(|t| t.shape() == [channels]))) {
        // y = x * s + t per channel, as onnxruntime computes it in f32.
        let s: Vec<f32> =
            (0..channels as usize).map(|c| p[0].data()[c] / (p[3].data()[c] + epsilon as f32).sqrt()).collect();
        let t: Vec<f32> = (0..s.len()).map(|c| p[1].data()[c] - p[2].data()[c] * s[c]).collect();
        let folded = match fold_plan(&imp.b.m, *value, &s, &t).map_err(|e| node.shape_error(e))? {
            Some(Folded::Conv { input, attrs, w, b }) => {
                let input = imp.ir_val(input);
                Some((imp.emit(node, Op::Conv2d(attrs), &[input, Val::float(w), Val::float(b)])?, "Conv"))
            }
            Some(Folded::MatMul { input, w, b }) => {
                let input = imp.ir_val(input);
                let y = imp.emit(node, Op::MatMul, &[input, Val::float(w)])?;
                Some((imp.emit(node, Op::Add, &[y, Val::float(b)])?, "MatMul"))
            }
            None => None,
        };
        if let Some((y, producer)) = folded {
            imp.notes.push(format!("folded {} into the preceding {producer}", node.label()));
            return Ok(vec![y]);
        }
    }
    let mut operands = vec![x];
    operands.extend(params);
    Ok(vec![imp.emit(node, Op::BatchNorm(BatchNormAttrs { epsilon }), &operands)?])
}

/// Operand `i` of `op` when an `nn.constant` defines it.
fn const_operand(m: &Module, op: OpId, i: usize) -> Option<Tensor<f32>> {
    let def = m.defining_op(*m.op(op).operands.get(i)?)?;
    (m.op(def).def == &veil_nn::CONSTANT).then(|| eval::constant(m, def).ok()).flatten()
}

/// A producer rebuilt with a per-channel affine map folded into its constant weights.
enum Folded {
    Conv {
        input: Value,
        attrs: Conv2dAttrs,
        w: Tensor<f32>,
        b: Tensor<f32>,
    },
    /// `input @ w + b`
    MatMul {
        input: Value,
        w: Tensor<f32>,
        b: Tensor<f32>,
    },
}

/// How to compute `x * s + t` (per channel, dimension 1) by rebuilding the op defining `x`: a conv with
/// constant weights (and bias), or a rank-2 matmul with constant weights, possibly followed by the addition
/// of a constant bias. The original op is left for any other user. `None` when `x` is not such an op.
fn fold_plan(m: &Module, x: Value, s: &[f32], t: &[f32]) -> Result<Option<Folded>, String> {
    let Some(op) = m.defining_op(x) else { return Ok(None) };
    let c = s.len() as u64;
    let scale = |shape: Vec<u64>| Tensor::new(shape, s.to_vec());
    let shift = Tensor::new(vec![c], t.to_vec())?;
    let new_bias = |b: &Tensor<f32>| kernels::add(&kernels::mul(b, &scale(vec![c])?)?, &shift);
    let data = m.op(op);
    if data.def == &veil_nn::CONV2D {
        let Some(w) = const_operand(m, op, 1) else { return Ok(None) };
        let b = match data.operands.len() {
            2 => Tensor::full(vec![c], 0.0)?,
            _ => match const_operand(m, op, 2) {
                Some(b) => b,
                None => return Ok(None),
            },
        };
        let w = kernels::mul(&w, &scale(vec![c, 1, 1, 1])?)?;
        return Ok(Some(Folded::Conv {
            input: data.operands[0],
            attrs: Conv2dAttrs::read(m, op),
            w,
            b: new_bias(&b)?,
        }));
    }
    let (matmul, bias) = if data.def == &veil_nn::MATMUL {
        (op, Tensor::full(vec![c], 0.0)?)
    } else if data.def == &veil_nn::ADD {
        let (Some(inner), Some(b)) = (m.defining_op(data.operands[0]), const_operand(m, op, 1)) else {
            return Ok(None);
        };
        (inner, b)
    } else {
        return Ok(None);
    };
    let is_matrix =
        m.op(matmul).def == &veil_nn::MATMUL && m.static_shape(m.value_type(x)).is_some_and(|s| s.len() == 2);
    let Some(w) = const_operand(m, matmul, 1).filter(|w| is_matrix && w.shape().len() == 2) else { return Ok(None) };
    let w = kernels::mul(&w, &scale(vec![c])?)?;
    Ok(Some(Folded::MatMul { input: m.op(matmul).operands[0], w, b: new_bias(&bias)? }))
}

/// The weights of a scikit-learn linear model: `coefficients` as a `[features, rows]` matrix and the
/// `intercepts` as `[rows]`.
fn linear_model(node: &Node, features: u64) -> Result<(Tensor<f32>, Tensor<f32>), ImportError> {
    let coef = node.floats("coefficients")?.ok_or_else(|| node.invalid("attribute 'coefficients' is required"))?;
    if features == 0 || !(coef.len() as u64).is_multiple_of(features) {
        return Err(node.shape_error(format!("{} coefficients do not fit inputs of {features} features", coef.len())));
    }
    let rows = coef.len() as u64 / features;
    let intercepts = node.floats("intercepts")?.unwrap_or_else(|| vec![0.0; rows as usize]);
    if intercepts.len() as u64 != rows {
        return Err(node.shape_error(format!("{} intercepts for {rows} rows of coefficients", intercepts.len())));
    }
    let w = Tensor::new(vec![rows, features], coef).map_err(|e| node.shape_error(e))?;
    let w = kernels::transpose(&w, &[1, 0]).map_err(|e| node.shape_error(e))?;
    Ok((w, Tensor::new(vec![rows], intercepts).map_err(|e| node.shape_error(e))?))
}

/// `x @ w + b` for a `[N, F]` input.
fn affine(imp: &mut Importer, node: &Node, w: Tensor<f32>, b: Tensor<f32>) -> Result<Val, ImportError> {
    let x = imp.input(node, 0)?;
    let y = imp.emit(node, Op::MatMul, &[x, Val::float(w)])?;
    imp.emit(node, Op::Add, &[y, Val::float(b)])
}

fn features(imp: &Importer, node: &Node) -> Result<u64, ImportError> {
    match imp.input(node, 0)?.shape() {
        [_, f] => Ok(*f),
        s => Err(node.shape_error(format!("the input must be [N, features], got shape {s:?}"))),
    }
}

/// Scores `x @ coefficients^T + intercepts` (output 1). The label (output 0) is their argmax: it is dropped,
/// the scores returned in its place. A binary model with one row of coefficients scores `[-s, s]`.
pub fn linear_classifier(imp: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    let (mut w, mut b) = linear_model(node, features(imp, node)?)?;
    let classes = node.ints("classlabels_ints")?.map(|v| v.len()).unwrap_or_default()
        + node.proto.attribute.iter().find(|a| a.name() == "classlabels_strings").map_or(0, |a| a.strings.len());
    if w.shape()[1] == 1 && classes == 2 {
        w = kernels::concat(&[&kernels::neg(&w), &w], 1).map_err(|e| node.shape_error(e))?;
        b = kernels::concat(&[&kernels::neg(&b), &b], 0).map_err(|e| node.shape_error(e))?;
    }
    let post = node.string("post_transform", "NONE")?;
    let scores_name = node.proto.output.get(1).map_or("", String::as_str);
    match post.as_str() {
        "NONE" => {}
        "LOGISTIC" | "SOFTMAX" | "PROBIT" if imp.only_returned(scores_name) => imp.notes.push(format!(
            "{}: post_transform {post} dropped: it does not change the argmax; raw scores are returned",
            node.label()
        )),
        other => {
            return Err(node.unsupported_attr(
                "post_transform",
                format!("\"{other}\""),
                "only NONE, or a monotone transform (LOGISTIC, SOFTMAX, PROBIT) on scores that are only returned",
            ))
        }
    }
    let scores = affine(imp, node, w, b)?;
    if let Some((_, label)) = node.outputs().find(|&(i, _)| i == 0) {
        if !imp.only_returned(label) {
            return Err(node.unsupported(format!("its label output '{label}' feeds other ops")));
        }
        imp.mark_dropped(label);
        imp.notes.push(format!(
            "{}: the label output '{label}' (the argmax of the scores) is dropped; the scores are returned",
            node.label()
        ));
    }
    Ok(vec![scores.clone(), scores])
}

/// `x @ coefficients^T + intercepts`, one column per target.
pub fn linear_regressor(imp: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    let post = node.string("post_transform", "NONE")?;
    if post != "NONE" {
        return Err(node.unsupported_attr(
            "post_transform",
            format!("\"{post}\""),
            "a regressor's output is its value",
        ));
    }
    let (w, b) = linear_model(node, features(imp, node)?)?;
    let targets = node.int("targets", 1)?;
    if w.shape()[1] as i64 != targets {
        return Err(node.shape_error(format!("{} rows of coefficients for {targets} target(s)", w.shape()[1])));
    }
    Ok(vec![affine(imp, node, w, b)?])
}
