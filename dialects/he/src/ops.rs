//! The he ops, declared as data: one line per op gives its name, operand and result kinds, traits, attributes,
//! rule and summary; `he_ops!` turns the table into `pub static` [`OpDef`]s (for passes that create ops),
//! their [`Signature`]s (in [`signatures`], under the same names, for rt's kernel table) and the op list.

use veil_ir::{Arity, Module, OpDef, OpId, Traits};

use crate::rules;
use crate::signature::{Operands, Signature};
use crate::types::Kind::{Cipher as Ct, Plain as Pt};

/// The attributes he ops take, shared with rt's kernel table.
pub mod attrs {
    use veil_ir::{AttrSpec, AttrType};

    /// `he.encode`: the integers (already scaled by `2^frac`).
    pub const VALUE: AttrSpec = AttrSpec::required("value", AttrType::Dense);
    /// `he.lut`: one output per input value, inputs in increasing order.
    pub const TABLE: AttrSpec = AttrSpec::required("table", AttrType::Dense);
    /// `he.rescale`, `he.shl`: bits shifted, `1..=63`.
    pub const SHIFT: AttrSpec = AttrSpec::required("shift", AttrType::Int);
    /// `he.lut`: low input bits dropped (floor) before the lookup, `0..=63` (default 0).
    pub const LUT_SHIFT: AttrSpec = AttrSpec::optional("shift", AttrType::Int);
    /// `he.lut`: the input's lowest bits known to be zero (an input re-encoded by a left shift), `0..=shift`
    /// (default 0): an exact floor clears only the dropped bits above them. The clear backend checks it.
    pub const ZERO_BITS: AttrSpec = AttrSpec::optional("zero_bits", AttrType::Int);
    /// `he.rescale`: marks an exact floor of the lookup-table model (he-abs-relu's, exact rounding), `1..=63`: the
    /// most bits one step of the floor clears (two bootstraps, the noise margin of a table of `chunk − 1` bits).
    /// Without it the lut model has no rescale kernel (he-lut-fuse makes rescales tables).
    pub const CHUNK: AttrSpec = AttrSpec::optional("chunk", AttrType::Int);
    /// `he.clamp`: the least value kept (at the operand's scale).
    pub const LO: AttrSpec = AttrSpec::required("lo", AttrType::Int);
    /// `he.clamp`: the greatest value kept (at the operand's scale).
    pub const HI: AttrSpec = AttrSpec::required("hi", AttrType::Int);
    /// Window strides `[sh, sw]` (default 1).
    pub const STRIDES: AttrSpec = AttrSpec::optional("strides", AttrType::IntArray);
    /// Window zero padding `[top, left, bottom, right]` (default 0).
    pub const WINDOW_PADS: AttrSpec = AttrSpec::optional("pads", AttrType::IntArray);
    /// Convolution dilations `[dh, dw]` (default 1).
    pub const DILATIONS: AttrSpec = AttrSpec::optional("dilations", AttrType::IntArray);
    /// Convolution groups (default 1).
    pub const GROUPS: AttrSpec = AttrSpec::optional("groups", AttrType::Int);
    /// Pooling window `[kh, kw]`.
    pub const KERNEL: AttrSpec = AttrSpec::required("kernel", AttrType::IntArray);
    /// `he.avg_pool2d`: the integer the window sum is multiplied by (default 1).
    pub const MULTIPLIER: AttrSpec = AttrSpec::optional("multiplier", AttrType::Int);
    /// `he.avg_pool2d`: the fraction bits of the multiplier (default 0).
    pub const MULTIPLIER_FRAC: AttrSpec = AttrSpec::optional("multiplier_frac", AttrType::Int);
    /// `he.sum`: the summed dimensions, strictly increasing.
    pub const AXES: AttrSpec = AttrSpec::required("axes", AttrType::IntArray);
    /// `he.sum`: keep summed dimensions as 1 (default true).
    pub const KEEPDIMS: AttrSpec = AttrSpec::optional("keepdims", AttrType::Bool);
    /// `he.transpose`: result dimension `i` is operand dimension `perm[i]`.
    pub const PERM: AttrSpec = AttrSpec::required("perm", AttrType::IntArray);
    /// `he.pad`: zero padding, all begins then all ends.
    pub const PADS: AttrSpec = AttrSpec::required("pads", AttrType::IntArray);
    /// `he.concat`: the joined dimension.
    pub const AXIS: AttrSpec = AttrSpec::required("axis", AttrType::Int);
}

use attrs::*;

/// Declares the he ops: `IDENT = "he.name", operands => result kind, [traits beyond PURE], [attributes], rule,
/// "summary";`.
macro_rules! he_ops {
    ($($id:ident = $name:literal, $operands:expr => $result:ident, [$($tr:ident),*], [$($attr:expr),*],
       $rule:path, $summary:literal;)*) => {
        $(
            #[doc = $summary]
            pub static $id: OpDef = OpDef::new($name, $summary, $operands.arity(), Arity::Exactly(1))
                .with_traits(Traits::PURE $(.with(Traits::$tr))*)
                .with_attrs(&[$($attr),*])
                .with_verifier(verify_op);
        )*

        /// The signature of every he op, named like the op (`signatures::ADD` belongs to [`ADD`]).
        pub mod signatures {
            use super::*;
            $(
                #[doc = $summary]
                pub static $id: Signature =
                    Signature { op: &super::$id, operands: $operands, result: $result, rule: $rule };
            )*
            /// All of them, in declaration order.
            pub static ALL: &[&Signature] = &[$(&$id),*];
        }

        /// Every he op, in declaration order.
        pub static OPS: &[&OpDef] = &[$(&$id),*];
    };
}

he_ops! {
    ENCODE = "he.encode", Operands::NONE => Pt, [CONSTANT], [VALUE], rules::encode,
        "An encoded plaintext tensor: integers already scaled by 2^frac";
    ENCRYPT = "he.encrypt", Operands::fixed(&[Pt]) => Ct, [CLIENT_ONLY], [], rules::same_tensor,
        "Encrypts a plaintext (client side, with the secret key)";
    DECRYPT = "he.decrypt", Operands::fixed(&[Ct]) => Pt, [CLIENT_ONLY], [], rules::same_tensor,
        "Decrypts a ciphertext (client side, with the secret key)";
    TRIVIAL = "he.trivial", Operands::fixed(&[Pt]) => Ct, [ELEMENTWISE], [], rules::trivial,
        "A trivial (noiseless, public) encryption of a plaintext";
    ADD = "he.add", Operands::fixed(&[Ct, Ct]) => Ct, [ELEMENTWISE, COMMUTATIVE], [], rules::same_scale_broadcast,
        "Sum of two ciphertexts (equal scales, broadcasting)";
    SUB = "he.sub", Operands::fixed(&[Ct, Ct]) => Ct, [ELEMENTWISE], [], rules::same_scale_broadcast,
        "Difference of two ciphertexts (equal scales, broadcasting)";
    MAX = "he.max", Operands::fixed(&[Ct, Ct]) => Ct, [ELEMENTWISE, COMMUTATIVE], [], rules::same_scale_broadcast,
        "Elementwise maximum of two ciphertexts (equal scales, broadcasting)";
    ADD_PLAIN = "he.add_plain", Operands::fixed(&[Ct, Pt]) => Ct, [ELEMENTWISE], [], rules::plain_same_scale,
        "Ciphertext plus plaintext (equal scales, the plaintext broadcast to the ciphertext)";
    SUB_PLAIN = "he.sub_plain", Operands::fixed(&[Ct, Pt]) => Ct, [ELEMENTWISE], [], rules::plain_same_scale,
        "Ciphertext minus plaintext (equal scales, the plaintext broadcast to the ciphertext)";
    NEG = "he.neg", Operands::fixed(&[Ct]) => Ct, [ELEMENTWISE], [], rules::unary_same_scale,
        "Negation";
    RELU = "he.relu", Operands::fixed(&[Ct]) => Ct, [ELEMENTWISE], [], rules::unary_same_scale,
        "max(x, 0), computed exactly";
    MUL = "he.mul", Operands::fixed(&[Ct, Ct]) => Ct, [ELEMENTWISE, COMMUTATIVE], [], rules::product,
        "Product of two ciphertexts (fraction bits add, broadcasting)";
    MUL_PLAIN = "he.mul_plain", Operands::fixed(&[Ct, Pt]) => Ct, [ELEMENTWISE], [], rules::product,
        "Ciphertext times plaintext (fraction bits add, broadcasting)";
    SQUARE = "he.square", Operands::fixed(&[Ct]) => Ct, [ELEMENTWISE], [], rules::square,
        "x * x (fraction bits double)";
    MATMUL_PLAIN = "he.matmul_plain", Operands::with_optional(&[Ct, Pt], &[Pt]) => Ct, [], [],
        rules::matmul_plain, "Ciphertext [M, K] or [K] times plaintext [K, N], plus an optional plaintext bias [N]";
    CONV2D_PLAIN = "he.conv2d_plain", Operands::with_optional(&[Ct, Pt], &[Pt]) => Ct, [],
        [STRIDES, WINDOW_PADS, DILATIONS, GROUPS], rules::conv2d_plain,
        "2-D convolution of a ciphertext NCHW tensor with plaintext weights and an optional plaintext bias";
    SUM = "he.sum", Operands::fixed(&[Ct]) => Ct, [], [AXES, KEEPDIMS], rules::sum,
        "Sum over the given axes";
    RESCALE = "he.rescale", Operands::fixed(&[Ct]) => Ct, [ELEMENTWISE], [SHIFT, CHUNK], rules::rescale,
        "floor(x / 2^shift): drops shift fraction bits";
    SHL = "he.shl", Operands::fixed(&[Ct]) => Ct, [ELEMENTWISE], [SHIFT], rules::shl,
        "x * 2^shift, the scale kept";
    MAX_POOL2D = "he.max_pool2d", Operands::fixed(&[Ct]) => Ct, [], [KERNEL, STRIDES, WINDOW_PADS],
        rules::max_pool2d, "2-D max pooling over NCHW (padding never wins)";
    AVG_POOL2D = "he.avg_pool2d", Operands::fixed(&[Ct]) => Ct, [],
        [KERNEL, STRIDES, WINDOW_PADS, MULTIPLIER, MULTIPLIER_FRAC], rules::avg_pool2d,
        "2-D window sums over NCHW (zero padding) times an integer multiplier";
    CLAMP = "he.clamp", Operands::fixed(&[Ct]) => Ct, [ELEMENTWISE], [LO, HI], rules::clamp,
        "min(max(x, lo), hi): saturates each element to a window (a table's calibrated input range)";
    LUT = "he.lut", Operands::fixed(&[Ct]) => Ct, [ELEMENTWISE], [TABLE, LUT_SHIFT, ZERO_BITS], rules::lut,
        "A lookup table applied to each element (inputs of at most 12 bits)";
    RESHAPE = "he.reshape", Operands::fixed(&[Ct]) => Ct, [], [], rules::reshape,
        "The same elements in row-major order, another shape";
    TRANSPOSE = "he.transpose", Operands::fixed(&[Ct]) => Ct, [], [PERM], rules::transpose,
        "Permutes dimensions";
    PAD = "he.pad", Operands::fixed(&[Ct]) => Ct, [], [PADS], rules::pad,
        "Zero padding at the begin and end of each dimension";
    CONCAT = "he.concat", Operands::variadic(Ct) => Ct, [], [AXIS], rules::concat,
        "Joins ciphertexts along an axis (equal scales)";
}

/// The signature of an he op.
pub fn signature(def: &OpDef) -> Option<&'static Signature> {
    signatures::ALL.iter().copied().find(|s| std::ptr::eq(s.op, def) || s.op.name == def.name)
}

/// The verifier of every he op: its signature's kinds, then its rule.
fn verify_op(m: &Module, op: OpId) -> Result<(), String> {
    let def = m.op(op).def;
    signature(def).ok_or_else(|| format!("{} has no signature", def.name))?.check(m, op, crate::NAME)
}
