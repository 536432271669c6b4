//! Keys and client-side encryption. One parameter set everywhere: TFHE-rs's 128-bit-secure
//! `PARAM_MESSAGE_2_CARRY_2_KS_PBS` (2 message bits and 2 carry bits per block, TUniform noise, failure
//! probability 2^-128). The client key encrypts and decrypts; the server key (or its compressed form, which the
//! client sends and the server decompresses) evaluates. Every element is encrypted with the client key; only the
//! `trivial` kernel makes trivial (noiseless, public) ciphertexts.

use crate::error::{Result, RuntimeError};
use crate::file_format::fnv1a;
use crate::tensor::{unravel, Tensor};
use crate::width::Width;
use rayon::prelude::*;
use tfhe::integer::IntegerCiphertext;
use tfhe::shortint::parameters::{ClassicPBSParameters, PARAM_MESSAGE_2_CARRY_2_KS_PBS};
use tfhe::shortint::AtomicPatternParameters;

pub use tfhe::integer::{CompressedServerKey, ServerKey, SignedRadixCiphertext as Ciphertext};

/// The parameter set of every key and ciphertext Veil makes.
pub const PARAMETERS: ClassicPBSParameters = PARAM_MESSAGE_2_CARRY_2_KS_PBS;

pub fn parameters() -> AtomicPatternParameters {
    PARAMETERS.into()
}

/// A 64-bit fingerprint of the parameter set (FNV-1a of its full description), written into every file header so
/// that a key or ciphertext made under other parameters is rejected before anything is deserialized.
pub fn parameter_fingerprint() -> u64 {
    fnv1a(&[format!("{:?}", parameters()).as_bytes()])
}

/// The client's secret key.
#[derive(Clone)]
pub struct ClientKey(pub(crate) tfhe::integer::ClientKey);

/// Prints no key material.
impl std::fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientKey { .. }")
    }
}

impl ClientKey {
    pub fn generate() -> ClientKey {
        ClientKey(tfhe::integer::ClientKey::new(PARAMETERS))
    }

    /// The evaluation key for the server (uncompressed; generating it takes a few seconds).
    pub fn server_key(&self) -> ServerKey {
        ServerKey::new_radix_server_key(&self.0)
    }

    /// The evaluation key in seeded (compressed) form: what a client sends; `decompress()` it on the server.
    pub fn compressed_server_key(&self) -> CompressedServerKey {
        CompressedServerKey::new_radix_compressed_server_key(&self.0)
    }

    /// Encrypts every element at `width` (width / 2 blocks); fails on the first value outside the width.
    pub fn encrypt(&self, values: &Tensor<i64>, width: Width) -> Result<Tensor<Ciphertext>> {
        if let Some((flat, &v)) = values.data.iter().enumerate().find(|(_, &v)| !width.contains(v as i128)) {
            return Err(RuntimeError::Argument {
                name: "input".into(),
                message: format!("element {:?} = {v} does not fit in {width}", unravel(flat, &values.shape)),
            });
        }
        let data = values.data.par_iter().map(|&v| self.0.encrypt_signed_radix(v, width.blocks())).collect();
        Tensor::new(values.shape.clone(), data)
    }

    /// Decrypts every element (sign-extended from its own block count).
    pub fn decrypt(&self, values: &Tensor<Ciphertext>) -> Result<Tensor<i64>> {
        if let Some(bad) = values.data.iter().find(|c| c.blocks().is_empty() || c.blocks().len() > 32) {
            return Err(RuntimeError::Program(format!("cannot decrypt a ciphertext of {} blocks", bad.blocks().len())));
        }
        Ok(values.map(|c| self.0.decrypt_signed_radix::<i64>(c)))
    }
}
