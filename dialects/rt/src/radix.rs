//! How a linear kernel's output element (`constant + Σ c·x`) is computed on radix ciphertexts of 2-bit blocks:
//! the plan of block-shifted input multiples and one constant that both the tfhe backend executes and the cost
//! model counts, so the two cannot drift apart.
//!
//! - Every input `x` of `n` blocks (`n` ≤ the output's `B`; a wider input is truncated, which is exact modulo
//!   `4^B`) enters as the unsigned `u = x + 2^(2n-1)` (its top block's high bit flipped: one PBS per input), so
//!   `c·x = c·u − c·2^(2n-1)` and only `u`'s own `n` blocks are ever non-zero: tfhe's column sums skip the
//!   trivial zero blocks around them.
//! - Every coefficient is split into balanced base-4 digits `d ∈ {−2, −1, 1, 2}`, one per block position `k`;
//!   digit `d` at `k` is a copy of `u` (`d = 1`), of `2u` (`d = 2`, one `n+1`-block shift per input), or of their
//!   complements `~u` / `~(2u)` (leveled, block by block `3 − b`), shifted up by `k` blocks (free), since
//!   `−v = ~v + 1 − 4^len` for a `len`-block `v`. Every constant goes into the row's constant modulo `4^B`.

/// Which multiple of an input's unsigned form `u` a term copies.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Multiple {
    /// `u`: the input's blocks with the top one's high bit flipped.
    One,
    /// `2u`, one block wider than `u`.
    Two,
    /// `~u = 4^n − 1 − u`.
    NotOne,
    /// `~(2u) = 4^(n+1) − 1 − 2u`.
    NotTwo,
}

impl Multiple {
    /// The blocks of the multiple of an `n`-block input.
    pub fn blocks(self, n: usize) -> usize {
        match self {
            Multiple::One | Multiple::NotOne => n,
            Multiple::Two | Multiple::NotTwo => n + 1,
        }
    }

    /// Whether computing it needs `2u` (one shift per input element).
    pub fn needs_double(self) -> bool {
        matches!(self, Multiple::Two | Multiple::NotTwo)
    }
}

/// One term: `multiple` of input `input`'s `u`, shifted up by `position` blocks.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Term {
    pub input: usize,
    pub multiple: Multiple,
    pub position: usize,
}

/// A row's terms and its constant modulo `4^blocks` (as two's-complement bits of the result).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RowPlan {
    pub terms: Vec<Term>,
    pub constant: u128,
}

/// Balanced base-4 digits of `c` modulo `4^blocks`: (block position, digit in {−2, −1, 1, 2}).
pub fn digits(c: i64, blocks: usize) -> Vec<(usize, i8)> {
    let mut rest = c as i128;
    let mut digits = Vec::new();
    for position in 0..blocks {
        if rest == 0 {
            break;
        }
        let d: i8 = match rest.rem_euclid(4) {
            0 => 0,
            1 => 1,
            2 if rest < 0 => -2,
            2 => 2,
            _ => -1,
        };
        if d != 0 {
            digits.push((position, d));
        }
        rest = (rest - d as i128) / 4;
    }
    digits
}

/// The blocks an input of `input_blocks` blocks contributes to a `blocks`-block sum (it is truncated if wider).
pub fn effective_blocks(input_blocks: usize, blocks: usize) -> usize {
    input_blocks.min(blocks)
}

/// Arithmetic modulo `4^blocks` (blocks ≤ 32, so values fit 64 bits and products 128).
struct Modulus(u128);

impl Modulus {
    fn new(blocks: usize) -> Modulus {
        Modulus(1u128 << (2 * blocks.min(32)))
    }

    fn of(&self, v: i128) -> u128 {
        v.rem_euclid(self.0 as i128) as u128
    }

    /// `(a · 2^bits) mod m`, `a` any integer.
    fn shifted(&self, a: i128, bits: usize) -> u128 {
        if bits >= 2 * 32 {
            return 0;
        }
        (self.of(a) * self.of(1i128 << bits)) % self.0
    }
}

/// The plan of one output element `constant + Σ c·x[i]` at `blocks` blocks, inputs `i` having `input_blocks(i)`
/// blocks.
pub fn plan_row(
    terms: &[(usize, i64)],
    constant: i128,
    input_blocks: &dyn Fn(usize) -> usize,
    blocks: usize,
) -> RowPlan {
    let m = Modulus::new(blocks);
    let mut acc = m.of(constant);
    let mut plan = Vec::new();
    for &(input, c) in terms {
        let n = effective_blocks(input_blocks(input), blocks);
        if n == 0 {
            continue;
        }
        // c·x = c·u − c·2^(2n−1)
        acc = (acc + m.0 - m.shifted(c as i128, 2 * n - 1)) % m.0;
        for (position, d) in digits(c, blocks) {
            let multiple = match d {
                1 => Multiple::One,
                2 => Multiple::Two,
                -1 => Multiple::NotOne,
                _ => Multiple::NotTwo,
            };
            if d < 0 {
                // −v·4^k = (~v + 1 − 4^len)·4^k
                let len = multiple.blocks(n);
                acc = (acc + m.shifted(1, 2 * position)) % m.0;
                acc = (acc + m.0 - m.shifted(1, 2 * (len + position))) % m.0;
            }
            plan.push(Term { input, multiple, position });
        }
    }
    RowPlan { terms: plan, constant: acc }
}

/// How one output element is computed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowKind {
    /// `x[input] · 4^position`: the signed input, sign-extended to the result and shifted up by whole blocks.
    Shift { input: usize, position: usize },
    /// `x[input] + constant` (the constant modulo `4^blocks`): one radix addition of the signed input and a
    /// trivial constant.
    AddConstant { input: usize, constant: u128 },
    /// `−x[input]`: tfhe's negation (one carry propagation).
    Neg { input: usize },
    /// `x[a] − x[b]`: tfhe's subtraction (one carry propagation).
    Sub { a: usize, b: usize },
    /// The terms and constant of a [`RowPlan`], summed with one carry propagation (none for a single term).
    Sum(RowPlan),
}

/// Chooses how to compute `constant + Σ c·x[i]` at `blocks` blocks: rows that are a signed input moved by
/// whole blocks, plus a constant, a negation or a difference keep the input signed; every other row is a
/// [`plan_row`] sum.
pub fn row_kind(
    terms: &[(usize, i64)],
    constant: i128,
    input_blocks: &dyn Fn(usize) -> usize,
    blocks: usize,
) -> RowKind {
    match (terms, constant) {
        (&[(input, c)], 0) if c > 0 && c.count_ones() == 1 && c.trailing_zeros() % 2 == 0 => {
            RowKind::Shift { input, position: c.trailing_zeros() as usize / 2 }
        }
        (&[(input, 1)], constant) => RowKind::AddConstant { input, constant: Modulus::new(blocks).of(constant) },
        (&[(input, -1)], 0) => RowKind::Neg { input },
        (&[(a, 1), (b, -1)], 0) => RowKind::Sub { a, b },
        _ => RowKind::Sum(plan_row(terms, constant, input_blocks, blocks)),
    }
}

/// The unsigned form of an input `x` of `n` blocks: `(x + 2^(2n−1)) mod 4^n`.
pub fn unsigned_form(x: i64, n: usize) -> u128 {
    (x as i128 + (1i128 << (2 * n - 1))).rem_euclid(1i128 << (2 * n)) as u128
}

/// Evaluates a plan on clear integers, returning the result's two's-complement bits modulo `4^blocks`: the
/// reference that the plan's own test checks against the row it was made from.
pub fn eval_plan(plan: &RowPlan, inputs: &[i64], input_blocks: &dyn Fn(usize) -> usize, blocks: usize) -> u128 {
    let m = Modulus::new(blocks);
    let mut acc = plan.constant;
    for t in &plan.terms {
        let n = effective_blocks(input_blocks(t.input), blocks);
        let u = unsigned_form(inputs[t.input], n);
        let full = (1u128 << (2 * t.multiple.blocks(n))) - 1;
        let v = match t.multiple {
            Multiple::One => u,
            Multiple::Two => 2 * u,
            Multiple::NotOne => full - u,
            Multiple::NotTwo => full - 2 * u,
        };
        acc = (acc + (v % m.0) * m.shifted(1, 2 * t.position) % m.0) % m.0;
    }
    acc
}

/// Which half of a product of two blocks (at most `3 · 3 = 9`) a square's term holds.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Half {
    /// `p mod 4`, at the product's block position.
    Low,
    /// `p / 4` (at most 2), one block up.
    High,
}

impl Half {
    /// This half of a product `p ≤ 9`.
    pub fn of(self, p: u64) -> u64 {
        match self {
            Half::Low => p & 3,
            Half::High => p >> 2,
        }
    }
}

/// One bootstrapped block of a square: `half` of `b_i · b_j` (blocks `i ≤ j` of the input's unsigned form `u`),
/// at block `position` of the result, added `copies` times (2 for `i < j`: the cross term `2 · b_i · b_j`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Product {
    pub i: usize,
    pub j: usize,
    pub half: Half,
    pub position: usize,
    pub copies: usize,
}

impl Product {
    /// The largest value the block holds (its TFHE degree): `b² mod 4 ≤ 1`, `p mod 4 ≤ 3`, `p / 4 ≤ 2`.
    pub fn degree(&self) -> u64 {
        match (self.half, self.i == self.j) {
            (Half::Low, true) => 1,
            (Half::Low, false) => 3,
            (Half::High, _) => 2,
        }
    }

    /// The block's value for the blocks `bi`, `bj` of `u`.
    pub fn value(&self, bi: u64, bj: u64) -> u64 {
        self.half.of(bi * bj)
    }
}

/// One summand of a square, a radix of the result's width: the order and number of terms are the plan's, so the
/// backend's sum and the cost model's count see the same columns.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SquareTerm {
    /// Product `k` of [`SquarePlan::products`], alone at its position (once per copy).
    Product(usize),
    /// `~u` moved up to this block position.
    Complement(usize),
    /// The constant (non-zero, or the only term).
    Constant(u128),
}

/// How `x²` of an `n`-block input is computed at `blocks` blocks (the input truncated to them if wider, exact
/// modulo `4^blocks`): with `u = x + 2^(2n−1)` (one PBS flips the top block's high bit),
/// `x² = u² − 4^n·u + 2^(4n−2)`, where `u² = Σ_{i≤j} (i<j ? 2 : 1) · b_i·b_j · 4^(i+j)` takes one PBS per
/// [`Product`] below the top, and `−4^n·u = ~u·4^n + 4^n − 4^(2n)` is the complement `~u` (leveled) moved up `n`
/// blocks. All of it is one sum: a third of the block products of a general `blocks`-wide multiplication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SquarePlan {
    /// The input's blocks that enter (`u` has this many).
    pub n: usize,
    pub products: Vec<Product>,
    /// The block position of `~u`, when it is below the top.
    pub complement: Option<usize>,
    /// The constant modulo `4^blocks`.
    pub constant: u128,
}

impl SquarePlan {
    /// The summands: every product copy, the complement, the constant.
    pub fn terms(&self) -> Vec<SquareTerm> {
        let mut terms: Vec<SquareTerm> = (self.products.iter().enumerate())
            .flat_map(|(k, p)| std::iter::repeat_n(SquareTerm::Product(k), p.copies))
            .collect();
        terms.extend(self.complement.map(SquareTerm::Complement));
        if self.constant != 0 || terms.is_empty() {
            terms.push(SquareTerm::Constant(self.constant));
        }
        terms
    }
}

/// The plan of `x²` at `blocks` blocks for an input of `input_blocks` blocks.
pub fn square_plan(input_blocks: usize, blocks: usize) -> SquarePlan {
    let n = effective_blocks(input_blocks, blocks);
    let m = Modulus::new(blocks);
    let mut products = Vec::new();
    for i in 0..n {
        for j in i..n {
            let copies = if i == j { 1 } else { 2 };
            for (half, position) in [(Half::Low, i + j), (Half::High, i + j + 1)] {
                if position < blocks {
                    products.push(Product { i, j, half, position, copies });
                }
            }
        }
    }
    let constant =
        if n == 0 { 0 } else { (m.shifted(1, 4 * n - 2) + m.shifted(1, 2 * n) + m.0 - m.shifted(1, 4 * n)) % m.0 };
    SquarePlan { n, products, complement: (n > 0 && n < blocks).then_some(n), constant }
}

/// Evaluates a square's plan on a clear input (within its `input_blocks` signed range), returning the result's
/// two's-complement bits modulo `4^blocks`: the reference the plan's test checks against `x²`.
pub fn eval_square_plan(plan: &SquarePlan, x: i64, blocks: usize) -> u128 {
    if plan.n == 0 {
        return 0;
    }
    let m = Modulus::new(blocks);
    let u = unsigned_form(x, plan.n);
    let block = |k: usize| ((u >> (2 * k)) & 3) as u64;
    let not_u = (1u128 << (2 * plan.n)) - 1 - u;
    plan.terms().into_iter().fold(0, |acc, term| {
        let v = match term {
            SquareTerm::Product(k) => {
                let p = &plan.products[k];
                m.shifted(p.value(block(p.i), block(p.j)) as i128, 2 * p.position)
            }
            SquareTerm::Complement(position) => m.shifted(not_u as i128, 2 * position),
            SquareTerm::Constant(c) => c,
        };
        (acc + v) % m.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_recompose_modulo_the_width() {
        for blocks in [1usize, 4, 8, 32] {
            for c in [-70_000i64, -9, -4, -3, -2, -1, 0, 1, 2, 3, 6, 8, 127, 1 << 20, i64::MIN, i64::MAX] {
                let sum: i128 = digits(c, blocks).iter().map(|&(p, d)| (d as i128) << (2 * p)).sum();
                let m = 1i128 << (2 * blocks);
                assert_eq!(sum.rem_euclid(m), (c as i128).rem_euclid(m), "c = {c}, blocks = {blocks}");
            }
        }
        assert_eq!(digits(-2, 8), vec![(0, -2)]);
        assert_eq!(digits(8, 8), vec![(1, 2)]);
        assert_eq!(digits(-16, 8), vec![(2, -1)]);
    }

    /// The plan computes `constant + Σ c·x` modulo `4^blocks` for inputs anywhere in their signed range, narrower,
    /// as wide as or wider than the result.
    #[test]
    fn plans_compute_the_row_modulo_the_width() {
        let coefficients = [-70_000i64, -37, -9, -2, -1, 1, 2, 3, 6, 127, 1 << 20];
        for blocks in [1usize, 3, 5, 8, 16, 32] {
            for in_blocks in [1usize, 2, 4, 8, 32] {
                let lo = -(1i64 << (2 * in_blocks - 1).min(62));
                let hi = (1i64 << (2 * in_blocks - 1).min(62)) - 1;
                for (&c, x) in coefficients.iter().zip([lo, hi, 0, -1, 1, lo / 3, hi / 5, 7, -7, lo, hi]) {
                    let x = x.clamp(lo, hi);
                    for c2 in [0i64, -3, 5] {
                        let constant: i128 = -12345;
                        let row = [(0usize, c), (1usize, c2)];
                        let plan = plan_row(&row, constant, &|_| in_blocks, blocks);
                        let x2 = lo / 2 + hi / 3;
                        let got = eval_plan(&plan, &[x, x2], &|_| in_blocks, blocks);
                        let want = constant + c as i128 * x as i128 + c2 as i128 * x2 as i128;
                        let m = 1i128 << (2 * blocks);
                        assert_eq!(
                            got,
                            want.rem_euclid(m) as u128,
                            "c={c} x={x} c2={c2} blocks={blocks} in={in_blocks}"
                        );
                    }
                }
            }
        }
    }

    /// The square's plan computes `x²` modulo `4^blocks` for inputs across their signed range, including inputs
    /// wider than the result (truncated) and results narrower than `x²`.
    #[test]
    fn square_plans_compute_the_square_modulo_the_width() {
        for in_blocks in [1usize, 2, 3, 6] {
            let half = 1i64 << (2 * in_blocks - 1);
            let xs: Vec<i64> =
                if in_blocks <= 3 { (-half..half).collect() } else { vec![-half, -half + 1, -1, 0, 1, 77, half - 1] };
            for blocks in [1usize, 2, in_blocks, 2 * in_blocks - 1, 2 * in_blocks, 2 * in_blocks + 3] {
                let plan = square_plan(in_blocks, blocks);
                let m = 1i128 << (2 * blocks);
                for &x in &xs {
                    // A truncated input is x modulo 4^blocks, whose square is x² modulo 4^blocks.
                    let want = (x as i128 * x as i128).rem_euclid(m) as u128;
                    assert_eq!(eval_square_plan(&plan, x, blocks), want, "x={x} in={in_blocks} blocks={blocks}");
                }
            }
        }
    }

    #[test]
    fn a_square_has_a_third_of_a_multiplications_block_products() {
        // 3 input blocks into 6: 6 pairs i ≤ j, low and high halves below the top.
        let plan = square_plan(3, 6);
        assert_eq!(plan.products.len(), 12);
        assert_eq!(plan.complement, Some(3));
        // At the input's own width only the products below the top remain, and -4^n·u vanishes.
        let narrow = square_plan(3, 3);
        assert_eq!(narrow.complement, None);
        assert!(narrow.products.iter().all(|p| p.position < 3));
    }
}
