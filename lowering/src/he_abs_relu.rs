//! `he-abs-relu`: ReLU in the lookup-table model as `relu(x) = (x + |x|) / 2`. A bootstrap reads a table over the
//! half of the torus below the padding bit, except when the table minus a constant is negacyclic
//! (`t[i] + t[i + 2^(q−1)]` the same for every i): then it reads all of the torus, so a table of q index bits costs
//! what one of q − 1 does, with no headroom at the ends. `|x|` has that property; ReLU has not. With approximate
//! rounding
//!
//! ```text
//! relu(rescale(x, s))  →  mul_plain(x, 1 at frac 1) + lut(x) {table = |middle of each index's values|}
//! ```
//!
//! at x's fraction bits plus one, `|x|` with `index-bits` index bits (he-lut-fuse's: the program's parameters are
//! those of its widest other table, or of `index-bits − 1` bits when there is none): the table errs by half an
//! index step at most, and the sum halves that again, while x stays exact (leveled). The result carries x's
//! fraction bits into what follows, which takes them without a bootstrap: rescales and tables shift k = s + 1 bits
//! more, linear ops (matmul, conv, pooling, layout) keep the extra bits with their bias re-encoded, and the client
//! decodes the returned value at its own fraction bits. An `x` whose defining op carries he-lut-fuse's
//! `veil.index_bits` gets that many index bits instead of the option's (at least 2).
//!
//! With exact rounding the client would have to decrypt the wider accumulator bit for bit, so the leveled half is
//! an exact floor of x instead ([`HeAbsRelu::rewrite_exact`]): the same integers as he-lut-fuse's table, every
//! bootstrap at the margin of `index-bits − 1` bits. Whether that pays depends on the parameters it leads to (the
//! floor's input is encoded as wide as the next layer's accumulator plus the dropped bits): the driver compiles
//! both ways and keeps the cheaper (option `exact-floor`).
//!
//! A ReLU whose result reaches any other op is left alone. So is one whose input depends on a bootstrap: the sum
//! carries x's noise past the table into the next layer, where it is multiplied by that layer's weights too; x
//! computed from fresh encryptions by leveled ops only (a first layer) has next to none.

use veil_he::{self as he, FixedTensor, Kind};
use veil_ir::{Diagnostics, Module, OpDef, OpId, Value};
use veil_rt::tfhe_config::Rounding;

use crate::he_defer_rescale::{can_defer, defer};
use crate::he_lut_fuse::{check_index_bits, index_bits_of};
use crate::he_plaintext_bypass::shared::{build, defined_by, encode, erase_dead, retype_all, tensor};
use crate::he_to_rt::lut::LINEAR_OPS;
use crate::pass::{Changed, Pass, PassOption, PassOptions};

/// The pass.
pub struct HeAbsRelu {
    index_bits: u32,
    rounding: Rounding,
    exact_floor: bool,
}

const OPTIONS: &[PassOption] = &[
    PassOption::int("index-bits", "5", "The most index bits of a table (he-lut-fuse's): |x| gets them at the cost of one fewer"),
    PassOption::string("rounding", "exact", "The program's rounding (each has its form of the rewrite)"),
    PassOption::bool("exact-floor", "true", "With exact rounding: an exact floor, then (v + |v|) / 2 (the driver tries both)"),
];

impl Pass for HeAbsRelu {
    fn name(&self) -> &'static str {
        "he-abs-relu"
    }

    fn description(&self) -> &'static str {
        "lut model, approximate rounding: relu(x) as (x + |x|) / 2, |x| a full-domain table (one index bit for free)"
    }

    fn options() -> &'static [PassOption] {
        OPTIONS
    }

    fn from_options(options: &PassOptions) -> Result<Self, String> {
        let index_bits = options.int("index-bits")?;
        let most = i64::from(he::rules::MAX_LUT_INPUT_WIDTH);
        if !(2..=most).contains(&index_bits) {
            return Err(format!(
                "index-bits = {index_bits} must be in 2..={most} (a full-domain table of q bits costs a table of \
                 q - 1, and a table has at most 2^{most} entries)"
            ));
        }
        Ok(HeAbsRelu {
            index_bits: index_bits as u32,
            rounding: Rounding::parse(options.string("rounding")?)?,
            exact_floor: options.bool("exact-floor")?,
        })
    }

    fn run(&self, m: &mut Module) -> Result<Changed, Diagnostics> {
        check_index_bits(m)?;
        let mut changed = false;
        for op in m.walk() {
            if m.is_live(op) && m.op(op).def == &he::RELU {
                changed |= match self.rounding {
                    Rounding::Approximate => self.rewrite(m, op),
                    Rounding::Exact => self.exact_floor && self.rewrite_exact(m, op),
                };
            }
        }
        retype_all(m);
        Ok(Changed::from(changed))
    }
}

impl HeAbsRelu {
    fn rewrite(&self, m: &mut Module, relu: OpId) -> bool {
        let y = m.op(relu).operands[0];
        let x = match defined_by(m, y, &he::RESCALE).filter(|_| m.uses(y).len() == 1) {
            Some(rescale) => m.op(rescale).operands[0],
            None => y,
        };
        let result = m.op(relu).result();
        let (Some(xt), Some(out)) = (tensor(m, x), tensor(m, result)) else { return false };
        let k = i64::from(xt.frac) + 1 - i64::from(out.frac);
        let w = xt.width;
        if k < 1 || w < 2 || w + 1 > he::MAX_WIDTH || !leveled_from_arguments(m, x) || !can_defer(m, result, k, 0) {
            return false;
        }
        let at = relu;
        let half = FixedTensor { shape: vec![], width: 2, frac: 1, kind: Kind::Plain };
        let one = encode(m, at, &half, vec![1]);
        let wide = xt.with_width(w + 1).with_frac(xt.frac + 1);
        let x_half = build(m, at, &he::MUL_PLAIN, &[x, one], &wide.with_width(w), vec![]);
        let (shift, table) = abs_table(w, index_bits_of(m, x, self.index_bits).max(2));
        let abs = super::he_lut_fuse::lut(m, at, x, shift, table, &wide, Some("abs,half"));
        let sum = build(m, at, &he::ADD, &[x_half, abs], &wide, vec![]);
        defer(m, result, k);
        m.replace_all_uses(result, sum);
        erase_dead(m, relu);
        true
    }
}

impl HeAbsRelu {
    /// Exact rounding: `relu(rescale(x, s))` as he-lut-fuse would compute it (a table of at most p = `index-bits`
    /// index bits, reading `floor(x / 2^s')`, s' = s + d, at the middle `2^d·k + 2^(d−1)` of its box when d > 0),
    /// with the floor k an exact rescale of its own (chunks of at most p bits, no table) and the ReLU
    /// `(v + |v|) / 2` of v = k (d = 0) or v = 2k + 1 (d > 0), leveled but for |v|, a full-domain table of k.
    fn rewrite_exact(&self, m: &mut Module, relu: OpId) -> bool {
        let y = m.op(relu).operands[0];
        let Some(rescale) = defined_by(m, y, &he::RESCALE).filter(|_| m.uses(y).len() == 1) else { return false };
        let x = m.op(rescale).operands[0];
        let result = m.op(relu).result();
        let (Some(xt), Some(yt), Some(out)) = (tensor(m, x), tensor(m, y), tensor(m, result)) else { return false };
        let Some(s) = m.op(rescale).attr("shift").and_then(|a| m.attr_as_int(a)) else { return false };
        if m.op(rescale).attr("chunk").is_some() || !leveled_from_arguments(m, x) {
            return false;
        }
        let p = index_bits_of(m, x, self.index_bits).max(2);
        let d = i64::from(yt.width.saturating_sub(p));
        let (floor_shift, middle) = (s + d, i64::from(d > 0));
        // k = floor(y / 2^d), y the rescale's proven i(q): it fits q − d = min(q, p) bits (fewer than x's width less
        // s' when the ranges proved y narrower than that).
        let bits = yt.width - d as u32;
        if bits < 2 {
            return false;
        }
        let k_frac = xt.frac - floor_shift as i32;
        // The sum (v + |v|) at frac(k) + 1 + middle; the result's frac is `deferred` bits coarser or finer.
        let sum_frac = k_frac + 1 + middle as i32;
        let deferred = i64::from(sum_frac) - i64::from(out.frac);
        if deferred > 0 && !can_defer(m, result, deferred, 0) {
            return false;
        }
        let at = relu;
        let kt = xt.with_width(bits).with_frac(k_frac);
        let attrs = vec![("shift".to_string(), m.int_attr(floor_shift)), ("chunk".to_string(), m.int_attr(i64::from(p)))];
        let k = build(m, at, &he::RESCALE, &[x], &kt, attrs);
        let wide = kt.with_width(bits + 2 + middle as u32).with_frac(sum_frac);
        let scale = FixedTensor { shape: vec![], width: 3, frac: 1 + middle as i32, kind: Kind::Plain };
        let factor = encode(m, at, &scale, vec![1 << middle]);
        let leveled = build(m, at, &he::MUL_PLAIN, &[k, factor], &wide, vec![]);
        let half = 1i64 << (bits - 1);
        let table = (-half..half).map(|k| ((k << middle) + middle).abs() + middle).collect();
        let abs = super::he_lut_fuse::lut(m, at, k, 0, table, &wide, Some("abs,half"));
        let sum = build(m, at, &he::ADD, &[leveled, abs], &wide, vec![]);
        let replacement = match deferred {
            0 => sum,
            t if t > 0 => {
                defer(m, result, t);
                sum
            }
            t => {
                // Coarser than the result: an exact up-scale `mul_plain(sum, 2^-t at frac -t)` (he-table-grid
                // sinks it into what follows).
                let t = -t;
                let scale = FixedTensor { shape: vec![], width: t as u32 + 2, frac: t as i32, kind: Kind::Plain };
                let c = encode(m, at, &scale, vec![1 << t]);
                build(m, at, &he::MUL_PLAIN, &[sum, c], &out, vec![])
            }
        };
        m.replace_all_uses(result, replacement);
        erase_dead(m, relu);
        erase_dead(m, rescale);
        true
    }
}

/// The table of |x| for a `width`-bit x read with at most `bits` index bits: `shift` = width − bits low bits dropped
/// and each entry |middle of the values its index covers|; entries i and i + 2^(bits−1) sum to 2^(width−1).
pub(crate) fn abs_table(width: u32, bits: u32) -> (i64, Vec<i64>) {
    let bits = bits.min(width);
    let shift = i64::from(width - bits);
    let middle = if shift > 0 { 1i64 << (shift - 1) } else { 0 };
    let half = 1i64 << (bits - 1);
    let table = (0..1i64 << bits).map(|j| (((j - half) << shift) + middle).abs()).collect();
    (shift, table)
}

/// The data movement and constants that, beside the linear ops, compute without a bootstrap.
const MOVES: &[&OpDef] = &[&he::RESHAPE, &he::TRANSPOSE, &he::PAD, &he::CONCAT, &he::ENCODE, &he::TRIVIAL];

/// Whether `v` is computed from the function's arguments and constants by leveled ops only.
fn leveled_from_arguments(m: &Module, v: Value) -> bool {
    let mut stack = vec![v];
    let mut seen = std::collections::HashSet::new();
    while let Some(v) = stack.pop() {
        let Some(op) = m.defining_op(v) else { continue };
        if !seen.insert(op) {
            continue;
        }
        let def = m.op(op).def;
        if !LINEAR_OPS.contains(&def) && !MOVES.contains(&def) {
            return false;
        }
        stack.extend(m.op(op).operands.iter().copied());
    }
    true
}
