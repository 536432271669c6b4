//! [`Width`]: the bit width of a signed integer element (an even number of bits, 2 to 64), which is also the number
//! of 2-bit radix blocks of a ciphertext element.

use crate::error::{Result, RuntimeError};
use std::fmt;

/// Bits per message block of the radix ciphertexts (PARAM_MESSAGE_2_CARRY_2).
pub const BITS_PER_BLOCK: u32 = 2;

/// The width of a signed two's-complement element: `bits` in 2..=64, a multiple of [`BITS_PER_BLOCK`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Width(u32);

impl Width {
    pub fn new(bits: u32) -> Result<Width> {
        if !(BITS_PER_BLOCK..=64).contains(&bits) || !bits.is_multiple_of(BITS_PER_BLOCK) {
            return Err(RuntimeError::Width(format!("i{bits}: widths are even numbers of bits from 2 to 64")));
        }
        Ok(Width(bits))
    }

    /// The width of `blocks` radix blocks.
    pub fn from_blocks(blocks: usize) -> Result<Width> {
        Width::new(u32::try_from(blocks).unwrap_or(u32::MAX).saturating_mul(BITS_PER_BLOCK))
    }

    pub fn bits(self) -> u32 {
        self.0
    }

    pub fn blocks(self) -> usize {
        (self.0 / BITS_PER_BLOCK) as usize
    }

    pub fn min_value(self) -> i128 {
        -(1i128 << (self.0 - 1))
    }

    pub fn max_value(self) -> i128 {
        (1i128 << (self.0 - 1)) - 1
    }

    pub fn contains(self, value: i128) -> bool {
        (self.min_value()..=self.max_value()).contains(&value)
    }

    /// `value` reduced to this width, as a radix ciphertext of this many blocks would hold it.
    pub fn wrap(self, value: i128) -> i64 {
        let shift = 128 - self.0;
        ((value << shift) >> shift) as i64
    }
}

impl fmt::Display for Width {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "i{}", self.0)
    }
}
