//! The clear backend: the exact meaning of every rt program, on plain `i64` elements. It computes in `i128`,
//! checks that every result fits its declared width (reporting the kernel and the first element that does not), or,
//! when asked to, wraps around at the width exactly as a radix ciphertext of that many blocks would.

use crate::backend::{ElemError, ElemResult, Lookup, Primitives};
use crate::linear::LinearMap;
use crate::width::Width;
use rayon::prelude::*;

/// What the clear backend does with a result outside its declared width.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Overflow {
    /// Report it as an error (the default: the compiler promised it cannot happen).
    #[default]
    Check,
    /// Wrap around modulo 2^width, like the tfhe backend does.
    Wrap,
}

/// Exact integer evaluation of rt kernels.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClearBackend {
    pub overflow: Overflow,
}

impl ClearBackend {
    pub fn checked() -> ClearBackend {
        ClearBackend { overflow: Overflow::Check }
    }

    pub fn wrapping() -> ClearBackend {
        ClearBackend { overflow: Overflow::Wrap }
    }

    /// An exact result, at width `out`.
    fn fit(&self, value: Option<i128>, out: Width) -> ElemResult<i64> {
        let value = value.ok_or(ElemError::Overflow(i128::MAX))?;
        match self.overflow {
            Overflow::Check if !out.contains(value) => Err(ElemError::Overflow(value)),
            _ => Ok(out.wrap(value)),
        }
    }

    fn row(&self, inputs: &[&i64], terms: &[(usize, i64)], constant: i128, out: Width) -> ElemResult<i64> {
        let sum = terms.iter().try_fold(constant, |acc, &(i, c)| acc.checked_add((*inputs[i] as i128) * c as i128));
        self.fit(sum, out)
    }
}

impl Primitives for ClearBackend {
    type Ct = i64;

    fn linear(&self, inputs: &[&i64], map: &LinearMap, out: Width) -> Vec<ElemResult<i64>> {
        map.rows.par_iter().map(|row| self.row(inputs, &row.terms, row.constant, out)).collect()
    }

    fn mul(&self, a: &i64, b: &i64, out: Width) -> ElemResult<i64> {
        self.fit(Some(*a as i128 * *b as i128), out)
    }

    fn square(&self, a: &i64, out: Width) -> ElemResult<i64> {
        self.mul(a, a, out)
    }

    fn rescale(&self, a: &i64, shift: u32, _: Option<u32>, out: Width) -> ElemResult<i64> {
        self.fit(Some((*a as i128) >> shift.min(127)), out)
    }

    fn trivial(&self, value: i64, out: Width) -> ElemResult<i64> {
        self.fit(Some(value as i128), out)
    }

    fn relu(&self, a: &i64, out: Width) -> ElemResult<i64> {
        self.fit(Some((*a).max(0) as i128), out)
    }

    fn max(&self, a: &i64, b: &i64, out: Width) -> ElemResult<i64> {
        self.fit(Some((*a).max(*b) as i128), out)
    }

    fn clamp(&self, a: &i64, lo: i64, hi: i64, out: Width) -> ElemResult<i64> {
        self.fit(Some((*a).clamp(lo, hi) as i128), out)
    }

    fn lut(&self, a: &i64, lookup: &Lookup) -> ElemResult<i64> {
        let Lookup { input, shift, zero_bits, table, out, .. } = *lookup;
        if !input.contains(*a as i128) {
            return Err(ElemError::Unsupported(format!("lut input {a} is outside {input}")));
        }
        if a.trailing_zeros() < zero_bits {
            return Err(ElemError::Unsupported(format!(
                "lut input {a} is not a multiple of 2^{zero_bits} (zero_bits)"
            )));
        }
        let index = ((*a as i128 - input.min_value()) >> shift.min(127)) as usize;
        self.fit(table.get(index).map(|&v| v as i128), out)
    }

    fn check_element(&self, a: &i64, width: Width) -> Result<(), String> {
        if width.contains(*a as i128) {
            Ok(())
        } else {
            Err(format!("{a} is outside {width}"))
        }
    }
}
