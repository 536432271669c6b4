//! rt's types, `!rt.ct<1x32xi16, frac = 6>` and `!rt.pt<...>`: he's parameters (read through the shared
//! [`FixedTensor`] view) with one more rule, that the width is a whole number of radix blocks.

use veil_he::{FixedTensor, LWE_TYPE_NAME};
use veil_ir::{DialectData, Module, Type, TypeKind};

/// Message bits per TFHE radix block.
pub const BLOCK_BITS: u32 = 2;

/// The narrowest rt width that holds a `width`-bit he integer: rounded up to whole blocks.
pub fn block_width(width: u32) -> u32 {
    width.div_ceil(BLOCK_BITS) * BLOCK_BITS
}

/// The typed view of rt types, on he's [`FixedTensor`]. `!rt.ct` elements are radix integers (whole 2-bit blocks);
/// `!rt.lwe` elements are single LWE ciphertexts of the lookup-table model (any width).
pub trait RtTensor: Sized {
    /// The view of an `!rt.ct` / `!rt.pt` type; `None` for any other type or invalid parameters.
    fn of_rt(m: &Module, t: Type) -> Option<Self>;
    /// The `!rt.ct` / `!rt.pt` type with this view's parameters.
    fn to_rt_type(&self, m: &mut Module) -> Type;
    /// Radix blocks per element, `width / BLOCK_BITS`.
    fn blocks(&self) -> u32;
}

impl RtTensor for FixedTensor {
    fn of_rt(m: &Module, t: Type) -> Option<FixedTensor> {
        FixedTensor::of_in(m, t, crate::NAME).filter(|ft| ft.width % BLOCK_BITS == 0 || is_lwe(m, t))
    }

    fn to_rt_type(&self, m: &mut Module) -> Type {
        self.to_type_in(m, crate::NAME)
    }

    fn blocks(&self) -> u32 {
        self.width / BLOCK_BITS
    }
}

/// Whether `t` is an `!rt.lwe` type (a ciphertext tensor of the lookup-table model).
pub fn is_lwe(m: &Module, t: Type) -> bool {
    matches!(m.ty(t), TypeKind::Dialect(d) if d.dialect == crate::NAME && d.name == LWE_TYPE_NAME)
}

/// The `!rt.lwe` type with `t`'s shape, width and frac.
pub fn lwe_type(m: &mut Module, t: &FixedTensor) -> Type {
    t.to_type_named(m, crate::NAME, LWE_TYPE_NAME)
}

/// Checks an rt type (the dialect's `verify_type`).
pub fn verify_type(m: &Module, d: &DialectData) -> Result<(), String> {
    let t = FixedTensor::from_data(m, d)?;
    if t.width % BLOCK_BITS != 0 && d.name != LWE_TYPE_NAME {
        return Err(format!(
            "element width i{} is not a whole number of radix blocks: rt widths are multiples of {BLOCK_BITS} \
             ({BLOCK_BITS} message bits per TFHE block)",
            t.width
        ));
    }
    Ok(())
}
