//! A parameter set judged against a request: its cost, its key sizes and, for every constraint, the variance it
//! achieves and the failure probability that variance gives.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::constraint::Request;
use crate::cost::{bootstrap_key_bytes, keyswitch_key_bytes, CostModel};
use crate::failure::p_fail_within;
use crate::noise::pbs_input_variance;
use crate::LutParams;

/// What the search returns: the parameters and how they fare.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Solution {
    pub params: LutParams,
    /// Estimated microseconds of one keyswitch + PBS (every PBS of the program shares the parameters).
    pub pbs_cost_us: f64,
    /// The largest failure probability over the constraints, from the variances achieved.
    pub worst_p_fail: f64,
    /// For every constraint of the request, in its order: (label, variance achieved, failure probability).
    pub per_constraint: Vec<(String, f64, f64)>,
    pub bootstrap_key_bytes: u64,
    pub keyswitch_key_bytes: u64,
}

impl Solution {
    /// Judges any parameter set against a request with the public noise formulas (whether or not it meets it).
    pub fn evaluate(request: &Request, params: LutParams, cost: &CostModel) -> Solution {
        let per_constraint: Vec<(String, f64, f64)> = request
            .constraints
            .iter()
            .map(|c| {
                let variance = pbs_input_variance(&params, c);
                (c.label.clone(), variance, p_fail_within(variance, c.half_box()))
            })
            .collect();
        Solution {
            params,
            pbs_cost_us: cost.pbs_cost_us(&params),
            worst_p_fail: per_constraint.iter().map(|&(_, _, p)| p).fold(0.0, f64::max),
            per_constraint,
            bootstrap_key_bytes: bootstrap_key_bytes(&params),
            keyswitch_key_bytes: keyswitch_key_bytes(&params),
        }
    }
}

/// A power of two written as 2^x with one decimal, the way noise and probabilities are read.
pub(crate) fn as_power_of_two(x: f64) -> String {
    if x == 0.0 {
        // The smallest positive f64; a probability below it underflows erfc.
        "< 2^-1074".into()
    } else {
        format!("2^{:.1}", x.log2())
    }
}

fn mebibytes(bytes: u64) -> f64 {
    bytes as f64 / f64::from(1 << 20)
}

impl fmt::Display for Solution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.params;
        writeln!(
            f,
            "k = {}, N = {}, n = {}; PBS {} level(s) of 2^{}, keyswitch {} level(s) of 2^{}",
            p.glwe_dimension,
            p.polynomial_size,
            p.lwe_dimension,
            p.pbs_level,
            p.pbs_base_log,
            p.ks_level,
            p.ks_base_log
        )?;
        writeln!(f, "noise std: lwe {}, glwe {}", as_power_of_two(p.lwe_noise_std), as_power_of_two(p.glwe_noise_std))?;
        writeln!(
            f,
            "cost {:.1} ms per PBS; keys: bootstrap {:.1} MiB, keyswitch {:.1} MiB",
            self.pbs_cost_us / 1000.0,
            mebibytes(self.bootstrap_key_bytes),
            mebibytes(self.keyswitch_key_bytes)
        )?;
        writeln!(f, "worst p_fail {}", as_power_of_two(self.worst_p_fail))?;
        for (label, variance, p_fail) in &self.per_constraint {
            writeln!(f, "  {label}: variance {}, p_fail {}", as_power_of_two(*variance), as_power_of_two(*p_fail))?;
        }
        Ok(())
    }
}
