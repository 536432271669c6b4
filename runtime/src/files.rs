//! File formats for keys and ciphertext tensors of both execution models. Each file is a small header of ours
//! followed by a payload in TFHE-rs's versioned safe serialization (`safe_serialize`, read back with a size limit):
//!
//! ```text
//! magic "VEILRT\0\0" | format u16 | kind u8 | 0u8 | parameter fingerprint u64 | meta length u32 |
//! payload length u64 | FNV-1a of meta + payload u64 | meta | payload        (integers little-endian)
//! ```
//!
//! The kind says what the file holds and for which model (radix or lut); the fingerprint, which parameters it is
//! made for: the radix model's one set, or a lut program's `LutKeyset` (its parameter sets and keyswitch routes),
//! which a lut file also records at the head
//! of its meta so that a mismatch names both sets. A file made for other parameters, of another kind or model,
//! truncated or corrupted is rejected with an error that says which, before tfhe deserializes anything. Ciphertext
//! tensors carry their shape, width and fraction bits in the meta. `crate::file_format` reads and checks this
//! framing (without TFHE-rs); this module writes headers and owns the radix model's files; the lut model's
//! payloads are `lwe_backend::files`.

use crate::error::{Result, RuntimeError};
use crate::file_format::{
    fnv1a, item_count, lut_keyset_bytes, read_tensor_meta, unwrap, Reader, FORMAT, HEADER_LEN, MAGIC,
};
use crate::keys::{parameter_fingerprint, parameters, Ciphertext, ClientKey, CompressedServerKey, ServerKey};
use crate::tensor::{element_count, Tensor};
use crate::width::Width;
use std::path::Path;
use tfhe::conformance::ParameterSetConformant;
use tfhe::integer::IntegerCiphertext;
use tfhe::safe_serialization::{safe_deserialize, safe_serialize};
use veil_params::LutKeyset;

/// Size limits handed to tfhe's deserializer: a key, and one radix block or lut ciphertext (at most k·N ≤ 2^16
/// coefficients, which `rt.tfhe` enforces).
pub(crate) const KEY_LIMIT: u64 = 1 << 31;
pub(crate) const ELEMENT_LIMIT: u64 = 1 << 20;

pub use crate::file_format::{
    check, describe_lut_keyset, describe_lut_params, kind_of, lut_fingerprint, reseal, Framing, Kind,
};

/// A file's bytes: the header for `kind`, under the radix parameters' fingerprint or, with `lut`, under that
/// parameter set's, recorded at the head of the meta.
pub(crate) fn encode(kind: Kind, lut: Option<&LutKeyset>, meta: &[u8], payload: &[u8]) -> Vec<u8> {
    debug_assert_eq!(kind.is_lut(), lut.is_some(), "{kind:?}");
    let (fingerprint, recorded) = match lut {
        Some(k) => (lut_fingerprint(k), lut_keyset_bytes(k)),
        None => (parameter_fingerprint(), vec![]),
    };
    let meta = [recorded.as_slice(), meta].concat();
    let mut out = Vec::with_capacity(HEADER_LEN + meta.len() + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    out.extend_from_slice(&[kind as u8, 0]);
    out.extend_from_slice(&fingerprint.to_le_bytes());
    out.extend_from_slice(&(meta.len() as u32).to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    let checksum = fnv1a(&[&meta, payload]);
    out.extend_from_slice(&checksum.to_le_bytes());
    out.extend_from_slice(&meta);
    out.extend_from_slice(payload);
    out
}

/// Appends a length-prefixed payload item (see [`Reader::item`]).
pub(crate) fn push_item(payload: &mut Vec<u8>, bytes: &[u8]) {
    payload.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    payload.extend_from_slice(bytes);
}

/// Checks a radix-model file's header: returns its kind, meta and payload.
fn decode<'a>(what: &'a str, bytes: &'a [u8], expected: &[Kind]) -> Result<(Kind, &'a [u8], &'a [u8])> {
    let file = unwrap(what, bytes, expected)?;
    if file.fingerprint != parameter_fingerprint() {
        return Err(RuntimeError::format(
            what,
            "made with other TFHE parameters than this runtime's (PARAM_MESSAGE_2_CARRY_2_KS_PBS)",
        ));
    }
    Ok((file.kind, file.meta, file.payload))
}

pub(crate) fn serialize<T: serde::Serialize + tfhe::Versionize + tfhe::named::Named>(
    what: &str,
    value: &T,
) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    safe_serialize(value, &mut bytes, KEY_LIMIT).map_err(|e| RuntimeError::format(what, e.to_string()))?;
    Ok(bytes)
}

pub(crate) fn deserialize<T: serde::de::DeserializeOwned + tfhe::Unversionize + tfhe::named::Named>(
    what: &str,
    bytes: &[u8],
    limit: u64,
) -> Result<T> {
    safe_deserialize(bytes, limit).map_err(|e| RuntimeError::format(what, e))
}

/// Something stored in a Veil runtime file.
pub trait Persist: Sized {
    /// How errors name it.
    const WHAT: &'static str;
    /// What a file must be made for, beyond its kind. Radix model: `()` (the runtime's one parameter set). Lut
    /// model: `Option<LutKeyset>`: the program's parameters, or `None` (the default) for whichever the file records,
    /// as when a client key is read without its program.
    type Params: Default;

    fn to_bytes(&self) -> Result<Vec<u8>>;

    fn from_bytes_for(bytes: &[u8], params: &Self::Params) -> Result<Self>;

    fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Self::from_bytes_for(bytes, &Self::Params::default())
    }

    fn save(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.to_bytes()?).map_err(|e| RuntimeError::io(path, e))
    }

    /// Reads a file made for `params`; errors name the file.
    fn load_for(path: &Path, params: &Self::Params) -> Result<Self> {
        let bytes = veil_ir::limits::read_file_env(path).map_err(|e| RuntimeError::io(path, e))?;
        Self::from_bytes_for(&bytes, params).map_err(|e| match e {
            RuntimeError::Format { what, message } => {
                RuntimeError::Format { what: format!("{what} {}", path.display()), message }
            }
            other => other,
        })
    }

    fn load(path: &Path) -> Result<Self> {
        Self::load_for(path, &Self::Params::default())
    }
}

impl Persist for ClientKey {
    const WHAT: &'static str = "client key";
    type Params = ();

    fn to_bytes(&self) -> Result<Vec<u8>> {
        let key = tfhe::ClientKey::from_raw_parts(
            self.0.clone(),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            tfhe::Tag::default(),
        );
        Ok(encode(Kind::ClientKey, None, &[], &serialize(Self::WHAT, &key)?))
    }

    fn from_bytes_for(bytes: &[u8], _: &()) -> Result<Self> {
        let (_, _, payload) = decode(Self::WHAT, bytes, &[Kind::ClientKey])?;
        let key: tfhe::ClientKey = deserialize(Self::WHAT, payload, KEY_LIMIT)?;
        let key = key.into_raw_parts().0;
        if key.parameters() != parameters() {
            return Err(RuntimeError::format(Self::WHAT, "the key's parameters differ from the runtime's"));
        }
        Ok(ClientKey(key))
    }
}

impl Persist for ServerKey {
    const WHAT: &'static str = "server key";
    type Params = ();

    fn to_bytes(&self) -> Result<Vec<u8>> {
        let key = tfhe::ServerKey::from_raw_parts(
            self.clone(),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            tfhe::Tag::default(),
        );
        Ok(encode(Kind::ServerKey, None, &[], &serialize(Self::WHAT, &key)?))
    }

    /// Reads a server key, decompressing it when the file holds the compressed form.
    fn from_bytes_for(bytes: &[u8], _: &()) -> Result<Self> {
        let (kind, _, payload) = decode(Self::WHAT, bytes, &[Kind::ServerKey, Kind::CompressedServerKey])?;
        let key = match kind {
            Kind::ServerKey => deserialize::<tfhe::ServerKey>(Self::WHAT, payload, KEY_LIMIT)?.into_raw_parts().0,
            _ => decompressed(CompressedServerKey::from_bytes(bytes)?)?,
        };
        if !key.is_conformant(&parameters()) {
            return Err(RuntimeError::format(Self::WHAT, "the key does not conform to the runtime's parameters"));
        }
        Ok(key)
    }
}

fn decompressed(key: CompressedServerKey) -> Result<ServerKey> {
    // A conformant compressed key decompresses without panicking; check before.
    if !key.is_conformant(&parameters()) {
        return Err(RuntimeError::format("server key", "the key does not conform to the runtime's parameters"));
    }
    Ok(key.decompress())
}

impl Persist for CompressedServerKey {
    const WHAT: &'static str = "compressed server key";
    type Params = ();

    fn to_bytes(&self) -> Result<Vec<u8>> {
        let key = tfhe::CompressedServerKey::from_raw_parts(
            self.clone(),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            tfhe::Tag::default(),
        );
        Ok(encode(Kind::CompressedServerKey, None, &[], &serialize(Self::WHAT, &key)?))
    }

    fn from_bytes_for(bytes: &[u8], _: &()) -> Result<Self> {
        let (_, _, payload) = decode(Self::WHAT, bytes, &[Kind::CompressedServerKey])?;
        let key = deserialize::<tfhe::CompressedServerKey>(Self::WHAT, payload, KEY_LIMIT)?.into_raw_parts().0;
        if !key.is_conformant(&parameters()) {
            return Err(RuntimeError::format(Self::WHAT, "the key does not conform to the runtime's parameters"));
        }
        Ok(key)
    }
}

/// A tensor of radix ciphertexts with its element type: width and fixed-point fraction bits.
#[derive(Clone)]
pub struct EncryptedTensor {
    pub width: Width,
    pub frac: i32,
    pub tensor: Tensor<Ciphertext>,
}

impl std::fmt::Debug for EncryptedTensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EncryptedTensor {{ {:?} x {}, frac = {} }}", self.tensor.shape, self.width, self.frac)
    }
}

/// A tensor file's meta: width (u32), fraction bits (i32), rank (u32), the dimensions (u64 each).
pub(crate) fn tensor_meta(width: Width, frac: i32, shape: &[usize]) -> Vec<u8> {
    let mut meta = Vec::new();
    meta.extend_from_slice(&width.bits().to_le_bytes());
    meta.extend_from_slice(&frac.to_le_bytes());
    meta.extend_from_slice(&(shape.len() as u32).to_le_bytes());
    for &d in shape {
        meta.extend_from_slice(&(d as u64).to_le_bytes());
    }
    meta
}

impl Persist for EncryptedTensor {
    const WHAT: &'static str = "ciphertext tensor";
    type Params = ();

    fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut payload = Vec::new();
        for element in &self.tensor.data {
            if element.blocks().len() != self.width.blocks() {
                let message = format!("an element has {} blocks, the tensor is {}", element.blocks().len(), self.width);
                return Err(RuntimeError::format(Self::WHAT, message));
            }
            for block in element.blocks() {
                push_item(&mut payload, &serialize(Self::WHAT, block)?);
            }
        }
        let meta = tensor_meta(self.width, self.frac, &self.tensor.shape);
        Ok(encode(Kind::Ciphertexts, None, &meta, &payload))
    }

    fn from_bytes_for(bytes: &[u8], _: &()) -> Result<Self> {
        let what = Self::WHAT;
        let (_, meta, payload) = decode(what, bytes, &[Kind::Ciphertexts])?;
        let (width, frac, shape) = read_tensor_meta(what, meta)?;
        let blocks = item_count(what, &shape, width.blocks(), payload)?;
        let conformance = parameters().to_shortint_conformance_param();
        let mut p = Reader::new(what, payload);
        let mut all = Vec::with_capacity(blocks);
        for _ in 0..blocks {
            let block: tfhe::shortint::Ciphertext = deserialize(what, p.item()?, ELEMENT_LIMIT)?;
            let conformant = block.ct.is_conformant(&conformance.ct_params)
                && block.message_modulus == conformance.message_modulus
                && block.carry_modulus == conformance.carry_modulus
                && block.atomic_pattern == conformance.atomic_pattern
                && block.degree.get() <= conformance.degree.get()
                && block.noise_level().get() <= conformance.noise_level.get();
            if !conformant {
                return Err(RuntimeError::format(
                    what,
                    "a ciphertext block does not conform to the runtime's parameters",
                ));
            }
            all.push(block);
        }
        p.finish("trailing bytes after the last block")?;
        let mut chunks = all.into_iter();
        let data =
            (0..element_count(&shape)).map(|_| Ciphertext::from_blocks(chunks.by_ref().take(width.blocks()).collect()));
        Ok(EncryptedTensor { width, frac, tensor: Tensor::new(shape, data.collect())? })
    }
}
