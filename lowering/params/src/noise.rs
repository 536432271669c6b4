//! Noise and security of the lut model: TFHE-rs's published variance formulas (132-bit security, Gaussian noise,
//! FFT bootstrap) applied to a [`LutParams`]. Every variance here is a fraction of the torus, squared.
//!
//! The keyswitch and PBS formulas assume keys encrypted with exactly the minimal secure noise of
//! [`secure_variance`]; the search sets `lwe_noise_std` and `glwe_noise_std` that way, and the formulas below are
//! only meaningful for parameter sets that do.

use tfhe::core_crypto::commons::noise_formulas::lwe_keyswitch::keyswitch_additive_variance_132_bits_security_gaussian;
use tfhe::core_crypto::commons::noise_formulas::lwe_programmable_bootstrap::pbs_variance_132_bits_security_gaussian_fft_mul;
use tfhe::core_crypto::commons::noise_formulas::modulus_switch::modulus_switch_additive_variance;
use tfhe::core_crypto::commons::noise_formulas::secure_noise::minimal_lwe_variance_for_132_bits_security_gaussian;
use tfhe::core_crypto::commons::parameters::{
    DecompositionBaseLog, DecompositionLevelCount, GlweDimension, LweDimension, PolynomialSize,
};

use crate::constraint::{Constraint, ConstraintKind};
use crate::LutParams;

/// q = 2^64, the native ciphertext modulus, as the formulas take it.
pub const CIPHERTEXT_MODULUS: f64 = 18_446_744_073_709_551_616.0;

pub use crate::KEYSWITCH_BITS;

/// 2^[`KEYSWITCH_BITS`], the small key's ciphertext modulus, as the formulas take it.
pub const KEYSWITCH_MODULUS: f64 = (1u64 << KEYSWITCH_BITS) as f64;

/// Mantissa bits of the f64 FFT in the bootstrap's external products.
pub const FFT_MANTISSA_BITS: f64 = 53.0;

/// The smallest Gaussian noise variance that keeps an LWE key of this dimension at 132 bits of security (which
/// covers the 128 bits Veil promises).
pub fn secure_variance(lwe_dimension: usize) -> f64 {
    minimal_lwe_variance_for_132_bits_security_gaussian(LweDimension(lwe_dimension), CIPHERTEXT_MODULUS).0
}

/// [`secure_variance`] of a small key, whose ciphertexts (the keyswitch key's) have 32-bit words
/// ([`KEYSWITCH_MODULUS`]): the noise `lwe_noise_std` must have.
pub fn secure_small_key_variance(lwe_dimension: usize) -> f64 {
    minimal_lwe_variance_for_132_bits_security_gaussian(LweDimension(lwe_dimension), KEYSWITCH_MODULUS).0
}

/// A client's fresh encryption under the big key: its noise is the GLWE noise.
pub fn fresh_variance(params: &LutParams) -> f64 {
    params.glwe_noise_std * params.glwe_noise_std
}

/// The noise of a PBS output, under the big key (the blind rotation of an n-dimensional input).
pub fn pbs_output_variance(params: &LutParams) -> f64 {
    pbs_variance(
        params.lwe_dimension,
        params.glwe_dimension,
        params.polynomial_size,
        params.pbs_base_log,
        params.pbs_level,
    )
}

/// The noise the keyswitch from the big key (k·N) to the small key (n) adds.
pub fn keyswitch_variance(params: &LutParams) -> f64 {
    keyswitch_variance_of(params.big_lwe_dimension(), params.lwe_dimension, params.ks_base_log, params.ks_level)
}

/// The noise the modulus switch from the keyswitch's 2^32 to 2N adds to an n-dimensional ciphertext (the rounding
/// of its mask and body before the blind rotation).
pub fn modulus_switch_variance(params: &LutParams) -> f64 {
    modulus_switch_variance_of(params.lwe_dimension, params.polynomial_size)
}

/// The worst noise of any value a leveled combination starts from: a fresh encryption or a PBS output (a bound for
/// sources of unknown origin).
pub fn source_variance(params: &LutParams) -> f64 {
    fresh_variance(params).max(pbs_output_variance(params))
}

/// The noise at the point a constraint checks: for a PBS, the blind rotation's input after the multiplication by
/// 2^m, the keyswitch and the modulus switch; for a decryption, the leveled combination itself.
pub fn pbs_input_variance(params: &LutParams, constraint: &Constraint) -> f64 {
    let leveled = constraint.noise_weight() * pbs_output_variance(params)
        + constraint.fresh_noise_weight() * fresh_variance(params);
    match constraint.kind {
        ConstraintKind::Pbs => leveled + keyswitch_variance(params) + modulus_switch_variance(params),
        ConstraintKind::Decrypt => leveled,
    }
}

/// [`pbs_output_variance`] from the bare dimensions, for the search.
pub(crate) fn pbs_variance(
    lwe_dimension: usize,
    glwe_dimension: usize,
    polynomial_size: usize,
    base_log: usize,
    level: usize,
) -> f64 {
    pbs_variance_132_bits_security_gaussian_fft_mul(
        LweDimension(lwe_dimension),
        GlweDimension(glwe_dimension),
        PolynomialSize(polynomial_size),
        DecompositionBaseLog(base_log),
        DecompositionLevelCount(level),
        FFT_MANTISSA_BITS,
        CIPHERTEXT_MODULUS,
    )
    .0
}

/// [`keyswitch_variance`] from the bare dimensions, for the search.
pub(crate) fn keyswitch_variance_of(
    big_lwe_dimension: usize,
    lwe_dimension: usize,
    base_log: usize,
    level: usize,
) -> f64 {
    keyswitch_additive_variance_132_bits_security_gaussian(
        LweDimension(big_lwe_dimension),
        LweDimension(lwe_dimension),
        DecompositionBaseLog(base_log),
        DecompositionLevelCount(level),
        CIPHERTEXT_MODULUS,
        KEYSWITCH_MODULUS,
    )
    .0
}

/// [`modulus_switch_variance`] from the bare dimensions, for the search.
pub(crate) fn modulus_switch_variance_of(lwe_dimension: usize, polynomial_size: usize) -> f64 {
    let switched_modulus = 2.0 * polynomial_size as f64;
    modulus_switch_additive_variance(LweDimension(lwe_dimension), KEYSWITCH_MODULUS, switched_modulus).0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// TFHE-rs 0.11's Gaussian 2^-64 sets: (n, k, N, lwe std, glwe std).
    const TFHE_RS_SETS: &[(usize, usize, usize, f64, f64)] = &[
        (834, 1, 2048, 3.5539902359442825e-06, 2.845267479601915e-15),
        (857, 2, 1024, 2.389876747499049e-06, 2.845267479601915e-15),
        (781, 4, 512, 8.868480365938865e-06, 2.845267479601915e-15),
        (902, 1, 4096, 1.0994794733558207e-06, 2.168404344971009e-19),
        (1052, 1, 16384, 8.264676629436917e-08, 2.168404344971009e-19),
    ];

    #[test]
    fn secure_noise_matches_the_stds_tfhe_rs_publishes() {
        for &(n, k, big_n, lwe_std, glwe_std) in TFHE_RS_SETS {
            let lwe = secure_variance(n).sqrt();
            let glwe = secure_variance(k * big_n).sqrt();
            assert!((lwe / lwe_std - 1.0).abs() < 1e-3, "n={n}: {lwe} vs {lwe_std}");
            // TFHE-rs rounds the GLWE std of N=2048-sized keys to a slightly smaller published value.
            assert!((glwe / glwe_std).log2().abs() < 0.5, "k·N={}: {glwe} vs {glwe_std}", k * big_n);
        }
    }

    #[test]
    fn each_variance_grows_or_shrinks_the_way_the_formulas_say() {
        let base = LutParams {
            lwe_dimension: 834,
            glwe_dimension: 1,
            polynomial_size: 2048,
            lwe_noise_std: secure_small_key_variance(834).sqrt(),
            glwe_noise_std: secure_variance(2048).sqrt(),
            pbs_base_log: 23,
            pbs_level: 1,
            ks_base_log: 3,
            ks_level: 5,
        };
        let larger_n = LutParams { lwe_dimension: 900, ..base };
        assert!(pbs_output_variance(&larger_n) > pbs_output_variance(&base));
        assert!(modulus_switch_variance(&larger_n) > modulus_switch_variance(&base));
        assert!(keyswitch_variance(&larger_n) < keyswitch_variance(&base));
        let larger_poly = LutParams { polynomial_size: 4096, ..base };
        assert!(modulus_switch_variance(&larger_poly) < modulus_switch_variance(&base));
        // Every piece is a positive fraction of the torus, far below a whole one.
        for v in [fresh_variance(&base), pbs_output_variance(&base), keyswitch_variance(&base)] {
            assert!(v > 0.0 && v < 1e-6, "{v}");
        }
    }
}
