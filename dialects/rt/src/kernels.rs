//! The kernel table: every runtime kernel an `rt.call` may name, as data. Each kernel mirrors one he op (same
//! operands, attributes, exact integer meaning and shape/scale rule, taken from the op's [`Signature`]) and adds
//! what the runtime and the cost model need: a description of how it runs, whether it bootstraps, and the
//! variants among which the compiler has chosen. Backends implement one method per kernel.

use veil_he::signatures as he;
use veil_he::{Operands, Signature};
use veil_ir::{AttrSpec, OpDef};

/// One implementation choice of a kernel, named by the call's `variant` attribute.
#[derive(Debug, PartialEq, Eq)]
pub struct Variant {
    pub name: &'static str,
    /// Whether this form needs no bootstrapping (no PBS).
    pub leveled: bool,
    pub description: &'static str,
}

/// Block-wise arithmetic without carry propagation: no PBS. The result's blocks keep their carries; the integer
/// meaning is unchanged. The compiler uses it only where the accumulated carries fit the blocks' carry space.
pub const LEVELED: Variant = Variant {
    name: "leveled",
    leveled: true,
    description: "no carry propagation: no PBS; the result's blocks keep carries within their carry space",
};

/// The operation followed by a full carry propagation: clean blocks, a few PBS per block.
pub const PROPAGATE: Variant = Variant {
    name: "propagate",
    leveled: false,
    description: "carries propagated: clean result blocks, a few PBS per block",
};

/// The variants of the kernels that have a leveled and a carry-propagating form.
pub static CARRY_VARIANTS: &[Variant] = &[LEVELED, PROPAGATE];

/// A runtime kernel.
#[derive(Debug)]
pub struct Kernel {
    /// The callee's name: `add` for `rt.call @add`.
    pub name: &'static str,
    /// How it runs, in one line.
    pub description: &'static str,
    /// The operand kinds (ct / pt, optional trailing ones), as the mirrored he op's.
    pub operands: Operands,
    /// The kernel's own attributes (required and optional), as the mirrored he op's.
    pub attrs: &'static [AttrSpec],
    /// The forms the call must choose among with `variant`; empty when there is one form.
    pub variants: &'static [Variant],
    /// Whether every form runs without bootstrapping.
    pub leveled: bool,
    /// The mirrored he op's signature; its rule checks a call's shapes and scales.
    pub signature: &'static Signature,
}

impl Kernel {
    /// A kernel with one form, mirroring an he op.
    const fn mirror(signature: &'static Signature, leveled: bool, description: &'static str) -> Kernel {
        Kernel {
            name: signature.short_name(),
            description,
            operands: signature.operands,
            attrs: signature.op.attrs,
            variants: &[],
            leveled,
            signature,
        }
    }

    /// The same kernel with a leveled and a carry-propagating form.
    const fn with_carry_variants(self) -> Kernel {
        Kernel { variants: CARRY_VARIANTS, leveled: false, ..self }
    }

    /// `@add`
    pub fn symbol(&self) -> String {
        format!("@{}", self.name)
    }

    /// The he op this kernel implements.
    pub fn he_op(&self) -> &'static OpDef {
        self.signature.op
    }

    pub fn variant(&self, name: &str) -> Option<&'static Variant> {
        self.variants.iter().find(|v| v.name == name)
    }

    /// Whether a call in this form (`variant`, if the kernel has variants) runs without bootstrapping.
    pub fn is_leveled(&self, variant: Option<&str>) -> bool {
        self.leveled || variant.and_then(|v| self.variant(v)).is_some_and(|v| v.leveled)
    }

    pub fn attr(&self, name: &str) -> Option<&'static AttrSpec> {
        self.attrs.iter().find(|a| a.name == name)
    }
}

/// Every kernel, one per server-side he op.
pub static KERNELS: &[Kernel] = &[
    Kernel::mirror(&he::ADD, false, "Radix addition, elementwise with broadcasting").with_carry_variants(),
    Kernel::mirror(&he::SUB, false, "Radix subtraction, elementwise with broadcasting").with_carry_variants(),
    Kernel::mirror(&he::ADD_PLAIN, false, "Scalar addition of cleartext integers").with_carry_variants(),
    Kernel::mirror(&he::SUB_PLAIN, false, "Scalar subtraction of cleartext integers").with_carry_variants(),
    Kernel::mirror(&he::NEG, false, "Radix negation").with_carry_variants(),
    Kernel::mirror(&he::MUL, false, "Ciphertext-ciphertext radix multiplication (many PBS per element)"),
    Kernel::mirror(&he::MUL_PLAIN, false, "Scalar multiplication by cleartext integers (leveled only for small ones)")
        .with_carry_variants(),
    Kernel::mirror(
        &he::SQUARE,
        false,
        "Each element times itself: one PBS per block product of its own blocks, one sum",
    ),
    Kernel::mirror(
        &he::MATMUL_PLAIN,
        false,
        "Dot products with cleartext weights: terms accumulated leveled, one carry propagation per output",
    ),
    Kernel::mirror(
        &he::CONV2D_PLAIN,
        false,
        "Convolution with cleartext weights: terms accumulated leveled, one carry propagation per output",
    ),
    Kernel::mirror(&he::SUM, false, "Sum over axes: accumulated leveled, one carry propagation per output"),
    Kernel::mirror(
        &he::RESCALE,
        false,
        "Arithmetic shift right: whole blocks are dropped, a remaining odd bit costs PBS",
    ),
    Kernel::mirror(&he::SHL, false, "Shift left: whole blocks are moved, a remaining odd bit costs PBS"),
    Kernel::mirror(&he::TRIVIAL, true, "Trivial (noiseless, public) encryption of cleartext integers"),
    Kernel::mirror(&he::RELU, false, "max(x, 0) from the sign block (PBS)"),
    Kernel::mirror(&he::MAX, false, "Radix comparison and selection (PBS)"),
    Kernel::mirror(&he::MAX_POOL2D, false, "Window maxima: a tree of radix comparisons (PBS)"),
    Kernel::mirror(
        &he::AVG_POOL2D,
        false,
        "Window sums accumulated leveled, times a scalar multiplier, one carry propagation per output",
    ),
    Kernel::mirror(
        &he::CLAMP,
        false,
        "Saturation: radix comparisons with the bounds (PBS); the lookup-table model runs it as two tables (he-to-rt)",
    ),
    Kernel::mirror(&he::LUT, false, "A programmable bootstrap per output block applying the table"),
    Kernel::mirror(&he::RESHAPE, true, "Reinterprets the element order: no arithmetic"),
    Kernel::mirror(&he::TRANSPOSE, true, "Moves elements: no arithmetic"),
    Kernel::mirror(&he::PAD, true, "Adds trivial zero elements: no arithmetic"),
    Kernel::mirror(&he::CONCAT, true, "Joins element buffers: no arithmetic"),
];

/// The kernel called `name` (without `@`).
pub fn kernel(name: &str) -> Option<&'static Kernel> {
    KERNELS.iter().find(|k| k.name == name)
}
