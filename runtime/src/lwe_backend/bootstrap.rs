//! The programmable bootstrap (PBS) of the lut model: keyswitch big key → small key, then tfhe's classic FFT blind
//! rotation of a table (the accumulator) and sample extraction back under the big key. Each rayon thread keeps its
//! own FFT plan and scratch memory.
//!
//! Box convention (tfhe's `generate_programmable_bootstrap_glwe_lut`, built here with wrapping arithmetic so that
//! negative table entries need no care): with 2^p entries, entry i is selected by the phases within half a box of
//! i·2^(63−p), a box being 2^(63−p); phases in the padding half [2^63, 2^64) select the negated entries
//! (negacyclic), so just below 0 reads entry 0 and just above the last box reads −entry 0.

use super::keys::LweServerKey;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use tfhe::core_crypto::prelude::*;

static PBS_COUNT: AtomicU64 = AtomicU64::new(0);

/// The blind rotations run by every lwe backend in this process (all threads).
pub fn pbs_count() -> u64 {
    PBS_COUNT.load(Ordering::Relaxed)
}

pub fn reset_pbs_count() {
    PBS_COUNT.store(0, Ordering::Relaxed)
}

/// A thread's FFT plan and scratch memory for one (GLWE size, N).
struct Scratch {
    glwe_size: GlweSize,
    polynomial_size: PolynomialSize,
    fft: Fft,
    buffers: ComputationBuffers,
}

thread_local! {
    static SCRATCH: RefCell<Option<Scratch>> = const { RefCell::new(None) };
}

/// The accumulator whose blind rotation by a phase selects `entries[round(phase / 2^(63 − p))]` (2^p entries,
/// already encoded on the torus), following the box convention above.
fn accumulator(key: &LweServerKey, entries: &[u64]) -> GlweCiphertextOwned<u64> {
    let n = key.params.polynomial_size;
    let box_size = n / entries.len();
    let half = box_size / 2;
    let mut coefficients: Vec<u64> = entries.iter().flat_map(|&e| std::iter::repeat_n(e, box_size)).collect();
    // Phases just below 0 wrap to the end of the negacyclic rotation, negated: store entry 0 there, negated.
    coefficients[..half].iter_mut().for_each(|c| *c = c.wrapping_neg());
    coefficients.rotate_left(half);
    allocate_and_trivially_encrypt_new_glwe_ciphertext(
        key.bootstrap.glwe_size(),
        &PlaintextList::from_container(coefficients),
        CiphertextModulus::new_native(),
    )
}

/// Half a step of the modulus switch to 2N: subtracted from the phase so that the rounding to 2N's grid leaves
/// each box symmetric about its centre (a box of an even number of grid points otherwise reaches half a step
/// further down than up).
fn modulus_switch_centring(key: &LweServerKey, entries: usize) -> u64 {
    let n = key.params.polynomial_size;
    if n / entries >= 2 {
        (1u64 << 62) / n as u64
    } else {
        0
    }
}

/// One PBS: the table entry (see [`accumulator`]) selected by `input`'s phase plus `offset`, as a fresh
/// ciphertext under the big key. `entries.len()` is a power of two at most N.
pub(super) fn bootstrap(
    key: &LweServerKey,
    input: &LweCiphertextOwned<u64>,
    offset: u64,
    entries: &[u64],
) -> LweCiphertextOwned<u64> {
    debug_assert!(entries.len().is_power_of_two() && entries.len() <= key.params.polynomial_size);
    let mut shifted = input.clone();
    let offset = offset.wrapping_sub(modulus_switch_centring(key, entries.len()));
    lwe_ciphertext_plaintext_add_assign(&mut shifted, Plaintext(offset));
    let mut small = LweCiphertext::new(0u64, key.keyswitch.output_lwe_size(), CiphertextModulus::new_native());
    keyswitch_lwe_ciphertext(&key.keyswitch, &shifted, &mut small);
    let acc = accumulator(key, entries);
    let mut out =
        LweCiphertext::new(0u64, key.bootstrap.output_lwe_dimension().to_lwe_size(), CiphertextModulus::new_native());
    SCRATCH.with_borrow_mut(|slot| {
        let (glwe_size, polynomial_size) = (key.bootstrap.glwe_size(), key.bootstrap.polynomial_size());
        let stale = slot.as_ref().is_none_or(|s| (s.glwe_size, s.polynomial_size) != (glwe_size, polynomial_size));
        if stale {
            let fft = Fft::new(polynomial_size);
            let mut buffers = ComputationBuffers::new();
            let bytes = programmable_bootstrap_lwe_ciphertext_mem_optimized_requirement::<u64>(
                glwe_size,
                polynomial_size,
                fft.as_view(),
            )
            .unaligned_bytes_required();
            buffers.resize(bytes);
            *slot = Some(Scratch { glwe_size, polynomial_size, fft, buffers });
        }
        let scratch = slot.as_mut().expect("initialized above");
        programmable_bootstrap_lwe_ciphertext_mem_optimized(
            &small,
            &mut out,
            &acc,
            &key.bootstrap,
            scratch.fft.as_view(),
            scratch.buffers.stack(),
        );
    });
    PBS_COUNT.fetch_add(1, Ordering::Relaxed);
    out
}
