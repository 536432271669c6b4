//! Keys of the lut model, from a program's [`LutKeyset`] (a [`LutParams`] per partition and the keyswitch routes
//! between them): per partition the client's two binary secret keys (the small LWE key of the bootstraps' input
//! and the GLWE key, which read as an LWE key of dimension k·N is the big key the partition's bootstraps write
//! under), and the server's evaluation keys (per bootstrapping partition the bootstrap key small → GLWE in the
//! Fourier domain, per route the keyswitch key from the source's big key to the partition's small key), also in
//! seeded (compressed) form, which is what a client ships to a server.
//! Gaussian noise, native 64-bit modulus.

use super::encoding::{self, MAX_BITS};
use super::LweValue;
use crate::error::{Result, RuntimeError};
use crate::tensor::{unravel, Tensor};
use crate::width::Width;
use tfhe::core_crypto::prelude::*;
use veil_params::{LutKeyset, LutParams, KEYSWITCH_BITS};

/// tfhe's smallest Gaussian noise standard deviation (a torus fraction) for 132-bit security of an LWE key of
/// dimension `dimension` (`minimal_lwe_variance_for_132_bits_security_gaussian`).
pub fn secure_noise_std(dimension: usize) -> f64 {
    veil_params::noise::secure_variance(dimension).sqrt()
}

/// A hand-picked parameter set at 132-bit security, for tests and benchmarks until the optimizer chooses: n = 880,
/// k = 1, N = 2048, bootstrap decomposition 2^15 × 2 levels, keyswitch 2^4 × 4 levels, each key's noise the
/// smallest secure one for its dimension. A bootstrap reads 5 index bits safely (half an index box is about 4.8
/// standard deviations of the keyswitch and modulus-switch noise).
pub fn reference_params() -> LutParams {
    LutParams {
        lwe_dimension: 880,
        glwe_dimension: 1,
        polynomial_size: 2048,
        lwe_noise_std: veil_params::noise::secure_small_key_variance(880).sqrt(),
        glwe_noise_std: secure_noise_std(2048),
        pbs_base_log: 15,
        pbs_level: 2,
        ks_base_log: 4,
        ks_level: 4,
    }
}

/// A fresh generator of encryption randomness (mask and noise), seeded from the best entropy source available.
fn encryption_generator() -> EncryptionRandomGenerator<DefaultRandomGenerator> {
    let mut seeder = new_seeder();
    let seed = seeder.seed();
    EncryptionRandomGenerator::new(seed, seeder.as_mut())
}

fn gaussian<T: UnsignedInteger>(std: f64) -> DynamicDistribution<T> {
    DynamicDistribution::new_gaussian_from_std_dev(StandardDev(std))
}

/// Rejects parameters tfhe would panic on.
fn check_params(p: &LutParams) -> Result<()> {
    let bad = |message: String| Err(RuntimeError::Program(format!("lut parameters: {message}")));
    if p.lwe_dimension == 0 || p.glwe_dimension == 0 {
        return bad(format!("dimensions n = {}, k = {} must be positive", p.lwe_dimension, p.glwe_dimension));
    }
    if !p.polynomial_size.is_power_of_two() || p.polynomial_size < 2 {
        return bad(format!("N = {} is not a power of two", p.polynomial_size));
    }
    for (what, base_log, level, bits) in
        [("pbs", p.pbs_base_log, p.pbs_level, 64), ("ks", p.ks_base_log, p.ks_level, KEYSWITCH_BITS)]
    {
        if base_log == 0 || level == 0 || base_log.saturating_mul(level) > bits {
            return bad(format!("{what} decomposition base_log {base_log} × level {level} must be in 1..={bits}"));
        }
    }
    for (what, std) in [("lwe", p.lwe_noise_std), ("glwe", p.glwe_noise_std)] {
        if !(std.is_finite() && std > 0.0 && std < 0.5) {
            return bad(format!("{what}_noise_std = {std} is not a torus fraction in (0, 1/2)"));
        }
    }
    Ok(())
}

/// Rejects a keyset tfhe would panic on, or that names partitions it does not have.
pub(super) fn check_keyset(k: &LutKeyset) -> Result<()> {
    k.check().map_err(|e| RuntimeError::Program(format!("lut keyset: {e}")))?;
    k.partitions.iter().try_for_each(check_params)
}

/// The client's secret keys, per partition. Prints no key material.
#[derive(Clone)]
pub struct LweClientKey {
    pub keyset: LutKeyset,
    /// Per partition, the small key (dimension n): what a bootstrap's input is keyswitched to.
    pub small: Vec<LweSecretKeyOwned<u64>>,
    /// Per partition, the GLWE key (k polynomials of size N); as an LWE key of dimension k·N it is the partition's
    /// big key, under which its bootstraps write (partition 0's: also the inputs').
    pub glwe: Vec<GlweSecretKeyOwned<u64>>,
}

impl std::fmt::Debug for LweClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LweClientKey {{ keyset: {:?}, .. }}", self.keyset)
    }
}

impl LweClientKey {
    pub fn generate(keyset: LutKeyset) -> Result<LweClientKey> {
        check_keyset(&keyset)?;
        let mut seeder = new_seeder();
        let mut secret = SecretRandomGenerator::<DefaultRandomGenerator>::new(seeder.seed());
        let (mut small, mut glwe) = (vec![], vec![]);
        for p in &keyset.partitions {
            small.push(LweSecretKey::generate_new_binary(LweDimension(p.lwe_dimension), &mut secret));
            glwe.push(GlweSecretKey::generate_new_binary(
                GlweDimension(p.glwe_dimension),
                PolynomialSize(p.polynomial_size),
                &mut secret,
            ));
        }
        Ok(LweClientKey { keyset, small, glwe })
    }

    /// Partition `p`'s small key with 32-bit words, under which the keyswitch writes ([`KEYSWITCH_BITS`]): the same
    /// binary key.
    pub fn small_key_32(&self, p: usize) -> LweSecretKeyOwned<u32> {
        LweSecretKey::from_container(self.small[p].as_ref().iter().map(|&bit| bit as u32).collect())
    }

    /// The evaluation keys: a bootstrap key per partition that bootstraps (generated in parallel, then converted
    /// to the Fourier domain) and a keyswitch key per route.
    pub fn server_key(&self) -> LweServerKey {
        let mut generator = encryption_generator();
        let modulus = CiphertextModulus::new_native();
        let bootstraps = (0..self.keyset.partitions.len())
            .map(|i| {
                let p = self.keyset.bootstraps(i).then_some(&self.keyset.partitions[i])?;
                let (base_log, level) = (DecompositionBaseLog(p.pbs_base_log), DecompositionLevelCount(p.pbs_level));
                let standard = par_allocate_and_generate_new_lwe_bootstrap_key(
                    &self.small[i],
                    &self.glwe[i],
                    base_log,
                    level,
                    gaussian(p.glwe_noise_std),
                    modulus,
                    &mut generator,
                );
                Some(to_fourier(&standard))
            })
            .collect();
        let keyswitches = self
            .keyset
            .routes
            .iter()
            .map(|&(q, i)| {
                let p = &self.keyset.partitions[i];
                allocate_and_generate_new_lwe_keyswitch_key(
                    &self.glwe[q].as_lwe_secret_key(),
                    &self.small_key_32(i),
                    DecompositionBaseLog(p.ks_base_log),
                    DecompositionLevelCount(p.ks_level),
                    gaussian(p.lwe_noise_std),
                    CiphertextModulus::new_native(),
                    &mut generator,
                )
            })
            .collect();
        LweServerKey { keyset: self.keyset.clone(), bootstraps, keyswitches }
    }

    /// The evaluation keys in seeded form: each key's masks are replaced by the seed they were drawn from, which
    /// divides a bootstrap key by k + 1 and shrinks a keyswitch key to its bodies. The server
    /// [`decompresses`](LweCompressedServerKey::decompress) it.
    pub fn compressed_server_key(&self) -> LweCompressedServerKey {
        let mut seeder = new_seeder();
        let modulus = CiphertextModulus::new_native();
        let bootstraps = (0..self.keyset.partitions.len())
            .filter(|&p| self.keyset.bootstraps(p))
            .map(|i| {
                let p = &self.keyset.partitions[i];
                par_allocate_and_generate_new_seeded_lwe_bootstrap_key(
                    &self.small[i],
                    &self.glwe[i],
                    DecompositionBaseLog(p.pbs_base_log),
                    DecompositionLevelCount(p.pbs_level),
                    gaussian(p.glwe_noise_std),
                    modulus,
                    seeder.as_mut(),
                )
            })
            .collect();
        let keyswitches = self
            .keyset
            .routes
            .iter()
            .map(|&(q, i)| {
                let p = &self.keyset.partitions[i];
                allocate_and_generate_new_seeded_lwe_keyswitch_key(
                    &self.glwe[q].as_lwe_secret_key(),
                    &self.small_key_32(i),
                    DecompositionBaseLog(p.ks_base_log),
                    DecompositionLevelCount(p.ks_level),
                    gaussian(p.lwe_noise_std),
                    CiphertextModulus::new_native(),
                    seeder.as_mut(),
                )
            })
            .collect();
        LweCompressedServerKey { keyset: self.keyset.clone(), bootstraps, keyswitches }
    }

    /// Encrypts every element at `width` under the inputs' big key (partition 0's) with its GLWE noise
    /// (`glwe_noise_std`); fails on the first value outside the width.
    pub fn encrypt(&self, values: &Tensor<i64>, width: Width) -> Result<Tensor<LweValue>> {
        self.encrypt_with_noise(values, width, self.keyset.inputs().glwe_noise_std)
    }

    /// [`LweClientKey::encrypt`] with Gaussian noise of standard deviation `std` (a torus fraction): noise and
    /// failure-rate tests inject known noise this way.
    pub fn encrypt_with_noise(&self, values: &Tensor<i64>, width: Width, std: f64) -> Result<Tensor<LweValue>> {
        let bits = width.bits();
        if bits > MAX_BITS {
            return Err(RuntimeError::Argument {
                name: "input".into(),
                message: format!("{width} is wider than the lwe encodings (at most i{MAX_BITS})"),
            });
        }
        if let Some((flat, &v)) = values.data.iter().enumerate().find(|(_, &v)| !width.contains(v as i128)) {
            return Err(RuntimeError::Argument {
                name: "input".into(),
                message: format!("element {:?} = {v} does not fit in {width}", unravel(flat, &values.shape)),
            });
        }
        let big = self.glwe[0].as_lwe_secret_key();
        let mut generator = encryption_generator();
        let data = values
            .data
            .iter()
            .map(|&v| {
                let ct = allocate_and_encrypt_new_lwe_ciphertext(
                    &big,
                    Plaintext(encoding::encode(v, bits)),
                    gaussian(std),
                    CiphertextModulus::new_native(),
                    &mut generator,
                );
                LweValue { ct, bits, key: Some(0) }
            })
            .collect();
        Tensor::new(values.shape.clone(), data)
    }

    /// The raw phase `body − <mask, big key>` of a ciphertext under its partition's big key (a trivial one's body):
    /// its encoded value plus its noise.
    pub fn phase(&self, value: &LweValue) -> Result<u64> {
        let Some(key) = value.key else { return Ok(*value.ct.get_body().data) };
        let big =
            self.glwe.get(key).map(|g| g.as_lwe_secret_key()).ok_or_else(|| {
                RuntimeError::Program(format!("a ciphertext of partition {key}, of {}", self.glwe.len()))
            })?;
        if value.ct.lwe_size().to_lwe_dimension() != big.lwe_dimension() {
            return Err(RuntimeError::Program(format!(
                "a ciphertext of LWE dimension {} under a key of dimension {}",
                value.ct.lwe_size().to_lwe_dimension().0,
                big.lwe_dimension().0
            )));
        }
        Ok(decrypt_lwe_ciphertext(&big, &value.ct).0)
    }

    /// Decrypts every element: its phase rounded to the nearest multiple of Δ_W, sign-extended from its W bits.
    pub fn decrypt(&self, values: &Tensor<LweValue>) -> Result<Tensor<i64>> {
        let data = values.data.iter().map(|v| Ok(encoding::decode(self.phase(v)?, v.bits))).collect::<Result<_>>()?;
        Tensor::new(values.shape.clone(), data)
    }

    /// The noise of `value` assuming it encrypts `expected`: its phase minus `expected`·Δ_W, as a signed fraction
    /// of the torus.
    pub fn phase_error(&self, value: &LweValue, expected: i64) -> Result<f64> {
        Ok(encoding::error(self.phase(value)?, expected, value.bits))
    }
}

/// A bootstrap key in the Fourier domain, converted on this machine's FFT.
fn to_fourier(standard: &LweBootstrapKeyOwned<u64>) -> FourierLweBootstrapKeyOwned {
    let mut fourier = FourierLweBootstrapKey::new(
        standard.input_lwe_dimension(),
        standard.glwe_size(),
        standard.polynomial_size(),
        standard.decomposition_base_log(),
        standard.decomposition_level_count(),
    );
    par_convert_standard_lwe_bootstrap_key_to_fourier(standard, &mut fourier);
    fourier
}

/// The server's evaluation keys in seeded (compressed) form, in the standard domain: what the server key file
/// holds.
#[derive(Clone)]
pub struct LweCompressedServerKey {
    pub keyset: LutKeyset,
    /// The bootstrap keys of the partitions that bootstrap, in partition order.
    pub bootstraps: Vec<SeededLweBootstrapKeyOwned<u64>>,
    /// One keyswitch key per route of the keyset, in its order.
    pub keyswitches: Vec<SeededLweKeyswitchKeyOwned<u32>>,
}

impl std::fmt::Debug for LweCompressedServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LweCompressedServerKey {{ keyset: {:?}, .. }}", self.keyset)
    }
}

impl LweCompressedServerKey {
    /// The evaluation keys: the masks regenerated from their seeds, the bootstrap keys converted to the Fourier
    /// domain (on this machine's FFT, which is why files keep the standard domain).
    pub fn decompress(self) -> LweServerKey {
        let mut seeded = self.bootstraps.into_iter();
        let bootstraps = (0..self.keyset.partitions.len())
            .map(|p| {
                let seeded = if self.keyset.bootstraps(p) { seeded.next()? } else { return None };
                Some(to_fourier(&seeded.par_decompress_into_lwe_bootstrap_key()))
            })
            .collect();
        let keyswitches = self.keyswitches.into_iter().map(|k| k.par_decompress_into_lwe_keyswitch_key()).collect();
        LweServerKey { keyset: self.keyset, bootstraps, keyswitches }
    }
}

/// The server's evaluation keys.
pub struct LweServerKey {
    pub keyset: LutKeyset,
    /// Per partition, small key → GLWE key in the Fourier domain (the blind rotation's key); `None` for a
    /// partition that does not bootstrap.
    pub bootstraps: Vec<Option<FourierLweBootstrapKeyOwned>>,
    /// One keyswitch key per route (source's big key → partition's small key), in the keyset's order.
    pub keyswitches: Vec<LweKeyswitchKeyOwned<u32>>,
}

impl std::fmt::Debug for LweServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LweServerKey {{ keyset: {:?}, .. }}", self.keyset)
    }
}

impl LweServerKey {
    /// Bytes of the Fourier bootstrap keys in memory: per key, n GGSW ciphertexts of (k+1)·level GLWE rows, each
    /// (k+1) polynomials of N/2 complex f64.
    pub fn bootstrap_key_bytes(&self) -> usize {
        self.bootstraps.iter().flatten().map(|k| std::mem::size_of_val(k.as_view().data())).sum()
    }

    /// Bytes of the keyswitch keys: per key, k·N × level LWE ciphertexts of n + 1 u32.
    pub fn keyswitch_key_bytes(&self) -> usize {
        self.keyswitches.iter().map(|k| std::mem::size_of_val(k.as_ref())).sum()
    }

    /// k·N of partition `p`: the LWE dimension of every ciphertext under its big key.
    pub fn big_lwe_dimension(&self, p: usize) -> Option<usize> {
        self.keyset.partitions.get(p).map(LutParams::big_lwe_dimension)
    }

    /// The bootstrap key of partition `p`.
    pub fn bootstrap_key(&self, p: usize) -> Option<&FourierLweBootstrapKeyOwned> {
        self.bootstraps.get(p).and_then(Option::as_ref)
    }

    /// The keyswitch key from partition `source`'s big key to partition `p`'s small key.
    pub fn keyswitch_key(&self, source: usize, p: usize) -> Option<&LweKeyswitchKeyOwned<u32>> {
        self.keyset.routes.iter().position(|&r| r == (source, p)).map(|i| &self.keyswitches[i])
    }
}
