//! The hand-written baseline of the benchmarks: a dense network (matmul, bias, rescale, relu) computed directly
//! with TFHE-rs's high-level API as a competent user writes it from its documentation — one `FheInt32` per
//! element, `*` by the clear weight, `+` to accumulate, `+` the clear bias, `>>` for the rescale, `max(0)` for
//! ReLU, rayon over the output elements — on exactly the quantized weights, biases and shifts of Veil's compiled
//! rt program, so it computes the same integers as Veil's clear backend.
//!
//! The arithmetic is written once, generic over [`Arith`]: on `i32` (the clear reference that tests compare with
//! Veil's clear backend) and on `FheInt32` (the measured baseline), so the two cannot differ in what they compute.

use rayon::prelude::*;
use veil_ir::builtin::{func_name, RETURN};
use veil_ir::Module;
use veil_runtime::interp::{dense_ints, rt_type};

/// One dense layer: `y = relu?((x · W + b) >> shift)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dense {
    /// `[inputs][outputs]`.
    pub weights: Vec<Vec<i32>>,
    pub bias: Vec<i32>,
    pub shift: u32,
    pub relu: bool,
}

/// The dense layers of a compiled rt program made only of `matmul_plain` (with its bias), `rescale` and `relu`
/// calls, such as digits_mlp's. Any other kernel is an error naming it.
pub fn dense_layers(rt: &Module) -> Result<Vec<Dense>, String> {
    let main = rt.funcs().into_iter().find(|&f| func_name(rt, f) == "main").ok_or("no function @main")?;
    let body = rt.body(main).ok_or("@main has no body")?;
    let mut consts: Vec<Option<Vec<i64>>> = vec![None; rt.value_capacity()];
    let mut layers: Vec<Dense> = vec![];
    let narrow = |v: i64| i32::try_from(v).map_err(|_| format!("the constant {v} does not fit an i32"));
    for &op in &rt.block(body).ops {
        let data = rt.op(op);
        if data.def == &RETURN {
            break;
        }
        if data.def == &veil_rt::CONST {
            let values = dense_ints(rt, data.attr("value"), "value").map_err(|e| e.to_string())?;
            consts[data.result().index()] = Some(values);
            continue;
        }
        let callee = data.attr("callee").and_then(|a| rt.attr_as_str(a)).unwrap_or_default();
        let constant = |i: usize| -> Result<&Vec<i64>, String> {
            let v = *data.operands.get(i).ok_or_else(|| format!("@{callee} lacks operand #{i}"))?;
            consts[v.index()].as_ref().ok_or_else(|| format!("@{callee}'s operand #{i} is not a constant"))
        };
        match callee {
            "matmul_plain" => {
                let w_type = rt_type(rt, rt.value_type(data.operands[1])).map_err(|e| e.to_string())?;
                let [k, n] = w_type.shape[..] else { return Err("matmul_plain's weight must be 2-D".into()) };
                let (k, n) = (k as usize, n as usize);
                let w = constant(1)?;
                let weights = (0..k)
                    .map(|i| (0..n).map(|j| narrow(w[if w.len() == 1 { 0 } else { i * n + j }])).collect())
                    .collect::<Result<_, _>>()?;
                let bias = match data.operands.len() {
                    3 => {
                        let b = constant(2)?;
                        (0..n).map(|j| narrow(b[if b.len() == 1 { 0 } else { j }])).collect::<Result<_, _>>()?
                    }
                    _ => vec![0; n],
                };
                layers.push(Dense { weights, bias, shift: 0, relu: false });
            }
            "rescale" | "relu" => {
                let last = layers.last_mut().ok_or_else(|| format!("@{callee} before any matmul_plain"))?;
                match callee {
                    "rescale" => {
                        let shift = data.attr("shift").and_then(|a| rt.attr_as_int(a)).unwrap_or(0);
                        last.shift += u32::try_from(shift).map_err(|_| format!("rescale by {shift}"))?;
                    }
                    _ => last.relu = true,
                }
            }
            other => return Err(format!("the hand-written baseline covers dense networks only, not @{other}")),
        }
    }
    Ok(layers)
}

/// What the network computes on: one element, clear or encrypted.
pub trait Arith: Clone + Send + Sync {
    fn mul_clear(&self, w: i32) -> Self;
    fn add(self, other: &Self) -> Self;
    fn add_clear(self, b: i32) -> Self;
    fn shr(self, shift: u32) -> Self;
    fn relu(self) -> Self;
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
    fn shr(self, shift: u32) -> i32 {
        self >> shift
    }
    fn relu(self) -> i32 {
        self.max(0)
    }
}

/// Output element `j` of a layer.
pub fn neuron<T: Arith>(layer: &Dense, x: &[T], j: usize) -> T {
    let mut products = x.iter().zip(&layer.weights).map(|(xi, w)| xi.mul_clear(w[j]));
    let first = products.next().expect("a layer has inputs");
    let acc = products.fold(first, |acc, p| acc.add(&p)).add_clear(layer.bias[j]);
    let y = if layer.shift > 0 { acc.shr(layer.shift) } else { acc };
    if layer.relu {
        y.relu()
    } else {
        y
    }
}

/// The first `outputs` elements of a layer (all when `None`), in parallel.
pub fn layer<T: Arith>(layer: &Dense, x: &[T], outputs: Option<usize>) -> Vec<T> {
    let n = outputs.map_or(layer.bias.len(), |k| k.min(layer.bias.len()));
    (0..n).into_par_iter().map(|j| neuron(layer, x, j)).collect()
}

/// The whole network on clear integers.
pub fn run_clear(layers: &[Dense], x: &[i32]) -> Vec<i32> {
    layers.iter().fold(x.to_vec(), |x, l| layer(l, &x, None))
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
        fn shr(self, shift: u32) -> FheInt32 {
            self >> shift
        }
        fn relu(self) -> FheInt32 {
            self.max(0i32)
        }
    }
}
