//! The cost model: estimated time of one keyswitch + classic PBS for a parameter set, and the sizes of its keys.
//!
//! One analytic form, three constants (nanoseconds per unit of work), with L = N·log2 N:
//!
//! ```text
//! t = n · L · (a · ℓ_pbs · (k+1)²  +  b · (k+1) · (ℓ_pbs + 1))  +  c · k·N · ℓ_ks · (n+1)
//!         blind rotation: products       its forward and inverse FFTs     keyswitch multiply-adds
//! ```
//!
//! Fitted (the least maximum relative error) to TFHE-rs 1.8.2 core_crypto timings on the project's 2-core AMD EPYC
//! as the lwe backend runs bootstraps: one chunk per core, each chunk's keyswitches (to 32-bit words) and then one batch
//! of mem-optimized PBS (64-bit) that streams the bootstrap key once. `runtime/examples/pbs_probe.rs` measures it (16 bootstraps per
//! thread on 2 threads; wall time × 2 / 32 per bootstrap; the mean of three runs, one with 64 per thread, which
//! differed by less than 4%; 2026-12-05, its kernels compiled at opt-level 3, see the workspace Cargo.toml):
//!
//! | N    | k | ℓ_pbs | n   | ℓ_ks | measured | model    | residual |
//! |------|---|-------|-----|------|----------|----------|----------|
//! | 2048 | 1 | 1     | 771 | 5    | 16.0 ms  | 15.2 ms  | −4.7%    |
//! | 2048 | 1 | 2     | 796 | 5    | 21.7 ms  | 22.1 ms  | +1.7%    |
//! | 2048 | 1 | 3     | 796 | 5    | 27.8 ms  | 28.4 ms  | +2.3%    |
//! | 2048 | 1 | 4     | 770 | 7    | 33.9 ms  | 35.4 ms  | +4.7%    |
//! | 2048 | 1 | 2     | 862 | 3    | 22.9 ms  | 21.9 ms  | −4.1%    |
//! | 4096 | 1 | 2     | 786 | 7    | 49.0 ms  | 50.3 ms  | +2.8%    |
//! | 4096 | 1 | 3     | 812 | 5    | 62.3 ms  | 62.4 ms  | +0.2%    |
//! | 1024 | 2 | 1     | 714 | 4    | 10.2 ms  | 10.6 ms  | +3.7%    |
//! | 1024 | 2 | 2     | 764 | 4    | 16.8 ms  | 16.0 ms  | −4.7%    |
//! | 512  | 4 | 1     | 834 | 5    | 11.5 ms  | 12.1 ms  | +4.7%    |
//!
//! Batched, the external products' term (a) nearly vanishes: what it measured one bootstrap at a time was mostly the
//! bootstrap key streaming from memory (96–300 MiB per bootstrap), which a batch reads once. The FFTs (b) and the
//! keyswitch (c; 1.9 ms at k·N = 2048 and ℓ_ks = 5, two cores streaming their 31 MiB keys at once, half of what
//! a 64-bit keyswitch took) remain. One
//! bootstrap alone (an output's, a single element's) costs up to 25% more than the model says (the probe's "one at a
//! time" column).

use serde::{Deserialize, Serialize};

use crate::LutParams;

/// The constants of the cost model, in nanoseconds per unit of work; [`Default`] is the fit above. A benchmark on
/// another machine can recalibrate them.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostModel {
    /// a: per n · ℓ_pbs · (k+1)² · N·log2 N (the external products' pointwise multiply-adds).
    pub blind_rotation_ns: f64,
    /// b: per n · (k+1) · (ℓ_pbs + 1) · N·log2 N (the forward FFTs of each decomposed level, the inverse ones).
    pub fft_ns: f64,
    /// c: per k·N · ℓ_ks · (n+1) (the keyswitch's multiply-adds).
    pub keyswitch_ns: f64,
}

impl Default for CostModel {
    fn default() -> Self {
        CostModel { blind_rotation_ns: 0.022_48, fft_ns: 0.132_50, keyswitch_ns: 0.562_00 }
    }
}

impl CostModel {
    /// Estimated microseconds of one keyswitch + PBS with these parameters on one core.
    pub fn pbs_cost_us(&self, params: &LutParams) -> f64 {
        self.cost_us(
            params.lwe_dimension,
            params.glwe_dimension,
            params.polynomial_size,
            params.pbs_level,
            params.ks_level,
        )
    }

    /// [`Self::pbs_cost_us`] from the bare dimensions, for the search: increasing in every argument.
    pub(crate) fn cost_us(
        &self,
        lwe_dimension: usize,
        glwe_dimension: usize,
        polynomial_size: usize,
        pbs_level: usize,
        ks_level: usize,
    ) -> f64 {
        self.blind_rotation_us(lwe_dimension, glwe_dimension, polynomial_size, pbs_level)
            + self.keyswitch_us(glwe_dimension * polynomial_size, lwe_dimension, ks_level)
    }

    /// The blind rotation's share of [`Self::cost_us`] (its external products and FFTs).
    pub(crate) fn blind_rotation_us(
        &self,
        lwe_dimension: usize,
        glwe_dimension: usize,
        polynomial_size: usize,
        pbs_level: usize,
    ) -> f64 {
        let (n, k, big_n, pbs_level) =
            (lwe_dimension as f64, glwe_dimension as f64, polynomial_size as f64, pbs_level as f64);
        let transform = big_n * big_n.max(1.0).log2();
        n * transform
            * (self.blind_rotation_ns * pbs_level * (k + 1.0).powi(2) + self.fft_ns * (k + 1.0) * (pbs_level + 1.0))
            / 1000.0
    }

    /// The keyswitch's share: from a big key of dimension `big_lwe_dimension` (the source's, which per-partition
    /// parameters may make another partition's) to the small key of dimension `lwe_dimension`.
    pub(crate) fn keyswitch_us(&self, big_lwe_dimension: usize, lwe_dimension: usize, ks_level: usize) -> f64 {
        self.keyswitch_ns * big_lwe_dimension as f64 * ks_level as f64 * (lwe_dimension as f64 + 1.0) / 1000.0
    }
}

/// Bytes of the bootstrap key in the Fourier domain: n GGSW ciphertexts of (k+1)²·ℓ_pbs polynomials, each N/2
/// complex f64 (16 bytes).
pub fn bootstrap_key_bytes(params: &LutParams) -> u64 {
    let glwe_size = params.glwe_dimension as u64 + 1;
    [params.lwe_dimension as u64, glwe_size, glwe_size, params.pbs_level as u64, params.polynomial_size as u64 / 2, 16]
        .into_iter()
        .fold(1, u64::saturating_mul)
}

/// Bytes of the keyswitch key: k·N · ℓ_ks LWE ciphertexts of n+1 32-bit words (`noise::KEYSWITCH_BITS`).
pub fn keyswitch_key_bytes(params: &LutParams) -> u64 {
    let big_lwe_dimension = params.big_lwe_dimension() as u64;
    let word_bytes = crate::noise::KEYSWITCH_BITS as u64 / 8;
    [big_lwe_dimension, params.ks_level as u64, (params.lwe_dimension as u64).saturating_add(1), word_bytes]
        .into_iter()
        .fold(1, u64::saturating_mul)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (n, k, N, ℓ_pbs, ℓ_ks, measured µs): the timings the default model was fitted to.
    const MEASURED: &[(usize, usize, usize, usize, usize, f64)] = &[
        (771, 1, 2048, 1, 5, 15_960.0),
        (796, 1, 2048, 2, 5, 21_700.0),
        (796, 1, 2048, 3, 5, 27_800.0),
        (770, 1, 2048, 4, 7, 33_850.0),
        (862, 1, 2048, 2, 3, 22_850.0),
        (786, 1, 4096, 2, 7, 48_980.0),
        (812, 1, 4096, 3, 5, 62_300.0),
        (714, 2, 1024, 1, 4, 10_200.0),
        (764, 2, 1024, 2, 4, 16_810.0),
        (834, 4, 512, 1, 5, 11_520.0),
    ];

    fn params(n: usize, k: usize, big_n: usize, pbs_level: usize, ks_level: usize) -> LutParams {
        LutParams {
            lwe_dimension: n,
            glwe_dimension: k,
            polynomial_size: big_n,
            lwe_noise_std: 0.0,
            glwe_noise_std: 0.0,
            pbs_base_log: 23,
            pbs_level,
            ks_base_log: 3,
            ks_level,
        }
    }

    #[test]
    fn the_default_fit_is_within_five_percent_of_every_measurement() {
        let model = CostModel::default();
        for &(n, k, big_n, pbs_level, ks_level, measured) in MEASURED {
            let estimate = model.pbs_cost_us(&params(n, k, big_n, pbs_level, ks_level));
            assert!((estimate / measured - 1.0).abs() < 0.05, "N={big_n} k={k}: {estimate} vs {measured}");
        }
    }

    #[test]
    fn key_sizes() {
        // TFHE-rs's 2_2 set: a 33 MiB Fourier bootstrap key and a 33 MiB keyswitch key of 32-bit words.
        let p = params(834, 1, 2048, 1, 5);
        assert_eq!(bootstrap_key_bytes(&p), 834 * 4 * 1024 * 16);
        assert_eq!(keyswitch_key_bytes(&p), 2048 * 5 * 835 * 4);
        assert_eq!(bootstrap_key_bytes(&params(usize::MAX, 4, 1 << 14, 6, 1)), u64::MAX);
        assert_eq!(keyswitch_key_bytes(&params(usize::MAX, usize::MAX, 1 << 14, 6, 1)), u64::MAX);
    }
}
