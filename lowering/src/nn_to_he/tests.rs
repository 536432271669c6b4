//! Unit tests of the nn → he lowering.
