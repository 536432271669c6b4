//! The framing of Veil's key and ciphertext files, which needs no TFHE-rs: the header (magic bytes, format, kind,
//! parameter fingerprint, lengths, checksum; layout in [`crate::files`]), the lut parameters a lut file records,
//! a tensor file's meta, the length-prefixed payload items, and [`check`], which reads a file that far. The
//! payload items themselves (TFHE-rs's safe serialization) are read by `crate::files` and `lwe_backend::files`.

use crate::error::{Result, RuntimeError};
use crate::width::Width;
use std::io::Read;
use std::path::Path;
use veil_rt::tfhe_config::{LutKeyset, LutParams, MAX_PARTITIONS};

pub(crate) const MAGIC: &[u8; 8] = b"VEILRT\0\0";
pub(crate) const FORMAT: u16 = 1;
pub(crate) const HEADER_LEN: usize = 8 + 2 + 1 + 1 + 8 + 4 + 8 + 8;

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

    pub(crate) fn from_byte(b: u8) -> Option<Kind> {
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

/// One parameter set as a lut file records it: the seven integers, then the two noise standard deviations by
/// their bits, each a little-endian u64.
fn lut_params_bytes(p: &LutParams) -> Vec<u8> {
    let ints = [p.lwe_dimension, p.glwe_dimension, p.polynomial_size, p.pbs_base_log, p.pbs_level, p.ks_base_log];
    let words = ints.iter().chain([&p.ks_level]).map(|&v| v as u64);
    let words = words.chain([p.lwe_noise_std.to_bits(), p.glwe_noise_std.to_bits()]);
    words.flat_map(u64::to_le_bytes).collect()
}

/// A program's keyset as a lut file records it: the number of partitions, each one's parameters, the number of
/// keyswitch routes, each as (source, partition); little-endian u64s.
pub(crate) fn lut_keyset_bytes(k: &LutKeyset) -> Vec<u8> {
    let mut bytes = (k.partitions.len() as u64).to_le_bytes().to_vec();
    k.partitions.iter().for_each(|p| bytes.extend(lut_params_bytes(p)));
    bytes.extend((k.routes.len() as u64).to_le_bytes());
    k.routes.iter().flat_map(|&(q, p)| [q as u64, p as u64]).for_each(|v| bytes.extend(v.to_le_bytes()));
    bytes
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

fn read_lut_keyset(r: &mut Reader) -> Result<LutKeyset> {
    let what = r.what;
    let count = |r: &mut Reader, most: usize, of: &str| -> Result<usize> {
        let n = r.u64()?;
        usize::try_from(n).ok().filter(|&n| n <= most).ok_or_else(|| {
            RuntimeError::format(what, format!("the file records {n} {of}, more than the {most} a program may have"))
        })
    };
    let partitions =
        (0..count(r, MAX_PARTITIONS, "parameter sets")?).map(|_| read_lut_params(r)).collect::<Result<Vec<_>>>()?;
    let most_routes = partitions.len() * partitions.len();
    let index = |r: &mut Reader| r.u64().map(|v| usize::try_from(v).unwrap_or(usize::MAX));
    let routes = (0..count(r, most_routes, "keyswitch routes")?)
        .map(|_| Ok((index(r)?, index(r)?)))
        .collect::<Result<Vec<_>>>()?;
    let keyset = LutKeyset { partitions, routes };
    keyset.check().map_err(|e| RuntimeError::format(what, format!("the recorded keyset is malformed: {e}")))?;
    Ok(keyset)
}

/// The fingerprint of a lut program's keyset, written into the header of its files: FNV-1a-64 of a tag and every
/// field (per partition n, k, N, both decompositions, both noise standard deviations bit for bit; the routes).
pub fn lut_fingerprint(k: &LutKeyset) -> u64 {
    fnv1a(&[b"veil lut keyset", &lut_keyset_bytes(k)])
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

/// A keyset in words: its one set as [`describe_lut_params`], or each partition's and the routes.
pub fn describe_lut_keyset(k: &LutKeyset, exact: bool) -> String {
    veil_rt::tfhe_config::describe_keyset_with(k, |p| describe_lut_params(p, exact))
}

/// The error for a lut file made for `found` where `expected` is needed: both keysets, exact where rounding would
/// print them alike.
pub(crate) fn other_lut_params(found: &LutKeyset, expected: &LutKeyset) -> String {
    let exact = describe_lut_keyset(found, false) == describe_lut_keyset(expected, false);
    format!(
        "made for other TFHE parameters ({}) than expected ({})",
        describe_lut_keyset(found, exact),
        describe_lut_keyset(expected, exact)
    )
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

    /// The next `N` bytes as an array (no conversion that could fail).
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub(crate) fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
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

/// The magic bytes, format and kind at the head of a file.
fn read_kind(r: &mut Reader) -> Result<Kind> {
    if r.take(8)? != MAGIC {
        return Err(RuntimeError::format(r.what, "not a Veil runtime file (bad magic bytes)"));
    }
    let format = u16::from_le_bytes(r.array()?);
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
pub(crate) struct Unwrapped<'a> {
    pub(crate) kind: Kind,
    pub(crate) fingerprint: u64,
    pub(crate) meta: &'a [u8],
    pub(crate) payload: &'a [u8],
}

/// Checks the magic bytes, format, kind (one of `expected`), lengths and checksum.
pub(crate) fn unwrap<'a>(what: &'a str, bytes: &'a [u8], expected: &[Kind]) -> Result<Unwrapped<'a>> {
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
    // A hostile payload length may overflow the sum: no file is that long.
    let length = (meta_len as u64).checked_add(payload_len);
    if length.is_none_or(|n| (rest.len() as u64) < n) {
        return Err(RuntimeError::format(what, "the file is truncated"));
    }
    if length.is_some_and(|n| (rest.len() as u64) > n) {
        return Err(RuntimeError::format(what, "trailing bytes after the payload"));
    }
    if fnv1a(&[rest]) != checksum {
        return Err(RuntimeError::format(what, "checksum mismatch: the file is corrupted"));
    }
    let (meta, payload) = rest.split_at(meta_len);
    Ok(Unwrapped { kind, fingerprint, meta, payload })
}

/// For fuzzing and tests of the payload readers: rewrites the header of `bytes` (a file whose header is at least
/// present) so that its lengths, checksum and, for a lut file whose meta records parameters, fingerprint agree
/// with its contents. A corrupted payload then reaches TFHE-rs's deserializer and the conformance checks instead
/// of stopping at the checksum. `None` when the bytes are shorter than a header or the meta length overruns them.
#[doc(hidden)]
pub fn reseal(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = bytes.to_vec();
    let meta_len = u32::from_le_bytes(bytes.get(20..24)?.try_into().ok()?) as usize;
    let rest = bytes.get(HEADER_LEN..)?;
    let meta = rest.get(..meta_len)?;
    let payload_len = (rest.len() - meta_len) as u64;
    out[24..32].copy_from_slice(&payload_len.to_le_bytes());
    out[32..40].copy_from_slice(&fnv1a(&[rest]).to_le_bytes());
    if Kind::from_byte(bytes[10]).is_some_and(Kind::is_lut) {
        if let Ok(params) = read_lut_keyset(&mut Reader::new("", meta)) {
            out[12..20].copy_from_slice(&lut_fingerprint(&params).to_le_bytes());
        }
    }
    Some(out)
}

/// Checks a lut-model file's header: returns the parameters it records (`expected` ones when given), the rest of
/// its meta and its payload.
pub(crate) fn decode_lut<'a>(
    what: &'a str,
    bytes: &'a [u8],
    kind: Kind,
    expected: Option<&LutKeyset>,
) -> Result<(LutKeyset, &'a [u8], &'a [u8])> {
    let file = unwrap(what, bytes, &[kind])?;
    let mut meta = Reader::new(what, file.meta);
    let recorded = read_lut_keyset(&mut meta)?;
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

/// FNV-1a, 64 bits, of the concatenation of `parts` (without copying them: a server key is hundreds of MB): the
/// checksum of our file headers (detects truncation and corruption, not tampering).
pub(crate) fn fnv1a(parts: &[&[u8]]) -> u64 {
    let step = |h: u64, &b: &u8| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    parts.iter().fold(0xcbf2_9ce4_8422_2325, |h, part| part.iter().fold(h, step))
}

/// What [`check`] found in a file.
#[derive(Clone, Debug, PartialEq)]
pub struct Framing {
    pub kind: Kind,
    /// The parameters a lut-model file records.
    pub lut_params: Option<LutKeyset>,
    /// A tensor file's (width, fraction bits, shape).
    pub tensor: Option<(Width, i32, Vec<usize>)>,
    /// The payload's length-prefixed items, for the kinds whose payload is a list of them (lut client keys and
    /// ciphertext tensors); the other payloads (radix keys, the lut server key) are one serialized value.
    pub items: Option<usize>,
}

/// Reads a file as far as Veil's own format goes, with the checks every reader makes before TFHE-rs deserializes
/// anything: header, checksum, a lut file's recorded parameters against its fingerprint, a tensor file's meta and
/// the framing of its payload into items (as many as a tensor's shape or a lut client key needs). A radix file's
/// parameter fingerprint is not compared (that needs TFHE-rs's parameters); nothing is deserialized.
pub fn check(bytes: &[u8]) -> Result<Framing> {
    const WHAT: &str = "file";
    let file = unwrap(WHAT, bytes, &Kind::ALL)?;
    let (kind, payload) = (file.kind, file.payload);
    let (lut_params, meta) = match kind.is_lut() {
        true => decode_lut(WHAT, bytes, kind, None).map(|(p, meta, _)| (Some(p), meta))?,
        false => (None, file.meta),
    };
    let tensor = match kind {
        Kind::Ciphertexts | Kind::LutCiphertexts => Some(read_tensor_meta(WHAT, meta)?),
        _ => None,
    };
    let items = match kind {
        Kind::LutClientKey | Kind::Ciphertexts | Kind::LutCiphertexts => Some(count_items(payload)?),
        _ => None,
    };
    let expected = match (&tensor, kind) {
        (_, Kind::LutClientKey) => lut_params.as_ref().map(|k| 2 * k.partitions.len()),
        (Some((width, _, shape)), _) => {
            let per_element = if kind == Kind::Ciphertexts { width.blocks() } else { 1 };
            Some(item_count(WHAT, shape, per_element, payload)?)
        }
        _ => None,
    };
    if expected.is_some() && items != expected {
        let holds = match &tensor {
            Some((_, _, shape)) => format!("a tensor of shape {shape:?}"),
            None => "the two keys per partition of a lut client key".to_string(),
        };
        return Err(RuntimeError::format(WHAT, format!("the payload does not hold {holds}")));
    }
    Ok(Framing { kind, lut_params, tensor, items })
}

/// How many length-prefixed items make up a payload; an error when the last one is cut short.
fn count_items(payload: &[u8]) -> Result<usize> {
    let mut r = Reader::new("file", payload);
    let mut items = 0;
    while !r.bytes.is_empty() {
        r.item()?;
        items += 1;
    }
    Ok(items)
}
