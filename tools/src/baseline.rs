//! The hand-written baseline of the benchmarks: a network computed directly with TFHE-rs's high-level API as a
//! competent user writes it from its documentation — one `FheInt32` per element, `*` by the clear weight, `+` to
//! accumulate, `+` the clear bias, `>>` for the rescale, `max(0)` for ReLU, `x * x` for the square activation,
//! rayon over the output elements — on exactly the quantized weights, biases and shifts of Veil's compiled rt
//! program (read from its `matmul_plain`, `conv2d_plain`, `rescale`, `relu`, `square` and `reshape` calls; the
//! runtime's index arithmetic says which input each weight multiplies), so it computes the same integers as
//! Veil's clear backend.
//!
//! The arithmetic is written once, generic over [`Arith`]: on `i32` (the clear reference that tests compare with
//! Veil's clear backend) and on `FheInt32` (the measured baseline), so the two cannot differ in what they compute.

use rayon::prelude::*;
use veil_ir::builtin::{func_name, RETURN};
use veil_ir::Module;
use veil_runtime::interp::{dense_ints, rt_type};
use veil_runtime::linear::{self, LinearMap};
use veil_runtime::{Conv2d, Tensor};

/// One step of the network, on a flat list of elements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Each output is `constant + Σ c·x[i]` (a matmul or convolution with its bias; zero weights left out).
    Linear(LinearMap),
    /// `x >> shift` (arithmetic: a floor).
    Rescale(u32),
    Relu,
    Square,
}

impl Step {
    /// The outputs of the step for `inputs` elements.
    pub fn outputs(&self, inputs: usize) -> usize {
        match self {
            Step::Linear(map) => map.rows.len(),
            _ => inputs,
        }
    }
}

/// The steps of a compiled rt program made of `matmul_plain`, `conv2d_plain` (with constant weights and biases),
/// `rescale`, `relu`, `square` and `reshape` calls. Any other kernel is an error naming it.
pub fn steps(rt: &Module) -> Result<Vec<Step>, String> {
    let main = rt.funcs().into_iter().find(|&f| func_name(rt, f) == "main").ok_or("no function @main")?;
    let body = rt.body(main).ok_or("@main has no body")?;
    let mut consts: Vec<Option<Tensor<i64>>> = vec![None; rt.value_capacity()];
    let mut steps = vec![];
    let shape_of = |v| -> Result<Vec<usize>, String> {
        let t = rt_type(rt, rt.value_type(v)).map_err(|e| e.to_string())?;
        Ok(t.shape.iter().map(|&d| d as usize).collect())
    };
    for &op in &rt.block(body).ops {
        let data = rt.op(op);
        if data.def == &RETURN {
            break;
        }
        if data.def == &veil_rt::CONST {
            let values = dense_ints(rt, data.attr("value"), "value").map_err(|e| e.to_string())?;
            let shape = shape_of(data.result())?;
            let n: usize = shape.iter().product();
            let values = if values.len() == 1 { vec![values[0]; n] } else { values };
            consts[data.result().index()] = Some(Tensor::new(shape, values).map_err(|e| e.to_string())?);
            continue;
        }
        let callee = data.attr("callee").and_then(|a| rt.attr_as_str(a)).unwrap_or_default();
        let constant = |i: usize| -> Result<&Tensor<i64>, String> {
            let v = *data.operands.get(i).ok_or_else(|| format!("@{callee} lacks operand #{i}"))?;
            consts[v.index()].as_ref().ok_or_else(|| format!("@{callee}'s operand #{i} is not a constant"))
        };
        let bias = if data.operands.len() == 3 { Some(constant(2)?) } else { None };
        let int = |name: &str, default: i64| data.attr(name).and_then(|a| rt.attr_as_int(a)).unwrap_or(default);
        let sizes = |name: &str, default: &[usize]| -> Vec<usize> {
            let v = data.attr(name).and_then(|a| rt.attr_as_int_array(a));
            v.map_or_else(|| default.to_vec(), |v| v.iter().map(|&x| x.max(0) as usize).collect())
        };
        let step = match callee {
            "matmul_plain" => {
                let x = shape_of(data.operands[0])?;
                Step::Linear(linear::matmul(&x, constant(1)?, bias).map_err(|e| e.to_string())?)
            }
            "conv2d_plain" => {
                let x = shape_of(data.operands[0])?;
                let pair = |v: Vec<usize>| [v[0], v[1]];
                let pads = sizes("pads", &[0; 4]);
                let attrs = Conv2d {
                    strides: pair(sizes("strides", &[1, 1])),
                    pads: [pads[0], pads[1], pads[2], pads[3]],
                    dilations: pair(sizes("dilations", &[1, 1])),
                    groups: int("groups", 1).max(1) as usize,
                };
                Step::Linear(linear::conv2d(&x, constant(1)?, bias, &attrs).map_err(|e| e.to_string())?)
            }
            "rescale" => Step::Rescale(u32::try_from(int("shift", 0)).map_err(|_| "a negative rescale")?),
            "relu" => Step::Relu,
            "square" => Step::Square,
            "reshape" => continue,
            other => {
                return Err(format!(
                    "the hand-written baseline covers matmul, convolution, rescale, relu and square, not @{other}"
                ))
            }
        };
        steps.push(step);
    }
    Ok(steps)
}

/// What the network computes on: one element, clear or encrypted.
pub trait Arith: Clone + Send + Sync {
    fn mul_clear(&self, w: i32) -> Self;
    fn add(self, other: &Self) -> Self;
    fn add_clear(self, b: i32) -> Self;
    fn shr(&self, shift: u32) -> Self;
    fn relu(&self) -> Self;
    fn square(&self) -> Self;
}

/// The clear reference: i32 arithmetic, wrapping like `FheInt32`.
impl Arith for i32 {
    fn mul_clear(&self, w: i32) -> i32 {
        self.wrapping_mul(w)
    }
    fn add(self, other: &i32) -> i32 {
        self.wrapping_add(*other)
    }
    fn add_clear(self, b: i32) -> i32 {
        self.wrapping_add(b)
    }
    fn shr(&self, shift: u32) -> i32 {
        self >> shift
    }
    fn relu(&self) -> i32 {
        (*self).max(0)
    }
    fn square(&self) -> i32 {
        self.wrapping_mul(*self)
    }
}

/// Output element `j` of a step.
pub fn element<T: Arith>(step: &Step, x: &[T], j: usize) -> T {
    match step {
        Step::Linear(map) => {
            let row = &map.rows[j];
            let mut products = row.terms.iter().map(|&(i, c)| x[i].mul_clear(c as i32));
            let first = products.next().unwrap_or_else(|| x[0].mul_clear(0));
            products.fold(first, |acc, p| acc.add(&p)).add_clear(row.constant as i32)
        }
        Step::Rescale(shift) => x[j].shr(*shift),
        Step::Relu => x[j].relu(),
        Step::Square => x[j].square(),
    }
}

/// The first `outputs` elements of a step (all when `None`), in parallel.
pub fn apply<T: Arith>(step: &Step, x: &[T], outputs: Option<usize>) -> Vec<T> {
    let n = step.outputs(x.len());
    let n = outputs.map_or(n, |k| k.min(n));
    (0..n).into_par_iter().map(|j| element(step, x, j)).collect()
}

/// The whole network on clear integers.
pub fn run_clear(steps: &[Step], x: &[i32]) -> Vec<i32> {
    steps.iter().fold(x.to_vec(), |x, s| apply(s, &x, None))
}

#[cfg(feature = "tfhe")]
pub use encrypted::*;

#[cfg(feature = "tfhe")]
mod encrypted {
    use super::Arith;
    use tfhe::prelude::*;
    use tfhe::{ClientKey, ConfigBuilder, FheInt32, ServerKey};

    /// TFHE-rs's default high-level configuration (the same 2-bit-message parameters as Veil's keys).
    pub struct HlKeys {
        pub client: ClientKey,
        pub server: ServerKey,
    }

    impl HlKeys {
        pub fn generate() -> HlKeys {
            let (client, server) = tfhe::generate_keys(ConfigBuilder::default().build());
            HlKeys { client, server }
        }

        /// Installs the server key on this thread and on every rayon worker, as the docs ask of multi-threaded
        /// programs.
        pub fn install(&self) {
            tfhe::set_server_key(self.server.clone());
            rayon::broadcast(|_| tfhe::set_server_key(self.server.clone()));
        }

        pub fn encrypt(&self, x: &[i32]) -> Vec<FheInt32> {
            x.iter().map(|&v| FheInt32::encrypt(v, &self.client)).collect()
        }

        pub fn decrypt(&self, x: &[FheInt32]) -> Vec<i32> {
            x.iter().map(|c| c.decrypt(&self.client)).collect()
        }
    }

    impl Arith for FheInt32 {
        fn mul_clear(&self, w: i32) -> FheInt32 {
            self * w
        }
        fn add(self, other: &FheInt32) -> FheInt32 {
            self + other
        }
        fn add_clear(self, b: i32) -> FheInt32 {
            self + b
        }
        fn shr(&self, shift: u32) -> FheInt32 {
            self >> shift
        }
        fn relu(&self) -> FheInt32 {
            self.max(0i32)
        }
        fn square(&self) -> FheInt32 {
            self * self
        }
    }
}
