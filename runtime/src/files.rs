//! File formats for keys and ciphertext tensors of both execution models. Each file is a small header of ours
//! followed by a payload in TFHE-rs's versioned safe serialization (`safe_serialize`, read back with a size limit):
//!
//! ```text
//! magic "VEILRT\0\0" | format u16 | kind u8 | 0u8 | parameter fingerprint u64 | meta length u32 |
//! payload length u64 | FNV-1a of meta + payload u64 | meta | payload        (integers little-endian)
//! ```
//!
//! The kind says what the file holds and for which model (radix or lut); the fingerprint, which parameters it is
//! made for: the radix model's one set, or a lut program's `LutParams`, which a lut file also records at the head
//! of its meta so that a mismatch names both sets. A file made for other parameters, of another kind or model,
//! truncated or corrupted is rejected with an error that says which, before tfhe deserializes anything. Ciphertext
//! tensors carry their shape, width and fraction bits in the meta. This module owns the header and the radix
//! model's files; the lut model's payloads are `lwe_backend::files`.

use crate::error::{Result, RuntimeError};
use crate::keys::{fnv1a, parameter_fingerprint, parameters, Ciphertext, ClientKey, CompressedServerKey, ServerKey};
use crate::tensor::{element_count, Tensor};
use crate::width::Width;
use std::io::Read;
use std::path::Path;
use tfhe::conformance::ParameterSetConformant;
use tfhe::integer::IntegerCiphertext;
use tfhe::safe_serialization::{safe_deserialize, safe_serialize};
use veil_params::LutParams;

const MAGIC: &[u8; 8] = b"VEILRT\0\0";
const FORMAT: u16 = 1;
const HEADER_LEN: usize = 8 + 2 + 1 + 1 + 8 + 4 + 8 + 8;
/// Size limits handed to tfhe's deserializer: a key, and one radix block or lut ciphertext (at most k·N ≤ 2^16
/// coefficients, which `rt.tfhe` enforces).
pub(crate) const KEY_LIMIT: u64 = 1 << 31;
pub(crate) const ELEMENT_LIMIT: u64 = 1 << 20;

/// What a file holds, and for which execution model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    ClientKey = 1,
    ServerKey = 2,
    CompressedServerKey = 3,
    Ciphertexts = 4,
    LutClientKey = 5,
    /// The lut model's evaluation keys, in seeded (compressed) form: its only server key file.
    LutServerKey = 6,
    LutCiphertexts = 7,
}

impl Kind {
    const ALL: [Kind; 7] = [
        Kind::ClientKey,
        Kind::ServerKey,
        Kind::CompressedServerKey,
        Kind::Ciphertexts,
        Kind::LutClientKey,
        Kind::LutServerKey,
        Kind::LutCiphertexts,
    ];

    fn from_byte(b: u8) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| *k as u8 == b)
    }

    /// Whether the file belongs to the lookup-table model (and records its `LutParams`).
    pub fn is_lut(self) -> bool {
        matches!(self, Kind::LutClientKey | Kind::LutServerKey | Kind::LutCiphertexts)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Kind::ClientKey => "a client key (radix model)",
            Kind::ServerKey => "a server key (radix model)",
            Kind::CompressedServerKey => "a compressed server key (radix model)",
            Kind::Ciphertexts => "a ciphertext tensor (radix model)",
            Kind::LutClientKey => "a client key (lut model)",
            Kind::LutServerKey => "a server key (lut model)",
            Kind::LutCiphertexts => "a ciphertext tensor (lut model)",
        }
    }
}

/// The lut parameters as a lut file records them: the seven integers, then the two noise standard deviations by
/// their bits, each a little-endian u64.
fn lut_params_bytes(p: &LutParams) -> Vec<u8> {
    let ints = [p.lwe_dimension, p.glwe_dimension, p.polynomial_size, p.pbs_base_log, p.pbs_level, p.ks_base_log];
    let words = ints.iter().chain([&p.ks_level]).map(|&v| v as u64);
    let words = words.chain([p.lwe_noise_std.to_bits(), p.glwe_noise_std.to_bits()]);
    words.flat_map(u64::to_le_bytes).collect()
}

fn read_lut_params(r: &mut Reader) -> Result<LutParams> {
    let mut int = || r.u64().map(|v| usize::try_from(v).unwrap_or(usize::MAX));
    let (lwe_dimension, glwe_dimension, polynomial_size) = (int()?, int()?, int()?);
    let (pbs_base_log, pbs_level, ks_base_log, ks_level) = (int()?, int()?, int()?, int()?);
    let (lwe_noise_std, glwe_noise_std) = (f64::from_bits(r.u64()?), f64::from_bits(r.u64()?));
    Ok(LutParams {
        lwe_dimension,
        glwe_dimension,
        polynomial_size,
        lwe_noise_std,
        glwe_noise_std,
        pbs_base_log,
        pbs_level,
        ks_base_log,
        ks_level,
    })
}

/// The fingerprint of a lut program's parameters, written into the header of its files: FNV-1a-64 of a tag and
/// every field (n, k, N, both decompositions, both noise standard deviations bit for bit).
pub fn lut_fingerprint(p: &LutParams) -> u64 {
    fnv1a(&[b"veil lut params", &lut_params_bytes(p)])
}

/// `n = 880, k = 1, N = 2048, PBS 2^15 x 2, keyswitch 2^4 x 4, noise 2^-19.25 / 2^-48.30` (the standard deviations
/// of the small key's and the GLWE key's noise; `exact`: every digit).
pub fn describe_lut_params(p: &LutParams, exact: bool) -> String {
    let noise = |std: f64| if exact { format!("{std:e}") } else { format!("2^{:.2}", std.log2()) };
    format!(
        "{}, noise {} / {}",
        veil_rt::tfhe_config::describe_sizes(p),
        noise(p.lwe_noise_std),
        noise(p.glwe_noise_std)
    )
}

/// The error for a lut file made for `found` where `expected` is needed: both sets, exact where rounding would
/// print them alike.
fn other_lut_params(found: &LutParams, expected: &LutParams) -> String {
    let exact = describe_lut_params(found, false) == describe_lut_params(expected, false);
    format!(
        "made for other TFHE parameters ({}) than expected ({})",
        describe_lut_params(found, exact),
        describe_lut_params(expected, exact)
    )
}

/// A file's bytes: the header for `kind`, under the radix parameters' fingerprint or, with `lut`, under that
/// parameter set's, recorded at the head of the meta.
pub(crate) fn encode(kind: Kind, lut: Option<&LutParams>, meta: &[u8], payload: &[u8]) -> Vec<u8> {
    debug_assert_eq!(kind.is_lut(), lut.is_some(), "{kind:?}");
    let (fingerprint, recorded) = match lut {
        Some(p) => (lut_fingerprint(p), lut_params_bytes(p)),
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

/// A little-endian reader that reports running out of bytes as truncation.
pub(crate) struct Reader<'a> {
    what: &'a str,
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(what: &'a str, bytes: &'a [u8]) -> Reader<'a> {
        Reader { what, bytes }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.bytes.len() < n {
            return Err(RuntimeError::format(self.what, "the file is truncated"));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    pub(crate) fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }

    /// A length-prefixed item of a payload: a u64 length, then that many bytes (one safe-serialized value).
    pub(crate) fn item(&mut self) -> Result<&'a [u8]> {
        let len = self.u64()?;
        self.take(usize::try_from(len).unwrap_or(usize::MAX))
    }

    /// Fails with `message` unless every byte was read.
    pub(crate) fn finish(&self, message: &str) -> Result<()> {
        match self.bytes.is_empty() {
            true => Ok(()),
            false => Err(RuntimeError::format(self.what, message)),
        }
    }
}

/// Appends a length-prefixed payload item (see [`Reader::item`]).
pub(crate) fn push_item(payload: &mut Vec<u8>, bytes: &[u8]) {
    payload.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    payload.extend_from_slice(bytes);
}

/// The magic bytes, format and kind at the head of a file.
fn read_kind(r: &mut Reader) -> Result<Kind> {
    if r.take(8)? != MAGIC {
        return Err(RuntimeError::format(r.what, "not a Veil runtime file (bad magic bytes)"));
    }
    let format = u16::from_le_bytes(r.take(2)?.try_into().expect("2 bytes"));
    if format != FORMAT {
        return Err(RuntimeError::format(r.what, format!("file format {format}, this runtime reads format {FORMAT}")));
    }
    let kind_byte = r.take(2)?[0];
    Kind::from_byte(kind_byte).ok_or_else(|| RuntimeError::format(r.what, format!("unknown content kind {kind_byte}")))
}

/// What a file holds, from its first bytes alone: how a command that has no program tells the model of a key.
pub fn kind_of(what: &str, path: &Path) -> Result<Kind> {
    let mut head = Vec::with_capacity(12);
    let file = std::fs::File::open(path).map_err(|e| RuntimeError::io(path, e))?;
    file.take(12).read_to_end(&mut head).map_err(|e| RuntimeError::io(path, e))?;
    read_kind(&mut Reader::new(&format!("{what} {}", path.display()), &head))
}

/// A checked file: its kind and header fingerprint, meta and payload.
struct Unwrapped<'a> {
    kind: Kind,
    fingerprint: u64,
    meta: &'a [u8],
    payload: &'a [u8],
}

/// Checks the magic bytes, format, kind (one of `expected`), lengths and checksum.
fn unwrap<'a>(what: &'a str, bytes: &'a [u8], expected: &[Kind]) -> Result<Unwrapped<'a>> {
    let mut r = Reader::new(what, bytes);
    let kind = read_kind(&mut r)?;
    if !expected.contains(&kind) {
        let message = format!("the file holds {}, expected {}", kind.describe(), expected[0].describe());
        return Err(RuntimeError::format(what, message));
    }
    let fingerprint = r.u64()?;
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
    if fnv1a(&[rest]) != checksum {
        return Err(RuntimeError::format(what, "checksum mismatch: the file is corrupted"));
    }
    let (meta, payload) = rest.split_at(meta_len);
    Ok(Unwrapped { kind, fingerprint, meta, payload })
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

/// Checks a lut-model file's header: returns the parameters it records (`expected` ones when given), the rest of
/// its meta and its payload.
pub(crate) fn decode_lut<'a>(
    what: &'a str,
    bytes: &'a [u8],
    kind: Kind,
    expected: Option<&LutParams>,
) -> Result<(LutParams, &'a [u8], &'a [u8])> {
    let file = unwrap(what, bytes, &[kind])?;
    let mut meta = Reader::new(what, file.meta);
    let recorded = read_lut_params(&mut meta)?;
    if lut_fingerprint(&recorded) != file.fingerprint {
        let message = "the parameter fingerprint does not match the parameters the file records: the file is corrupted";
        return Err(RuntimeError::format(what, message));
    }
    match expected {
        Some(p) if lut_fingerprint(p) != file.fingerprint => {
            Err(RuntimeError::format(what, other_lut_params(&recorded, p)))
        }
        _ => Ok((recorded, meta.bytes, file.payload)),
    }
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
    /// model: `Option<LutParams>`: the program's parameters, or `None` (the default) for whichever the file records,
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
        let bytes = std::fs::read(path).map_err(|e| RuntimeError::io(path, e))?;
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

/// The element type and shape of a tensor file: (width, frac, shape).
pub(crate) fn read_tensor_meta(what: &str, meta: &[u8]) -> Result<(Width, i32, Vec<usize>)> {
    let mut m = Reader::new(what, meta);
    let width = Width::new(m.u32()?).map_err(|e| RuntimeError::format(what, e.to_string()))?;
    let frac = m.u32()? as i32;
    let rank = m.u32()? as usize;
    let shape = (0..rank).map(|_| m.u64().map(|d| d as usize)).collect::<Result<Vec<_>>>()?;
    m.finish("trailing bytes after the shape")?;
    Ok((width, frac, shape))
}

/// The payload items of a tensor of `shape` with `per_element` items each, refused when the payload could not
/// hold them (each item takes at least its 8-byte length).
pub(crate) fn item_count(what: &str, shape: &[usize], per_element: usize, payload: &[u8]) -> Result<usize> {
    let count = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    let items = count.and_then(|n| n.checked_mul(per_element)).filter(|&b| b <= payload.len() / 8);
    items.ok_or_else(|| RuntimeError::format(what, format!("implausible shape {shape:?}")))
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
