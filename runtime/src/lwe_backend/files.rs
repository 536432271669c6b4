//! The lut model's files, in `crate::files`' format (its header records the program's `LutKeyset`, a parameter set
//! per partition and the keyswitch routes, and its fingerprint; a file made for other parameters is rejected naming
//! both):
//! - the client key: two payload items per partition, its small LWE secret key and its GLWE secret key;
//! - the server key: one serialized value (not an item): the seeded bootstrap keys of the partitions that
//!   bootstrap, in the standard domain (the server converts them to the Fourier domain with its own FFT, so that
//!   files do not depend on one machine's FFT), and a seeded keyswitch key per route (32-bit words), decompressed by
//!   [`LweCompressedServerKey::decompress`];
//! - ciphertext tensors: the tensor's meta, then one item per element, an `LweCiphertextOwned<u64>` under its
//!   partition's big key (which the item names) encoded at the tensor's width, or a trivial one (a body alone).
//!
//! Every item is safe-serialized; what is read back is checked against the parameters before anything uses it.

use super::keys::{LweClientKey, LweCompressedServerKey};
use super::{LweValue, MAX_BITS};
use crate::error::{Result, RuntimeError};
use crate::file_format::{decode_lut, item_count, read_tensor_meta, Kind, Reader};
use crate::files::{deserialize, encode, push_item, serialize, tensor_meta, Persist, ELEMENT_LIMIT, KEY_LIMIT};
use crate::tensor::Tensor;
use crate::width::Width;
use serde::{Deserialize, Serialize};
use tfhe::conformance::ParameterSetConformant;
use tfhe::core_crypto::fft_impl::fft64::crypto::bootstrap::LweBootstrapKeyConformanceParams;
use tfhe::core_crypto::prelude::*;
use tfhe::named::Named;
use tfhe_versionable::{Versionize, VersionsDispatch};
use veil_params::{LutKeyset, LutParams};

/// The server key file's payload. tfhe's seeded keys are versioned but not `Named`, which safe serialization asks
/// for; this struct is both.
#[derive(Serialize, Deserialize, Versionize)]
#[versionize(SeededServerKeyVersions)]
struct SeededServerKey {
    bootstraps: Vec<SeededLweBootstrapKeyOwned<u64>>,
    keyswitches: Vec<SeededLweKeyswitchKeyOwned<u32>>,
}

#[derive(VersionsDispatch)]
#[allow(unused)]
enum SeededServerKeyVersions {
    V0(SeededServerKey),
}

impl Named for SeededServerKey {
    // Renamed when the keyswitch keys became 32-bit: a file of 64-bit ones is refused by name.
    const NAME: &'static str = "veil::lut::SeededServerKeyKs32";
}

/// One element of a ciphertext tensor file: tfhe's LWE ciphertext and the partition of its key (`u32::MAX` for a
/// trivial one).
#[derive(Serialize, Deserialize, Versionize)]
#[versionize(StoredCiphertextVersions)]
struct StoredCiphertext {
    partition: u32,
    ct: LweCiphertextOwned<u64>,
}

#[derive(VersionsDispatch)]
#[allow(unused)]
enum StoredCiphertextVersions {
    V0(StoredCiphertext),
}

const TRIVIAL: u32 = u32::MAX;

impl Named for StoredCiphertext {
    const NAME: &'static str = "veil::lut::LweCiphertext";
}

impl Persist for LweClientKey {
    const WHAT: &'static str = "client key";
    type Params = Option<LutKeyset>;

    fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut payload = Vec::new();
        for (small, glwe) in self.small.iter().zip(&self.glwe) {
            push_item(&mut payload, &serialize(Self::WHAT, small)?);
            push_item(&mut payload, &serialize(Self::WHAT, glwe)?);
        }
        Ok(encode(Kind::LutClientKey, Some(&self.keyset), &[], &payload))
    }

    fn from_bytes_for(bytes: &[u8], expected: &Option<LutKeyset>) -> Result<Self> {
        let what = Self::WHAT;
        let (keyset, _, payload) = decode_lut(what, bytes, Kind::LutClientKey, expected.as_ref())?;
        let mut r = Reader::new(what, payload);
        let (mut small, mut glwe) = (vec![], vec![]);
        let binary = |key: &[u64]| key.iter().all(|&b| b <= 1);
        for params in &keyset.partitions {
            let s: LweSecretKeyOwned<u64> = deserialize(what, r.item()?, KEY_LIMIT)?;
            let g: GlweSecretKeyOwned<u64> = deserialize(what, r.item()?, KEY_LIMIT)?;
            let conformant = s.lwe_dimension().0 == params.lwe_dimension
                && g.polynomial_size().0 == params.polynomial_size
                && g.as_ref().len() == params.big_lwe_dimension()
                && binary(s.as_ref())
                && binary(g.as_ref());
            if !conformant {
                return Err(RuntimeError::format(what, "the keys do not conform to the parameters the file records"));
            }
            small.push(s);
            glwe.push(g);
        }
        r.finish("trailing bytes after the keys")?;
        Ok(LweClientKey { keyset, small, glwe })
    }
}

impl Persist for LweCompressedServerKey {
    const WHAT: &'static str = "server key";
    type Params = Option<LutKeyset>;

    fn to_bytes(&self) -> Result<Vec<u8>> {
        let key = SeededServerKey { bootstraps: self.bootstraps.clone(), keyswitches: self.keyswitches.clone() };
        Ok(encode(Kind::LutServerKey, Some(&self.keyset), &[], &serialize(Self::WHAT, &key)?))
    }

    fn from_bytes_for(bytes: &[u8], expected: &Option<LutKeyset>) -> Result<Self> {
        let what = Self::WHAT;
        let (keyset, _, payload) = decode_lut(what, bytes, Kind::LutServerKey, expected.as_ref())?;
        // Parameters tfhe would panic on (a keyswitch decomposition over 32 bits, say) are refused before any use.
        super::keys::check_keyset(&keyset).map_err(|e| RuntimeError::format(what, e.to_string()))?;
        let SeededServerKey { bootstraps, keyswitches } = deserialize(what, payload, KEY_LIMIT)?;
        let modulus = CiphertextModulus::new_native();
        let bootstrapping: Vec<&LutParams> =
            (0..keyset.partitions.len()).filter(|&p| keyset.bootstraps(p)).map(|p| &keyset.partitions[p]).collect();
        let bootstraps_conform = bootstraps.len() == bootstrapping.len()
            && bootstraps.iter().zip(&bootstrapping).all(|(key, p)| {
                key.is_conformant(&LweBootstrapKeyConformanceParams {
                    decomp_base_log: DecompositionBaseLog(p.pbs_base_log),
                    decomp_level_count: DecompositionLevelCount(p.pbs_level),
                    input_lwe_dimension: LweDimension(p.lwe_dimension),
                    output_glwe_size: GlweDimension(p.glwe_dimension).to_glwe_size(),
                    polynomial_size: PolynomialSize(p.polynomial_size),
                    ciphertext_modulus: modulus,
                })
            });
        let keyswitches_conform = keyswitches.len() == keyset.routes.len()
            && keyswitches.iter().zip(&keyset.routes).all(|(key, &(q, p))| {
                let (source, own) = (&keyset.partitions[q], &keyset.partitions[p]);
                key.is_conformant(&LweKeyswitchKeyConformanceParams {
                    decomp_base_log: DecompositionBaseLog(own.ks_base_log),
                    decomp_level_count: DecompositionLevelCount(own.ks_level),
                    output_lwe_size: LweDimension(own.lwe_dimension).to_lwe_size(),
                    input_lwe_dimension: LweDimension(source.big_lwe_dimension()),
                    ciphertext_modulus: CiphertextModulus::new_native(),
                })
            });
        // A conformant seeded key decompresses without panicking; check before.
        if !bootstraps_conform || !keyswitches_conform {
            return Err(RuntimeError::format(what, "the keys do not conform to the parameters the file records"));
        }
        Ok(LweCompressedServerKey { keyset, bootstraps, keyswitches })
    }
}

/// A tensor of lut-model ciphertexts with its element type (width and fixed-point fraction bits) and the keyset of
/// the keys it is encrypted under: one LWE ciphertext per element, encoded at the tensor's width.
#[derive(Clone)]
pub struct LweEncryptedTensor {
    pub keyset: LutKeyset,
    pub width: Width,
    pub frac: i32,
    pub tensor: Tensor<LweValue>,
}

impl std::fmt::Debug for LweEncryptedTensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LweEncryptedTensor {{ {:?} x {}, frac = {} }}", self.tensor.shape, self.width, self.frac)
    }
}

impl Persist for LweEncryptedTensor {
    const WHAT: &'static str = "ciphertext tensor";
    type Params = Option<LutKeyset>;

    fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut payload = Vec::new();
        for element in &self.tensor.data {
            if element.bits != self.width.bits() {
                let message = format!("an element is encoded at i{}, the tensor is {}", element.bits, self.width);
                return Err(RuntimeError::format(Self::WHAT, message));
            }
            let partition = element.key.map_or(TRIVIAL, |p| p as u32);
            push_item(&mut payload, &serialize(Self::WHAT, &StoredCiphertext { partition, ct: element.ct.clone() })?);
        }
        let meta = tensor_meta(self.width, self.frac, &self.tensor.shape);
        Ok(encode(Kind::LutCiphertexts, Some(&self.keyset), &meta, &payload))
    }

    fn from_bytes_for(bytes: &[u8], expected: &Option<LutKeyset>) -> Result<Self> {
        let what = Self::WHAT;
        let (keyset, meta, payload) = decode_lut(what, bytes, Kind::LutCiphertexts, expected.as_ref())?;
        let (width, frac, shape) = read_tensor_meta(what, meta)?;
        if width.bits() > MAX_BITS {
            let message = format!("{width} is wider than the lwe encodings (at most i{MAX_BITS})");
            return Err(RuntimeError::format(what, message));
        }
        let count = item_count(what, &shape, 1, payload)?;
        let mut p = Reader::new(what, payload);
        let mut data = Vec::with_capacity(count);
        for _ in 0..count {
            let StoredCiphertext { partition, ct } = deserialize(what, p.item()?, ELEMENT_LIMIT)?;
            let key = (partition != TRIVIAL).then_some(partition as usize);
            let dimension = match key {
                None => Some(0),
                Some(p) => keyset.partitions.get(p).map(LutParams::big_lwe_dimension),
            };
            let conformant = dimension.is_some_and(|d| {
                ct.is_conformant(&LweCiphertextConformanceParams {
                    lwe_dim: LweDimension(d),
                    ct_modulus: CiphertextModulus::new_native(),
                })
            });
            if !conformant {
                return Err(RuntimeError::format(
                    what,
                    "a ciphertext does not conform to the parameters the file records",
                ));
            }
            data.push(LweValue { ct, bits: width.bits(), key });
        }
        p.finish("trailing bytes after the last ciphertext")?;
        Ok(LweEncryptedTensor { keyset, width, frac, tensor: Tensor::new(shape, data)? })
    }
}
