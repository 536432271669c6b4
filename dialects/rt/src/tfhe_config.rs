//! The lookup-table model's crypto configuration as the IR records it: the module attribute
//! `rt.tfhe = {lwe_dimension = 862, glwe_dimension = 1, polynomial_size = 2048, ..., rounding = "exact",
//! p_fail = 3.1e-10, pbs = 96}` that `--tfhe-params` writes and the runtime reads, so a compiled program says
//! exactly what it runs with. With per-partition parameters the flat entries are partition 0's (the inputs'),
//! `partitions = [{lwe_dimension = ..., ...}, ...]` holds partitions 1.., `routes = [[0, 0], [0, 1], ...]` the
//! keyswitch keys (source, partition), and each `@lut` call names its bootstrap's partition (`partition = 1`).

use veil_ir::{AttrKind, Module};
pub use veil_params::{LutKeyset, LutParams, MAX_PARTITIONS};

/// The module attribute.
pub const ATTR: &str = "rt.tfhe";

/// How a table's input is rounded to its index bits when the table drops low bits (`shift > 0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// Bit-exact `floor(x / 2^shift)`: the dropped bits are cleared in chunks of up to p + 1 bits (p the table's
    /// index bits), lowest first, two bootstraps each, or where [`LookupFloors::Signs`] takes fewer, in chunks of p
    /// bits, one each and one more ([`Floor`]); then the table is read.
    Exact,
    /// One bootstrap whose modulus switch drops the low bits: the index is off by at most one near the edges.
    Approximate,
}

impl Rounding {
    pub fn parse(s: &str) -> Result<Rounding, String> {
        match s {
            "exact" => Ok(Rounding::Exact),
            "approximate" => Ok(Rounding::Approximate),
            other => Err(format!("rounding '{other}' is not one of: exact, approximate")),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Rounding::Exact => "exact",
            Rounding::Approximate => "approximate",
        }
    }

    /// Bootstraps of one table lookup of a `width`-bit input that drops `shift` bits, the lowest `zero_bits` of
    /// them known to be zero.
    pub fn pbs_per_lookup(self, width: u32, shift: u32, zero_bits: u32, floors: LookupFloors) -> u64 {
        self.lookup_bootstraps(&Floor::of_lookup(width, shift, zero_bits, floors))
    }

    /// Bootstraps of one table lookup whose exact floor would be `floor`.
    pub fn lookup_bootstraps(self, floor: &Floor) -> u64 {
        match self {
            Rounding::Exact => floor.bootstraps() + 1,
            Rounding::Approximate => 1,
        }
    }
}

/// How an exact lookup's floor clears the dropped bits ([`Floor::of_lookup`]). tfhe-params estimates the program
/// both ways and keeps the faster; `rt.tfhe` records `floors = "signs"` when that is the sign tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LookupFloors {
    /// Chunks of up to p + 1 bits, each cleared by a sign test and a table: two bootstraps per chunk.
    #[default]
    Cleared,
    /// Where that takes fewer bootstraps, chunks of p bits cleared by sign tests only but the last
    /// ([`ChunkForm::SignOnly`]): one bootstrap per chunk and one more, but reads that need more of the noise.
    Signs,
}

impl LookupFloors {
    pub fn parse(s: &str) -> Result<LookupFloors, String> {
        match s {
            "cleared" => Ok(LookupFloors::Cleared),
            "signs" => Ok(LookupFloors::Signs),
            other => Err(format!("floors '{other}' is not one of: cleared, signs")),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            LookupFloors::Cleared => "cleared",
            LookupFloors::Signs => "signs",
        }
    }
}

/// The parameters' sizes and decompositions, `n = 880, k = 1, N = 2048, PBS 2^15 x 2, keyswitch 2^4 x 4`: how
/// `veil run` and the key files name a parameter set.
pub fn describe_sizes(p: &LutParams) -> String {
    format!(
        "n = {}, k = {}, N = {}, PBS 2^{} x {}, keyswitch 2^{} x {}",
        p.lwe_dimension, p.glwe_dimension, p.polynomial_size, p.pbs_base_log, p.pbs_level, p.ks_base_log, p.ks_level
    )
}

/// A keyset's sizes: its one set as [`describe_sizes`], or each partition's and the keyswitch routes
/// (`partition 0: n = ...; partition 1: ...; keyswitches 0->0, 0->1`).
pub fn describe_keyset(k: &LutKeyset) -> String {
    describe_keyset_with(k, describe_sizes)
}

/// A keyset in words, each parameter set as `describe` writes it.
pub fn describe_keyset_with(k: &LutKeyset, describe: impl Fn(&LutParams) -> String) -> String {
    match &k.partitions[..] {
        [single] if k.routes == [(0, 0)] => describe(single),
        partitions => {
            let sets: Vec<String> =
                partitions.iter().enumerate().map(|(i, p)| format!("partition {i}: {}", describe(p))).collect();
            let routes: Vec<String> = k.routes.iter().map(|(q, p)| format!("{q}->{p}")).collect();
            format!("{}; keyswitches {}", sets.join("; "), routes.join(", "))
        }
    }
}

/// When `table` minus a constant c is negacyclic (`table[i] + table[i + half] = 2c` for every i < half, half its
/// length over two), c: a bootstrap then reads it over the whole torus, without a padding bit, so a table of 2^q
/// entries needs the precision of one of 2^(q−1) with padding (`|x|` is one; see he-abs-relu). Only for lookups
/// that read a box rather than an exact value: approximate rounding, or no dropped bits.
pub fn full_domain_offset(table: &[i64]) -> Option<i64> {
    let half = table.len() / 2;
    if half == 0 || !table.len().is_power_of_two() {
        return None;
    }
    let sum = table[0].checked_add(table[half])?;
    let negacyclic = (0..half).all(|i| table[i].checked_add(table[i + half]) == Some(sum));
    (negacyclic && sum % 2 == 0).then_some(sum / 2)
}

/// Whether a lookup of `table` that drops `shift` bits, the lowest `zero_bits` of them known to be zero, reads it
/// over the whole torus ([`full_domain_offset`]): with approximate rounding, or when the input is an exact multiple
/// of 2^shift.
pub fn reads_full_domain(rounding: Rounding, shift: u32, zero_bits: u32, table: &[i64]) -> bool {
    (rounding == Rounding::Approximate || shift <= zero_bits) && full_domain_offset(table).is_some()
}

/// How a chunk of an exact floor is cleared ([`ExactChunk`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChunkForm {
    /// A sign bootstrap reads the chunk's top bit and, when `size > 1`, a table bootstrap the `size − 1` bits
    /// under it: the whole chunk is cleared. Both need the noise margin of a (`size − 1`)-bit table.
    Cleared,
    /// As `Cleared`, but the sign bootstrap writes the top bit at the moved (top) scale, where it only cleans the
    /// table bootstrap's input, and the top bit itself stays in the input for the next chunk (or is the first bit
    /// kept): one bit fewer per chunk, but no bootstrap output is multiplied by 2^m before another bootstrap reads
    /// it. That pays when the input is encoded much wider than its value (a large m), as an exact rescale's is.
    SignAtTop,
    /// A sign bootstrap alone clears the chunk's top bit; the bits under it stay. The rests such chunks leave add
    /// up to less than half of the next chunk's lowest bit, so the next chunk is still read exactly, with half the
    /// margin: that of a `size`-bit table.
    SignOnly,
    /// As `Cleared`, above the rests of sign-only chunks: both bootstraps read with the margin of a `size`-bit
    /// table, and the rests stay (less than half of this chunk's lowest bit).
    ClearedOverRests,
}

/// One step of an exact floor: the bits `low..low + size` of the input (those below cleared, or, above sign-only
/// chunks, less than half of this chunk's lowest bit) are moved to the top of the torus and cleared as `form`
/// says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExactChunk {
    pub low: u32,
    pub size: u32,
    pub form: ChunkForm,
}

impl ExactChunk {
    /// The bits this chunk handles: the next chunk starts above them.
    pub fn clears(&self) -> u32 {
        match self.form {
            ChunkForm::SignAtTop => self.size - 1,
            ChunkForm::Cleared | ChunkForm::SignOnly | ChunkForm::ClearedOverRests => self.size,
        }
    }

    /// The precision (message bits) whose noise margin the chunk's bootstraps need: half of one of this chunk's
    /// steps when the bits below are cleared, a quarter when rests of sign-only chunks may take the other half.
    pub fn precision(&self) -> u32 {
        match self.form {
            ChunkForm::Cleared | ChunkForm::SignAtTop => self.size - 1,
            ChunkForm::SignOnly | ChunkForm::ClearedOverRests => self.size,
        }
    }

    /// Whether a table bootstrap reads the bits under the sign.
    pub fn reads_rest(&self) -> bool {
        self.form != ChunkForm::SignOnly && self.size > 1
    }

    pub fn bootstraps(&self) -> u64 {
        1 + u64::from(self.reads_rest())
    }

    /// The multiplier 2^m that puts the chunk's top bit on a `width`-bit encoding's padding bit.
    pub fn multiplier_log2(&self, width: u32) -> u32 {
        width + 1 - self.low - self.size
    }
}

/// Who reads an exact floor's result, which decides how its chunks clear ([`ChunkForm`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloorOf {
    /// A table's index: classic chunks of p + 1 bits, or with [`LookupFloors::Signs`] where that takes fewer
    /// bootstraps, chunks of p bits (the remainder lowest), sign-only but the last
    /// ([`ChunkForm::ClearedOverRests`]): one bootstrap per chunk and one more, instead of two per chunk. The rests
    /// left take a sliver of the table's box ([`Floor::margin`]).
    Lookup(LookupFloors),
    /// An exact rescale: its result is the quotient itself, so every bit is cleared, the first chunk's sign at
    /// the top ([`ChunkForm::SignAtTop`]): its multiplier is the largest, while every later chunk's multiplies
    /// the outputs of the chunks before it anyway.
    Rescale,
}

/// What an exact floor `floor(x / 2^shift)` clears: bits `zero_bits..shift` of the input (the `zero_bits` below are
/// known to be zero: an input re-encoded by a left shift). `most` bounds the chunks: a rescale's chunk bits; for a
/// lookup the table's index bits p (classic chunks of p + 1 bits, sign-test chunks of p).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Floor {
    pub shift: u32,
    pub zero_bits: u32,
    pub most: u32,
    pub of: FloorOf,
}

impl Floor {
    /// A table lookup's floor of a `width`-bit input, `most` the table's index bits p = width − shift: chunks that
    /// need no more precision from the parameters than the table does.
    pub fn of_lookup(width: u32, shift: u32, zero_bits: u32, floors: LookupFloors) -> Floor {
        Floor { shift, zero_bits, most: width.saturating_sub(shift), of: FloorOf::Lookup(floors) }
    }

    /// An exact rescale's floor: chunks of at most `most` bits, the first with its sign at the top.
    pub fn of_rescale(shift: u32, most: u32) -> Floor {
        Floor { shift, zero_bits: 0, most, of: FloorOf::Rescale }
    }

    /// The chunks, lowest first. With the sign at the top, a chunk may reach one bit above the floor (its top bit
    /// is read, not cleared).
    pub fn chunks(&self) -> Vec<ExactChunk> {
        let most = self.most.max(1);
        let cleared = self.cleared_chunks(if matches!(self.of, FloorOf::Lookup(_)) { most + 1 } else { most });
        if self.of != FloorOf::Lookup(LookupFloors::Signs) {
            return cleared;
        }
        // Sign tests where they take fewer bootstraps: their reads need more of the noise (over rests).
        let signs = self.sign_chunks(most);
        let bootstraps = |chunks: &[ExactChunk]| chunks.iter().map(ExactChunk::bootstraps).sum::<u64>();
        if bootstraps(&signs) < bootstraps(&cleared) {
            signs
        } else {
            cleared
        }
    }

    /// Chunks of at most `most` bits, each cleared (an exact rescale's first with its sign at the top).
    fn cleared_chunks(&self, most: u32) -> Vec<ExactChunk> {
        let mut chunks = vec![];
        let mut low = self.zero_bits;
        while low < self.shift {
            let remaining = self.shift - low;
            let chunk = match self.of {
                FloorOf::Rescale if chunks.is_empty() && remaining >= 2 && most >= 2 => {
                    ExactChunk { low, size: most.min(remaining + 1), form: ChunkForm::SignAtTop }
                }
                _ => ExactChunk { low, size: most.min(remaining), form: ChunkForm::Cleared },
            };
            chunks.push(chunk);
            low += chunk.clears();
        }
        chunks
    }

    /// Chunks of `most` bits (the remainder lowest), sign tests only but the last.
    fn sign_chunks(&self, most: u32) -> Vec<ExactChunk> {
        let bits = self.shift.saturating_sub(self.zero_bits);
        let count = bits.div_ceil(most);
        let mut low = self.zero_bits;
        (0..count)
            .map(|i| {
                let size = if i == 0 { bits - (count - 1) * most } else { most };
                let form = if i + 1 == count { ChunkForm::ClearedOverRests } else { ChunkForm::SignOnly };
                let chunk = ExactChunk { low, size, form };
                low += size;
                chunk
            })
            .collect()
    }

    /// The bootstraps of all chunks.
    pub fn bootstraps(&self) -> u64 {
        self.chunks().iter().map(ExactChunk::bootstraps).sum()
    }

    /// The most the chunks leave under the quotient, in units of the input: the rests of sign-only chunks, each
    /// below its chunk's top bit, together less than half of the last chunk's lowest bit; 0 when every chunk
    /// clears its bits.
    pub fn rest_bound(&self) -> u64 {
        let chunks = self.chunks();
        match chunks.last() {
            Some(last) if last.form == ChunkForm::ClearedOverRests => {
                (1u64 << (last.low - 1)) - (1u64 << self.zero_bits)
            }
            _ => 0,
        }
    }

    /// The share of half a box of the quotient that the rests leave to the noise: 1 − rest_bound / 2^shift when
    /// the read centres them (the table's constraint carries it).
    pub fn margin(&self) -> f64 {
        1.0 - self.rest_bound() as f64 / (self.shift as f64).exp2()
    }
}

/// Everything `rt.tfhe` holds.
#[derive(Clone, Debug, PartialEq)]
pub struct TfheConfig {
    pub keyset: LutKeyset,
    pub rounding: Rounding,
    /// The bound on each bootstrap's and decryption's failure probability the parameters were chosen for.
    pub p_fail_bound: f64,
    /// The probability of any wrong bootstrap or decryption in one run of the program (from the noise achieved).
    pub p_fail: f64,
    /// Bootstraps per run.
    pub pbs: u64,
    /// Estimated microseconds of one keyswitch + bootstrap on one core (the mean over the program's bootstraps).
    pub pbs_us: f64,
    /// With approximate rounding, the fraction bits each result is decrypted to when fewer than its own: the bits
    /// below are left to the noise (`decrypt_frac`, recorded only when set; otherwise the activations' fraction
    /// bits, `veil.precision`).
    pub decrypt_frac: Option<i32>,
    /// How exact lookups clear their dropped bits (`floors`, recorded only when not the default).
    pub floors: LookupFloors,
}

/// The attribute of an `@lut` call that names its bootstrap's partition (absent: partition 0).
pub const PARTITION_ATTR: &str = "partition";

const INTS: [&str; 7] =
    ["lwe_dimension", "glwe_dimension", "polynomial_size", "pbs_base_log", "pbs_level", "ks_base_log", "ks_level"];

/// One parameter set's entries.
fn params_entries(m: &mut Module, p: &LutParams) -> Vec<(String, veil_ir::Attr)> {
    let ints = [p.lwe_dimension, p.glwe_dimension, p.polynomial_size, p.pbs_base_log, p.pbs_level, p.ks_base_log];
    let mut entries: Vec<(String, veil_ir::Attr)> = INTS
        .iter()
        .zip(ints.iter().chain([&p.ks_level]))
        .map(|(n, &v)| (n.to_string(), m.int_attr(v as i64)))
        .collect();
    entries.push(("lwe_noise_std".into(), m.float_attr(p.lwe_noise_std)));
    entries.push(("glwe_noise_std".into(), m.float_attr(p.glwe_noise_std)));
    entries
}

/// Reads a dictionary's entries by name, each with a clear error.
struct Entries<'a> {
    m: &'a Module,
    entries: &'a [(String, veil_ir::Attr)],
    what: String,
}

impl Entries<'_> {
    fn find(&self, k: &str) -> Option<veil_ir::Attr> {
        self.entries.iter().find(|(n, _)| n == k).map(|(_, a)| *a)
    }

    fn get(&self, k: &str) -> Result<veil_ir::Attr, String> {
        self.find(k).ok_or_else(|| format!("{} lacks '{k}'", self.what))
    }

    fn int(&self, k: &str) -> Result<usize, String> {
        let v = self.m.attr_as_int(self.get(k)?).ok_or_else(|| format!("{}: '{k}' must be an integer", self.what))?;
        usize::try_from(v).ok().filter(|&v| v > 0).ok_or_else(|| format!("{}: '{k}' = {v} must be positive", self.what))
    }

    fn float(&self, k: &str) -> Result<f64, String> {
        let v = self.m.attr_as_float(self.get(k)?).ok_or_else(|| format!("{}: '{k}' must be a float", self.what))?;
        (v.is_finite() && v >= 0.0)
            .then_some(v)
            .ok_or_else(|| format!("{}: '{k}' = {v} must be finite, >= 0", self.what))
    }

    fn params(&self) -> Result<LutParams, String> {
        let params = LutParams {
            lwe_dimension: self.int("lwe_dimension")?,
            glwe_dimension: self.int("glwe_dimension")?,
            polynomial_size: self.int("polynomial_size")?,
            lwe_noise_std: self.float("lwe_noise_std")?,
            glwe_noise_std: self.float("glwe_noise_std")?,
            pbs_base_log: self.int("pbs_base_log")?,
            pbs_level: self.int("pbs_level")?,
            ks_base_log: self.int("ks_base_log")?,
            ks_level: self.int("ks_level")?,
        };
        if !params.polynomial_size.is_power_of_two()
            || params.pbs_base_log.saturating_mul(params.pbs_level) > 64
            || params.big_lwe_dimension() > 1 << 16
            || params.lwe_dimension > 1 << 14
        {
            return Err(format!("{} holds impossible parameters: {params:?}", self.what));
        }
        let (base_log, level) = (params.ks_base_log, params.ks_level);
        if base_log.saturating_mul(level) > veil_params::KEYSWITCH_BITS {
            return Err(format!(
                "{}: the keyswitch decomposition 2^{base_log} × {level} needs more than the {} bits of the keyswitch's \
                 words (a program compiled before the keyswitch became 32-bit: compile it again)",
                self.what,
                veil_params::KEYSWITCH_BITS
            ));
        }
        Ok(params)
    }
}

impl TfheConfig {
    /// Records the configuration on the module.
    pub fn write(&self, m: &mut Module) {
        let mut entries = params_entries(m, self.keyset.inputs());
        if self.keyset.partitions.len() > 1 {
            let partitions = self.keyset.partitions[1..].to_vec();
            let dicts = partitions
                .iter()
                .map(|p| {
                    let entries = params_entries(m, p);
                    m.dict_attr(entries)
                })
                .collect();
            entries.push(("partitions".into(), m.array_attr(dicts)));
        }
        if self.keyset.routes != [(0, 0)] {
            let routes = self.keyset.routes.clone();
            let pairs = routes
                .iter()
                .map(|&(q, p)| {
                    let pair = vec![m.int_attr(q as i64), m.int_attr(p as i64)];
                    m.array_attr(pair)
                })
                .collect();
            entries.push(("routes".into(), m.array_attr(pairs)));
        }
        entries.push(("rounding".into(), m.string_attr(self.rounding.name())));
        entries.push(("p_fail_bound".into(), m.float_attr(self.p_fail_bound)));
        entries.push(("p_fail".into(), m.float_attr(self.p_fail)));
        entries.push(("pbs".into(), m.int_attr(self.pbs as i64)));
        entries.push(("pbs_us".into(), m.float_attr(self.pbs_us)));
        if let Some(frac) = self.decrypt_frac {
            entries.push(("decrypt_frac".into(), m.int_attr(i64::from(frac))));
        }
        if self.floors != LookupFloors::default() {
            entries.push(("floors".into(), m.string_attr(self.floors.name())));
        }
        let dict = m.dict_attr(entries);
        m.set_attr(m.top(), ATTR, dict);
    }

    /// The configuration recorded on the module: `None` without `rt.tfhe`, an error naming what is malformed.
    pub fn read(m: &Module) -> Result<Option<TfheConfig>, String> {
        let Some(a) = m.op(m.top()).attr(ATTR) else { return Ok(None) };
        let AttrKind::Dict(entries) = m.attr(a) else { return Err(format!("'{ATTR}' must be a dictionary")) };
        let top = Entries { m, entries, what: format!("'{ATTR}'") };
        let mut partitions = vec![top.params()?];
        if let Some(list) = top.find("partitions") {
            let AttrKind::Array(items) = m.attr(list) else {
                return Err(format!("'{ATTR}': 'partitions' must be an array"));
            };
            for (i, &item) in items.iter().enumerate() {
                let what = format!("'{ATTR}': partition {}", i + 1);
                let AttrKind::Dict(entries) = m.attr(item) else { return Err(format!("{what} must be a dictionary")) };
                partitions.push(Entries { m, entries, what }.params()?);
            }
        }
        let routes = match top.find("routes") {
            None => vec![(0, 0)],
            Some(list) => {
                let malformed = || format!("'{ATTR}': 'routes' must be an array of [source, partition] pairs");
                let AttrKind::Array(items) = m.attr(list) else { return Err(malformed()) };
                let pair = |item: veil_ir::Attr| -> Option<(usize, usize)> {
                    let AttrKind::Array(pair) = m.attr(item) else { return None };
                    let index = |a: &veil_ir::Attr| m.attr_as_int(*a).and_then(|v| usize::try_from(v).ok());
                    match pair.as_slice() {
                        [q, p] => Some((index(q)?, index(p)?)),
                        _ => None,
                    }
                };
                items.iter().map(|&item| pair(item).ok_or_else(malformed)).collect::<Result<_, _>>()?
            }
        };
        let keyset = LutKeyset { partitions, routes };
        keyset.check().map_err(|e| format!("'{ATTR}': {e}"))?;
        let rounding =
            m.attr_as_str(top.get("rounding")?).ok_or_else(|| format!("'{ATTR}': 'rounding' must be a string"))?;
        Ok(Some(TfheConfig {
            keyset,
            rounding: Rounding::parse(rounding)?,
            p_fail_bound: top.float("p_fail_bound")?,
            p_fail: top.float("p_fail")?,
            pbs: m
                .attr_as_int(top.get("pbs")?)
                .and_then(|v| u64::try_from(v).ok())
                .ok_or("'rt.tfhe': 'pbs' must be a count")?,
            pbs_us: top.float("pbs_us")?,
            decrypt_frac: match top.find("decrypt_frac") {
                None => None,
                Some(a) => Some(
                    m.attr_as_int(a)
                        .and_then(|v| i32::try_from(v).ok())
                        .filter(|v| v.abs() <= 64)
                        .ok_or("'rt.tfhe': 'decrypt_frac' must be an integer of at most 64 in magnitude")?,
                ),
            },
            floors: match top.find("floors") {
                None => LookupFloors::default(),
                Some(a) => LookupFloors::parse(m.attr_as_str(a).ok_or("'rt.tfhe': 'floors' must be a string")?)
                    .map_err(|e| format!("'{ATTR}': {e}"))?,
            },
        }))
    }
}

#[cfg(test)]
mod exact_chunk_tests {
    use super::*;

    const CLEARED: LookupFloors = LookupFloors::Cleared;
    const SIGNS: LookupFloors = LookupFloors::Signs;

    fn chunks(width: u32, shift: u32, floors: LookupFloors) -> Vec<(u32, u32, ChunkForm)> {
        Floor::of_lookup(width, shift, 0, floors).chunks().iter().map(|c| (c.low, c.size, c.form)).collect()
    }

    #[test]
    fn chunks_are_as_wide_as_the_table_allows_plus_one() {
        use ChunkForm::Cleared;
        // 14-bit accumulator, 4 index bits: two chunks of 5 bits, two bootstraps each, then the table.
        assert_eq!(chunks(14, 10, CLEARED), [(0, 5, Cleared), (5, 5, Cleared)]);
        assert_eq!(Rounding::Exact.pbs_per_lookup(14, 10, 0, CLEARED), 5);
        // A 1-bit remainder is a sign test alone.
        assert_eq!(chunks(12, 7, CLEARED), [(0, 6, Cleared), (6, 1, Cleared)]);
        assert_eq!(Rounding::Exact.pbs_per_lookup(12, 7, 0, CLEARED), 4);
        assert_eq!(chunks(6, 2, CLEARED), [(0, 2, Cleared)]);
        assert_eq!(chunks(8, 0, CLEARED), []);
        assert_eq!(Rounding::Exact.pbs_per_lookup(8, 0, 0, CLEARED), 1);
        assert_eq!(Rounding::Approximate.pbs_per_lookup(14, 10, 0, CLEARED), 1);
        // A chunk's top bit lands on the padding bit: bits 0..6 of an i12 times 2^7, bit 6 times 2^6.
        let [a, b] = Floor::of_lookup(12, 7, 0, CLEARED).chunks()[..] else { panic!("two chunks") };
        assert_eq!((a.multiplier_log2(12), b.multiplier_log2(12)), (7, 6));
        // Every chunk cleared: nothing stays under the quotient.
        assert_eq!(Floor::of_lookup(14, 10, 0, CLEARED).rest_bound(), 0);
        assert_eq!(Floor::of_lookup(14, 10, 0, CLEARED).margin(), 1.0);
    }

    #[test]
    fn sign_tests_take_one_bootstrap_per_chunk_and_one_more() {
        use ChunkForm::{ClearedOverRests, SignOnly};
        // 11 dropped bits, 4 index bits: chunks of 4 bits (the remainder of 3 lowest), sign tests but the last,
        // 5 bootstraps against 6 (chunks of 5, 5 and 1 bits).
        assert_eq!(chunks(15, 11, SIGNS), [(0, 3, SignOnly), (3, 4, SignOnly), (7, 4, ClearedOverRests)]);
        assert_eq!(Rounding::Exact.pbs_per_lookup(15, 11, 0, SIGNS), 5);
        assert_eq!(Rounding::Exact.pbs_per_lookup(15, 11, 0, CLEARED), 6);
        // 9 dropped bits, 5 index bits: 4 bootstraps against the classic 5.
        assert_eq!(chunks(14, 9, SIGNS), [(0, 4, SignOnly), (4, 5, ClearedOverRests)]);
        assert_eq!(Rounding::Exact.pbs_per_lookup(14, 9, 0, SIGNS), 4);
        assert_eq!(Rounding::Exact.pbs_per_lookup(14, 9, 0, CLEARED), 5);
        // Where they would take as many bootstraps as the classic chunks, the classic ones stay (their reads need
        // less of the noise): 7 bits at 5 index bits, 10 at 4.
        assert_eq!(chunks(12, 7, SIGNS), chunks(12, 7, CLEARED));
        assert_eq!(chunks(14, 10, SIGNS), chunks(14, 10, CLEARED));
        // The rests: below half of the last chunk's lowest bit (2^3 − 1), a sliver of the quotient's box of 2^9.
        let floor = Floor::of_lookup(14, 9, 0, SIGNS);
        assert_eq!(floor.rest_bound(), (1 << 3) - 1);
        assert_eq!(floor.margin(), 1.0 - 7.0 / 512.0);
        // Sign tests over rests need the margin of a chunk-wide table, a classic chunk's one bit less.
        let [first, last] = floor.chunks()[..] else { panic!("two chunks") };
        assert_eq!((first.precision(), last.precision(), first.bootstraps(), last.bootstraps()), (4, 5, 1, 2));
        assert_eq!(Floor::of_lookup(14, 9, 0, CLEARED).chunks()[0].precision(), 5);
    }

    #[test]
    fn known_zero_bits_are_not_cleared() {
        // An i14 whose 6 low bits are zero (an i8 shifted left by 6), read with 4 index bits: only bits 6..10.
        let floor = Floor::of_lookup(14, 10, 6, CLEARED);
        assert_eq!(floor.chunks(), [ExactChunk { low: 6, size: 4, form: ChunkForm::Cleared }]);
        assert_eq!(Rounding::Exact.pbs_per_lookup(14, 10, 6, CLEARED), 3);
        // Every dropped bit known zero: the table alone.
        assert_eq!(Rounding::Exact.pbs_per_lookup(14, 10, 10, SIGNS), 1);
        // Sign tests start above the zero bits; their rests count from there: bits 1..12 of an i16.
        let floor = Floor::of_lookup(16, 12, 1, SIGNS);
        assert_eq!(floor.chunks().iter().map(|c| (c.low, c.size)).collect::<Vec<_>>(), [(1, 3), (4, 4), (8, 4)]);
        assert_eq!(floor.rest_bound(), (1 << 7) - (1 << 1));
        // A floor with its own chunk bound: 9 bits in chunks of 4.
        let floor = Floor { shift: 9, zero_bits: 0, most: 3, of: FloorOf::Lookup(CLEARED) };
        assert_eq!(floor.chunks().iter().map(|c| (c.low, c.size)).collect::<Vec<_>>(), [(0, 4), (4, 4), (8, 1)]);
        assert_eq!(floor.bootstraps(), 5);
    }

    #[test]
    fn a_sign_at_the_top_clears_one_bit_fewer_per_chunk() {
        let at_top = |shift, most| -> Vec<(u32, u32, bool)> {
            let chunks = Floor::of_rescale(shift, most).chunks();
            chunks.iter().map(|c| (c.low, c.size, c.form == ChunkForm::SignAtTop)).collect()
        };
        // 9 bits in chunks of 5: bits 0..5 clear 0..4 (bit 4 stays), then bits 4..9 all five.
        assert_eq!(at_top(9, 5), [(0, 5, true), (4, 5, false)]);
        assert_eq!(Floor::of_rescale(9, 5).bootstraps(), 4);
        assert_eq!(at_top(12, 5), [(0, 5, true), (4, 5, false), (9, 3, false)]);
        // 2 bits in chunks of 5: one chunk of 3 whose top bit is the first kept.
        assert_eq!(at_top(2, 5), [(0, 3, true)]);
        assert_eq!(at_top(1, 5), [(0, 1, false)]);
        // A rescale's result is the quotient itself: nothing may stay under it.
        assert_eq!(Floor::of_rescale(9, 5).rest_bound(), 0);
    }

    #[test]
    fn tables_negacyclic_up_to_a_constant_read_the_full_domain() {
        // |x| over i3 (entries for x = -4..3): i and i + 4 sum to 4.
        assert_eq!(full_domain_offset(&[4, 3, 2, 1, 0, 1, 2, 3]), Some(2));
        assert!(reads_full_domain(Rounding::Approximate, 3, 0, &[4, 3, 2, 1, 0, 1, 2, 3]));
        assert!(reads_full_domain(Rounding::Exact, 0, 0, &[4, 3, 2, 1, 0, 1, 2, 3]));
        assert!(!reads_full_domain(Rounding::Exact, 3, 0, &[4, 3, 2, 1, 0, 1, 2, 3]), "an exact floor reads a value");
        assert!(reads_full_domain(Rounding::Exact, 3, 3, &[4, 3, 2, 1, 0, 1, 2, 3]), "a multiple of 2^3 is exact");
        assert_eq!(full_domain_offset(&[0, 0, 0, 1]), None, "relu");
        assert_eq!(full_domain_offset(&[1, 0, 0, 1]), None, "an odd sum has no integer offset");
        assert_eq!(full_domain_offset(&[5]), None);
    }
}

#[cfg(test)]
mod keyset_tests {
    use super::*;

    fn params(n: usize, big_n: usize) -> LutParams {
        LutParams {
            lwe_dimension: n,
            glwe_dimension: 1,
            polynomial_size: big_n,
            lwe_noise_std: 1e-6,
            glwe_noise_std: 1e-15,
            pbs_base_log: 15,
            pbs_level: 2,
            ks_base_log: 3,
            ks_level: 5,
        }
    }

    fn module(text: &str) -> Module {
        let mut registry = veil_ir::Registry::new();
        registry.register(&crate::DIALECT);
        veil_ir::parse("t.mlir", text, &registry).expect("a module")
    }

    fn config(keyset: LutKeyset) -> TfheConfig {
        TfheConfig {
            keyset,
            rounding: Rounding::Approximate,
            p_fail_bound: 1e-12,
            p_fail: 1e-10,
            pbs: 3,
            pbs_us: 5e4,
            decrypt_frac: None,
            floors: LookupFloors::Cleared,
        }
    }

    #[test]
    fn keysets_round_trip_through_the_attribute() {
        let single = config(LutKeyset::single(params(800, 2048)));
        let partitioned = config(LutKeyset {
            partitions: vec![params(800, 2048), params(840, 4096), params(700, 1024)],
            routes: vec![(0, 0), (0, 1), (1, 2)],
        });
        for c in [single, partitioned] {
            let mut m = module("module {\n}\n");
            c.write(&mut m);
            let text = veil_ir::print_module(&m);
            assert_eq!(c.keyset.partitions.len() > 1, text.contains("partitions = ["), "{text}");
            assert_eq!(TfheConfig::read(&module(&text)).unwrap(), Some(c));
        }
    }

    #[test]
    fn sign_test_floors_are_recorded_and_checked() {
        let signs = TfheConfig { floors: LookupFloors::Signs, ..config(LutKeyset::single(params(800, 2048))) };
        let mut m = module("module {\n}\n");
        signs.write(&mut m);
        let text = veil_ir::print_module(&m);
        assert!(text.contains("floors = \"signs\""), "{text}");
        assert_eq!(TfheConfig::read(&module(&text)).unwrap(), Some(signs));
        // The default is not written, and a program without the entry reads as the default.
        let cleared = config(LutKeyset::single(params(800, 2048)));
        let mut m = module("module {\n}\n");
        cleared.write(&mut m);
        assert!(!veil_ir::print_module(&m).contains("floors"));
        let error = TfheConfig::read(&module(&text.replacen("\"signs\"", "\"halves\"", 1))).unwrap_err();
        assert_eq!(error, "'rt.tfhe': floors 'halves' is not one of: cleared, signs");
    }

    #[test]
    fn malformed_keysets_are_named() {
        let mut m = module("module {\n}\n");
        config(LutKeyset { partitions: vec![params(800, 2048), params(840, 4096)], routes: vec![(0, 0), (0, 1)] })
            .write(&mut m);
        let text = veil_ir::print_module(&m);
        let cases = [
            ("routes = [[0, 0], [0, 1]]", "routes = [[0, 0], [0, 2]]", "a keyswitch from partition 0 to 2, of 2"),
            (
                "routes = [[0, 0], [0, 1]]",
                "routes = [[0, 1], [0, 0]]",
                "the keyswitch routes are not sorted and distinct",
            ),
            (
                "routes = [[0, 0], [0, 1]]",
                "routes = [[0, 0], [0]]",
                "'routes' must be an array of [source, partition] pairs",
            ),
            ("pbs_level = 2, polynomial_size = 4096", "polynomial_size = 4096", "partition 1 lacks 'pbs_level'"),
            ("partitions = [{", "partitions = [7, {", "partition 1 must be a dictionary"),
            // The keyswitch writes 32-bit words: its decomposition cannot take 33 bits.
            (
                "ks_base_log = 3, ks_level = 5",
                "ks_base_log = 3, ks_level = 11",
                "the keyswitch decomposition 2^3 × 11 needs more than the 32 bits",
            ),
            ("pbs_base_log = 15, pbs_level = 2", "pbs_base_log = 15, pbs_level = 5", "holds impossible parameters"),
        ];
        for (from, to, expected) in cases {
            assert!(text.contains(from), "{from} not in {text}");
            let error = TfheConfig::read(&module(&text.replacen(from, to, 1))).unwrap_err();
            assert!(error.contains(expected), "{to}: {error}");
        }
    }
}
