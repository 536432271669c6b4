//! `tfhe-params`: chooses the crypto parameters of a lookup-table-model program (`!rt.lwe`) and records them on the
//! module (`rt.tfhe`, [`veil_rt::tfhe_config`]). It collects one noise constraint per kind of bootstrap and per
//! decrypted result from the program, hands them to the optimizer ([`veil_params`], which knows nothing of the IR)
//! and writes its answer, the rounding mode and the probability of a wrong result per run.
//!
//! Noise per value is tracked as two ν², the squared 2-norms of the leveled combination that computes it over its
//! sources, bootstrap outputs and fresh encryptions (far less noisy: a first layer's large weights multiply only
//! these): a sum adds, a product by clear weights multiplies by the largest column's Σw², data movement keeps them,
//! an input encoded at `b` bits that a leveled op re-encodes at its result's `W` multiplies by 4^(b − W);
//! a per-tensor maximum, so sound for every element.
//! A table lookup that drops `s` bits of a `W`-bit input (index bits `p = W - s`) puts these constraints:
//!
//! | lookup | bootstraps | constraints (precision bits, table bits, multiplier 2^m, ν²) |
//! |---|---|---|
//! | `s = 0` | 1 | (W, W, 0, ν²) |
//! | approximate | 1 | (p, p, 0, ν²) |
//! | exact | 2 per chunk of c ≤ p + 1 bits (1 when c = 1), + 1 | per chunk of bits l..l + c, moved to the top by 2^m, m = W + 1 − l − c: its top bit (c − 1, 1, m, ν² + e), the bits under it (c − 1, c − 1, m, ν² + e + 1); the table: (p, p, 0, ν² + e) |
//! | full domain (a table negacyclic up to a constant, approximate or `s = 0`) | 1 | (p − 1, p − 1, 1, ν²) |
//!
//! (ν² + e: the e bootstrap outputs of the chunks before were subtracted.)
//!
//! and a decrypted result of encoding width `W` puts (W, ν²); with approximate rounding, a result whose frac exceeds
//! the activations' (`veil.precision`), or `decrypt-frac` when set, by `d` bits (an output rescale the client's
//! decryption replaces) only needs its top `W − d` bits: it may be off by half a unit of that precision.

#[cfg(feature = "search")]
mod constraints;

use veil_he::FixedTensor;
use veil_ir::{Diagnostics, Module};
use veil_rt::tfhe_config::Rounding;

use crate::pass::{Changed, Pass, PassOption, PassOptions};

/// The low bits of a decrypted result `t` that approximate rounding leaves to the noise: those of its frac beyond
/// `decrypt_frac` (the activations' unless the program sets it: an output rescale the client's decryption
/// replaces), so that it may be off by 2^(spare − 1) units; none with exact rounding.
pub fn spare_bits(rounding: Rounding, t: &FixedTensor, decrypt_frac: Option<i32>) -> u32 {
    match (rounding, decrypt_frac) {
        (Rounding::Approximate, Some(f)) => (t.frac - f).clamp(0, t.width as i32 - 1) as u32,
        _ => 0,
    }
}

/// The parameter choice pass.
#[cfg_attr(not(feature = "search"), allow(dead_code))]
pub struct TfheParams {
    p_fail: f64,
    rounding: Rounding,
    /// The fraction bits results are decrypted to, when not the activations'.
    decrypt_frac: Option<i32>,
    /// A parameter set per partition where that is cheaper (`partitions=auto`), or one for the program.
    partitioned: bool,
}

const OPTIONS: &[PassOption] = &[
    PassOption::string("p-fail", "2^-40", "The most each bootstrap or decryption may fail: a probability, or 2^-k"),
    PassOption::string("rounding", "exact", "exact: bit-exact floor (two more PBS per chunk of up to p + 1 dropped bits); approximate: 1 PBS, off by one at most"),
    PassOption::int("security", "128", "Security level in bits (128: TFHE-rs's 132-bit noise formulas)"),
    PassOption::string(
        "decrypt-frac",
        "act",
        "approximate rounding: the fraction bits each result is decrypted to (fewer bits to resolve through the \
         noise; the error bound grows by half a unit of them); act: the activations'",
    ),
    PassOption::string(
        "partitions",
        "auto",
        "auto: a parameter set per partition (bootstraps whose outputs meet in leveled ops) where that is cheaper, \
         keyswitching between them; one: one set for the program",
    ),
];

/// Parses `2^-40` or a plain probability.
fn parse_probability(text: &str) -> Result<f64, String> {
    let value = match text.strip_prefix("2^") {
        Some(exp) => exp.parse::<f64>().map(f64::exp2).map_err(|_| format!("p-fail '{text}' is not 2^-k"))?,
        None => text.parse::<f64>().map_err(|_| format!("p-fail '{text}' is not a probability (e.g. 2^-40, 1e-12)"))?,
    };
    if value > 0.0 && value < 1.0 {
        Ok(value)
    } else {
        Err(format!("p-fail = {text} must be a probability strictly between 0 and 1"))
    }
}

impl Pass for TfheParams {
    fn name(&self) -> &'static str {
        "tfhe-params"
    }

    fn description(&self) -> &'static str {
        "Choose the lookup-table model's TFHE parameters from the program's noise constraints; record them (rt.tfhe)"
    }

    fn options() -> &'static [PassOption] {
        OPTIONS
    }

    fn from_options(options: &PassOptions) -> Result<Self, String> {
        let security = options.int("security")?;
        if security != 128 {
            return Err(format!("security = {security}: only 128-bit security is supported"));
        }
        let rounding = Rounding::parse(options.string("rounding")?)?;
        let decrypt_frac = match options.string("decrypt-frac")? {
            "act" => None,
            text => {
                let frac = text
                    .parse::<i32>()
                    .ok()
                    .filter(|f| f.abs() <= 64)
                    .ok_or_else(|| format!("decrypt-frac = {text} must be 'act' or an integer in -64..=64"))?;
                if rounding != Rounding::Approximate {
                    return Err(format!(
                        "decrypt-frac = {frac} needs approximate rounding: exact rounding decrypts every bit"
                    ));
                }
                Some(frac)
            }
        };
        let partitioned = match options.string("partitions")? {
            "auto" => true,
            "one" => false,
            other => return Err(format!("partitions = {other} must be 'auto' or 'one'")),
        };
        Ok(TfheParams { p_fail: parse_probability(options.string("p-fail")?)?, rounding, decrypt_frac, partitioned })
    }

    #[cfg(feature = "search")]
    fn run(&self, m: &mut Module) -> Result<Changed, Diagnostics> {
        let (config, tables) =
            constraints::choose(m, self.rounding, self.p_fail, self.decrypt_frac, self.partitioned)?;
        let before = veil_rt::tfhe_config::TfheConfig::read(m).ok().flatten();
        let multiple = config.keyset.partitions.len() > 1;
        let mut changed = before.as_ref() != Some(&config);
        for (op, partition) in tables {
            let attr = veil_rt::tfhe_config::PARTITION_ATTR;
            let recorded = m.op(op).attr(attr).and_then(|a| m.attr_as_int(a));
            if multiple && recorded != Some(partition as i64) {
                let value = m.int_attr(partition as i64);
                m.set_attr(op, attr, value);
                changed = true;
            } else if !multiple && recorded.is_some() {
                m.remove_attr(op, attr);
                changed = true;
            }
        }
        config.write(m);
        Ok(Changed::from(changed))
    }

    #[cfg(not(feature = "search"))]
    fn run(&self, m: &mut Module) -> Result<Changed, Diagnostics> {
        let message = "this build has no TFHE parameter search (veil-lowering's feature `search`, which links TFHE-rs)";
        Err(m.report(vec![veil_ir::Diagnostic::error(veil_ir::Location::Unknown, message)]))
    }
}
