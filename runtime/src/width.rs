//! [`Width`]: the bit width of a signed integer element (2 to 64 bits). The radix backend stores an element in
//! 2-bit blocks ([`Width::blocks`], even widths only); the lwe backend encodes it in one LWE ciphertext at any width.

use crate::error::{Result, RuntimeError};
use std::fmt;

/// Bits per message block of the radix ciphertexts (PARAM_MESSAGE_2_CARRY_2).
pub const BITS_PER_BLOCK: u32 = 2;

/// The width of a signed two's-complement element: `bits` in 2..=64. Odd widths exist for the lwe backend, whose
/// encodings need not fill whole radix blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Width(u32);

impl Width {
    pub fn new(bits: u32) -> Result<Width> {
        if !(2..=64).contains(&bits) {
            return Err(RuntimeError::Width(format!("i{bits}: widths are from 2 to 64 bits")));
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

    /// The number of 2-bit radix blocks of an element (radix backend only: the rt verifier guarantees even widths
    /// for radix programs; an odd width would be rounded up to whole blocks).
    pub fn blocks(self) -> usize {
        self.0.div_ceil(BITS_PER_BLOCK) as usize
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

    /// `value` reduced to this width (two's complement modulo 2^bits).
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
