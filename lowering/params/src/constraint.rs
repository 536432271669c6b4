//! The noise constraints a program puts on its parameters: one per PBS input or decryption, saying how many bits the
//! noise must leave intact and how much the leveled combination feeding it amplifies its sources' noise.

use serde::{Deserialize, Serialize};

use crate::failure::{half_box, z_for};

/// 2^-40: the default bound on the failure probability of each PBS and decryption.
pub const DEFAULT_P_FAIL: f64 = 9.094_947_017_729_282e-13;

/// Where a constraint checks the noise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ConstraintKind {
    /// At a bootstrap's blind rotation: after the multiplication by 2^m, the keyswitch and the modulus switch.
    Pbs,
    /// At a client's decryption of a leveled combination.
    Decrypt,
}

/// One noise constraint: the value `Σ c_i · x_i` (each x_i fresh or a PBS output), multiplied by 2^m for a PBS, must
/// decode `precision` bits right.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Constraint {
    /// Names the constraint in reports and errors (e.g. the op it comes from).
    pub label: String,
    pub kind: ConstraintKind,
    /// b: the message bits (without padding) the noise must resolve.
    pub precision: u32,
    /// p: the table's index bits, which need N ≥ 2^p; 0 for a decryption.
    pub table_bits: u32,
    /// m: the PBS input is the combination times 2^m (a shift that brings the wanted bits to the top); 0 mostly.
    pub multiplier_log2: u32,
    /// ν² = Σ c_i² over the combination's sources that are bootstrap outputs (or of unknown origin): the squared
    /// 2-norm of their clear weights.
    pub norm2_squared: f64,
    /// The same over the sources that are fresh encryptions (a client's inputs), whose noise is far smaller than
    /// a bootstrap's: a first layer's large weights multiply only this.
    #[serde(default)]
    pub fresh_norm2_squared: f64,
    /// The partition whose big key the combination's sources are under: with per-partition parameters
    /// ([`crate::partitioned`]) it sets their noise and the keyswitch's input dimension. 0 with one parameter set.
    #[serde(default)]
    pub source: usize,
    /// The partition whose keys run the bootstrap (the keyswitch's output key and the blind rotation); a
    /// decryption's is its source.
    #[serde(default)]
    pub partition: usize,
    /// How many bootstraps (or decryptions) of the program this constraint stands for: what its cost is weighed by.
    #[serde(default = "one")]
    pub count: u64,
    /// The share of half a box that the values leave to the noise: 1 when they sit at the boxes' centres, less
    /// when they fill part of each box (an exact floor's rests under a table's index).
    #[serde(default = "whole")]
    pub margin: f64,
}

fn one() -> u64 {
    1
}

fn whole() -> f64 {
    1.0
}

impl Constraint {
    /// How many times a source's variance this constraint's leveled noise is: 4^m · ν² for a PBS, ν² for a
    /// decryption (no multiplication happens before it).
    pub fn noise_weight(&self) -> f64 {
        self.weighted(self.norm2_squared)
    }

    /// How many times the fresh-encryption variance this constraint's leveled noise is (as [`Self::noise_weight`]).
    pub fn fresh_noise_weight(&self) -> f64 {
        self.weighted(self.fresh_norm2_squared)
    }

    fn weighted(&self, norm2_squared: f64) -> f64 {
        match self.kind {
            // 0 · 4^m is 0 even when 4^m overflows to infinity.
            ConstraintKind::Pbs if norm2_squared == 0.0 => 0.0,
            ConstraintKind::Pbs => norm2_squared * (2.0 * f64::from(self.multiplier_log2)).exp2(),
            ConstraintKind::Decrypt => norm2_squared,
        }
    }

    /// The largest total variance at which this constraint fails with probability at most `p_fail`.
    pub fn variance_budget(&self, p_fail: f64) -> f64 {
        (self.half_box() / z_for(p_fail)).powi(2)
    }

    /// How far the noise may move a value before it is read wrong, as a share of the torus.
    pub fn half_box(&self) -> f64 {
        half_box(self.precision) * self.margin
    }

    /// The table bits the search must honour: a decryption reads no table.
    pub(crate) fn required_table_bits(&self) -> u32 {
        match self.kind {
            ConstraintKind::Pbs => self.table_bits,
            ConstraintKind::Decrypt => 0,
        }
    }

    /// What makes two constraints interchangeable for the search, apart from ν².
    fn equivalence_key(&self) -> (ConstraintKind, u32, u64, u32, u32, usize, usize) {
        let (route, margin) = ((self.source, self.partition), self.margin.to_bits());
        match self.kind {
            ConstraintKind::Pbs => {
                (self.kind, self.precision, margin, self.table_bits, self.multiplier_log2, route.0, route.1)
            }
            ConstraintKind::Decrypt => (self.kind, self.precision, margin, 0, 0, route.0, route.0),
        }
    }
}

/// Everything the optimizer is asked: every constraint of a program and the per-use failure bound.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub constraints: Vec<Constraint>,
    /// The most any one PBS or decryption may fail, in (0, 1); [`DEFAULT_P_FAIL`] = 2^-40 by default.
    pub p_fail: f64,
}

impl Request {
    /// A request at the default failure bound.
    pub fn new(constraints: Vec<Constraint>) -> Self {
        Request { constraints, p_fail: DEFAULT_P_FAIL }
    }
}

/// The constraints the search needs to check: for each equivalence class (kind, precision, table bits, multiplier,
/// partitions),
/// only those no other of the class dominates (at least as large a ν² for both kinds of source), in the order the
/// classes first appear.
pub(crate) fn hardest_of_each_kind(constraints: &[Constraint]) -> Vec<&Constraint> {
    let dominates = |a: &Constraint, b: &Constraint| {
        a.equivalence_key() == b.equivalence_key()
            && a.norm2_squared >= b.norm2_squared
            && a.fresh_norm2_squared >= b.fresh_norm2_squared
    };
    let mut kept: Vec<&Constraint> = Vec::new();
    for constraint in constraints {
        if kept.iter().any(|k| dominates(k, constraint)) {
            continue;
        }
        match kept.iter().position(|k| dominates(constraint, k)) {
            Some(i) => {
                kept[i] = constraint;
                kept.retain(|k| std::ptr::eq(*k, constraint) || !dominates(constraint, k));
            }
            None => kept.push(constraint),
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pbs(label: &str, precision: u32, norm2_squared: f64) -> Constraint {
        Constraint {
            label: label.into(),
            kind: ConstraintKind::Pbs,
            precision,
            table_bits: precision,
            multiplier_log2: 0,
            norm2_squared,
            fresh_norm2_squared: 0.0,
            source: 0,
            partition: 0,
            count: 1,
            margin: 1.0,
        }
    }

    #[test]
    fn deduplication_keeps_the_largest_norm_of_each_class() {
        let decrypt = |label: &str, table_bits| Constraint {
            label: label.into(),
            kind: ConstraintKind::Decrypt,
            precision: 12,
            table_bits,
            multiplier_log2: 3,
            norm2_squared: 9.0,
            ..pbs(label, 12, 9.0)
        };
        let shifted = Constraint { multiplier_log2: 2, ..pbs("shifted", 4, 1.0) };
        let all = [
            pbs("a", 4, 10.0),
            pbs("b", 4, 30.0),
            pbs("c", 5, 20.0),
            shifted,
            pbs("d", 4, 20.0),
            decrypt("out0", 0),
            decrypt("out1", 7),
        ];
        let labels: Vec<&str> = hardest_of_each_kind(&all).iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["b", "c", "shifted", "out0"]);
    }

    #[test]
    fn weights_and_budgets() {
        let table: &[(Constraint, f64)] = &[
            (pbs("plain", 4, 100.0), 100.0),
            (Constraint { multiplier_log2: 3, ..pbs("shifted", 4, 100.0) }, 6400.0),
            (Constraint { multiplier_log2: 3000, ..pbs("zero", 4, 0.0) }, 0.0),
            (Constraint { kind: ConstraintKind::Decrypt, multiplier_log2: 3, ..pbs("out", 12, 100.0) }, 100.0),
        ];
        for (constraint, weight) in table {
            assert_eq!(constraint.noise_weight(), *weight, "{}", constraint.label);
        }
        // At z = 1 (p_fail ≈ 0.317) the budget is one half box squared.
        let budget = pbs("p", 4, 1.0).variance_budget(0.317_310_507_862_914_15);
        assert!((budget / 2f64.powi(-12) - 1.0).abs() < 1e-9, "{budget}");
    }
}
