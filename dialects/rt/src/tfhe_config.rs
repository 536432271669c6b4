//! The lookup-table model's crypto configuration as the IR records it: the module attribute
//! `rt.tfhe = {lwe_dimension = 862, glwe_dimension = 1, polynomial_size = 2048, ..., rounding = "exact",
//! p_fail = 3.1e-10, pbs = 96}` that `--tfhe-params` writes and the runtime reads, so a compiled program says
//! exactly what it runs with.

use veil_ir::{AttrKind, Module};
pub use veil_params::LutParams;

/// The module attribute.
pub const ATTR: &str = "rt.tfhe";

/// How a table's input is rounded to its index bits when the table drops low bits (`shift > 0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// Bit-exact `floor(x / 2^shift)`: one bootstrap per dropped bit extracts it (lowest first) so that it is
    /// subtracted, then the table; `shift + 1` bootstraps.
    Exact,
    /// One bootstrap whose modulus switch drops the low bits: the index is off by at most one near the edges.
    Approximate,
}

impl Rounding {
    pub fn parse(s: &str) -> Result<Rounding, String> {
        match s {
            "exact" => Ok(Rounding::Exact),
            "approximate" => Ok(Rounding::Approximate),
            other => Err(format!("rounding '{other}' is not one of: exact, approximate")),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Rounding::Exact => "exact",
            Rounding::Approximate => "approximate",
        }
    }

    /// Bootstraps of one table lookup that drops `shift` bits.
    pub fn pbs_per_lookup(self, shift: u32) -> u64 {
        match self {
            Rounding::Exact => u64::from(shift) + 1,
            Rounding::Approximate => 1,
        }
    }
}

/// Everything `rt.tfhe` holds.
#[derive(Clone, Debug, PartialEq)]
pub struct TfheConfig {
    pub params: LutParams,
    pub rounding: Rounding,
    /// The bound on each bootstrap's and decryption's failure probability the parameters were chosen for.
    pub p_fail_bound: f64,
    /// The probability of any wrong bootstrap or decryption in one run of the program (from the noise achieved).
    pub p_fail: f64,
    /// Bootstraps per run.
    pub pbs: u64,
    /// Estimated microseconds of one keyswitch + bootstrap on one core.
    pub pbs_us: f64,
}

const INTS: [&str; 7] =
    ["lwe_dimension", "glwe_dimension", "polynomial_size", "pbs_base_log", "pbs_level", "ks_base_log", "ks_level"];

impl TfheConfig {
    /// Records the configuration on the module.
    pub fn write(&self, m: &mut Module) {
        let p = &self.params;
        let ints = [p.lwe_dimension, p.glwe_dimension, p.polynomial_size, p.pbs_base_log, p.pbs_level, p.ks_base_log];
        let mut entries: Vec<(String, veil_ir::Attr)> = INTS
            .iter()
            .zip(ints.iter().chain([&p.ks_level]))
            .map(|(n, &v)| (n.to_string(), m.int_attr(v as i64)))
            .collect();
        entries.push(("lwe_noise_std".into(), m.float_attr(p.lwe_noise_std)));
        entries.push(("glwe_noise_std".into(), m.float_attr(p.glwe_noise_std)));
        entries.push(("rounding".into(), m.string_attr(self.rounding.name())));
        entries.push(("p_fail_bound".into(), m.float_attr(self.p_fail_bound)));
        entries.push(("p_fail".into(), m.float_attr(self.p_fail)));
        entries.push(("pbs".into(), m.int_attr(self.pbs as i64)));
        entries.push(("pbs_us".into(), m.float_attr(self.pbs_us)));
        let dict = m.dict_attr(entries);
        m.set_attr(m.top(), ATTR, dict);
    }

    /// The configuration recorded on the module: `None` without `rt.tfhe`, an error naming what is malformed.
    pub fn read(m: &Module) -> Result<Option<TfheConfig>, String> {
        let Some(a) = m.op(m.top()).attr(ATTR) else { return Ok(None) };
        let AttrKind::Dict(entries) = m.attr(a) else { return Err(format!("'{ATTR}' must be a dictionary")) };
        let get = |k: &str| {
            entries.iter().find(|(n, _)| n == k).map(|(_, a)| *a).ok_or_else(|| format!("'{ATTR}' lacks '{k}'"))
        };
        let int = |k: &str| -> Result<usize, String> {
            let v = m.attr_as_int(get(k)?).ok_or_else(|| format!("'{ATTR}': '{k}' must be an integer"))?;
            usize::try_from(v).ok().filter(|&v| v > 0).ok_or_else(|| format!("'{ATTR}': '{k}' = {v} must be positive"))
        };
        let float = |k: &str| -> Result<f64, String> {
            let v = m.attr_as_float(get(k)?).ok_or_else(|| format!("'{ATTR}': '{k}' must be a float"))?;
            (v.is_finite() && v >= 0.0)
                .then_some(v)
                .ok_or_else(|| format!("'{ATTR}': '{k}' = {v} must be finite, >= 0"))
        };
        let params = LutParams {
            lwe_dimension: int("lwe_dimension")?,
            glwe_dimension: int("glwe_dimension")?,
            polynomial_size: int("polynomial_size")?,
            lwe_noise_std: float("lwe_noise_std")?,
            glwe_noise_std: float("glwe_noise_std")?,
            pbs_base_log: int("pbs_base_log")?,
            pbs_level: int("pbs_level")?,
            ks_base_log: int("ks_base_log")?,
            ks_level: int("ks_level")?,
        };
        if !params.polynomial_size.is_power_of_two()
            || params.pbs_base_log * params.pbs_level > 64
            || params.ks_base_log * params.ks_level > 64
            || params.big_lwe_dimension() > 1 << 16
            || params.lwe_dimension > 1 << 14
        {
            return Err(format!("'{ATTR}' holds impossible parameters: {params:?}"));
        }
        let rounding =
            m.attr_as_str(get("rounding")?).ok_or_else(|| format!("'{ATTR}': 'rounding' must be a string"))?;
        Ok(Some(TfheConfig {
            params,
            rounding: Rounding::parse(rounding)?,
            p_fail_bound: float("p_fail_bound")?,
            p_fail: float("p_fail")?,
            pbs: m
                .attr_as_int(get("pbs")?)
                .and_then(|v| u64::try_from(v).ok())
                .ok_or("'rt.tfhe': 'pbs' must be a count")?,
            pbs_us: float("pbs_us")?,
        }))
    }
}
