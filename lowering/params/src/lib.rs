//! The crypto-parameter optimizer of the lookup-table (lut) execution model: given the noise constraints of every
//! programmable bootstrap (PBS) and decryption of a program, it finds the cheapest TFHE parameter set whose noise
//! meets the failure probability at 128-bit security. Pure: plain data in, plain data out; it knows nothing of the IR.
//!
//! The model (Concrete's): every value is one LWE ciphertext under the big key (dimension k·N) encoding a signed
//! W-bit integer as v·2^64/2^(W+1) (one padding bit). Linear layers are leveled; a PBS multiplies by 2^m, keyswitches
//! to the small key (n), switches the modulus to 2N and blind-rotates a table back under the big key. A value decodes
//! right while its noise stays under half a box, 2^-(b+2) of the torus for b bits.
//!
//! - [`noise`]: TFHE-rs 1.8.2's published variance formulas (132-bit security, Gaussian, FFT PBS), per parameter set.
//! - [`failure`]: failure probabilities (erfc) and their inverse; a program's chance of any wrong result.
//! - [`constraint`]: what a program asks ([`Constraint`], [`Request`]).
//! - [`cost`]: one keyswitch + PBS in microseconds, `n·N·log2 N·(a·ℓ·(k+1)² + b·(k+1)·(ℓ+1)) + c·k·N·ℓ_ks·(n+1)`,
//!   fitted to five single-core timings on the project's 2-core AMD EPYC within −7.9%…+5.7% (the table is in the
//!   module); recalibrate through [`CostModel`]. Key sizes too.
//! - [`search`]: [`optimize`], the pruned search over k ≤ 4, N = 2^8..2^14 (k·N ≤ 2^14), n = 500..=1200, PBS levels
//!   1..=6 and keyswitch levels 1..=10, each at its noise-minimizing base.
//! - [`partitioned`]: [`refine`], per-partition sets (bootstraps whose outputs share a big key), keyswitching
//!   between partitions, by coordinate descent from the single set.
//! - [`solution`] and [`error`]: the answer, or why there is none.

#[cfg(feature = "search")]
pub mod constraint;
#[cfg(feature = "search")]
pub mod cost;
#[cfg(feature = "search")]
pub mod error;
#[cfg(feature = "search")]
pub mod failure;
#[cfg(feature = "search")]
pub mod noise;
#[cfg(feature = "search")]
pub mod partitioned;
#[cfg(feature = "search")]
pub mod search;
#[cfg(feature = "search")]
pub mod solution;

#[cfg(feature = "search")]
pub use constraint::{Constraint, ConstraintKind, Request, DEFAULT_P_FAIL};
#[cfg(feature = "search")]
pub use cost::{bootstrap_key_bytes, keyswitch_key_bytes, CostModel};
#[cfg(feature = "search")]
pub use error::{NoParams, UnmetConstraint};
#[cfg(feature = "search")]
pub use failure::{p_fail, program_p_fail, z_for};
#[cfg(feature = "search")]
pub use partitioned::{refine, PartitionedSolution};
#[cfg(feature = "search")]
pub use search::optimize;
#[cfg(feature = "search")]
pub use solution::Solution;

use serde::{Deserialize, Serialize};

/// The keyswitch writes a bootstrap's input under the small key with 32-bit words (TFHE-rs's
/// `keyswitch_lwe_ciphertext_with_scalar_change`, the "KS32" of its recent parameter sets): the keyswitch key is half
/// the size of a 64-bit one and streams twice as fast, while the noise that matters (the key's, ~2^-17 of the torus,
/// and the modulus switch to 2N) is the same. Its decomposition must fit these bits (base log × levels ≤ 32).
pub const KEYSWITCH_BITS: usize = 32;

/// One TFHE parameter set of the lut model (64-bit torus, Gaussian noise, classic PBS, keyswitch before bootstrap).
/// Ciphertexts live under the big LWE key (dimension `glwe_dimension * polynomial_size`); a PBS keyswitches to the
/// small key (dimension `lwe_dimension`), then blind-rotates a table.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LutParams {
    /// n: the small LWE key's dimension (the PBS input after the keyswitch).
    pub lwe_dimension: usize,
    /// k: GLWE dimension of the bootstrap key and the table accumulator.
    pub glwe_dimension: usize,
    /// N: polynomial size, a power of two.
    pub polynomial_size: usize,
    /// Standard deviation of the small-key LWE encryption noise (keyswitch key), as a fraction of the torus.
    pub lwe_noise_std: f64,
    /// Standard deviation of the GLWE encryption noise (bootstrap key, fresh inputs), as a fraction of the torus.
    pub glwe_noise_std: f64,
    pub pbs_base_log: usize,
    pub pbs_level: usize,
    pub ks_base_log: usize,
    pub ks_level: usize,
}

impl LutParams {
    /// The big LWE dimension k·N, under which every ciphertext of the program lives between bootstraps (saturating,
    /// so that no parameter set, however absurd, panics).
    pub fn big_lwe_dimension(&self) -> usize {
        self.glwe_dimension.saturating_mul(self.polynomial_size)
    }
}

/// Every parameter set of a program and the keyswitch keys between them: what its keys are made for. With one set
/// (the usual case) `partitions` has one entry and `routes` is `[(0, 0)]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LutKeyset {
    /// One set per partition (bootstraps whose outputs share a big key); the inputs are encrypted under partition
    /// 0's big key.
    pub partitions: Vec<LutParams>,
    /// The keyswitch keys, sorted: (source, partition) switches the source's big key to the partition's small key,
    /// before a bootstrap of that partition reads a value computed under the source's key.
    pub routes: Vec<(usize, usize)>,
}

impl LutKeyset {
    /// One parameter set for the whole program.
    pub fn single(params: LutParams) -> LutKeyset {
        LutKeyset { partitions: vec![params], routes: vec![(0, 0)] }
    }

    /// The inputs' partition, whose big key a client encrypts under: partition 0.
    pub fn inputs(&self) -> &LutParams {
        &self.partitions[0]
    }

    /// Whether partition `p` bootstraps (some route leads to it): only then has it a bootstrap key.
    pub fn bootstraps(&self, p: usize) -> bool {
        self.routes.iter().any(|&(_, to)| to == p)
    }

    /// Why this keyset is malformed (no partition, a route to or from a partition that does not exist, routes
    /// unsorted or repeated), if it is.
    pub fn check(&self) -> Result<(), String> {
        let count = self.partitions.len();
        if count == 0 || count > MAX_PARTITIONS {
            return Err(format!("{count} partitions: a program has 1..={MAX_PARTITIONS}"));
        }
        if let Some(&(q, p)) = self.routes.iter().find(|&&(q, p)| q >= count || p >= count) {
            return Err(format!("a keyswitch from partition {q} to {p}, of {count} partitions"));
        }
        if self.routes.windows(2).any(|w| w[0] >= w[1]) {
            return Err("the keyswitch routes are not sorted and distinct".into());
        }
        Ok(())
    }
}

/// The most partitions a program may have (each has its own keys).
pub const MAX_PARTITIONS: usize = 64;
