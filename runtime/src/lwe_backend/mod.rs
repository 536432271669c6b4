//! The lwe backend: rt kernels in the lookup-table (lut) execution model, Concrete's. Every element is ONE LWE
//! ciphertext under the big key (dimension k·N) encoding a signed W-bit integer as v·Δ_W, Δ_W = 2^(63 − W)
//! ([`encoding`]). Linear maps with integer weights are leveled (no bootstrap); every non-linear step is a table
//! lookup, one programmable bootstrap ([`bootstrap`]) per element — or, for a bit-exact floor of a shifted index,
//! two per chunk of up to p + 1 dropped bits (p the table's index bits) plus one. A rescale is that exact floor
//! without the table (he-abs-relu's, with exact rounding). relu, max, mul and square do not exist in this model:
//! the compiler's lut strategy turns them into lookups.

mod bootstrap;
pub mod encoding;
mod files;
mod keys;

pub use bootstrap::{pbs_count, reset_pbs_count};
pub use encoding::MAX_BITS;
pub use files::LweEncryptedTensor;
pub use keys::{reference_params, secure_noise_std, LweClientKey, LweCompressedServerKey, LweServerKey};

use crate::backend::{ElemError, ElemResult, Lookup, Primitives};
use crate::linear::{LinearMap, Row};
use crate::width::Width;
use encoding::{delta, encode};
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tfhe::core_crypto::algorithms::slice_algorithms::slice_wrapping_add_scalar_mul_assign;
use tfhe::core_crypto::prelude::*;

/// One tensor element: an LWE ciphertext, the partition whose big key it is under and the width W of its encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LweValue {
    pub ct: LweCiphertextOwned<u64>,
    pub bits: u32,
    /// The partition of its key (rt.tfhe); `None` for a trivial ciphertext, a body without a mask, which is valid
    /// under every key.
    pub key: Option<usize>,
}

/// How a lut with a shift s > 0 computes its index floor(a / 2^s): the choice recorded in the program (`rt.tfhe`).
/// Exact: the s low bits are cleared in chunks of up to p + 1 bits, two bootstraps each, and the table is read at
/// the exact multiple of 2^s left. Approximate: one bootstrap reads the table at the index box the value falls in;
/// near a box edge, noise may select the neighbouring entry (index ±1); the compiler keeps an index of headroom at
/// both ends of a table, since past them the negacyclic rotation reads negated entries from the other end.
pub use veil_rt::tfhe_config::Rounding;
use veil_rt::tfhe_config::{full_domain_offset, reads_full_domain, ChunkForm, Floor, LookupFloors};

/// Evaluates rt kernels on LWE ciphertexts with the server key.
pub struct LweBackend {
    key: Arc<LweServerKey>,
    rounding: Rounding,
    /// How exact lookups clear their dropped bits (`rt.tfhe`'s `floors`).
    floors: LookupFloors,
    /// The bootstraps this backend has run (the process-wide count is [`pbs_count`]).
    pbs: AtomicU64,
}

fn unsupported(op: &str) -> ElemError {
    ElemError::Unsupported(format!(
        "the lut model computes {op} as a table lookup: compile with the lut strategy (he-lut-fuse)"
    ))
}

/// A batch that returned fewer results than it was given elements (never expected: one bootstrap per element).
fn missing_result() -> ElemError {
    ElemError::Unsupported("a batch of bootstraps returned fewer results than elements".into())
}

fn check_bits(width: Width) -> ElemResult<u32> {
    match width.bits() {
        bits if bits <= MAX_BITS => Ok(bits),
        _ => Err(ElemError::Unsupported(format!("{width} is wider than the lwe encodings (at most i{MAX_BITS})"))),
    }
}

impl LweBackend {
    pub fn new(key: Arc<LweServerKey>, rounding: Rounding) -> LweBackend {
        LweBackend { key, rounding, floors: LookupFloors::default(), pbs: AtomicU64::new(0) }
    }

    /// A backend on the same server key with `rounding` and its own bootstrap count.
    pub fn with_rounding(&self, rounding: Rounding) -> LweBackend {
        LweBackend::new(self.key.clone(), rounding).with_floors(self.floors)
    }

    /// This backend with exact lookups clearing their dropped bits as `floors` says (what the program's
    /// `rt.tfhe` chose).
    pub fn with_floors(self, floors: LookupFloors) -> LweBackend {
        LweBackend { floors, ..self }
    }

    /// The bootstraps this backend has run.
    pub fn pbs_count(&self) -> u64 {
        self.pbs.load(Ordering::Relaxed)
    }

    pub fn server_key(&self) -> &LweServerKey {
        &self.key
    }

    pub fn rounding(&self) -> Rounding {
        self.rounding
    }

    /// A trivial ciphertext of `phase` under `key`'s big key (its mask zero), or without a mask when `key` is
    /// `None`.
    fn trivial_ct(&self, key: Option<usize>, phase: u64) -> ElemResult<LweCiphertextOwned<u64>> {
        let dimension = match key {
            None => 0,
            Some(p) => self.key.big_lwe_dimension(p).ok_or_else(|| no_partition(p, &self.key))?,
        };
        let size = LweSize(dimension + 1);
        Ok(allocate_and_trivially_encrypt_new_lwe_ciphertext(size, Plaintext(phase), CiphertextModulus::new_native()))
    }

    /// `v` under partition `key`'s big key: itself, or a trivial `v` given that key's dimension.
    fn under(&self, v: &LweValue, key: usize) -> ElemResult<LweValue> {
        match v.key {
            Some(k) if k == key => Ok(v.clone()),
            Some(k) => Err(ElemError::Unsupported(format!("a ciphertext of partition {k} where {key}'s is expected"))),
            None => {
                Ok(LweValue { ct: self.trivial_ct(Some(key), *v.ct.get_body().data)?, bits: v.bits, key: Some(key) })
            }
        }
    }

    /// The low bits of x handled chunk by chunk ([`Floor::chunks`]), bit for bit: `x − (x mod 2^s)` at Δ_W when
    /// every chunk is cleared (an exact rescale's), `x − (x mod 2^s) + rest` with `0 ≤ rest ≤` [`Floor::rest_bound`]
    /// when the chunks clear their signs only (a table's). For the chunk of bits `l..l + c`, z·2^(W + 1 − l − c)
    /// drops the bits above it and puts its value v = b·2^(c−1) + r (plus f, what the chunks below left, under
    /// half of one) on the torus as (v + f) / 2^c, b on the padding bit:
    /// - a sign test (one entry, boxes [−1/4, 1/4) and its negation) of that phase minus the centre of its half
    ///   reads b: minus 1/4 − 2^-(c+1) when nothing is left below (margin 2^-(c+1)), 1/4 − 2^-(c+2) when f may be
    ///   up to half a step (margin 2^-(c+2)). It returns ∓2^(l+c−2)·Δ_W, hence b·2^(l+c−1)·Δ_W after adding
    ///   2^(l+c−2)·Δ_W, which is subtracted from z;
    /// - [`ChunkForm::Cleared`] with c > 1: the phase is now r / 2^c ∈ [0, 1/2): a table of 2^(c−1) entries (r at
    ///   the centre of box r) returns r·2^l·Δ_W, which is subtracted; [`ChunkForm::ClearedOverRests`] likewise, the
    ///   phase (r + f) / 2^c read a quarter step lower (margin 2^-(c+2)). [`ChunkForm::SignOnly`] leaves r: below
    ///   2^(l+c−1), so the rests of all chunks stay below half of the next chunk's step (Σ (2^(c−1) − 1)·2^l).
    ///
    /// With the sign at the top ([`ChunkForm::SignAtTop`]), the sign bootstrap returns b·2^63 at the moved scale,
    /// subtracted from that phase only; b stays in z for the next chunk.
    ///
    /// The margins are those of a (c − 1)-bit table over cleared bits, of a c-bit one over rests
    /// ([`veil_rt::tfhe_config::ExactChunk::precision`]), never more than the final table's index bits. The noise
    /// of x is multiplied by up to 2^W, so x must decrypt exactly (its noise well below Δ_W / 2), which an exact
    /// floor needs anyway.
    ///
    /// Every element's chunk bootstraps run as one batch per step (see [`bootstrap::bootstrap_batch`]); elements
    /// under different partitions are floored one by one.
    fn clear_low_bits(&self, xs: &[LweValue], w: u32, floor: Floor) -> Vec<ElemResult<LweValue>> {
        // The chunks' outputs are subtracted from x: they bootstrap into x's partition (0 for a trivial x).
        let partition = xs.first().and_then(|x| x.key).unwrap_or(0);
        if xs.iter().any(|x| x.key.unwrap_or(0) != partition) {
            return xs.iter().flat_map(|x| self.clear_low_bits(std::slice::from_ref(x), w, floor)).collect();
        }
        let mut zs: Vec<ElemResult<LweValue>> = xs.iter().map(|x| self.under(x, partition)).collect();
        for chunk in floor.chunks() {
            let (low, c) = (chunk.low, chunk.size);
            let multiplier = Cleartext(1u64 << chunk.multiplier_log2(w));
            let scaled = |z: &LweValue| {
                let mut top = z.clone();
                lwe_ciphertext_cleartext_mul_assign(&mut top.ct, multiplier);
                top
            };
            let half_bit = match chunk.form {
                // The top bit at the moved scale: b·2^63 after adding 2^62.
                ChunkForm::SignAtTop => 1u64 << 62,
                _ => (1u64 << (low + c - 1)) * (delta(w) / 2),
            };
            // Over the rests of sign-only chunks the values of a step fill its first half, not one point.
            let over_rests = matches!(chunk.form, ChunkForm::SignOnly | ChunkForm::ClearedOverRests);
            // The centre of the values' half of the torus: they fill [0, 1/2) but the last step (or its second
            // half, over rests).
            let inside = match over_rests {
                true => (1u64 << 62) - (1u64 << (62 - c)),
                false => (1u64 << 62) - (1u64 << (63 - c)),
            };
            let mut tops: Vec<Option<LweValue>> = zs.iter().map(|z| z.as_ref().ok().map(scaled)).collect();
            let bits = self.bootstrap_each(&tops, partition, inside.wrapping_neg(), &[half_bit.wrapping_neg()]);
            let bits = match bits {
                Ok(bits) => bits,
                Err(e) => return xs.iter().map(|_| Err(e.clone())).collect(),
            };
            let mut rests: Vec<Option<LweValue>> = Vec::with_capacity(zs.len());
            for ((z, top), bit) in zs.iter_mut().zip(&mut tops).zip(bits) {
                let (Ok(z), Some(top), Some(mut bit)) = (z.as_mut(), top.take(), bit) else {
                    rests.push(None);
                    continue;
                };
                lwe_ciphertext_plaintext_add_assign(&mut bit, Plaintext(half_bit));
                rests.push(match chunk.form {
                    ChunkForm::SignAtTop => {
                        let mut top = top;
                        lwe_ciphertext_sub_assign(&mut top.ct, &bit);
                        Some(top)
                    }
                    ChunkForm::Cleared | ChunkForm::ClearedOverRests => {
                        lwe_ciphertext_sub_assign(&mut z.ct, &bit);
                        Some(scaled(z))
                    }
                    ChunkForm::SignOnly => {
                        lwe_ciphertext_sub_assign(&mut z.ct, &bit);
                        None
                    }
                });
            }
            if chunk.reads_rest() {
                let entries: Vec<u64> = (0..1i64 << (c - 1)).map(|r| encode(r << low, w)).collect();
                // Over rests, r + (under half a step) centred on r.
                let centring = if over_rests { (1u64 << (62 - c)).wrapping_neg() } else { 0 };
                let low_bits = match self.bootstrap_each(&rests, partition, centring, &entries) {
                    Ok(low_bits) => low_bits,
                    Err(e) => return xs.iter().map(|_| Err(e.clone())).collect(),
                };
                for (z, low_bits) in zs.iter_mut().zip(low_bits) {
                    if let (Ok(z), Some(low_bits)) = (z.as_mut(), low_bits) {
                        lwe_ciphertext_sub_assign(&mut z.ct, &low_bits);
                    }
                }
            }
        }
        zs
    }

    /// The table lookup `entries[index]` by a bootstrap of `partition` for each present value, where `index` is
    /// the box of the value's phase plus `offset` (see [`bootstrap::bootstrap_batch`]), as one batch, under the
    /// partition's big key; `None` where the value is.
    fn bootstrap_each(
        &self,
        values: &[Option<LweValue>],
        partition: usize,
        offset: u64,
        entries: &[u64],
    ) -> ElemResult<Vec<Option<LweCiphertextOwned<u64>>>> {
        let ready: Vec<&LweValue> = values.iter().flatten().collect();
        let cts = bootstrap::bootstrap_batch(&self.key, &ready, partition, offset, entries)
            .map_err(ElemError::Unsupported)?;
        self.pbs.fetch_add(ready.len() as u64, Ordering::Relaxed);
        let mut cts = cts.into_iter();
        Ok(values.iter().map(|v| v.as_ref().and_then(|_| cts.next())).collect())
    }

    /// The multiplier that re-encodes a `bits`-bit input at `out` bits: 2^(bits − out).
    fn reencoding(bits: u32, out: u32) -> ElemResult<u64> {
        if bits < out {
            return Err(ElemError::Unsupported(format!(
                "an input encoded at i{bits} cannot widen to i{out} without a bootstrap; the compiler unifies encodings"
            )));
        }
        Ok(1u64 << (bits - out))
    }

    /// `constant·Δ_out + Σ c·x`, wrapping: one ciphertext, no bootstrap.
    fn row(&self, inputs: &[&LweValue], row: &Row, out: u32) -> ElemResult<LweValue> {
        // Every encrypted term must be under one key; trivial ones add their body alone.
        let mut key = None;
        for &(i, _) in &row.terms {
            match (key, inputs[i].key) {
                (Some(a), Some(b)) if a != b => {
                    return Err(ElemError::Unsupported(format!(
                        "a leveled combination of ciphertexts under partitions {a} and {b}: the compiler puts the \
                         terms of one combination in one partition"
                    )))
                }
                (None, k) => key = k,
                _ => {}
            }
        }
        // The constant modulo 2^64, times Δ_out: exact on the torus.
        let mut acc = self.trivial_ct(key, (row.constant as u64).wrapping_mul(delta(out)))?;
        for &(i, c) in &row.terms {
            let x = inputs[i];
            let coefficient = (c as u64).wrapping_mul(Self::reencoding(x.bits, out)?);
            if x.key.is_none() {
                let body = acc.get_mut_body().data;
                *body = body.wrapping_add(x.ct.get_body().data.wrapping_mul(coefficient));
                continue;
            }
            if x.ct.lwe_size() != acc.lwe_size() {
                return Err(ElemError::Unsupported(format!(
                    "input {i} has LWE dimension {}, not partition {}'s {}",
                    x.ct.lwe_size().to_lwe_dimension().0,
                    key.unwrap_or(0),
                    acc.lwe_size().to_lwe_dimension().0
                )));
            }
            slice_wrapping_add_scalar_mul_assign(acc.as_mut(), x.ct.as_ref(), coefficient);
        }
        Ok(LweValue { ct: acc, bits: out, key })
    }
}

/// The error for a ciphertext or call naming a partition the server key does not have.
fn no_partition(p: usize, key: &LweServerKey) -> ElemError {
    ElemError::Unsupported(format!("partition {p}, of {} in the server key", key.keyset.partitions.len()))
}

/// One table lookup of the lwe backend, checked once for all the elements it is applied to: how each element is
/// read (see [`LweBackend::lut`]) and the bootstrap that reads it.
struct PreparedLookup {
    /// The input's encoding width.
    w: u32,
    /// The exact floor clears the dropped bits first ([`Rounding::Exact`] and a shift).
    floor: Option<Floor>,
    /// A full-domain table's offset c: the value is doubled, the bootstrap reads table − c, and c is added back.
    full_domain: Option<i64>,
    /// The bootstrap: its partition, the phase added before it, the entries on the torus, the output encoding.
    partition: usize,
    offset: u64,
    entries: Vec<u64>,
    out: u32,
}

impl PreparedLookup {
    fn new(backend: &LweBackend, lookup: &Lookup) -> ElemResult<PreparedLookup> {
        let Lookup { input, shift, zero_bits, table, out, partition } = *lookup;
        let (w, out) = (check_bits(input)?, check_bits(out)?);
        let index_bits = w.saturating_sub(shift);
        if index_bits == 0 || table.len() as u64 != 1 << index_bits {
            return Err(ElemError::Unsupported(format!(
                "a table of {} entries for {input} shifted by {shift}",
                table.len()
            )));
        }
        let params =
            backend.key.keyset.partitions.get(partition).ok_or_else(|| no_partition(partition, &backend.key))?;
        let n = params.polynomial_size;
        if n >> index_bits == 0 {
            return Err(ElemError::Unsupported(format!(
                "a table of 2^{index_bits} entries needs a polynomial size N ≥ 2^{index_bits}, not {n}"
            )));
        }
        let exact = backend.rounding == Rounding::Exact && shift > 0;
        let floor = exact.then(|| Floor::of_lookup(w, shift, zero_bits, backend.floors));
        let full_domain =
            full_domain_offset(table).filter(|_| reads_full_domain(backend.rounding, shift, zero_bits, table));
        let centred = !exact;
        let (offset, entries) = match full_domain {
            // A table that minus c is negacyclic ([`full_domain_offset`]) is read over the whole torus: doubling y
            // puts its W bits on all of it (the padding bit included), and 2^63 moves index 0 to the middle, so
            // index j of the 2^q entries falls in box j of the full torus. A bootstrap of the 2^(q−1) entries
            // table[i] − c reads table[j] − c below half the torus and −(table[j − 2^(q−1)] − c) = table[j] − c
            // above it; c is added after. The boxes are as wide as those of a 2^(q−1)-entry table with a padding
            // bit. Centred as below, twice as far (the value is doubled).
            Some(c) => {
                let centring = if centred { ((1u64 << shift) - 1) * delta(w) } else { 0 };
                let entries = table[..table.len() / 2].iter().map(|&t| encode(t.wrapping_sub(c), out)).collect();
                ((1u64 << 63).wrapping_sub(centring), entries)
            }
            // `table[floor(y / 2^s) + 2^(W − s − 1)]`: the plaintext 2^62 (= 2^(W−1)·Δ_W) makes the value unsigned,
            // its index box starting at phase 0; centring subtracts (2^s − 1)·Δ_W / 2 so that the 2^s values of one
            // box sit symmetrically about its centre. An exact floor leaves a multiple of 2^s plus a rest of at most
            // `rest_bound` (its sign-only chunks'): half of that bound centres it, a quarter box inside each edge.
            None => {
                let centring = match floor {
                    _ if centred => ((1u64 << shift) - 1) * (delta(w) / 2),
                    Some(floor) => floor.rest_bound() * (delta(w) / 2),
                    None => 0,
                };
                ((1u64 << 62).wrapping_sub(centring), table.iter().map(|&t| encode(t, out)).collect())
            }
        };
        // A full-domain table of an exact read needs no floor: its multiples of 2^s are read at their boxes' middles.
        let floor = floor.filter(|_| full_domain.is_none());
        Ok(PreparedLookup { w, floor, full_domain, partition, offset, entries, out })
    }
}

impl LweBackend {
    /// `lookup` of each element of `elements`, its bootstraps as one batch: each element checked, floored or
    /// doubled as the lookup needs, then read.
    fn lookups(&self, elements: &[LweValue], lookup: &PreparedLookup) -> Vec<ElemResult<LweValue>> {
        let checked = elements.iter().map(|a| match a.bits == lookup.w {
            true => Ok(a),
            false => Err(ElemError::Unsupported(format!("the operand is encoded at i{}, not i{}", a.bits, lookup.w))),
        });
        let prepared: Vec<ElemResult<LweValue>> = match (lookup.full_domain, lookup.floor) {
            (Some(_), _) => checked
                .map(|a| {
                    let mut doubled = a?.clone();
                    lwe_ciphertext_cleartext_mul_assign(&mut doubled.ct, Cleartext(2));
                    Ok(doubled)
                })
                .collect(),
            (None, Some(floor)) => {
                let checked: Vec<ElemResult<&LweValue>> = checked.collect();
                let valid: Vec<LweValue> = checked.iter().flatten().map(|&a| a.clone()).collect();
                let mut floored = self.clear_low_bits(&valid, lookup.w, floor).into_iter();
                checked
                    .into_iter()
                    .map(|a| a.and_then(|_| floored.next().unwrap_or_else(|| Err(missing_result()))))
                    .collect()
            }
            (None, None) => checked.map(|a| a.cloned()).collect(),
        };
        let ready: Vec<&LweValue> = prepared.iter().filter_map(|p| p.as_ref().ok()).collect();
        let read = bootstrap::bootstrap_batch(&self.key, &ready, lookup.partition, lookup.offset, &lookup.entries);
        let mut read = match read {
            Ok(cts) => cts.into_iter(),
            Err(e) => return prepared.into_iter().map(|_| Err(ElemError::Unsupported(e.clone()))).collect(),
        };
        self.pbs.fetch_add(ready.len() as u64, Ordering::Relaxed);
        prepared
            .into_iter()
            .map(|p| {
                p?;
                let mut ct = read.next().ok_or_else(missing_result)?;
                if let Some(c) = lookup.full_domain {
                    lwe_ciphertext_plaintext_add_assign(&mut ct, Plaintext(encode(c, lookup.out)));
                }
                Ok(LweValue { ct, bits: lookup.out, key: Some(lookup.partition) })
            })
            .collect()
    }
}

impl Primitives for LweBackend {
    type Ct = LweValue;

    /// Leveled: every row is `constant·Δ_out + Σ c·2^(b − out)·x` over inputs encoded at b ≥ out bits (the
    /// multiplier re-encodes a wider input exactly, the compiler guaranteeing that its value fits `out`).
    fn linear(&self, inputs: &[&LweValue], map: &LinearMap, out: Width) -> Vec<ElemResult<LweValue>> {
        let out = match check_bits(out) {
            Ok(bits) => bits,
            Err(e) => return map.rows.iter().map(|_| Err(e.clone())).collect(),
        };
        map.rows.par_iter().map(|row| self.row(inputs, row, out)).collect()
    }

    fn mul(&self, _: &LweValue, _: &LweValue, _: Width) -> ElemResult<LweValue> {
        Err(unsupported("mul"))
    }

    fn square(&self, _: &LweValue, _: Width) -> ElemResult<LweValue> {
        Err(unsupported("square"))
    }

    /// Exact in both roundings: the low `shift` bits cleared chunk by chunk (at most `chunk` bits each, two
    /// bootstraps), and the multiple of 2^shift left at Δ_W is the quotient at Δ_(W − shift): the same ciphertext.
    /// So the result is encoded at exactly `shift` bits fewer than the operand (the compiler encodes them so).
    fn rescale(&self, a: &LweValue, shift: u32, chunk: Option<u32>, out: Width) -> ElemResult<LweValue> {
        self.rescale_all(std::slice::from_ref(a), shift, chunk, out).pop().unwrap_or_else(|| Err(missing_result()))
    }

    /// An exact floor of every element: as many chunks as rayon has threads, each one batch per bootstrap step.
    fn rescale_all(
        &self,
        elements: &[LweValue],
        shift: u32,
        chunk: Option<u32>,
        out: Width,
    ) -> Vec<ElemResult<LweValue>> {
        let out = match check_bits(out) {
            Ok(out) => out,
            Err(e) => return elements.iter().map(|_| Err(e.clone())).collect(),
        };
        let Some(chunk) = chunk else {
            return elements.iter().map(|_| Err(unsupported("a rescale without a chunk size"))).collect();
        };
        let floor = Floor::of_rescale(shift, chunk);
        let size = elements.len().div_ceil(rayon::current_num_threads().max(1)).max(1);
        let chunks: Vec<Vec<ElemResult<LweValue>>> = elements
            .par_chunks(size)
            .map(|part| {
                // Elements of one encoding are floored together (a tensor's are).
                let bits = part.first().map_or(0, |a| a.bits);
                if part.iter().any(|a| a.bits != bits) || bits.checked_sub(shift) != Some(out) {
                    return part
                        .iter()
                        .map(|a| {
                            Err(ElemError::Unsupported(format!(
                                "a rescale by {shift} of an input encoded at i{} is encoded at i{}, not i{out}",
                                a.bits,
                                a.bits.saturating_sub(shift)
                            )))
                        })
                        .collect();
                }
                let floored = self.clear_low_bits(part, bits, floor);
                floored.into_iter().map(|z| z.map(|z| LweValue { bits: out, ..z })).collect()
            })
            .collect();
        chunks.into_iter().flatten().collect()
    }

    fn trivial(&self, value: i64, out: Width) -> ElemResult<LweValue> {
        let bits = check_bits(out)?;
        Ok(LweValue { ct: self.trivial_ct(None, encode(value, bits))?, bits, key: None })
    }

    fn relu(&self, _: &LweValue, _: Width) -> ElemResult<LweValue> {
        Err(unsupported("relu"))
    }

    fn max(&self, _: &LweValue, _: &LweValue, _: Width) -> ElemResult<LweValue> {
        Err(unsupported("max"))
    }

    fn clamp(&self, _: &LweValue, _: i64, _: i64, _: Width) -> ElemResult<LweValue> {
        Err(ElemError::Unsupported(
            "the lut model runs a clamp as two tables and a difference (he-to-rt expands it)".into(),
        ))
    }

    /// One bootstrap at the value's box (centred), or with [`Rounding::Exact`] and a shift s > 0, the low bits
    /// (those above `zero_bits`) cleared chunk by chunk and one bootstrap at the exact multiple of 2^s.
    fn lut(&self, a: &LweValue, lookup: &Lookup) -> ElemResult<LweValue> {
        let prepared = PreparedLookup::new(self, lookup)?;
        self.lookups(std::slice::from_ref(a), &prepared).pop().unwrap_or_else(|| Err(missing_result()))
    }

    /// [`Self::lut`] of every element: as many chunks as rayon has threads, each chunk's table bootstraps one
    /// batch (the bootstrap key read once for all of them).
    fn lut_all(&self, elements: &[LweValue], lookup: &Lookup) -> Vec<ElemResult<LweValue>> {
        let prepared = match PreparedLookup::new(self, lookup) {
            Ok(l) => l,
            Err(e) => return elements.iter().map(|_| Err(e.clone())).collect(),
        };
        let size = elements.len().div_ceil(rayon::current_num_threads().max(1)).max(1);
        let chunks: Vec<Vec<ElemResult<LweValue>>> =
            elements.par_chunks(size).map(|chunk| self.lookups(chunk, &prepared)).collect();
        chunks.into_iter().flatten().collect()
    }

    fn check_element(&self, a: &LweValue, width: Width) -> Result<(), String> {
        let dimension = a.ct.lwe_size().to_lwe_dimension().0;
        if a.bits != width.bits() {
            return Err(format!("a ciphertext encoded at i{} where {width} is expected", a.bits));
        }
        let expected = match a.key {
            None => Some(0),
            Some(p) => self.key.big_lwe_dimension(p),
        };
        match expected {
            Some(d) if d == dimension => Ok(()),
            Some(d) => Err(format!("a ciphertext of LWE dimension {dimension}, not the server key's {d}")),
            None => {
                Err(format!("a ciphertext of partition {}, which the server key does not have", a.key.unwrap_or(0)))
            }
        }
    }
}
