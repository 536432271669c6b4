//! The crypto-parameter optimizer of the lookup-table (lut) execution model: given the noise constraints of every
//! programmable bootstrap (PBS) and decryption of a program, it finds the cheapest TFHE parameter set whose noise
//! meets the failure probability at 128-bit security. Pure: plain data in, plain data out; it knows nothing of the IR.

use serde::{Deserialize, Serialize};

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
    /// The big LWE dimension k·N, under which every ciphertext of the program lives between bootstraps.
    pub fn big_lwe_dimension(&self) -> usize {
        self.glwe_dimension * self.polynomial_size
    }
}
