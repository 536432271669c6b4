//! Structure-aware: `arbitrary` builds a small, shape-correct nn program (an input vector or image with a range,
//! then up to 8 steps: dense and convolution layers with generated weights, element-wise ops with constants or
//! earlier values, ReLU, poolings, padding, reshapes, transposes, concatenation, sums, batch norms), built through
//! the front ends' `FuncBuilder`. It must verify; then it is compiled to rt in both models (radix, and lookup
//! tables with exact and with approximate rounding; without the feature `tfhe` the last pass, the TFHE parameter
//! search, reports that it is missing) and run on the clear backend: never a panic or an abort, only errors. So the
//! fuzzer spends its time in the passes and backends, not in the parser.
#![no_main]

mod common;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use veil_ir::verify;
use veil_nn::attrs::{
    AvgPool2dAttrs, BatchNormAttrs, ConcatAttrs, Conv2dAttrs, MaxPool2dAttrs, PadAttrs, ReduceSumAttrs, TransposeAttrs,
};
use veil_nn::build::{FuncBuilder, Val};
use veil_nn::eval::{Op, Tensor};

#[derive(Arbitrary, Debug)]
struct Program {
    /// An image `[1, c, h, w]` (each 1 to 4, 1 to 8, 1 to 8) or a vector `[1, features]` (1 to 64).
    image: bool,
    dims: [u8; 3],
    /// The input range: `[lo / 8, lo / 8 + (width + 1) / 8]`.
    lo: i8,
    width: u8,
    steps: Vec<Step>,
}

/// Weights from a seed, uniform in `±2^(scale mod 6 − 3)`.
#[derive(Arbitrary, Debug, Clone, Copy)]
struct Weights {
    seed: u32,
    scale: u8,
}

#[derive(Arbitrary, Debug)]
enum Step {
    Dense { outputs: u8, weights: Weights },
    Conv { channels: u8, kernel: u8, stride: u8, pad: u8, depthwise: bool, weights: Weights },
    AddConstant(Weights),
    MulConstant(Weights),
    Add(u8),
    Sub(u8),
    Mul(u8),
    Concat { earlier: u8, axis: u8 },
    Neg,
    Relu,
    AvgPool { kernel: u8, stride: u8, pad: u8, count_include_pad: bool },
    MaxPool { kernel: u8, stride: u8, pad: u8 },
    GlobalAvgPool,
    Flatten,
    SwapLastAxes,
    Pad { amount: u8, value: i8 },
    ReduceSum { axis: u8, keepdims: bool },
    BatchNorm(Weights),
}

/// The most elements of any value the program builds.
const MOST: u64 = 1024;

fn values(w: Weights, count: u64) -> Vec<f32> {
    let mut state = u64::from(w.seed) | 1 << 40;
    let scale = 2f32.powi(i32::from(w.scale % 6) - 3);
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ((state >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale
        })
        .collect()
}

fn constant(shape: Vec<u64>, w: Weights) -> Val {
    let count = shape.iter().product();
    Val::float(Tensor::new(shape, values(w, count)).expect("the shape's own element count"))
}

/// The op and operands of one step on the current value `x` (earlier values in `seen`), or `None` when the step
/// does not apply to `x`'s shape.
fn step(s: &Step, x: &Val, seen: &[Val]) -> Option<(Op, Vec<Val>)> {
    let shape = x.shape().to_vec();
    let rank = shape.len();
    // A scalar (a sum over the last axis of a vector) takes no further step: the axes below are taken modulo the rank.
    if rank == 0 {
        return None;
    }
    let earlier = |i: &u8| seen[usize::from(*i) % seen.len()].clone();
    let window = |kernel: u8, stride: u8, pad: u8| {
        let (k, s, p) = (u64::from(kernel % 3 + 1), u64::from(stride % 2 + 1), u64::from(pad % 2));
        ([k, k], [s, s], [p, p, p, p])
    };
    Some(match s {
        Step::Dense { outputs, weights } => {
            let (inputs, outputs) = (*shape.last()?, u64::from(outputs % 32 + 1));
            (Op::MatMul, vec![x.clone(), constant(vec![inputs, outputs], *weights)])
        }
        Step::Conv { channels, kernel, stride, pad, depthwise, weights } => {
            if rank != 4 {
                return None;
            }
            let c = shape[1];
            let (k, strides, pads) = window(*kernel, *stride, *pad);
            let (outputs, groups) = if *depthwise { (c, c) } else { (u64::from(channels % 4 + 1), 1) };
            let w = constant(vec![outputs, c / groups, k[0], k[1]], *weights);
            let b = constant(vec![outputs], Weights { seed: weights.seed ^ 1, scale: weights.scale });
            let attrs = Conv2dAttrs { strides, pads, dilations: [1, 1], groups };
            (Op::Conv2d(attrs), vec![x.clone(), w, b])
        }
        Step::AddConstant(w) => (Op::Add, vec![x.clone(), constant(vec![*shape.last()?], *w)]),
        Step::MulConstant(w) => (Op::Mul, vec![x.clone(), constant(vec![*shape.last()?], *w)]),
        Step::Add(i) => (Op::Add, vec![x.clone(), earlier(i)]),
        Step::Sub(i) => (Op::Sub, vec![x.clone(), earlier(i)]),
        Step::Mul(i) => (Op::Mul, vec![x.clone(), earlier(i)]),
        Step::Concat { earlier: i, axis } => {
            (Op::Concat(ConcatAttrs { axis: usize::from(*axis) % rank }), vec![x.clone(), earlier(i)])
        }
        Step::Neg => (Op::Neg, vec![x.clone()]),
        Step::Relu => (Op::Relu, vec![x.clone()]),
        Step::AvgPool { kernel, stride, pad, count_include_pad } => {
            let (kernel, strides, pads) = window(*kernel, *stride, *pad);
            let attrs = AvgPool2dAttrs { kernel, strides, pads, count_include_pad: *count_include_pad };
            (Op::AvgPool2d(attrs), vec![x.clone()])
        }
        Step::MaxPool { kernel, stride, pad } => {
            let (kernel, strides, pads) = window(*kernel, *stride, *pad);
            (Op::MaxPool2d(MaxPool2dAttrs { kernel, strides, pads, dilations: [1, 1] }), vec![x.clone()])
        }
        Step::GlobalAvgPool => (Op::GlobalAvgPool2d, vec![x.clone()]),
        Step::Flatten => (Op::Reshape(vec![1, shape.iter().product()]), vec![x.clone()]),
        Step::SwapLastAxes => {
            let mut perm: Vec<usize> = (0..rank).collect();
            perm.swap(rank - 1, rank.saturating_sub(2));
            (Op::Transpose(TransposeAttrs { perm }), vec![x.clone()])
        }
        Step::Pad { amount, value } => {
            let mut pads = vec![0; 2 * rank];
            pads[rank - 1] = u64::from(amount % 3);
            pads[2 * rank - 1] = u64::from(amount / 3 % 3);
            (Op::Pad(PadAttrs { pads, value: f64::from(*value) / 8.0 }), vec![x.clone()])
        }
        Step::ReduceSum { axis, keepdims } => {
            let attrs = ReduceSumAttrs { axes: vec![usize::from(*axis) % rank], keepdims: *keepdims };
            (Op::ReduceSum(attrs), vec![x.clone()])
        }
        Step::BatchNorm(w) => {
            if rank < 2 {
                return None;
            }
            let c = shape[1];
            let params = (0..4u32).map(|i| {
                let v = constant(vec![c], Weights { seed: w.seed ^ i, scale: w.scale });
                match (i, v) {
                    // The variance must be positive.
                    (3, Val::Float(t)) => Val::float(t.map(|e| e.abs() + 0.5)),
                    (_, v) => v,
                }
            });
            (Op::BatchNorm(BatchNormAttrs::default()), std::iter::once(x.clone()).chain(params).collect())
        }
    })
}

fuzz_target!(|program: Program| {
    let [a, b, c] = program.dims;
    let input = match program.image {
        true => vec![1, u64::from(a % 4 + 1), u64::from(b % 8 + 1), u64::from(c % 8 + 1)],
        false => vec![1, u64::from(a % 64 + 1)],
    };
    let mut builder = FuncBuilder::new("fuzz.mlir", &[input]);
    let lo = f64::from(program.lo) / 8.0;
    let range = (lo, lo + (f64::from(program.width) + 1.0) / 8.0);
    veil_nn::args::set_secret(&mut builder.m, builder.func, 0, true);
    veil_nn::args::set_input_range(&mut builder.m, builder.func, 0, Some(range));
    let mut current = builder.ir_val(builder.args()[0]);
    let mut seen = vec![current.clone()];
    for s in program.steps.iter().take(8) {
        let Some((op, operands)) = step(s, &current, &seen) else { continue };
        let Ok(next) = builder.emit(op, &operands) else { continue };
        if next.shape().iter().product::<u64>() > MOST {
            continue;
        }
        seen.push(next.clone());
        current = next;
    }
    let Ok(result) = builder.value(&current) else { return };
    builder.finish(&[result]);
    let m = builder.m;
    let ops = veil_lowering::registry();
    if let Err(d) = verify(&m, &ops) {
        panic!("the built program does not verify: {d}\n{}", veil_ir::print_module(&m));
    }
    let mut radix = m.clone();
    if common::compile(&mut radix, "nn-to-rt") {
        common::run_with_zeros(&radix);
    }
    let mut lut = m.clone();
    if common::compile(&mut lut, "nn-to-rt-lut") {
        common::run_with_zeros(&lut);
    }
    let mut approximate = m;
    if common::compile(&mut approximate, &common::lut_approximate_pipeline()) {
        common::run_with_zeros(&approximate);
    }
});
