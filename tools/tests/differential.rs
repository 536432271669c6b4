//! Differential property test of the whole compiler: random small nn programs (conv / pool / dense / bias / relu
//! chains with random weights) go through `nn-to-rt`; on random inputs inside the declared range the exact clear
//! backend (which checks every value against its width) must agree with the float evaluator within an error bound
//! derived independently here from the fixed-point formats.

use proptest::prelude::*;
use veil_ir::parse_and_verify;
use veil_nn::eval::Tensor as FloatTensor;
use veil_tools::pipeline::{self, Level, Loaded, Options};

/// Fraction bits of activations and weights the programs are compiled with.
const ACT_FRAC: i32 = 8;
const WEIGHT_FRAC: i32 = 8;

#[derive(Clone, Debug)]
enum Layer {
    /// `[1, k] x [k, n]` plus a bias of `n`.
    Dense {
        n: usize,
        weights: Vec<f32>,
        bias: Vec<f32>,
    },
    Relu,
    /// Adds a constant vector.
    AddConst(Vec<f32>),
}

#[derive(Clone, Debug)]
enum Front {
    None,
    /// A 2x2 pool with stride 2 on a `[1, 1, 4, 4]` input, then a flatten to `[1, 4]`.
    Pool {
        max: bool,
    },
    /// A 3x3 convolution (one input channel, `out` channels, no padding) on a `[1, 1, 4, 4]` input, then a relu
    /// and a flatten to `[1, 4 * out]`.
    Conv {
        out: usize,
        weights: Vec<f32>,
    },
}

#[derive(Clone, Debug)]
struct Program {
    front: Front,
    inputs: usize,
    layers: Vec<Layer>,
}

fn weight() -> impl Strategy<Value = f32> {
    (-100i32..=100).prop_map(|w| w as f32 / 100.0)
}

fn program() -> impl Strategy<Value = Program> {
    let front = prop_oneof![
        Just(Front::None),
        any::<bool>().prop_map(|max| Front::Pool { max }),
        (1usize..=2).prop_flat_map(
            |out| prop::collection::vec(weight(), out * 9).prop_map(move |w| Front::Conv { out, weights: w })
        ),
    ];
    (front, 2usize..=5, prop::collection::vec((0u8..3, 1usize..=4, any::<u64>()), 1..=3)).prop_map(
        |(front, n0, specs)| {
            let inputs = match &front {
                Front::None => n0,
                Front::Pool { .. } => 4,
                Front::Conv { out, .. } => 4 * out,
            };
            let mut width = inputs;
            let mut rng = Lcg(1);
            let layers = specs
                .into_iter()
                .map(|(kind, n, seed)| {
                    rng = Lcg(seed | 1);
                    match kind {
                        0 => {
                            let layer = Layer::Dense { n, weights: rng.weights(width * n), bias: rng.weights(n) };
                            width = n;
                            layer
                        }
                        1 => Layer::Relu,
                        _ => Layer::AddConst(rng.weights(width)),
                    }
                })
                .collect();
            Program { front, inputs, layers }
        },
    )
}

/// A tiny deterministic generator for the weights of one layer (its seed comes from proptest).
struct Lcg(u64);

impl Lcg {
    fn weights(&mut self, n: usize) -> Vec<f32> {
        (0..n)
            .map(|_| {
                self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((self.0 >> 33) % 201) as f32 / 100.0 - 1.0
            })
            .collect()
    }
}

fn dense(values: &[f32], shape: &[usize]) -> String {
    let dims = shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("x");
    let list = values.iter().map(|v| format!("{:?}", v)).collect::<Vec<_>>().join(", ");
    let body = if shape.len() == 1 { format!("[{list}]") } else { nested(values, shape) };
    format!("dense<{body}> : tensor<{dims}xf32>")
}

fn nested(values: &[f32], shape: &[usize]) -> String {
    if shape.len() == 1 {
        return format!("[{}]", values.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>().join(", "));
    }
    let step = values.len() / shape[0];
    format!("[{}]", values.chunks(step).map(|c| nested(c, &shape[1..])).collect::<Vec<_>>().join(", "))
}

fn t(shape: &[usize]) -> String {
    format!("tensor<{}xf32>", shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("x"))
}

/// The nn program as MLIR text, its input shape, and a sound bound on |fixed point - float| of its output.
fn build(p: &Program) -> (String, Vec<usize>, f64) {
    let mut lines = vec![];
    let mut n = 0;
    let mut op = |lines: &mut Vec<String>, text: String| {
        lines.push(format!("    %{n} = {text}"));
        n += 1;
        format!("%{}", n - 1)
    };
    let ulp_a = (-ACT_FRAC as f64).exp2();
    let ulp_w = (-WEIGHT_FRAC as f64).exp2();
    // (bound on |true value|, bound on |fixed point - true value|), for every element of the current tensor.
    let (mut x, mut e) = (1.0f64, ulp_a / 2.0);
    let input_shape: Vec<usize> = match p.front {
        Front::None => vec![1, p.inputs],
        _ => vec![1, 1, 4, 4],
    };
    let mut v = "%arg0".to_string();
    match &p.front {
        Front::None => {}
        Front::Pool { max } => {
            let name = if *max { "max_pool2d" } else { "avg_pool2d" };
            v = op(
                &mut lines,
                format!(
                    r#""nn.{name}"({v}) {{kernel = [2, 2], strides = [2, 2]}} : ({}) -> {}"#,
                    t(&input_shape),
                    t(&[1, 1, 2, 2])
                ),
            );
            if !*max {
                e += ulp_a; // the average's final rescale floors
            }
            v = op(&mut lines, format!(r#""nn.reshape"({v}) : ({}) -> {}"#, t(&[1, 1, 2, 2]), t(&[1, 4])));
        }
        Front::Conv { out, weights } => {
            let w = op(
                &mut lines,
                format!(
                    r#""nn.constant"() {{value = {}}} : () -> {}"#,
                    dense(weights, &[*out, 1, 3, 3]),
                    t(&[*out, 1, 3, 3])
                ),
            );
            let shape = [1, *out, 2, 2];
            v = op(
                &mut lines,
                format!(r#""nn.conv2d"({v}, {w}) : ({}, {}) -> {}"#, t(&input_shape), t(&[*out, 1, 3, 3]), t(&shape)),
            );
            let wmax = weights.chunks(9).map(|c| c.iter().map(|w| w.abs() as f64).sum::<f64>()).fold(0.0, f64::max);
            e = 9.0 * (x + e) * ulp_w / 2.0 + wmax * e + ulp_a;
            x *= wmax;
            v = op(&mut lines, format!(r#""nn.relu"({v}) : ({}) -> {}"#, t(&shape), t(&shape)));
            v = op(&mut lines, format!(r#""nn.reshape"({v}) : ({}) -> {}"#, t(&shape), t(&[1, 4 * out])));
        }
    }
    let mut width = p.inputs;
    for layer in &p.layers {
        match layer {
            Layer::Dense { n: outs, weights, bias } => {
                let w = op(
                    &mut lines,
                    format!(
                        r#""nn.constant"() {{value = {}}} : () -> {}"#,
                        dense(weights, &[width, *outs]),
                        t(&[width, *outs])
                    ),
                );
                let y = op(
                    &mut lines,
                    format!(
                        r#""nn.matmul"({v}, {w}) : ({}, {}) -> {}"#,
                        t(&[1, width]),
                        t(&[width, *outs]),
                        t(&[1, *outs])
                    ),
                );
                let b = op(
                    &mut lines,
                    format!(r#""nn.constant"() {{value = {}}} : () -> {}"#, dense(bias, &[*outs]), t(&[*outs])),
                );
                v = op(
                    &mut lines,
                    format!(r#""nn.add"({y}, {b}) : ({}, {}) -> {}"#, t(&[1, *outs]), t(&[*outs]), t(&[1, *outs])),
                );
                let col = |j: usize| (0..width).map(|i| weights[i * outs + j].abs() as f64).sum::<f64>();
                let wmax = (0..*outs).map(col).fold(0.0, f64::max);
                let bmax = bias.iter().map(|b| b.abs() as f64).fold(0.0, f64::max);
                e = width as f64 * (x + e) * ulp_w / 2.0 + wmax * e + ulp_a * ulp_w / 2.0 + ulp_a;
                x = wmax * x + bmax;
                width = *outs;
            }
            Layer::Relu => {
                v = op(&mut lines, format!(r#""nn.relu"({v}) : ({}) -> {}"#, t(&[1, width]), t(&[1, width])));
            }
            Layer::AddConst(c) => {
                let k = op(
                    &mut lines,
                    format!(r#""nn.constant"() {{value = {}}} : () -> {}"#, dense(c, &[width]), t(&[width])),
                );
                v = op(
                    &mut lines,
                    format!(r#""nn.add"({v}, {k}) : ({}, {}) -> {}"#, t(&[1, width]), t(&[width]), t(&[1, width])),
                );
                e += ulp_a / 2.0;
                x += c.iter().map(|c| c.abs() as f64).fold(0.0, f64::max);
            }
        }
    }
    let text = format!(
        "func.func @main(%arg0: {} {{veil.range = [0.0, 1.0], veil.secret}}) -> {} {{\n{}\n    func.return {v} : {}\n}}\n",
        t(&input_shape),
        t(&[1, width]),
        lines.join("\n"),
        t(&[1, width])
    );
    (text, input_shape, e)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn clear_backend_matches_float_within_the_bound(p in program(), seed in any::<u64>()) {
        let (text, shape, bound) = build(&p);
        let registry = veil_lowering::registry();
        let module = parse_and_verify("random.mlir", &text, &registry).map_err(|d| TestCaseError::fail(format!("{d}\n{text}")))?;
        let options = Options {
            pass_options: vec![("assign-precision".into(), format!("act-frac={ACT_FRAC},weight-frac={WEIGHT_FRAC}"))],
            // The independently derived bound is the exact fixed-point program's (radix); the lookup-table model's
            // coarser tables are not in it yet.
            strategy: Some(veil_lowering::he_to_rt::Strategy::Radix),
            ..Options::default()
        };
        let compiled = pipeline::compile(Loaded { level: Level::Nn, module, notes: vec![] }, &options)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let count: usize = shape.iter().product();
        let data = Lcg(seed | 1).weights(count).into_iter().map(|w| (w + 1.0) / 2.0).collect();
        let input = FloatTensor::new(shape.iter().map(|&d| d as u64).collect(), data).unwrap();
        let float = pipeline::run_float(compiled.nn.as_ref().unwrap(), std::slice::from_ref(&input))
            .map_err(|e| TestCaseError::fail(format!("float: {e}\n{text}")))?;
        // The clear backend is the checked one: a value outside its width is an error naming the op.
        let clear = pipeline::run_clear(&compiled.rt, std::slice::from_ref(&input))
            .map_err(|e| TestCaseError::fail(format!("clear: {e}\n{text}")))?;
        for (f, c) in float[0].data().iter().zip(clear.values[0].data()) {
            let diff = (*f as f64 - *c as f64).abs();
            prop_assert!(diff <= bound + 1e-5, "|{c} - {f}| = {diff} exceeds the bound {bound}\n{text}");
        }
    }
}
