//! The tfhe backend: rt kernels on TFHE-rs signed radix ciphertexts (2-bit message blocks, 2-bit carries), computed
//! with the fewest programmable bootstraps (PBS) we know: block shifts and leveled operations wherever exact, one
//! carry propagation per output element of a linear map, and hand-built lookup tables for relu and rescale.

mod linear;

use crate::backend::{ElemError, ElemResult, Lookup, Primitives};
use crate::linear::LinearMap;
use crate::width::{Width, BITS_PER_BLOCK};
use rayon::prelude::*;
use tfhe::integer::{IntegerCiphertext, IntegerRadixCiphertext, RadixCiphertext, ServerKey, SignedRadixCiphertext};
use tfhe::shortint::server_key::{BivariateLookupTableOwned, LookupTableOwned};
use tfhe::shortint::Ciphertext;
use veil_rt::radix::{square_plan, Half, SquareTerm};

/// The message bits of a block (its value without carries).
const MESSAGE_MASK: u64 = (1 << BITS_PER_BLOCK) - 1;

/// Largest lut input width: a table over i16 has 65536 entries, and tfhe's match costs grow with it.
pub const MAX_LUT_INPUT_BITS: u32 = 16;

/// Number of PBS that tfhe has run in this process (all threads), from tfhe's `pbs-stats` counter.
pub fn pbs_count() -> u64 {
    tfhe::get_pbs_count()
}

pub fn reset_pbs_count() {
    tfhe::reset_pbs_count()
}

/// Lookup tables built once per server key.
struct Tables {
    /// Top block -> 1 when the radix is negative (the sign bit is the block's high bit).
    is_negative: LookupTableOwned,
    /// (is_negative, block) -> 0 or block.
    zero_if_negative: BivariateLookupTableOwned,
    /// Block -> block with its high bit flipped: the top block of a linear map input's unsigned form.
    flip_high_bit: LookupTableOwned,
    /// Block b -> the low and high halves of b² (a square's diagonal products).
    square_low: LookupTableOwned,
    square_high: LookupTableOwned,
    /// Blocks (a, b) -> the low and high halves of a·b (a square's cross products).
    product_low: BivariateLookupTableOwned,
    product_high: BivariateLookupTableOwned,
}

/// Evaluates rt kernels on ciphertexts with a server key. Elements are `SignedRadixCiphertext`s whose block count
/// is the element width / 2.
pub struct TfheBackend {
    sks: ServerKey,
    tables: Tables,
}

impl TfheBackend {
    pub fn new(sks: ServerKey) -> TfheBackend {
        let key: &tfhe::shortint::ServerKey = sks.as_ref();
        let sign_bit = BITS_PER_BLOCK as u64 - 1;
        let tables = Tables {
            is_negative: key.generate_lookup_table(|b| (b >> sign_bit) & 1),
            zero_if_negative: key.generate_lookup_table_bivariate(|neg, b| if neg == 1 { 0 } else { b }),
            flip_high_bit: key.generate_lookup_table(|b| (b ^ (1 << sign_bit)) & MESSAGE_MASK),
            square_low: key.generate_lookup_table(|b| Half::Low.of((b & MESSAGE_MASK).pow(2))),
            square_high: key.generate_lookup_table(|b| Half::High.of((b & MESSAGE_MASK).pow(2))),
            product_low: key.generate_lookup_table_bivariate(|a, b| Half::Low.of(a * b)),
            product_high: key.generate_lookup_table_bivariate(|a, b| Half::High.of(a * b)),
        };
        TfheBackend { sks, tables }
    }

    pub fn server_key(&self) -> &ServerKey {
        &self.sks
    }

    fn clean(&self, a: &SignedRadixCiphertext) -> SignedRadixCiphertext {
        clean(&self.sks, a)
    }

    /// `table[a + 2^(input.bits - 1)]`: tfhe's `match_value` over all 2^input entries, the input's two's-complement
    /// bits indexing the table.
    fn lookup(
        &self,
        a: &SignedRadixCiphertext,
        input: Width,
        table: &[i64],
        out: Width,
    ) -> ElemResult<SignedRadixCiphertext> {
        if input.bits() > MAX_LUT_INPUT_BITS {
            return Err(ElemError::Unsupported(format!(
                "lut inputs wider than i{MAX_LUT_INPUT_BITS} are not supported"
            )));
        }
        let out_mask = u64::MAX >> (64 - out.bits());
        let size = 1u64 << input.bits();
        // Two's-complement bits u of value v = u - size when u >= size / 2; the table is indexed by v + size / 2.
        let pairs = (0..size).map(|u| (u, table[((u + size / 2) % size) as usize] as u64 & out_mask)).collect();
        let matches =
            tfhe::integer::server_key::MatchValues::new(pairs).map_err(|e| ElemError::Unsupported(e.to_string()))?;
        let bits = RadixCiphertext::from_blocks(self.clean(a).into_blocks());
        let (found, _) = self.sks.match_value_parallelized(&bits, &matches);
        Ok(widen_non_negative(&self.sks, found.into_blocks(), out.blocks()))
    }
}

/// `ct` with empty carries (inputs from other producers may hold carries; our kernels always return clean ones).
pub(crate) fn clean(sks: &ServerKey, ct: &SignedRadixCiphertext) -> SignedRadixCiphertext {
    let mut ct = ct.clone();
    if !ct.block_carries_are_empty() {
        sks.full_propagate_parallelized(&mut ct);
    }
    ct
}

/// `ct` at `blocks` blocks: sign-extended (one PBS for the sign block) or truncated (free, exact modulo 2^width).
pub(crate) fn cast(sks: &ServerKey, ct: &SignedRadixCiphertext, blocks: usize) -> SignedRadixCiphertext {
    let have = ct.blocks().len();
    if blocks > have {
        sks.extend_radix_with_sign_msb(ct, blocks - have)
    } else {
        SignedRadixCiphertext::from_blocks(ct.blocks()[..blocks].to_vec())
    }
}

/// `ct * 4^positions` at the same block count: trivial zero blocks enter at the bottom (free).
pub(crate) fn shift_blocks_up(sks: &ServerKey, ct: &SignedRadixCiphertext, positions: usize) -> SignedRadixCiphertext {
    if positions == 0 {
        return ct.clone();
    }
    let blocks = ct.blocks().len();
    let positions = positions.min(blocks);
    let mut shifted = sks.create_trivial_zero_radix::<RadixCiphertext>(positions).into_blocks();
    shifted.extend_from_slice(&ct.blocks()[..blocks - positions]);
    SignedRadixCiphertext::from_blocks(shifted)
}

/// The blocks of the unsigned form `u = x + 2^(2n−1)` of `x`'s low `n` blocks (`x` truncated to them): the top
/// block's high bit flipped, one PBS. Linear maps and squares compute on `u`, whose blocks are all non-negative.
pub(crate) fn unsigned_form(
    sks: &ServerKey,
    flip_high_bit: &LookupTableOwned,
    x: &SignedRadixCiphertext,
    n: usize,
) -> Vec<Ciphertext> {
    let key: &tfhe::shortint::ServerKey = sks.as_ref();
    let mut u = clean(sks, x).blocks()[..n].to_vec();
    u[n - 1] = key.apply_lookup_table(&u[n - 1], flip_high_bit);
    u
}

/// `source`'s blocks moved up to block `position` of a `blocks`-block radix, among trivial zero blocks (which
/// tfhe's column sums skip); blocks past the top are dropped (exact modulo `4^blocks`).
pub(crate) fn placed(sks: &ServerKey, position: usize, source: &[Ciphertext], blocks: usize) -> RadixCiphertext {
    let key: &tfhe::shortint::ServerKey = sks.as_ref();
    let mut term: Vec<Ciphertext> = (0..position.min(blocks)).map(|_| key.create_trivial(0)).collect();
    term.extend(source.iter().take(blocks - term.len()).cloned());
    term.resize_with(blocks, || key.create_trivial(0));
    RadixCiphertext::from_blocks(term)
}

/// The sum of clean terms of one width with one carry propagation (a single term is returned as it is); `None`
/// without terms.
pub(crate) fn sum_terms(sks: &ServerKey, mut terms: Vec<RadixCiphertext>) -> Option<SignedRadixCiphertext> {
    let total = match terms.len() {
        1 => terms.pop(),
        _ => sks.unchecked_sum_ciphertexts_vec_parallelized(terms),
    }?;
    Some(SignedRadixCiphertext::from_blocks(total.into_blocks()))
}

/// A non-negative value at `blocks` blocks: zero blocks on top are exact (free), as is truncation.
fn widen_non_negative(
    sks: &ServerKey,
    mut blocks_in: Vec<tfhe::shortint::Ciphertext>,
    blocks: usize,
) -> SignedRadixCiphertext {
    if blocks_in.len() < blocks {
        let zeros = sks.create_trivial_zero_radix::<RadixCiphertext>(blocks - blocks_in.len()).into_blocks();
        blocks_in.extend(zeros);
    }
    blocks_in.truncate(blocks);
    SignedRadixCiphertext::from_blocks(blocks_in)
}

impl Primitives for TfheBackend {
    type Ct = SignedRadixCiphertext;

    fn linear(&self, inputs: &[&Self::Ct], map: &LinearMap, out: Width) -> Vec<ElemResult<Self::Ct>> {
        linear::evaluate(&self.sks, &self.tables.flip_high_bit, inputs, map, out.blocks())
    }

    fn mul(&self, a: &Self::Ct, b: &Self::Ct, out: Width) -> ElemResult<Self::Ct> {
        let (a, b) = rayon::join(|| cast(&self.sks, a, out.blocks()), || cast(&self.sks, b, out.blocks()));
        Ok(self.sks.mul_parallelized(&a, &b))
    }

    /// [`veil_rt::radix::square_plan`]: the unsigned form (1 PBS), one PBS per block product `b_i·b_j` (`i ≤ j`)
    /// below the top, and one sum with the complement and the constant.
    fn square(&self, a: &Self::Ct, out: Width) -> ElemResult<Self::Ct> {
        let blocks = out.blocks();
        let plan = square_plan(a.blocks().len(), blocks);
        if plan.n == 0 {
            return Ok(self.sks.create_trivial_zero_radix(blocks));
        }
        let key: &tfhe::shortint::ServerKey = self.sks.as_ref();
        let u = unsigned_form(&self.sks, &self.tables.flip_high_bit, a, plan.n);
        let t = &self.tables;
        let products: Vec<Ciphertext> = plan
            .products
            .par_iter()
            .map(|p| match (p.i == p.j, p.half) {
                (true, Half::Low) => key.apply_lookup_table(&u[p.i], &t.square_low),
                (true, Half::High) => key.apply_lookup_table(&u[p.i], &t.square_high),
                (false, Half::Low) => key.apply_lookup_table_bivariate(&u[p.i], &u[p.j], &t.product_low),
                (false, Half::High) => key.apply_lookup_table_bivariate(&u[p.i], &u[p.j], &t.product_high),
            })
            .collect();
        let not_u = plan.complement.map(|_| self.sks.bitnot(&RadixCiphertext::from_blocks(u.clone())).into_blocks());
        let terms: Vec<RadixCiphertext> = plan
            .terms()
            .into_iter()
            .map(|term| match term {
                SquareTerm::Product(k) => {
                    placed(&self.sks, plan.products[k].position, std::slice::from_ref(&products[k]), blocks)
                }
                SquareTerm::Complement(position) => {
                    placed(&self.sks, position, not_u.as_deref().unwrap_or_default(), blocks)
                }
                SquareTerm::Constant(c) => self.sks.create_trivial_radix(c as u64, blocks),
            })
            .collect();
        sum_terms(&self.sks, terms).ok_or_else(|| ElemError::Unsupported("a square without terms".into()))
    }

    /// Whole blocks are dropped from the bottom (an arithmetic shift by 2 bits each, free); an odd remaining bit
    /// costs one arithmetic shift by 1 (a PBS per remaining block).
    fn rescale(&self, a: &Self::Ct, shift: u32, _: Option<u32>, out: Width) -> ElemResult<Self::Ct> {
        let a = self.clean(a);
        let have = a.blocks().len();
        let shift = shift.min(BITS_PER_BLOCK * have as u32 - 1);
        let whole = (shift / BITS_PER_BLOCK) as usize;
        let dropped = SignedRadixCiphertext::from_blocks(a.blocks()[whole..].to_vec());
        let shifted = match shift % BITS_PER_BLOCK {
            0 => dropped,
            rest => self.sks.scalar_right_shift_parallelized(&dropped, rest),
        };
        Ok(cast(&self.sks, &shifted, out.blocks()))
    }

    fn trivial(&self, value: i64, out: Width) -> ElemResult<Self::Ct> {
        Ok(self.sks.create_trivial_radix(value, out.blocks()))
    }

    /// One PBS extracts the sign from the top block, then one bivariate PBS per block zeroes it when negative:
    /// blocks + 1 PBS, depth 2.
    fn relu(&self, a: &Self::Ct, out: Width) -> ElemResult<Self::Ct> {
        let a = self.clean(a);
        let key: &tfhe::shortint::ServerKey = self.sks.as_ref();
        let Some(top) = a.blocks().last() else { return Err(ElemError::Unsupported("an empty ciphertext".into())) };
        let negative = key.apply_lookup_table(top, &self.tables.is_negative);
        let blocks = a
            .blocks()
            .par_iter()
            .map(|b| key.apply_lookup_table_bivariate(&negative, b, &self.tables.zero_if_negative))
            .collect();
        Ok(widen_non_negative(&self.sks, blocks, out.blocks()))
    }

    fn max(&self, a: &Self::Ct, b: &Self::Ct, out: Width) -> ElemResult<Self::Ct> {
        let common = a.blocks().len().max(b.blocks().len());
        let (a, b) = rayon::join(|| cast(&self.sks, a, common), || cast(&self.sks, b, common));
        Ok(cast(&self.sks, &self.sks.max_parallelized(&a, &b), out.blocks()))
    }

    /// Two scalar comparisons and selections at the wider of the operand and the result.
    fn clamp(&self, a: &Self::Ct, lo: i64, hi: i64, out: Width) -> ElemResult<Self::Ct> {
        let a = cast(&self.sks, a, a.blocks().len().max(out.blocks()));
        let low = self.sks.scalar_max_parallelized(&a, lo);
        Ok(cast(&self.sks, &self.sks.scalar_min_parallelized(&low, hi), out.blocks()))
    }

    /// A shift first rescales the input (free for whole blocks, see `rescale`) to the even width that holds the
    /// index; then tfhe's `match_value` over all its entries.
    fn lut(&self, a: &Self::Ct, lookup: &Lookup) -> ElemResult<Self::Ct> {
        let Lookup { input, shift, table, out, .. } = *lookup;
        if a.blocks().len() != input.blocks() {
            return Err(ElemError::Unsupported(format!("the operand has {} blocks, not {input}", a.blocks().len())));
        }
        if shift == 0 {
            return self.lookup(a, input, table, out);
        }
        // The index floor(a / 2^shift) has `bits` bits; the radix holding it, whole blocks.
        let bits = input.bits() - shift;
        let index = Width::from_blocks(bits.div_ceil(BITS_PER_BLOCK) as usize)
            .map_err(|e| ElemError::Unsupported(e.to_string()))?;
        let rescaled = self.rescale(a, shift, None, index)?;
        // Index values beyond `bits` bits never occur; their entries repeat the nearest end of the table.
        let half = 1i64 << (bits - 1);
        let wide: Vec<i64> = (index.min_value() as i64..=index.max_value() as i64)
            .map(|v| table[(v.clamp(-half, half - 1) + half) as usize])
            .collect();
        self.lookup(&rescaled, index, &wide, out)
    }

    fn check_element(&self, a: &Self::Ct, width: Width) -> Result<(), String> {
        match a.blocks().len() {
            n if n == width.blocks() => Ok(()),
            n => Err(format!(
                "a ciphertext of {n} blocks (i{}) where {width} ({} blocks) is expected",
                2 * n,
                width.blocks()
            )),
        }
    }
}
