//! The lut model's files, in `crate::files`' format (its header records the program's `LutParams` and their
//! fingerprint; a file made for other parameters is rejected naming both sets):
//! - the client key: two payload items, the small LWE secret key and the GLWE secret key;
//! - the server key: one serialized value (not an item): the seeded bootstrap key in the standard domain (the
//!   server converts it to the Fourier domain with its own FFT, so that files do not depend on one machine's FFT)
//!   and the seeded keyswitch key, decompressed by [`LweCompressedServerKey::decompress`];
//! - ciphertext tensors: the tensor's meta, then one item per element, an `LweCiphertextOwned<u64>` under the big
//!   key encoded at the tensor's width.
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
use veil_params::LutParams;

/// The server key file's payload. tfhe's seeded keys are versioned but not `Named`, which safe serialization asks
/// for; this struct is both.
#[derive(Serialize, Deserialize, Versionize)]
#[versionize(SeededServerKeyVersions)]
struct SeededServerKey {
    bootstrap: SeededLweBootstrapKeyOwned<u64>,
    keyswitch: SeededLweKeyswitchKeyOwned<u64>,
}

#[derive(VersionsDispatch)]
#[allow(unused)]
enum SeededServerKeyVersions {
    V0(SeededServerKey),
}

impl Named for SeededServerKey {
    const NAME: &'static str = "veil::lut::SeededServerKey";
}

/// One element of a ciphertext tensor file: tfhe's LWE ciphertext under a name (its versioning unchanged).
#[derive(Serialize, Deserialize, Versionize)]
#[versionize(transparent)]
struct StoredCiphertext(LweCiphertextOwned<u64>);

impl Named for StoredCiphertext {
    const NAME: &'static str = "veil::lut::LweCiphertext";
}

impl Persist for LweClientKey {
    const WHAT: &'static str = "client key";
    type Params = Option<LutParams>;

    fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut payload = Vec::new();
        push_item(&mut payload, &serialize(Self::WHAT, &self.small)?);
        push_item(&mut payload, &serialize(Self::WHAT, &self.glwe)?);
        Ok(encode(Kind::LutClientKey, Some(&self.params), &[], &payload))
    }

    fn from_bytes_for(bytes: &[u8], expected: &Option<LutParams>) -> Result<Self> {
        let what = Self::WHAT;
        let (params, _, payload) = decode_lut(what, bytes, Kind::LutClientKey, expected.as_ref())?;
        let mut p = Reader::new(what, payload);
        let small: LweSecretKeyOwned<u64> = deserialize(what, p.item()?, KEY_LIMIT)?;
        let glwe: GlweSecretKeyOwned<u64> = deserialize(what, p.item()?, KEY_LIMIT)?;
        p.finish("trailing bytes after the keys")?;
        let binary = |key: &[u64]| key.iter().all(|&b| b <= 1);
        let conformant = small.lwe_dimension().0 == params.lwe_dimension
            && glwe.polynomial_size().0 == params.polynomial_size
            && glwe.as_ref().len() == params.big_lwe_dimension()
            && binary(small.as_ref())
            && binary(glwe.as_ref());
        if !conformant {
            return Err(RuntimeError::format(what, "the keys do not conform to the parameters the file records"));
        }
        Ok(LweClientKey { params, small, glwe })
    }
}

impl Persist for LweCompressedServerKey {
    const WHAT: &'static str = "server key";
    type Params = Option<LutParams>;

    fn to_bytes(&self) -> Result<Vec<u8>> {
        let key = SeededServerKey { bootstrap: self.bootstrap.clone(), keyswitch: self.keyswitch.clone() };
        Ok(encode(Kind::LutServerKey, Some(&self.params), &[], &serialize(Self::WHAT, &key)?))
    }

    fn from_bytes_for(bytes: &[u8], expected: &Option<LutParams>) -> Result<Self> {
        let what = Self::WHAT;
        let (params, _, payload) = decode_lut(what, bytes, Kind::LutServerKey, expected.as_ref())?;
        let SeededServerKey { bootstrap, keyswitch } = deserialize(what, payload, KEY_LIMIT)?;
        let p = &params;
        let modulus = CiphertextModulus::new_native();
        let bootstrap_params = LweBootstrapKeyConformanceParams {
            decomp_base_log: DecompositionBaseLog(p.pbs_base_log),
            decomp_level_count: DecompositionLevelCount(p.pbs_level),
            input_lwe_dimension: LweDimension(p.lwe_dimension),
            output_glwe_size: GlweDimension(p.glwe_dimension).to_glwe_size(),
            polynomial_size: PolynomialSize(p.polynomial_size),
            ciphertext_modulus: modulus,
        };
        let keyswitch_params = LweKeyswitchKeyConformanceParams {
            decomp_base_log: DecompositionBaseLog(p.ks_base_log),
            decomp_level_count: DecompositionLevelCount(p.ks_level),
            output_lwe_size: LweDimension(p.lwe_dimension).to_lwe_size(),
            input_lwe_dimension: LweDimension(p.big_lwe_dimension()),
            ciphertext_modulus: modulus,
        };
        // A conformant seeded key decompresses without panicking; check before.
        if !bootstrap.is_conformant(&bootstrap_params) || !keyswitch.is_conformant(&keyswitch_params) {
            return Err(RuntimeError::format(what, "the keys do not conform to the parameters the file records"));
        }
        Ok(LweCompressedServerKey { params, bootstrap, keyswitch })
    }
}

/// A tensor of lut-model ciphertexts with its element type (width and fixed-point fraction bits) and the
/// parameters of the key it is encrypted under: one LWE ciphertext per element, encoded at the tensor's width.
#[derive(Clone)]
pub struct LweEncryptedTensor {
    pub params: LutParams,
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
    type Params = Option<LutParams>;

    fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut payload = Vec::new();
        for element in &self.tensor.data {
            if element.bits != self.width.bits() {
                let message = format!("an element is encoded at i{}, the tensor is {}", element.bits, self.width);
                return Err(RuntimeError::format(Self::WHAT, message));
            }
            push_item(&mut payload, &serialize(Self::WHAT, &StoredCiphertext(element.ct.clone()))?);
        }
        let meta = tensor_meta(self.width, self.frac, &self.tensor.shape);
        Ok(encode(Kind::LutCiphertexts, Some(&self.params), &meta, &payload))
    }

    fn from_bytes_for(bytes: &[u8], expected: &Option<LutParams>) -> Result<Self> {
        let what = Self::WHAT;
        let (params, meta, payload) = decode_lut(what, bytes, Kind::LutCiphertexts, expected.as_ref())?;
        let (width, frac, shape) = read_tensor_meta(what, meta)?;
        if width.bits() > MAX_BITS {
            let message = format!("{width} is wider than the lwe encodings (at most i{MAX_BITS})");
            return Err(RuntimeError::format(what, message));
        }
        let count = item_count(what, &shape, 1, payload)?;
        let conformance = LweCiphertextConformanceParams {
            lwe_dim: LweDimension(params.big_lwe_dimension()),
            ct_modulus: CiphertextModulus::new_native(),
        };
        let mut p = Reader::new(what, payload);
        let mut data = Vec::with_capacity(count);
        for _ in 0..count {
            let StoredCiphertext(ct) = deserialize(what, p.item()?, ELEMENT_LIMIT)?;
            if !ct.is_conformant(&conformance) {
                return Err(RuntimeError::format(
                    what,
                    "a ciphertext does not conform to the parameters the file records",
                ));
            }
            data.push(LweValue { ct, bits: width.bits() });
        }
        p.finish("trailing bytes after the last ciphertext")?;
        Ok(LweEncryptedTensor { params, width, frac, tensor: Tensor::new(shape, data)? })
    }
}
