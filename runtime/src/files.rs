//! File formats for keys and ciphertext tensors. Each file is a small header of ours followed by a payload in
//! TFHE-rs's versioned safe serialization (`safe_serialize`, read back with a size limit):
//!
//! ```text
//! magic "VEILRT\0\0" | format u16 | kind u8 | 0u8 | parameter fingerprint u64 | meta length u32 |
//! payload length u64 | FNV-1a of meta + payload u64 | meta | payload        (integers little-endian)
//! ```
//!
//! A file made under other parameters, of another kind, truncated or corrupted is rejected with an error that says
//! which, before tfhe deserializes anything. Ciphertext tensors carry their shape, width and fraction bits in the
//! meta; their payload is every element's blocks, each a length-prefixed safe-serialized `shortint::Ciphertext`
//! checked for conformance with the parameters.

use crate::error::{Result, RuntimeError};
use crate::keys::{fnv1a, parameter_fingerprint, parameters, Ciphertext, ClientKey, CompressedServerKey, ServerKey};
use crate::tensor::{element_count, Tensor};
use crate::width::Width;
use std::path::Path;
use tfhe::conformance::ParameterSetConformant;
use tfhe::integer::IntegerCiphertext;
use tfhe::safe_serialization::{safe_deserialize, safe_serialize};

const MAGIC: &[u8; 8] = b"VEILRT\0\0";
const FORMAT: u16 = 1;
const HEADER_LEN: usize = 8 + 2 + 1 + 1 + 8 + 4 + 8 + 8;
/// Size limits handed to tfhe's deserializer.
const KEY_LIMIT: u64 = 1 << 31;
const BLOCK_LIMIT: u64 = 1 << 20;

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    ClientKey = 1,
    ServerKey = 2,
    CompressedServerKey = 3,
    Ciphertexts = 4,
}

impl Kind {
    fn from_byte(b: u8) -> Option<Kind> {
        [Kind::ClientKey, Kind::ServerKey, Kind::CompressedServerKey, Kind::Ciphertexts]
            .into_iter()
            .find(|k| *k as u8 == b)
    }

    fn describe(self) -> &'static str {
        match self {
            Kind::ClientKey => "a client key",
            Kind::ServerKey => "a server key",
            Kind::CompressedServerKey => "a compressed server key",
            Kind::Ciphertexts => "a ciphertext tensor",
        }
    }
}

fn encode(kind: Kind, meta: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + meta.len() + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    out.extend_from_slice(&[kind as u8, 0]);
    out.extend_from_slice(&parameter_fingerprint().to_le_bytes());
    out.extend_from_slice(&(meta.len() as u32).to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    let checksum = fnv1a(&[meta, payload].concat());
    out.extend_from_slice(&checksum.to_le_bytes());
    out.extend_from_slice(meta);
    out.extend_from_slice(payload);
    out
}

/// A little-endian reader that reports running out of bytes as truncation.
struct Reader<'a> {
    what: &'a str,
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.bytes.len() < n {
            return Err(RuntimeError::format(self.what, "the file is truncated"));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }

    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }
}

/// Checks the header and returns (meta, payload).
fn decode<'a>(what: &'a str, bytes: &'a [u8], expected: &[Kind]) -> Result<(Kind, &'a [u8], &'a [u8])> {
    let mut r = Reader { what, bytes };
    if r.take(8)? != MAGIC {
        return Err(RuntimeError::format(what, "not a Veil runtime file (bad magic bytes)"));
    }
    let format = u16::from_le_bytes(r.take(2)?.try_into().expect("2 bytes"));
    if format != FORMAT {
        return Err(RuntimeError::format(what, format!("file format {format}, this runtime reads format {FORMAT}")));
    }
    let kind_byte = r.take(2)?[0];
    let kind = Kind::from_byte(kind_byte)
        .ok_or_else(|| RuntimeError::format(what, format!("unknown content kind {kind_byte}")))?;
    if !expected.contains(&kind) {
        let message = format!("the file holds {}, expected {}", kind.describe(), expected[0].describe());
        return Err(RuntimeError::format(what, message));
    }
    if r.u64()? != parameter_fingerprint() {
        return Err(RuntimeError::format(
            what,
            "made with other TFHE parameters than this runtime's (PARAM_MESSAGE_2_CARRY_2_KS_PBS)",
        ));
    }
    let meta_len = r.u32()? as usize;
    let payload_len = r.u64()?;
    let checksum = r.u64()?;
    let rest = r.bytes;
    if (rest.len() as u64) < meta_len as u64 + payload_len {
        return Err(RuntimeError::format(what, "the file is truncated"));
    }
    if (rest.len() as u64) > meta_len as u64 + payload_len {
        return Err(RuntimeError::format(what, "trailing bytes after the payload"));
    }
    if fnv1a(rest) != checksum {
        return Err(RuntimeError::format(what, "checksum mismatch: the file is corrupted"));
    }
    let (meta, payload) = rest.split_at(meta_len);
    Ok((kind, meta, payload))
}

fn serialize<T: serde::Serialize + tfhe::Versionize + tfhe::named::Named>(what: &str, value: &T) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    safe_serialize(value, &mut bytes, KEY_LIMIT).map_err(|e| RuntimeError::format(what, e.to_string()))?;
    Ok(bytes)
}

fn deserialize<T: serde::de::DeserializeOwned + tfhe::Unversionize + tfhe::named::Named>(
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
    fn to_bytes(&self) -> Result<Vec<u8>>;
    fn from_bytes(bytes: &[u8]) -> Result<Self>;

    fn save(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.to_bytes()?).map_err(|e| RuntimeError::io(path, e))
    }

    fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| RuntimeError::io(path, e))?;
        Self::from_bytes(&bytes).map_err(|e| match e {
            RuntimeError::Format { what, message } => {
                RuntimeError::Format { what: format!("{what} {}", path.display()), message }
            }
            other => other,
        })
    }
}

impl Persist for ClientKey {
    const WHAT: &'static str = "client key";

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
        Ok(encode(Kind::ClientKey, &[], &serialize(Self::WHAT, &key)?))
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self> {
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
        Ok(encode(Kind::ServerKey, &[], &serialize(Self::WHAT, &key)?))
    }

    /// Reads a server key, decompressing it when the file holds the compressed form.
    fn from_bytes(bytes: &[u8]) -> Result<Self> {
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
        Ok(encode(Kind::CompressedServerKey, &[], &serialize(Self::WHAT, &key)?))
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let (_, _, payload) = decode(Self::WHAT, bytes, &[Kind::CompressedServerKey])?;
        let key = deserialize::<tfhe::CompressedServerKey>(Self::WHAT, payload, KEY_LIMIT)?.into_raw_parts().0;
        if !key.is_conformant(&parameters()) {
            return Err(RuntimeError::format(Self::WHAT, "the key does not conform to the runtime's parameters"));
        }
        Ok(key)
    }
}

/// A tensor of ciphertexts with its element type: width and fixed-point fraction bits.
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

impl Persist for EncryptedTensor {
    const WHAT: &'static str = "ciphertext tensor";

    fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut meta = Vec::new();
        meta.extend_from_slice(&self.width.bits().to_le_bytes());
        meta.extend_from_slice(&self.frac.to_le_bytes());
        meta.extend_from_slice(&(self.tensor.rank() as u32).to_le_bytes());
        for &d in &self.tensor.shape {
            meta.extend_from_slice(&(d as u64).to_le_bytes());
        }
        let mut payload = Vec::new();
        for element in &self.tensor.data {
            if element.blocks().len() != self.width.blocks() {
                let message = format!("an element has {} blocks, the tensor is {}", element.blocks().len(), self.width);
                return Err(RuntimeError::format(Self::WHAT, message));
            }
            for block in element.blocks() {
                let bytes = serialize(Self::WHAT, block)?;
                payload.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
                payload.extend_from_slice(&bytes);
            }
        }
        Ok(encode(Kind::Ciphertexts, &meta, &payload))
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let what = Self::WHAT;
        let (_, meta, payload) = decode(what, bytes, &[Kind::Ciphertexts])?;
        let mut m = Reader { what, bytes: meta };
        let width = Width::new(m.u32()?).map_err(|e| RuntimeError::format(what, e.to_string()))?;
        let frac = m.u32()? as i32;
        let rank = m.u32()? as usize;
        let shape = (0..rank).map(|_| m.u64().map(|d| d as usize)).collect::<Result<Vec<_>>>()?;
        let count = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
        let blocks = count.and_then(|n| n.checked_mul(width.blocks())).filter(|&b| b <= payload.len() / 8);
        let Some(blocks) = blocks else {
            return Err(RuntimeError::format(what, format!("implausible shape {shape:?}")));
        };
        let conformance = parameters().to_shortint_conformance_param();
        let mut p = Reader { what, bytes: payload };
        let mut all = Vec::with_capacity(blocks);
        for _ in 0..blocks {
            let len = p.u64()?;
            let block: tfhe::shortint::Ciphertext =
                deserialize(what, p.take(usize::try_from(len).unwrap_or(usize::MAX))?, BLOCK_LIMIT)?;
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
        if !p.bytes.is_empty() {
            return Err(RuntimeError::format(what, "trailing bytes after the last block"));
        }
        let mut chunks = all.into_iter();
        let data =
            (0..element_count(&shape)).map(|_| Ciphertext::from_blocks(chunks.by_ref().take(width.blocks()).collect()));
        Ok(EncryptedTensor { width, frac, tensor: Tensor::new(shape, data.collect())? })
    }
}
