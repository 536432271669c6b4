//! The reference evaluator of the nn dialect: runs a function on tensors with ONNX semantics, as onnxruntime
//! would in f32 (sums accumulated in natural order). It is what `veil run --backend float` runs, what the
//! conformance tests compare with ONNX's expected outputs, and what calibrates ranges; evaluated on
//! [`Interval`]s it bounds every element of every value from bounds on the inputs.
//!
//! [`Op`] is an nn op with its typed attributes, apart from the IR: [`Op::from_ir`] reads one, [`Op::apply`]
//! evaluates it (one function per op in [`kernels`]), [`Op::output_shape`] infers its shape and
//! [`Op::def`] / [`Op::to_attrs`] build it, so that the importer folds constants with the same code.

pub mod kernels;
mod scalar;
mod tensor;

use veil_ir::builtin::{func_name, RETURN};
use veil_ir::{Arity, Attr, Module, OpDef, OpId};

use crate::attrs::VALUE;
use crate::ops::*;
use crate::shapes::{
    avg_pool2d_output_shape, broadcast_shapes, concat_shape, conv2d_output_shape, matmul_output_shape, num_elements,
    pad_shape, pool2d_output_shape, reduce_shape, transpose_shape, AvgPool2dAttrs, BatchNormAttrs, ConcatAttrs,
    Conv2dAttrs, MaxPool2dAttrs, PadAttrs, ReduceSumAttrs, TransposeAttrs,
};

pub use scalar::{Interval, Scalar};
pub use tensor::Tensor;

/// An nn op other than `nn.constant`, with its attributes read.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Neg,
    Relu,
    MatMul,
    Conv2d(Conv2dAttrs),
    AvgPool2d(AvgPool2dAttrs),
    MaxPool2d(MaxPool2dAttrs),
    GlobalAvgPool2d,
    /// The target shape.
    Reshape(Vec<u64>),
    Transpose(TransposeAttrs),
    Pad(PadAttrs),
    Concat(ConcatAttrs),
    ReduceSum(ReduceSumAttrs),
    BatchNorm(BatchNormAttrs),
}

impl Op {
    /// Reads the op `op` of the IR (its attributes validated); `nn.constant` and other dialects' ops are errors.
    pub fn from_ir(m: &Module, op: OpId) -> Result<Op, String> {
        Ok(match m.op(op).def.name {
            n if n == ADD.name => Op::Add,
            n if n == SUB.name => Op::Sub,
            n if n == MUL.name => Op::Mul,
            n if n == NEG.name => Op::Neg,
            n if n == RELU.name => Op::Relu,
            n if n == MATMUL.name => Op::MatMul,
            n if n == GLOBAL_AVG_POOL2D.name => Op::GlobalAvgPool2d,
            n if n == CONV2D.name => Op::Conv2d(Conv2dAttrs::try_read(m, op)?),
            n if n == AVG_POOL2D.name => Op::AvgPool2d(AvgPool2dAttrs::try_read(m, op)?),
            n if n == MAX_POOL2D.name => Op::MaxPool2d(MaxPool2dAttrs::try_read(m, op)?),
            n if n == TRANSPOSE.name => Op::Transpose(TransposeAttrs::try_read(m, op)?),
            n if n == PAD.name => Op::Pad(PadAttrs::try_read(m, op)?),
            n if n == CONCAT.name => Op::Concat(ConcatAttrs::try_read(m, op)?),
            n if n == REDUCE_SUM.name => Op::ReduceSum(ReduceSumAttrs::try_read(m, op)?),
            n if n == BATCH_NORM.name => Op::BatchNorm(BatchNormAttrs::try_read(m, op)?),
            n if n == RESHAPE.name => {
                let result = m.value_type(m.op(op).result());
                Op::Reshape(m.static_shape(result).ok_or("the result must have a static shape")?)
            }
            other => return Err(format!("the evaluator has no kernel for '{other}'")),
        })
    }

    /// The op's definition, to create it in the IR.
    pub fn def(&self) -> &'static OpDef {
        match self {
            Op::Add => &ADD,
            Op::Sub => &SUB,
            Op::Mul => &MUL,
            Op::Neg => &NEG,
            Op::Relu => &RELU,
            Op::MatMul => &MATMUL,
            Op::Conv2d(_) => &CONV2D,
            Op::AvgPool2d(_) => &AVG_POOL2D,
            Op::MaxPool2d(_) => &MAX_POOL2D,
            Op::GlobalAvgPool2d => &GLOBAL_AVG_POOL2D,
            Op::Reshape(_) => &RESHAPE,
            Op::Transpose(_) => &TRANSPOSE,
            Op::Pad(_) => &PAD,
            Op::Concat(_) => &CONCAT,
            Op::ReduceSum(_) => &REDUCE_SUM,
            Op::BatchNorm(_) => &BATCH_NORM,
        }
    }

    /// The op's attributes for [`Module::create`] (defaults omitted).
    pub fn to_attrs(&self, m: &mut Module) -> Vec<(String, Attr)> {
        match self {
            Op::Conv2d(a) => a.to_attrs(m),
            Op::AvgPool2d(a) => a.to_attrs(m),
            Op::MaxPool2d(a) => a.to_attrs(m),
            Op::Transpose(a) => a.to_attrs(m),
            Op::Pad(a) => a.to_attrs(m),
            Op::Concat(a) => a.to_attrs(m),
            Op::ReduceSum(a) => a.to_attrs(m),
            Op::BatchNorm(a) => a.to_attrs(m),
            _ => vec![],
        }
    }

    fn check_arity(&self, count: usize) -> Result<(), String> {
        let arity = match self {
            Op::Conv2d(_) => Arity::Between(2, 3),
            _ => self.def().operands,
        };
        if arity.accepts(count) {
            return Ok(());
        }
        Err(format!("'{}' expects {} operand(s), got {count}", self.def().name, arity.describe()))
    }

    /// The result shape for operands of the given shapes: the rules of [`crate::shapes`] the verifiers apply.
    pub fn output_shape(&self, operands: &[&[u64]]) -> Result<Vec<u64>, String> {
        self.check_arity(operands.len())?;
        let x = operands[0];
        match self {
            Op::Add | Op::Sub | Op::Mul => broadcast_shapes(x, operands[1])
                .ok_or_else(|| format!("operand shapes {x:?} and {:?} are not broadcastable", operands[1])),
            Op::Neg | Op::Relu | Op::BatchNorm(_) => Ok(x.to_vec()),
            Op::MatMul => matmul_output_shape(x, operands[1]),
            Op::Conv2d(a) => conv2d_output_shape(x, operands[1], a),
            Op::AvgPool2d(a) => avg_pool2d_output_shape(x, a),
            Op::MaxPool2d(a) => pool2d_output_shape(x, &a.window()),
            Op::GlobalAvgPool2d => match x {
                [n, c, _, _] => Ok(vec![*n, *c, 1, 1]),
                _ => Err(format!("the input must have rank 4 (N, C, H, W), got shape {x:?}")),
            },
            Op::Reshape(shape) => match (num_elements(x), num_elements(shape)) {
                (Some(a), Some(b)) if a == b => Ok(shape.clone()),
                _ => Err(format!("cannot reshape {x:?} into {shape:?}: the element counts differ")),
            },
            Op::Transpose(a) => transpose_shape(x, &a.perm)
                .ok_or_else(|| format!("'perm' {:?} is not a permutation of the {} axes", a.perm, x.len())),
            Op::Pad(a) => pad_shape(x, &a.pads)
                .ok_or_else(|| format!("'pads' must have 2 * rank = {} entries, got {}", 2 * x.len(), a.pads.len())),
            Op::Concat(a) => concat_shape(operands, a.axis),
            Op::ReduceSum(a) => Ok(reduce_shape(x, &a.axes, a.keepdims)),
        }
    }

    /// Evaluates the op.
    pub fn apply<T: Scalar>(&self, operands: &[&Tensor<T>]) -> Result<Tensor<T>, String> {
        self.check_arity(operands.len())?;
        let x = operands[0];
        match self {
            Op::Add => kernels::add(x, operands[1]),
            Op::Sub => kernels::sub(x, operands[1]),
            Op::Mul => kernels::mul(x, operands[1]),
            Op::Neg => Ok(kernels::neg(x)),
            Op::Relu => Ok(kernels::relu(x)),
            Op::MatMul => kernels::matmul(x, operands[1]),
            Op::Conv2d(a) => kernels::conv2d(x, operands[1], operands.get(2).copied(), a),
            Op::AvgPool2d(a) => kernels::avg_pool2d(x, a),
            Op::MaxPool2d(a) => kernels::max_pool2d(x, a),
            Op::GlobalAvgPool2d => kernels::global_avg_pool2d(x),
            Op::Reshape(shape) => kernels::reshape(x, shape),
            Op::Transpose(a) => kernels::transpose(x, &a.perm),
            Op::Pad(a) => kernels::pad(x, &a.pads, T::from_f64(a.value)),
            Op::Concat(a) => kernels::concat(operands, a.axis),
            Op::ReduceSum(a) => kernels::reduce_sum(x, &a.axes, a.keepdims),
            Op::BatchNorm(a) => kernels::batch_norm(x, [operands[1], operands[2], operands[3], operands[4]], a.epsilon),
        }
    }
}

/// The value of an `nn.constant` op.
pub fn constant<T: Scalar>(m: &Module, op: OpId) -> Result<Tensor<T>, String> {
    let dense = m.op(op).attr(VALUE).and_then(|a| m.attr_as_dense(a)).ok_or("'nn.constant' has no dense 'value'")?;
    let shape = m.static_shape(dense.ty).ok_or("the constant must have a static shape")?;
    let count = tensor::element_count(&shape)?;
    let data = (0..count).map(|i| T::from_f64(dense.values.get_f64(i))).collect();
    Tensor::new(shape, data)
}

/// Evaluates function `f` on `args`, returning the values of its `func.return`. Every op must be an nn op.
pub fn eval_func<T: Scalar>(m: &Module, f: OpId, args: &[Tensor<T>]) -> Result<Vec<Tensor<T>>, String> {
    eval_func_with(m, f, args, &|_, _, _, result| result)
}

/// What [`eval_func_with`] calls after each computed (non-constant) op: the op's id and kind, its operands and its
/// result, returning the value to use instead (e.g. with the error a fixed-point rounding adds).
pub type AfterOp<'a, T> = &'a dyn Fn(OpId, &Op, &[&Tensor<T>], Tensor<T>) -> Tensor<T>;

/// [`eval_func`], passing every computed op's result through `after`.
pub fn eval_func_with<T: Scalar>(
    m: &Module,
    f: OpId,
    args: &[Tensor<T>],
    after: AfterOp<'_, T>,
) -> Result<Vec<Tensor<T>>, String> {
    let body = m.body(f).ok_or("the function has no body")?;
    let params = &m.block(body).args;
    if params.len() != args.len() {
        return Err(format!("the function takes {} argument(s), got {}", params.len(), args.len()));
    }
    let mut env: Vec<Option<Tensor<T>>> = vec![None; m.value_capacity()];
    for (i, (&p, a)) in params.iter().zip(args).enumerate() {
        let expected = m.static_shape(m.value_type(p)).ok_or("arguments must have static shapes")?;
        if a.shape() != expected {
            return Err(format!("argument #{i} must have shape {expected:?}, got {:?}", a.shape()));
        }
        env[p.index()] = Some(a.clone());
    }
    for &op in &m.block(body).ops {
        let data = m.op(op);
        let operands = data
            .operands
            .iter()
            .map(|v| env[v.index()].as_ref().ok_or_else(|| format!("'{}' uses a value defined later", data.name())))
            .collect::<Result<Vec<_>, _>>()?;
        if data.def == &RETURN {
            return Ok(operands.into_iter().cloned().collect());
        }
        let result = match data.def == &CONSTANT {
            true => constant(m, op),
            false => Op::from_ir(m, op).and_then(|o| o.apply(&operands).map(|r| after(op, &o, &operands, r))),
        };
        let result = result.map_err(|e| format!("'{}': {e}", data.name()))?;
        let expected = m.static_shape(m.value_type(data.result()));
        if expected.as_deref() != Some(result.shape()) {
            return Err(format!(
                "'{}' computed shape {:?}, but its result type says {expected:?}",
                data.name(),
                result.shape()
            ));
        }
        env[data.result().index()] = Some(result);
    }
    Err("the function has no 'func.return'".into())
}

/// Evaluates the function `@main` of the module.
pub fn eval_main<T: Scalar>(m: &Module, args: &[Tensor<T>]) -> Result<Vec<Tensor<T>>, String> {
    eval_func(m, main_func(m)?, args)
}

/// The function `@main` of the module.
pub fn main_func(m: &Module) -> Result<OpId, String> {
    m.funcs().into_iter().find(|&f| func_name(m, f) == "main").ok_or_else(|| "the module has no function @main".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(text: &str) -> Module {
        let mut registry = veil_ir::Registry::new();
        registry.register(&crate::DIALECT);
        veil_ir::parse_and_verify("test.mlir", text, &registry).unwrap_or_else(|e| panic!("{e}"))
    }

    const MLP: &str = r#"module {
  func.func @main(%arg0: tensor<1x2xf32>) -> tensor<1x2xf32> {
    %0 = "nn.constant"() {value = dense<[[1.0, -1.0], [2.0, 0.5]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
    %1 = "nn.matmul"(%arg0, %0) : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
    %2 = "nn.constant"() {value = dense<[0.5, -4.0]> : tensor<2xf32>} : () -> tensor<2xf32>
    %3 = "nn.add"(%1, %2) : (tensor<1x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
    %4 = "nn.relu"(%3) : (tensor<1x2xf32>) -> tensor<1x2xf32>
    func.return %4 : tensor<1x2xf32>
  }
}
"#;

    #[test]
    fn evaluates_a_function_in_f32() {
        let m = module(MLP);
        let x = Tensor::new(vec![1, 2], vec![1.0f32, 2.0]).unwrap();
        let out = eval_main(&m, &[x]).unwrap();
        // [1 + 4, -1 + 1] + [0.5, -4] = [5.5, -4] -> relu
        assert_eq!(out, vec![Tensor::new(vec![1, 2], vec![5.5, 0.0]).unwrap()]);
    }

    #[test]
    fn bounds_every_element_with_intervals() {
        let m = module(MLP);
        let x = Tensor::new(vec![1, 2], vec![Interval::new(0.0, 1.0); 2]).unwrap();
        let out = eval_main(&m, &[x]).unwrap();
        // column 0: x0 + 2 x1 + 0.5 in [0.5, 3.5]; column 1: -x0 + 0.5 x1 - 4 in [-5, -3.5], then relu.
        assert_eq!(out[0].data(), &[Interval::new(0.5, 3.5), Interval::new(0.0, 0.0)]);
    }

    #[test]
    fn layout_kernels() {
        let x = Tensor::new(vec![2, 3], (0..6).map(|v| v as f32).collect()).unwrap();
        let t = kernels::transpose(&x, &[1, 0]).unwrap();
        assert_eq!(t.data(), &[0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
        let p = kernels::pad(&x, &[0, 1, 1, 0], -1.0).unwrap();
        assert_eq!(p.shape(), &[3, 4]);
        assert_eq!(p.data()[..8], [-1.0, 0.0, 1.0, 2.0, -1.0, 3.0, 4.0, 5.0]);
        let c = kernels::concat(&[&x, &x], 1).unwrap();
        assert_eq!(c.data()[..6], [0.0, 1.0, 2.0, 0.0, 1.0, 2.0]);
        let s = kernels::reduce_sum(&x, &[1], false).unwrap();
        assert_eq!(s, Tensor::new(vec![2], vec![3.0, 12.0]).unwrap());
    }

    #[test]
    fn windows() {
        let x = Tensor::new(vec![1, 1, 3, 3], (1..=9).map(|v| v as f32).collect()).unwrap();
        let w = Tensor::new(vec![1, 1, 2, 2], vec![1.0f32; 4]).unwrap();
        let conv = kernels::conv2d(&x, &w, None, &Conv2dAttrs::default()).unwrap();
        assert_eq!(conv.data(), &[12.0, 16.0, 24.0, 28.0]);
        let attrs = MaxPool2dAttrs { kernel: [2, 2], pads: [1, 1, 1, 1], strides: [2, 2], ..Default::default() };
        assert_eq!(kernels::max_pool2d(&x, &attrs).unwrap().data(), &[1.0, 3.0, 7.0, 9.0]);
        let attrs = AvgPool2dAttrs { kernel: [2, 2], pads: [1, 1, 0, 0], ..Default::default() };
        assert_eq!(kernels::avg_pool2d(&x, &attrs).unwrap().data()[..2], [1.0, 1.5]);
        assert_eq!(kernels::global_avg_pool2d(&x).unwrap().data(), &[5.0]);
    }
}
