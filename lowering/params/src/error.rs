//! Why the search found no parameters: a malformed request, or the constraint furthest from being met, with what
//! would make it fit.

use std::fmt;

use crate::constraint::{Constraint, ConstraintKind};
use crate::search::MAX_POLYNOMIAL_SIZE_LOG2;
use crate::solution::as_power_of_two;

/// The error of [`crate::optimize`].
#[derive(Clone, Debug, PartialEq)]
pub enum NoParams {
    /// The request cannot be searched: a failure bound outside (0, 1), no constraint, or a NaN, infinite or negative
    /// ν² (the label names the constraint when one is at fault).
    Invalid { label: Option<String>, reason: String },
    /// No 128-bit-secure parameter set of the search space meets every constraint.
    Unmet(Box<UnmetConstraint>),
}

/// The constraint furthest from being met, described for the user.
#[derive(Clone, Debug, PartialEq)]
pub struct UnmetConstraint {
    pub label: String,
    pub kind: ConstraintKind,
    pub precision: u32,
    /// √ν²: the 2-norm of the leveled combination.
    pub norm2: f64,
    pub table_bits: u32,
    pub multiplier_log2: u32,
    /// The failure bound of the request.
    pub p_fail: f64,
    /// The least variance any parameter set gives this constraint alone, over its budget: above 1 it cannot be met
    /// even alone; at most 1, only not together with the others. Infinite when its table is too large for any N.
    pub excess: f64,
    /// The same for the keyswitch and modulus-switch noise alone (0 for a decryption): above 1, no smaller weights
    /// or tighter ranges can help, only fewer bits.
    pub switching_excess: f64,
}

impl UnmetConstraint {
    pub(crate) fn new(constraint: &Constraint, p_fail: f64, excess: f64, switching_excess: f64) -> Self {
        UnmetConstraint {
            label: constraint.label.clone(),
            kind: constraint.kind,
            precision: constraint.precision,
            norm2: constraint.norm2_squared.sqrt(),
            table_bits: constraint.required_table_bits(),
            multiplier_log2: constraint.multiplier_log2,
            p_fail,
            excess,
            switching_excess,
        }
    }

    fn table_too_large(&self) -> bool {
        self.kind == ConstraintKind::Pbs && self.table_bits > MAX_POLYNOMIAL_SIZE_LOG2
    }
}

const REMEDIES: &str = "fewer bits (a lower precision or a larger rounding shift), calibration for tighter ranges, \
                        smaller weights, or the radix model would make it fit";

/// How many times over its budget, readable at any size.
fn times(ratio: f64) -> String {
    if ratio < 1000.0 {
        format!("{ratio:.1}×")
    } else {
        format!("{}×", as_power_of_two(ratio))
    }
}

impl fmt::Display for UnmetConstraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = &self.label;
        if self.table_too_large() {
            let (bits, max) = (self.table_bits, MAX_POLYNOMIAL_SIZE_LOG2);
            return write!(
                f,
                "no parameters for `{label}`: its table of 2^{bits} entries needs N ≥ 2^{bits}, above the largest \
                 polynomial size 2^{max}; fewer index bits (a lower precision or a larger rounding shift), calibration \
                 for tighter ranges, or the radix model would make it fit"
            );
        }
        let point = match self.kind {
            ConstraintKind::Pbs => "PBS input",
            ConstraintKind::Decrypt => "decryption",
        };
        let shift = match self.multiplier_log2 {
            0 => String::new(),
            m => format!(", multiplied by 2^{m}"),
        };
        let described = format!(
            "`{label}` ({point} at precision {} bits, 2-norm {:.1}{shift}) with p_fail ≤ {}",
            self.precision,
            self.norm2,
            as_power_of_two(self.p_fail)
        );
        if self.switching_excess > 1.0 {
            write!(
                f,
                "no 128-bit-secure parameters meet {described}: the keyswitch and modulus switch alone give it \
                 {} its variance budget at the largest polynomial size, whatever the weights; fewer bits (a lower \
                 precision or a larger rounding shift) or the radix model would make it fit",
                times(self.switching_excess)
            )
        } else if self.excess > 1.0 {
            write!(
                f,
                "no 128-bit-secure parameters meet {described}: the least noisy give it {} its variance budget; \
                 {REMEDIES}",
                times(self.excess)
            )
        } else {
            write!(
                f,
                "no 128-bit-secure parameters meet every constraint at once; the hardest, {described}, fits alone \
                 but not with the others; {REMEDIES}"
            )
        }
    }
}

impl fmt::Display for NoParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoParams::Invalid { label: Some(label), reason } => write!(f, "invalid constraint `{label}`: {reason}"),
            NoParams::Invalid { label: None, reason } => write!(f, "invalid parameter request: {reason}"),
            NoParams::Unmet(unmet) => unmet.fmt(f),
        }
    }
}

impl std::error::Error for NoParams {}

#[cfg(test)]
mod tests {
    use super::*;

    fn unmet(table_bits: u32, excess: f64, switching_excess: f64) -> String {
        let unmet = UnmetConstraint {
            label: "dense2.relu".into(),
            kind: ConstraintKind::Pbs,
            precision: 5,
            norm2: 40.0,
            table_bits,
            multiplier_log2: 3,
            p_fail: 2f64.powi(-40),
            excess,
            switching_excess,
        };
        NoParams::Unmet(Box::new(unmet)).to_string()
    }

    #[test]
    fn each_reason_renders_its_own_advice() {
        let rendered = [
            unmet(15, f64::INFINITY, f64::INFINITY),
            unmet(5, 3.0e9, 2.5),
            unmet(5, 3.0, 0.5),
            unmet(5, 0.9, 0.5),
            NoParams::Invalid { label: None, reason: "the request has no constraint".into() }.to_string(),
        ];
        insta::assert_snapshot!(rendered.join("\n"));
    }
}
