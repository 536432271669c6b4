//! The kernel interface. [`Backend`] has one method per rt kernel and is implemented once, for every type that
//! provides the element-level [`Primitives`]: the index arithmetic (broadcasting, windows, reductions, layout) lives
//! here and in [`crate::linear`] / [`crate::layout`], and a backend supplies only what touches element values.
//! A backend that lacks a primitive does not compile, and neither does a kernel added without an implementation.

use crate::error::{Result, RuntimeError};
use crate::layout;
use crate::linear::{self, Conv2d, LinearMap, PlainOp, Pool2d};
use crate::tensor::{unravel, Tensor};
use crate::width::Width;
use rayon::prelude::*;

/// Why one output element could not be computed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ElemError {
    /// The exact result does not fit the declared width (only a checking backend reports it).
    Overflow(i128),
    /// The operation cannot be carried out on these operands.
    Unsupported(String),
}

pub type ElemResult<C> = std::result::Result<C, ElemError>;

/// One table lookup, `table[floor(a / 2^shift) + 2^(input.bits - shift - 1)]`: `table` has
/// `2^(input.bits - shift)` entries and `zero_bits <= shift < input.bits` ([`Backend::lut`] checks these); the
/// `zero_bits` low bits of `a` are zero (the clear backend checks it; the lookup-table model need not clear them);
/// the result is written at width `out`. `partition`: the lookup-table model's partition whose keys bootstrap it
/// (rt.tfhe; other backends ignore it).
#[derive(Clone, Copy, Debug)]
pub struct Lookup<'a> {
    pub input: Width,
    pub shift: u32,
    pub zero_bits: u32,
    pub table: &'a [i64],
    pub out: Width,
    pub partition: usize,
}

impl<'a> Lookup<'a> {
    /// A lookup of every value of `input` (no shift, no known zero bits), bootstrapped in partition 0.
    pub fn new(input: Width, table: &'a [i64], out: Width) -> Lookup<'a> {
        Lookup { input, shift: 0, zero_bits: 0, table, out, partition: 0 }
    }

    /// The index drops `shift` low bits, of which the `zero_bits` lowest are zero.
    pub fn shifted(self, shift: u32, zero_bits: u32) -> Lookup<'a> {
        Lookup { shift, zero_bits, ..self }
    }

    /// Bootstrapped with partition `partition`'s keys.
    pub fn in_partition(self, partition: usize) -> Lookup<'a> {
        Lookup { partition, ..self }
    }
}

/// What a backend computes on element values. `out` is the width of the result; operands may be narrower (they are
/// sign-extended) or wider (the compiler guarantees the result fits, so arithmetic modulo 2^out is exact).
pub trait Primitives: Sync {
    /// One tensor element: an `i64` for the clear backend, a radix ciphertext for tfhe.
    type Ct: Clone + Send + Sync;

    /// Every row of `map` over `inputs`, in row order.
    fn linear(&self, inputs: &[&Self::Ct], map: &LinearMap, out: Width) -> Vec<ElemResult<Self::Ct>>;
    fn mul(&self, a: &Self::Ct, b: &Self::Ct, out: Width) -> ElemResult<Self::Ct>;
    fn square(&self, a: &Self::Ct, out: Width) -> ElemResult<Self::Ct>;
    /// `floor(a / 2^shift)`; `chunk`, where the program gives one, bounds the bits one step of an exact floor
    /// clears (the lookup-table model's; other backends ignore it).
    fn rescale(&self, a: &Self::Ct, shift: u32, chunk: Option<u32>, out: Width) -> ElemResult<Self::Ct>;
    /// [`Primitives::rescale`] of every element of `elements`, in order (in batches where the backend bootstraps
    /// faster so, as [`Primitives::lut_all`]).
    fn rescale_all(
        &self,
        elements: &[Self::Ct],
        shift: u32,
        chunk: Option<u32>,
        out: Width,
    ) -> Vec<ElemResult<Self::Ct>> {
        elements.par_iter().map(|x| self.rescale(x, shift, chunk, out)).collect()
    }
    fn trivial(&self, value: i64, out: Width) -> ElemResult<Self::Ct>;
    fn relu(&self, a: &Self::Ct, out: Width) -> ElemResult<Self::Ct>;
    fn max(&self, a: &Self::Ct, b: &Self::Ct, out: Width) -> ElemResult<Self::Ct>;
    /// `min(max(a, lo), hi)`, `lo <= hi` (the rt verifier checks it).
    fn clamp(&self, a: &Self::Ct, lo: i64, hi: i64, out: Width) -> ElemResult<Self::Ct>;
    /// One [`Lookup`] of `a`.
    fn lut(&self, a: &Self::Ct, lookup: &Lookup) -> ElemResult<Self::Ct>;
    /// [`Primitives::lut`] of every element of `elements`, in order: each on its own, in parallel, unless the
    /// backend bootstraps faster in batches (the lwe backend: the bootstrap key streams through memory once per
    /// batch).
    fn lut_all(&self, elements: &[Self::Ct], lookup: &Lookup) -> Vec<ElemResult<Self::Ct>> {
        elements.par_iter().map(|x| self.lut(x, lookup)).collect()
    }
    /// Whether `a` is a valid element of width `width` (a program input or a file's content).
    fn check_element(&self, a: &Self::Ct, width: Width) -> std::result::Result<(), String>;
}

type T<B> = Tensor<<B as Backend>::Ct>;

/// The rt kernels, on tensors. See docs/runtime.md for each kernel's semantics and cost.
pub trait Backend: Sync {
    type Ct: Clone + Send + Sync;

    fn add(&self, a: &T<Self>, b: &T<Self>, out: Width) -> Result<T<Self>>;
    fn sub(&self, a: &T<Self>, b: &T<Self>, out: Width) -> Result<T<Self>>;
    fn add_plain(&self, a: &T<Self>, pt: &Tensor<i64>, out: Width) -> Result<T<Self>>;
    fn sub_plain(&self, a: &T<Self>, pt: &Tensor<i64>, out: Width) -> Result<T<Self>>;
    fn neg(&self, a: &T<Self>, out: Width) -> Result<T<Self>>;
    fn mul(&self, a: &T<Self>, b: &T<Self>, out: Width) -> Result<T<Self>>;
    fn mul_plain(&self, a: &T<Self>, pt: &Tensor<i64>, out: Width) -> Result<T<Self>>;
    fn square(&self, a: &T<Self>, out: Width) -> Result<T<Self>>;
    fn matmul_plain(&self, x: &T<Self>, w: &Tensor<i64>, bias: Option<&Tensor<i64>>, out: Width) -> Result<T<Self>>;
    fn conv2d_plain(
        &self,
        x: &T<Self>,
        w: &Tensor<i64>,
        bias: Option<&Tensor<i64>>,
        attrs: &Conv2d,
        out: Width,
    ) -> Result<T<Self>>;
    fn sum(&self, a: &T<Self>, axes: &[i64], keepdims: bool, out: Width) -> Result<T<Self>>;
    fn rescale(&self, a: &T<Self>, shift: u32, chunk: Option<u32>, out: Width) -> Result<T<Self>>;
    fn shl(&self, a: &T<Self>, shift: u32, out: Width) -> Result<T<Self>>;
    fn trivial(&self, pt: &Tensor<i64>, out: Width) -> Result<T<Self>>;
    fn relu(&self, a: &T<Self>, out: Width) -> Result<T<Self>>;
    fn max(&self, a: &T<Self>, b: &T<Self>, out: Width) -> Result<T<Self>>;
    fn clamp(&self, a: &T<Self>, lo: i64, hi: i64, out: Width) -> Result<T<Self>>;
    fn max_pool2d(&self, x: &T<Self>, attrs: &Pool2d, out: Width) -> Result<T<Self>>;
    fn avg_pool2d(&self, x: &T<Self>, attrs: &Pool2d, multiplier: i64, out: Width) -> Result<T<Self>>;
    /// A [`Lookup`] of every element (its table's size and shifts checked here, for every backend).
    fn lut(&self, a: &T<Self>, lookup: &Lookup) -> Result<T<Self>>;
    fn reshape(&self, a: &T<Self>, shape: &[usize]) -> Result<T<Self>>;
    fn transpose(&self, a: &T<Self>, perm: &[usize]) -> Result<T<Self>>;
    fn pad(&self, a: &T<Self>, pads: &[usize], out: Width) -> Result<T<Self>>;
    fn concat(&self, parts: &[&T<Self>], axis: i64) -> Result<T<Self>>;
    /// Checks a program input: every element valid at `width` (the error names the first bad element).
    fn check_tensor(&self, a: &T<Self>, width: Width) -> std::result::Result<(), String>;
}

/// Turns per-element results into a tensor, reporting the first failing element with the kernel's name.
fn collect<C>(kernel: &str, shape: Vec<usize>, results: Vec<ElemResult<C>>, out: Width) -> Result<Tensor<C>> {
    let mut data = Vec::with_capacity(results.len());
    for (flat, result) in results.into_iter().enumerate() {
        match result {
            Ok(c) => data.push(c),
            Err(ElemError::Overflow(value)) => {
                let index = unravel(flat, &shape);
                return Err(RuntimeError::Range { kernel: kernel.to_string(), index, value, bits: out.bits() });
            }
            Err(ElemError::Unsupported(message)) => {
                let index = unravel(flat, &shape);
                return Err(RuntimeError::kernel(kernel, format!("element {index:?}: {message}")));
            }
        }
    }
    Ok(Tensor::from_parts(shape, data))
}

/// Applies `f` to every element in parallel.
fn map<P: Primitives>(
    kernel: &str,
    a: &Tensor<P::Ct>,
    out: Width,
    f: impl Fn(&P::Ct) -> ElemResult<P::Ct> + Sync + Send,
) -> Result<Tensor<P::Ct>> {
    collect(kernel, a.shape.clone(), a.data.par_iter().map(f).collect(), out)
}

/// Applies `f` to every broadcast pair of elements in parallel.
fn zip<P: Primitives>(
    kernel: &str,
    a: &Tensor<P::Ct>,
    b: &Tensor<P::Ct>,
    out: Width,
    f: impl Fn(&P::Ct, &P::Ct) -> ElemResult<P::Ct> + Sync + Send,
) -> Result<Tensor<P::Ct>> {
    let map = linear::combine(kernel, &a.shape, &b.shape, 1, 1)?;
    let results = map
        .rows
        .par_iter()
        .map(|row| {
            let (ia, ib) = (row.terms[0].0, row.terms[1].0 - a.len());
            f(&a.data[ia], &b.data[ib])
        })
        .collect();
    collect(kernel, map.shape, results, out)
}

/// Evaluates a linear map whose inputs are the elements of `operands`, concatenated.
fn eval<P: Primitives>(
    p: &P,
    kernel: &str,
    operands: &[&Tensor<P::Ct>],
    map: LinearMap,
    out: Width,
) -> Result<Tensor<P::Ct>> {
    let inputs: Vec<&P::Ct> = operands.iter().flat_map(|t| t.data.iter()).collect();
    let results = p.linear(&inputs, &map, out);
    collect(kernel, map.shape, results, out)
}

impl<P: Primitives> Backend for P {
    type Ct = P::Ct;

    fn add(&self, a: &T<Self>, b: &T<Self>, out: Width) -> Result<T<Self>> {
        eval(self, "add", &[a, b], linear::combine("add", &a.shape, &b.shape, 1, 1)?, out)
    }

    fn sub(&self, a: &T<Self>, b: &T<Self>, out: Width) -> Result<T<Self>> {
        eval(self, "sub", &[a, b], linear::combine("sub", &a.shape, &b.shape, 1, -1)?, out)
    }

    fn add_plain(&self, a: &T<Self>, pt: &Tensor<i64>, out: Width) -> Result<T<Self>> {
        eval(self, "add_plain", &[a], linear::with_plain("add_plain", &a.shape, pt, PlainOp::Add)?, out)
    }

    fn sub_plain(&self, a: &T<Self>, pt: &Tensor<i64>, out: Width) -> Result<T<Self>> {
        eval(self, "sub_plain", &[a], linear::with_plain("sub_plain", &a.shape, pt, PlainOp::Sub)?, out)
    }

    fn neg(&self, a: &T<Self>, out: Width) -> Result<T<Self>> {
        eval(self, "neg", &[a], linear::scale(&a.shape, -1), out)
    }

    fn mul(&self, a: &T<Self>, b: &T<Self>, out: Width) -> Result<T<Self>> {
        zip::<P>("mul", a, b, out, |x, y| P::mul(self, x, y, out))
    }

    fn mul_plain(&self, a: &T<Self>, pt: &Tensor<i64>, out: Width) -> Result<T<Self>> {
        eval(self, "mul_plain", &[a], linear::with_plain("mul_plain", &a.shape, pt, PlainOp::Mul)?, out)
    }

    fn square(&self, a: &T<Self>, out: Width) -> Result<T<Self>> {
        map::<P>("square", a, out, |x| P::square(self, x, out))
    }

    fn matmul_plain(&self, x: &T<Self>, w: &Tensor<i64>, bias: Option<&Tensor<i64>>, out: Width) -> Result<T<Self>> {
        eval(self, "matmul_plain", &[x], linear::matmul(&x.shape, w, bias)?, out)
    }

    fn conv2d_plain(
        &self,
        x: &T<Self>,
        w: &Tensor<i64>,
        bias: Option<&Tensor<i64>>,
        attrs: &Conv2d,
        out: Width,
    ) -> Result<T<Self>> {
        eval(self, "conv2d_plain", &[x], linear::conv2d(&x.shape, w, bias, attrs)?, out)
    }

    fn sum(&self, a: &T<Self>, axes: &[i64], keepdims: bool, out: Width) -> Result<T<Self>> {
        eval(self, "sum", &[a], linear::sum(&a.shape, axes, keepdims)?, out)
    }

    fn rescale(&self, a: &T<Self>, shift: u32, chunk: Option<u32>, out: Width) -> Result<T<Self>> {
        collect("rescale", a.shape.clone(), P::rescale_all(self, &a.data, shift, chunk, out), out)
    }

    fn shl(&self, a: &T<Self>, shift: u32, out: Width) -> Result<T<Self>> {
        if shift >= 63 {
            return Err(RuntimeError::kernel("shl", format!("shift {shift} does not fit a 64-bit result")));
        }
        eval(self, "shl", &[a], linear::scale(&a.shape, 1 << shift), out)
    }

    fn trivial(&self, pt: &Tensor<i64>, out: Width) -> Result<T<Self>> {
        let results = pt.data.par_iter().map(|&v| P::trivial(self, v, out)).collect();
        collect("trivial", pt.shape.clone(), results, out)
    }

    fn relu(&self, a: &T<Self>, out: Width) -> Result<T<Self>> {
        map::<P>("relu", a, out, |x| P::relu(self, x, out))
    }

    fn max(&self, a: &T<Self>, b: &T<Self>, out: Width) -> Result<T<Self>> {
        zip::<P>("max", a, b, out, |x, y| P::max(self, x, y, out))
    }

    fn clamp(&self, a: &T<Self>, lo: i64, hi: i64, out: Width) -> Result<T<Self>> {
        map::<P>("clamp", a, out, |x| P::clamp(self, x, lo, hi, out))
    }

    fn max_pool2d(&self, x: &T<Self>, attrs: &Pool2d, out: Width) -> Result<T<Self>> {
        let (shape, windows) = linear::pool_windows("max_pool2d", &x.shape, attrs)?;
        let results = windows
            .par_iter()
            .map(|window| max_tree(self, &window.iter().map(|&i| &x.data[i]).collect::<Vec<_>>(), out))
            .collect();
        collect("max_pool2d", shape, results, out)
    }

    fn avg_pool2d(&self, x: &T<Self>, attrs: &Pool2d, multiplier: i64, out: Width) -> Result<T<Self>> {
        eval(self, "avg_pool2d", &[x], linear::avg_pool2d(&x.shape, attrs, multiplier)?, out)
    }

    fn lut(&self, a: &T<Self>, lookup: &Lookup) -> Result<T<Self>> {
        let Lookup { input, shift, zero_bits, table, out, .. } = *lookup;
        if shift >= input.bits() {
            return Err(RuntimeError::kernel("lut", format!("shift {shift} leaves no index bits of {input}")));
        }
        if zero_bits > shift {
            return Err(RuntimeError::kernel("lut", format!("zero_bits {zero_bits} exceeds the shift {shift}")));
        }
        let entries = 1u128 << (input.bits() - shift);
        if table.len() as u128 != entries {
            let over = if shift == 0 { format!("{input}") } else { format!("{input} shifted right by {shift}") };
            let message = format!("a table over {over} needs {entries} entries, not {}", table.len());
            return Err(RuntimeError::kernel("lut", message));
        }
        let results = P::lut_all(self, &a.data, lookup);
        collect("lut", a.shape.clone(), results, out)
    }

    fn reshape(&self, a: &T<Self>, shape: &[usize]) -> Result<T<Self>> {
        layout::reshape(a, shape)
    }

    fn transpose(&self, a: &T<Self>, perm: &[usize]) -> Result<T<Self>> {
        layout::transpose(a, perm)
    }

    fn pad(&self, a: &T<Self>, pads: &[usize], out: Width) -> Result<T<Self>> {
        let zero = P::trivial(self, 0, out).map_err(|e| RuntimeError::kernel("pad", format!("{e:?}")))?;
        layout::pad(a, pads, &zero)
    }

    fn concat(&self, parts: &[&T<Self>], axis: i64) -> Result<T<Self>> {
        layout::concat(parts, axis)
    }

    fn check_tensor(&self, a: &T<Self>, width: Width) -> std::result::Result<(), String> {
        let bad = a.data.par_iter().enumerate().find_first(|(_, c)| P::check_element(self, c, width).is_err());
        match bad {
            Some((flat, c)) => {
                let why = P::check_element(self, c, width).err().unwrap_or_default();
                Err(format!("element {:?}: {why}", unravel(flat, &a.shape)))
            }
            None => Ok(()),
        }
    }
}

/// The maximum of a window, as a balanced tree of pairwise maxima (depth log2 of the window).
fn max_tree<P: Primitives>(p: &P, window: &[&P::Ct], out: Width) -> ElemResult<P::Ct> {
    match window {
        [] => Err(ElemError::Unsupported("the window lies entirely in the padding".into())),
        [a] => p.max(a, a, out),
        [a, b] => p.max(a, b, out),
        [a, b, c] => p.max(&p.max(a, b, out)?, c, out),
        _ => {
            let (left, right) = window.split_at(window.len() / 2);
            let (l, r) = rayon::join(|| max_tree(p, left, out), || max_tree(p, right, out));
            p.max(&l?, &r?, out)
        }
    }
}
