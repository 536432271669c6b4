//! The precision results are decrypted to with approximate rounding (tfhe-params' `decrypt-frac`), when the user
//! sets none and calibration rows are given: the coarsest that adds at most [`SHARE`] of the deviation the
//! fixed-point program already shows from the float model on those rows, when that is cheaper.
//!
//! With approximate rounding the client leaves a result's bits below `decrypt-frac` to the noise, and reads it to
//! within half a unit of them (the compiled error bound adds that half unit). Fewer bits to resolve through the
//! noise can let the optimizer choose cheaper parameters: digits_mlp's logits are 22 bits wide, of which the
//! activations' 4 fraction bits keep 13, and its hidden layer needs a PBS level more for them than for its tables.
//! Bits far below what the program can get right carry no information: on its calibration rows digits_mlp's clear
//! results differ from the float model's by up to 4.5, where 2 fraction bits round to within 0.125. The share is
//! measured on data, not on the proven bound, which the input box can make loose by orders of magnitude (65.5 for
//! digits_mlp, 11,443 for digits_cryptonets): a share of it could round away what the model does get right. Without
//! calibration rows, or when no parameters are cheaper, results keep the activations' precision.

use veil_nn::eval::Tensor as FloatTensor;
use veil_rt::tfhe_config::Rounding;

use crate::index_bits::{calibration_rows, MIN_ROWS};
use crate::pipeline::{self, estimated_bootstrap_s, Compiled, Options};

/// The most a result's decryption may add to its calibrated deviation from the float model (half a unit of the
/// decrypted precision against the largest |clear − float| on the calibration rows).
pub const SHARE: f64 = 1.0 / 32.0;

/// Whether the user chose the decryption precision (`tfhe-params{decrypt-frac=...}`): then nothing is changed.
pub fn chosen_by_user(options: &Options) -> bool {
    options.pass_options.iter().any(|(pass, o)| pass == "tfhe-params" && o.contains("decrypt-frac"))
}

/// The program compiled with coarser decryption (by `compile`) and a note saying why, when `compiled` rounds
/// approximately, the calibration rows allow fewer fraction bits than the activations' and that is cheaper by the
/// estimated bootstrap time; `None` otherwise.
pub fn choose(
    nn: &veil_ir::Module,
    options: &Options,
    compiled: &Compiled,
    compile: impl Fn(&Options) -> Result<Compiled, String>,
) -> Result<Option<Compiled>, String> {
    if options.rounding != Some(Rounding::Approximate) || chosen_by_user(options) {
        return Ok(None);
    }
    let Some(calibration) = &options.calibration else { return Ok(None) };
    let rows = calibration_rows(calibration);
    if rows.len() < MIN_ROWS {
        return Ok(None);
    }
    let Some(act_frac) =
        compiled.he.as_ref().and_then(veil_lowering::assign_precision::recorded_precision).map(|p| p.0)
    else {
        return Ok(None);
    };
    let Some(before) = estimated_bootstrap_s(compiled)? else { return Ok(None) };
    let deviation = largest_deviation(nn, compiled, &rows)?;
    let frac = coarsest_frac(deviation, act_frac);
    if frac >= act_frac {
        return Ok(None);
    }
    let mut coarser = options.clone();
    coarser.pass_options.push(("tfhe-params".into(), format!("decrypt-frac={frac}")));
    // No parameters at the coarser precision (they exist at the finer one): keep the finer.
    let Ok(mut candidate) = compile(&coarser) else { return Ok(None) };
    let Some(after) = estimated_bootstrap_s(&candidate)? else { return Ok(None) };
    if after >= before {
        return Ok(None);
    }
    // The same notes as the finer program's (loading, the table precision), and this one.
    candidate.notes = compiled.notes.clone();
    candidate.notes.push(format!(
        "results decrypted to {frac} fraction bits (the activations have {act_frac}): the rounding adds at most \
         2^{} to each, 1/{} of the largest |clear - float| on the {} calibration rows ({deviation:.3}), for {:.2}x \
         the estimated bootstrap time ('tfhe-params{{decrypt-frac=act}}' keeps the activations' precision)",
        -frac - 1,
        (1.0 / SHARE).round(),
        rows.len(),
        after / before
    ));
    Ok(Some(candidate))
}

/// The coarsest fraction bits, at most `act_frac`, whose half unit is at most [`SHARE`] of `deviation`.
pub fn coarsest_frac(deviation: f64, act_frac: i32) -> i32 {
    if !(deviation > 0.0 && deviation.is_finite()) {
        return act_frac;
    }
    // 2^(-f-1) <= SHARE * deviation  <=>  f >= -1 - log2(SHARE * deviation)
    let least = (-1.0 - (SHARE * deviation).log2()).ceil();
    (least.max(-64.0) as i32).min(act_frac)
}

/// The largest |clear − float| over every result element of every calibration row.
fn largest_deviation(nn: &veil_ir::Module, compiled: &Compiled, rows: &[FloatTensor<f32>]) -> Result<f64, String> {
    let mut largest = 0.0f64;
    for x in rows {
        let float = pipeline::run_float(nn, std::slice::from_ref(x))?;
        let clear = pipeline::run_clear(&compiled.rt, std::slice::from_ref(x))?;
        largest = largest.max(f64::from(pipeline::max_abs_diff(&clear.values, &float)));
    }
    Ok(largest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_half_unit_is_at_most_the_share_of_the_deviation() {
        // digits_mlp: 4.51 / 32 = 0.141, 2^-3 = 0.125 fits, 2^-2 does not.
        assert_eq!(coarsest_frac(4.51, 4), 2);
        // Exactly at the share: 2^-1 = 16 / 32.
        assert_eq!(coarsest_frac(16.0, 4), 0);
        assert_eq!(coarsest_frac(100.0, 4), -2);
        // Never finer than the activations.
        assert_eq!(coarsest_frac(1e-6, 4), 4);
        assert_eq!(coarsest_frac(0.0, 4), 4);
        assert_eq!(coarsest_frac(f64::NAN, 4), 4);
        assert_eq!(coarsest_frac(1e300, 4), -64);
    }
}
