//! The programmable bootstrap (PBS) of the lut model: keyswitch from the input's big key to the bootstrap's
//! partition's small key, then tfhe's classic FFT blind rotation of a table (the accumulator) and sample
//! extraction under that partition's big key. Each rayon thread keeps its
//! own FFT plan and scratch memory.
//!
//! Box convention (tfhe's `generate_programmable_bootstrap_glwe_lut`, built here with wrapping arithmetic so that
//! negative table entries need no care): with 2^p entries, entry i is selected by the phases within half a box of
//! i·2^(63−p), a box being 2^(63−p); phases in the padding half [2^63, 2^64) select the negated entries
//! (negacyclic), so just below 0 reads entry 0 and just above the last box reads −entry 0.

use super::keys::LweServerKey;
use super::LweValue;
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
    /// One per shape met: per-partition parameters alternate between shapes element by element.
    static SCRATCH: RefCell<Vec<Scratch>> = const { RefCell::new(Vec::new()) };
}

/// The accumulator whose blind rotation by a phase selects `entries[round(phase / 2^(63 − p))]` (2^p entries,
/// already encoded on the torus), following the box convention above.
fn accumulator(glwe_size: GlweSize, n: usize, entries: &[u64]) -> GlweCiphertextOwned<u64> {
    let box_size = n / entries.len();
    let half = box_size / 2;
    let mut coefficients: Vec<u64> = entries.iter().flat_map(|&e| std::iter::repeat_n(e, box_size)).collect();
    // Phases just below 0 wrap to the end of the negacyclic rotation, negated: store entry 0 there, negated.
    coefficients[..half].iter_mut().for_each(|c| *c = c.wrapping_neg());
    coefficients.rotate_left(half);
    allocate_and_trivially_encrypt_new_glwe_ciphertext(
        glwe_size,
        &PlaintextList::from_container(coefficients),
        CiphertextModulus::new_native(),
    )
}

/// Half a step of the modulus switch to 2N: subtracted from the phase so that the rounding to 2N's grid leaves
/// each box symmetric about its centre (a box of an even number of grid points otherwise reaches half a step
/// further down than up).
fn modulus_switch_centring(n: usize, entries: usize) -> u64 {
    if n / entries >= 2 {
        (1u64 << 62) / n as u64
    } else {
        0
    }
}

/// One PBS of partition `partition` per input: the table entry (see [`accumulator`]) selected by the input's phase
/// plus `offset`, as a fresh ciphertext under the partition's big key. Each input is keyswitched from its own
/// partition's big key (a trivial input needs no keyswitch). The blind rotations run as one batch, which streams
/// the bootstrap key through memory once for all of them (about 30% faster on 2 cores than one at a time, where a
/// key of 100 MiB or more is read per bootstrap: `runtime/examples/pbs_batch_probe.rs`). `entries.len()` is a
/// power of two.
pub(super) fn bootstrap_batch(
    key: &LweServerKey,
    inputs: &[&LweValue],
    partition: usize,
    offset: u64,
    entries: &[u64],
) -> Result<Vec<LweCiphertextOwned<u64>>, String> {
    let (Some(params), Some(bootstrap_key)) = (key.keyset.partitions.get(partition), key.bootstrap_key(partition))
    else {
        return Err(format!("partition {partition} has no bootstrap key"));
    };
    let n = params.polynomial_size;
    if entries.is_empty() || !entries.len().is_power_of_two() || entries.len() > n {
        return Err(format!("a table of {} entries does not fit partition {partition}'s N = {n}", entries.len()));
    }
    if inputs.is_empty() {
        return Ok(vec![]);
    }
    let offset = offset.wrapping_sub(modulus_switch_centring(n, entries.len()));
    let small_size = LweDimension(params.lwe_dimension).to_lwe_size();
    let count = inputs.len();
    let mut small =
        LweCiphertextList::new(0u32, small_size, LweCiphertextCount(count), CiphertextModulus::new_native());
    for (input, mut slot) in inputs.iter().zip(small.iter_mut()) {
        switch_to_small(key, input, partition, offset, &mut slot)?;
    }
    let (glwe_size, polynomial_size) = (bootstrap_key.glwe_size(), bootstrap_key.polynomial_size());
    let acc = accumulator(glwe_size, n, entries);
    let mut accumulators = GlweCiphertextList::new(
        0u64,
        glwe_size,
        polynomial_size,
        GlweCiphertextCount(count),
        CiphertextModulus::new_native(),
    );
    for mut a in accumulators.iter_mut() {
        a.as_mut().copy_from_slice(acc.as_ref());
    }
    let big_size = bootstrap_key.output_lwe_dimension().to_lwe_size();
    let mut out = LweCiphertextList::new(0u64, big_size, LweCiphertextCount(count), CiphertextModulus::new_native());
    SCRATCH.with_borrow_mut(|scratches| {
        let index =
            match scratches.iter().position(|s| (s.glwe_size, s.polynomial_size) == (glwe_size, polynomial_size)) {
                Some(i) => i,
                None => {
                    let fft = Fft::new(polynomial_size);
                    scratches.push(Scratch { glwe_size, polynomial_size, fft, buffers: ComputationBuffers::new() });
                    scratches.len() - 1
                }
            };
        let scratch = &mut scratches[index];
        let bytes = batch_programmable_bootstrap_lwe_ciphertext_mem_optimized_requirement::<u64>(
            glwe_size,
            polynomial_size,
            CiphertextCount(count),
            scratch.fft.as_view(),
        )
        .unaligned_bytes_required();
        scratch.buffers.resize(bytes);
        batch_programmable_bootstrap_lwe_ciphertext_mem_optimized(
            &small,
            &mut out,
            &accumulators,
            bootstrap_key,
            scratch.fft.as_view(),
            scratch.buffers.stack(),
        );
    });
    PBS_COUNT.fetch_add(count as u64, Ordering::Relaxed);
    Ok(out.iter().map(|ct| LweCiphertext::from_container(ct.as_ref().to_vec(), ct.ciphertext_modulus())).collect())
}

/// `input`'s phase plus `offset` under partition `partition`'s small key with 32-bit words, into `slot`:
/// keyswitched from the input's partition, or for a trivial input its body alone (rounded to 32 bits).
fn switch_to_small(
    key: &LweServerKey,
    input: &LweValue,
    partition: usize,
    offset: u64,
    slot: &mut LweCiphertextMutView<'_, u32>,
) -> Result<(), String> {
    let Some(source) = input.key else {
        slot.as_mut().fill(0);
        *slot.get_mut_body().data = round_to_32_bits(input.ct.get_body().data.wrapping_add(offset));
        return Ok(());
    };
    let keyswitch = key
        .keyswitch_key(source, partition)
        .ok_or_else(|| format!("no keyswitch key from partition {source} to partition {partition}"))?;
    if input.ct.lwe_size().to_lwe_dimension() != keyswitch.input_key_lwe_dimension() {
        return Err(format!(
            "a ciphertext of LWE dimension {} where partition {source}'s big key has {}",
            input.ct.lwe_size().to_lwe_dimension().0,
            keyswitch.input_key_lwe_dimension().0
        ));
    }
    let mut shifted = input.ct.clone();
    lwe_ciphertext_plaintext_add_assign(&mut shifted, Plaintext(offset));
    keyswitch_lwe_ciphertext_with_scalar_change(keyswitch, &shifted, slot);
    Ok(())
}

/// The 32-bit torus word nearest a 64-bit one.
fn round_to_32_bits(word: u64) -> u32 {
    (word.wrapping_add(1 << 31) >> 32) as u32
}
