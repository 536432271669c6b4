//! From an `rt.call` to a [`Backend`] method: reads the callee, the operands (ciphertext or plaintext buffers) and
//! the kernel attributes (with ONNX defaults for the optional ones), and calls the kernel at the result's width.

use crate::backend::{Backend, Lookup};
use crate::error::{Result, RuntimeError};
use crate::interp::{dense_ints, rt_type, Buffer};
use crate::linear::{Conv2d, Pool2d};
use crate::tensor::Tensor;
use crate::width::Width;
use veil_he::FixedTensor;
use veil_ir::{Module, OpId};

/// A call's operands and attributes, with errors that say what is missing.
struct Call<'a, C> {
    m: &'a Module,
    op: OpId,
    operands: &'a [&'a Buffer<C>],
}

impl<'a, C> Call<'a, C> {
    fn ct(&self, i: usize) -> Result<&'a Tensor<C>> {
        match self.operands.get(i) {
            Some(Buffer::Ct(t)) => Ok(t),
            Some(Buffer::Pt(_)) => Err(RuntimeError::Program(format!("operand #{i} must be a ciphertext"))),
            None => Err(RuntimeError::Program(format!("missing operand #{i}"))),
        }
    }

    fn pt(&self, i: usize) -> Result<&'a Tensor<i64>> {
        match self.operands.get(i) {
            Some(Buffer::Pt(t)) => Ok(t),
            Some(Buffer::Ct(_)) => Err(RuntimeError::Program(format!("operand #{i} must be a plaintext"))),
            None => Err(RuntimeError::Program(format!("missing operand #{i}"))),
        }
    }

    fn optional_pt(&self, i: usize) -> Result<Option<&'a Tensor<i64>>> {
        if i < self.operands.len() {
            self.pt(i).map(Some)
        } else {
            Ok(None)
        }
    }

    fn int(&self, name: &str) -> Option<i64> {
        self.m.op(self.op).attr(name).and_then(|a| self.m.attr_as_int(a))
    }

    fn required_int(&self, name: &str) -> Result<i64> {
        self.int(name).ok_or_else(|| RuntimeError::Program(format!("missing attribute '{name}'")))
    }

    /// A boolean attribute (`true`/`false`, or an integer), `default` when absent.
    fn flag(&self, name: &str, default: bool) -> bool {
        let Some(a) = self.m.op(self.op).attr(name) else { return default };
        match self.m.attr(a) {
            veil_ir::AttrKind::Bool(b) => *b,
            _ => self.m.attr_as_int(a).map_or(default, |i| i != 0),
        }
    }

    fn ints(&self, name: &str) -> Option<Vec<i64>> {
        self.m.op(self.op).attr(name).and_then(|a| self.m.attr_as_int_array(a))
    }

    fn sizes<const N: usize>(&self, name: &str, default: Option<[usize; N]>) -> Result<[usize; N]> {
        let bad = |what: String| RuntimeError::Program(format!("attribute '{name}' {what}"));
        match (self.ints(name), default) {
            (None, Some(d)) => Ok(d),
            (None, None) => Err(bad("is missing".into())),
            (Some(v), _) => {
                let v: Vec<usize> = v
                    .iter()
                    .map(|&x| usize::try_from(x))
                    .collect::<Result<_, _>>()
                    .map_err(|_| bad(format!("{v:?} has negative entries")))?;
                v.clone().try_into().map_err(|_| bad(format!("{v:?} must have {N} entries")))
            }
        }
    }

    fn shift(&self) -> Result<u32> {
        non_negative_shift(self.required_int("shift")?)
    }

    /// The optional `shift` of a lut (0 when absent).
    fn lut_shift(&self) -> Result<u32> {
        non_negative_shift(self.int("shift").unwrap_or(0))
    }

    fn pool(&self) -> Result<Pool2d> {
        Ok(Pool2d {
            kernel: self.sizes("kernel", None)?,
            strides: self.sizes("strides", Some([1, 1]))?,
            pads: self.sizes("pads", Some([0; 4]))?,
        })
    }
}

fn non_negative_shift(s: i64) -> Result<u32> {
    u32::try_from(s).map_err(|_| RuntimeError::Program(format!("shift {s} must be non-negative")))
}

/// Executes the `rt.call` `op` on `operands`; `ty` is its result type.
pub(crate) fn call<B: Backend + ?Sized>(
    m: &Module,
    op: OpId,
    operands: &[&Buffer<B::Ct>],
    ty: &FixedTensor,
    backend: &B,
) -> Result<Tensor<B::Ct>> {
    let c = Call { m, op, operands };
    let out = Width::new(ty.width)?;
    let callee = m.op(op).attr("callee").and_then(|a| m.attr_as_str(a)).unwrap_or_default();
    match callee {
        "add" => backend.add(c.ct(0)?, c.ct(1)?, out),
        "sub" => backend.sub(c.ct(0)?, c.ct(1)?, out),
        "add_plain" => backend.add_plain(c.ct(0)?, c.pt(1)?, out),
        "sub_plain" => backend.sub_plain(c.ct(0)?, c.pt(1)?, out),
        "neg" => backend.neg(c.ct(0)?, out),
        "mul" => backend.mul(c.ct(0)?, c.ct(1)?, out),
        "mul_plain" => backend.mul_plain(c.ct(0)?, c.pt(1)?, out),
        "square" => backend.square(c.ct(0)?, out),
        "matmul_plain" => backend.matmul_plain(c.ct(0)?, c.pt(1)?, c.optional_pt(2)?, out),
        "conv2d_plain" => {
            let attrs = Conv2d {
                strides: c.sizes("strides", Some([1, 1]))?,
                pads: c.sizes("pads", Some([0; 4]))?,
                dilations: c.sizes("dilations", Some([1, 1]))?,
                groups: usize::try_from(c.int("groups").unwrap_or(1))
                    .map_err(|_| RuntimeError::Program("groups must be positive".into()))?,
            };
            backend.conv2d_plain(c.ct(0)?, c.pt(1)?, c.optional_pt(2)?, &attrs, out)
        }
        "sum" => backend.sum(c.ct(0)?, &c.ints("axes").unwrap_or_default(), c.flag("keepdims", true), out),
        "rescale" => {
            let positive = |k: i64| u32::try_from(k).ok().filter(|&k| k >= 1);
            let chunk = c.int("chunk").map(|k| positive(k).ok_or(k)).transpose();
            let chunk = chunk.map_err(|k| RuntimeError::Program(format!("chunk {k} must be positive")))?;
            backend.rescale(c.ct(0)?, c.shift()?, chunk, out)
        }
        "shl" => backend.shl(c.ct(0)?, c.shift()?, out),
        "trivial" => backend.trivial(c.pt(0)?, out),
        "relu" => backend.relu(c.ct(0)?, out),
        "max" => backend.max(c.ct(0)?, c.ct(1)?, out),
        "clamp" => backend.clamp(c.ct(0)?, c.required_int("lo")?, c.required_int("hi")?, out),
        "max_pool2d" => backend.max_pool2d(c.ct(0)?, &c.pool()?, out),
        "avg_pool2d" => backend.avg_pool2d(c.ct(0)?, &c.pool()?, c.int("multiplier").unwrap_or(1), out),
        "lut" => {
            let input = Width::new(rt_type(m, m.value_type(m.op(op).operands[0]))?.width)?;
            let table = dense_ints(m, m.op(op).attr("table"), "table")?;
            let zero_bits = non_negative_shift(c.int("zero_bits").unwrap_or(0))?;
            let partition = c.int(veil_rt::tfhe_config::PARTITION_ATTR).unwrap_or(0);
            let partition = usize::try_from(partition)
                .map_err(|_| RuntimeError::kernel("lut", format!("partition {partition} is not a partition index")))?;
            let lookup = Lookup::new(input, &table, out).shifted(c.lut_shift()?, zero_bits).in_partition(partition);
            backend.lut(c.ct(0)?, &lookup)
        }
        "reshape" => backend.reshape(c.ct(0)?, &ty.shape.iter().map(|&d| d as usize).collect::<Vec<_>>()),
        "transpose" => {
            let perm = c.ints("perm").unwrap_or_default().into_iter().map(|p| p.max(0) as usize).collect::<Vec<_>>();
            backend.transpose(c.ct(0)?, &perm)
        }
        "pad" => {
            let pads = c.ints("pads").unwrap_or_default();
            let pads = pads.iter().map(|&p| usize::try_from(p)).collect::<Result<Vec<_>, _>>();
            let pads = pads.map_err(|_| RuntimeError::Program("pads must be non-negative".into()))?;
            backend.pad(c.ct(0)?, &pads, out)
        }
        "concat" => {
            let parts = (0..operands.len()).map(|i| c.ct(i)).collect::<Result<Vec<_>>>()?;
            backend.concat(&parts, c.required_int("axis")?)
        }
        other => Err(RuntimeError::Program(format!("unknown kernel @{other}"))),
    }
}
