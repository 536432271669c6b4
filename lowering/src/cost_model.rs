//! The cost model of the tfhe backend (being written).

/// The most clean-block units a block may accumulate without carry propagation.
pub const MAX_LEVELED_LOAD: u64 = 5;
