//! The nn ops declared as data: name, summary, arity, traits, attributes and verifier of each op, as `pub static`
//! definitions that passes use to create ops without looking names up.

use veil_ir::{Arity, AttrSpec, AttrType, OpDef, Traits};

use crate::attrs::*;
use crate::verifiers as v;

const PURE: Traits = Traits::PURE;
const ELEMENTWISE: Traits = Traits::PURE.with(Traits::ELEMENTWISE);
const COMMUTATIVE: Traits = ELEMENTWISE.with(Traits::COMMUTATIVE);

const fn op(name: &'static str, summary: &'static str, operands: usize) -> OpDef {
    OpDef::new(name, summary, Arity::Exactly(operands), Arity::Exactly(1))
}

pub static CONSTANT: OpDef = op("nn.constant", "A constant tensor given by its `value` attribute", 0)
    .with_traits(PURE.with(Traits::CONSTANT))
    .with_attrs(&[AttrSpec::required(VALUE, AttrType::Dense)])
    .with_verifier(v::constant);

pub static ADD: OpDef = op("nn.add", "Elementwise sum with numpy/ONNX broadcasting", 2)
    .with_traits(COMMUTATIVE)
    .with_verifier(v::broadcast_binary);

pub static SUB: OpDef = op("nn.sub", "Elementwise difference with numpy/ONNX broadcasting", 2)
    .with_traits(ELEMENTWISE)
    .with_verifier(v::broadcast_binary);

pub static MUL: OpDef = op("nn.mul", "Elementwise product with numpy/ONNX broadcasting", 2)
    .with_traits(COMMUTATIVE)
    .with_verifier(v::broadcast_binary);

pub static NEG: OpDef = op("nn.neg", "Elementwise negation", 1).with_traits(ELEMENTWISE).with_verifier(v::unary);

pub static RELU: OpDef = op("nn.relu", "Elementwise max(x, 0)", 1).with_traits(ELEMENTWISE).with_verifier(v::unary);

pub static MATMUL: OpDef = op("nn.matmul", "Matrix product with ONNX MatMul semantics (batch dimensions broadcast)", 2)
    .with_verifier(v::matmul);

const STRIDES_ATTR: AttrSpec = AttrSpec::optional(STRIDES, AttrType::IntArray);
const PADS_ATTR: AttrSpec = AttrSpec::optional(PADS, AttrType::IntArray);
const DILATIONS_ATTR: AttrSpec = AttrSpec::optional(DILATIONS, AttrType::IntArray);
const KERNEL_ATTR: AttrSpec = AttrSpec::required(KERNEL, AttrType::IntArray);

pub static CONV2D: OpDef = OpDef::new(
    "nn.conv2d",
    "2-d convolution of an NCHW input with OIHW weights and an optional bias",
    Arity::AtLeast(2),
    Arity::Exactly(1),
)
.with_attrs(&[STRIDES_ATTR, PADS_ATTR, DILATIONS_ATTR, AttrSpec::optional(GROUPS, AttrType::Int)])
.with_verifier(v::conv2d);

pub static AVG_POOL2D: OpDef = op("nn.avg_pool2d", "2-d average pooling over the H and W of an NCHW input", 1)
    .with_attrs(&[KERNEL_ATTR, STRIDES_ATTR, PADS_ATTR, AttrSpec::optional(COUNT_INCLUDE_PAD, AttrType::Bool)])
    .with_verifier(v::avg_pool2d);

pub static MAX_POOL2D: OpDef = op("nn.max_pool2d", "2-d max pooling over the H and W of an NCHW input", 1)
    .with_attrs(&[KERNEL_ATTR, STRIDES_ATTR, PADS_ATTR, DILATIONS_ATTR])
    .with_verifier(v::max_pool2d);

pub static GLOBAL_AVG_POOL2D: OpDef =
    op("nn.global_avg_pool2d", "The mean over H and W of an NCHW input, giving N x C x 1 x 1", 1)
        .with_verifier(v::global_avg_pool2d);

pub static RESHAPE: OpDef =
    op("nn.reshape", "The same elements in row-major order under the result type's shape", 1).with_verifier(v::reshape);

pub static TRANSPOSE: OpDef = op("nn.transpose", "Permutes the dimensions: out dim i is input dim perm[i]", 1)
    .with_attrs(&[AttrSpec::optional(PERM, AttrType::IntArray)])
    .with_verifier(v::transpose);

pub static PAD: OpDef = op("nn.pad", "Pads every dimension with a constant value", 1)
    .with_attrs(&[AttrSpec::required(PADS, AttrType::IntArray), AttrSpec::optional(VALUE, AttrType::Float)])
    .with_verifier(v::pad);

pub static CONCAT: OpDef =
    OpDef::new("nn.concat", "Concatenates tensors along one axis", Arity::AtLeast(1), Arity::Exactly(1))
        .with_attrs(&[AttrSpec::required(AXIS, AttrType::Int)])
        .with_verifier(v::concat);

pub static REDUCE_SUM: OpDef = op("nn.reduce_sum", "Sums over the given axes", 1)
    .with_attrs(&[AttrSpec::optional(AXES, AttrType::IntArray), AttrSpec::optional(KEEPDIMS, AttrType::Bool)])
    .with_verifier(v::reduce_sum);

pub static BATCH_NORM: OpDef =
    op("nn.batch_norm", "Inference batch normalization: scale * (x - mean) / sqrt(var + epsilon) + bias", 5)
        .with_attrs(&[AttrSpec::optional(EPSILON, AttrType::Float)])
        .with_verifier(v::batch_norm);

/// Every nn op, in the order of the reference page.
pub static ALL: [&OpDef; 17] = [
    &CONSTANT,
    &ADD,
    &SUB,
    &MUL,
    &NEG,
    &RELU,
    &MATMUL,
    &CONV2D,
    &AVG_POOL2D,
    &MAX_POOL2D,
    &GLOBAL_AVG_POOL2D,
    &RESHAPE,
    &TRANSPOSE,
    &PAD,
    &CONCAT,
    &REDUCE_SUM,
    &BATCH_NORM,
];
