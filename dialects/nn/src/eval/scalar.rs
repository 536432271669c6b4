//! The element types the evaluator computes with: `f32` (the float reference, rounding as onnxruntime does in
//! f32) and [`Interval`] (per-element bounds, for range analysis), behind one [`Scalar`] trait so that every
//! kernel is written once.

use std::fmt::Debug;
use std::ops::{Add, Div, Mul, Neg, Sub};

/// What a kernel needs of an element: the four operations, negation, `max`, `sqrt` and constants.
pub trait Scalar:
    Copy
    + Debug
    + PartialEq
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    /// The element nearest to `v` (an `f32` rounds; an interval is the point `[v, v]`).
    fn from_f64(v: f64) -> Self;
    fn max(self, other: Self) -> Self;
    fn sqrt(self) -> Self;

    fn zero() -> Self {
        Self::from_f64(0.0)
    }

    /// `self + a * b`: one step of a dot product.
    fn add_product(self, a: Self, b: Self) -> Self {
        self + a * b
    }
}

impl Scalar for f32 {
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    fn max(self, other: Self) -> Self {
        f32::max(self, other)
    }
    fn sqrt(self) -> Self {
        f32::sqrt(self)
    }
    /// Fused, one rounding: onnxruntime's (MLAS) matrix and convolution kernels use FMA instructions.
    fn add_product(self, a: Self, b: Self) -> Self {
        a.mul_add(b, self)
    }
}

/// A closed interval `[lo, hi]` of reals, computed in f64 without outward rounding: a bound of the real-number
/// result of each op (ReLU, max and the affine ops are exact up to f64 rounding; `x * x` of one tensor is
/// bounded as a product of two independent values, so it can be loose).
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Interval {
    pub lo: f64,
    pub hi: f64,
}

impl Interval {
    /// `[lo, hi]`; the bounds are swapped when given in the wrong order.
    pub fn new(lo: f64, hi: f64) -> Interval {
        Interval { lo: lo.min(hi), hi: hi.max(lo) }
    }

    pub fn point(v: f64) -> Interval {
        Interval { lo: v, hi: v }
    }

    /// The largest absolute value the interval holds.
    pub fn magnitude(self) -> f64 {
        self.lo.abs().max(self.hi.abs())
    }

    pub fn contains(self, v: f64) -> bool {
        self.lo <= v && v <= self.hi
    }

    fn from_products(products: [f64; 4]) -> Interval {
        // 0 * inf is NaN; such a product spans everything.
        if products.iter().any(|p| p.is_nan()) {
            return Interval { lo: f64::NEG_INFINITY, hi: f64::INFINITY };
        }
        let lo = products.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = products.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Interval { lo, hi }
    }
}

impl Add for Interval {
    type Output = Interval;
    fn add(self, o: Interval) -> Interval {
        Interval { lo: self.lo + o.lo, hi: self.hi + o.hi }
    }
}

impl Sub for Interval {
    type Output = Interval;
    fn sub(self, o: Interval) -> Interval {
        Interval { lo: self.lo - o.hi, hi: self.hi - o.lo }
    }
}

impl Mul for Interval {
    type Output = Interval;
    fn mul(self, o: Interval) -> Interval {
        Interval::from_products([self.lo * o.lo, self.lo * o.hi, self.hi * o.lo, self.hi * o.hi])
    }
}

impl Div for Interval {
    type Output = Interval;
    fn div(self, o: Interval) -> Interval {
        if o.contains(0.0) {
            return Interval { lo: f64::NEG_INFINITY, hi: f64::INFINITY };
        }
        self * Interval::new(1.0 / o.lo, 1.0 / o.hi)
    }
}

impl Neg for Interval {
    type Output = Interval;
    fn neg(self) -> Interval {
        Interval { lo: -self.hi, hi: -self.lo }
    }
}

impl Scalar for Interval {
    fn from_f64(v: f64) -> Self {
        Interval::point(v)
    }
    fn max(self, o: Interval) -> Interval {
        Interval { lo: self.lo.max(o.lo), hi: self.hi.max(o.hi) }
    }
    fn sqrt(self) -> Interval {
        Interval { lo: self.lo.max(0.0).sqrt(), hi: self.hi.max(0.0).sqrt() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_arithmetic() {
        let a = Interval::new(-1.0, 2.0);
        let b = Interval::new(3.0, 4.0);
        assert_eq!(a + b, Interval::new(2.0, 6.0));
        assert_eq!(a - b, Interval::new(-5.0, -1.0));
        assert_eq!(a * b, Interval::new(-4.0, 8.0));
        assert_eq!(-a, Interval::new(-2.0, 1.0));
        assert_eq!(a.max(Interval::zero()), Interval::new(0.0, 2.0));
        assert_eq!(b / Interval::point(2.0), Interval::new(1.5, 2.0));
        assert_eq!((a / a).lo, f64::NEG_INFINITY);
        assert_eq!(Interval::new(4.0, 9.0).sqrt(), Interval::new(2.0, 3.0));
        assert_eq!(a.magnitude(), 2.0);
    }
}
