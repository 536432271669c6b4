//! Whether bootstrapping a batch of ciphertexts while the bootstrap key streams through once
//! (`batch_programmable_bootstrap_lwe_ciphertext_mem_optimized`) beats one bootstrap at a time, at the lut
//! model's shapes: 32 bootstraps, one thread per half (as rayon runs a layer on 2 cores), each half one at a time
//! or as one batch. Timing only: the keys' noise is the smallest TFHE-rs allows, not a secure choice.
//! `cargo build -p veil-runtime --example pbs_batch_probe`; run target/debug/examples/pbs_batch_probe.

use std::time::Instant;
use tfhe::core_crypto::prelude::*;

/// (n, k, N, PBS base log, PBS levels)
const SHAPES: &[(usize, usize, usize, usize, usize)] =
    &[(764, 2, 1024, 16, 2), (770, 1, 2048, 15, 2), (770, 1, 2048, 9, 4), (812, 1, 4096, 12, 3)];

/// Bootstraps per layer, and threads.
const COUNT: usize = 32;
const THREADS: usize = 2;

fn main() {
    let mut seeder = new_seeder();
    let seeder = seeder.as_mut();
    let mut secret = SecretRandomGenerator::<DefaultRandomGenerator>::new(seeder.seed());
    let mut encryption = EncryptionRandomGenerator::<DefaultRandomGenerator>::new(seeder.seed(), seeder);
    let noise = DynamicDistribution::new_gaussian_from_std_dev(StandardDev(2f64.powi(-50)));
    let modulus = CiphertextModulus::new_native();
    for &(n, k, big_n, base, levels) in SHAPES {
        let polynomial_size = PolynomialSize(big_n);
        let small = LweSecretKey::generate_new_binary(LweDimension(n), &mut secret);
        let glwe = GlweSecretKey::generate_new_binary(GlweDimension(k), polynomial_size, &mut secret);
        let bsk = par_allocate_and_generate_new_lwe_bootstrap_key(
            &small,
            &glwe,
            DecompositionBaseLog(base),
            DecompositionLevelCount(levels),
            noise,
            modulus,
            &mut encryption,
        );
        let mut fourier = FourierLweBootstrapKey::new(
            bsk.input_lwe_dimension(),
            bsk.glwe_size(),
            polynomial_size,
            bsk.decomposition_base_log(),
            bsk.decomposition_level_count(),
        );
        par_convert_standard_lwe_bootstrap_key_to_fourier(&bsk, &mut fourier);
        let per_thread = COUNT / THREADS;
        let mut inputs =
            LweCiphertextList::new(0u64, small.lwe_dimension().to_lwe_size(), LweCiphertextCount(per_thread), modulus);
        for mut ct in inputs.iter_mut() {
            encrypt_lwe_ciphertext(&small, &mut ct, Plaintext(3u64 << 59), noise, &mut encryption);
        }
        let acc = generate_programmable_bootstrap_glwe_lut(
            polynomial_size,
            GlweSize(k + 1),
            16,
            modulus,
            1 << 59,
            |x: u64| x,
        );
        let mut accs = GlweCiphertextList::new(
            0u64,
            GlweSize(k + 1).to_glwe_dimension().to_glwe_size(),
            polynomial_size,
            GlweCiphertextCount(per_thread),
            modulus,
        );
        for mut a in accs.iter_mut() {
            a.as_mut().copy_from_slice(acc.as_ref());
        }
        let fft = Fft::new(polynomial_size);
        let big_size = glwe.clone().into_lwe_secret_key().lwe_dimension().to_lwe_size();
        let one_at_a_time = || {
            let mut buffers = ComputationBuffers::new();
            let needed = programmable_bootstrap_lwe_ciphertext_mem_optimized_requirement::<u64>(
                GlweSize(k + 1),
                polynomial_size,
                fft.as_view(),
            );
            buffers.resize(needed.unaligned_bytes_required());
            let mut out = LweCiphertext::new(0u64, big_size, modulus);
            for ct in inputs.iter() {
                programmable_bootstrap_lwe_ciphertext_mem_optimized(
                    &ct,
                    &mut out,
                    &acc,
                    &fourier,
                    fft.as_view(),
                    buffers.stack(),
                );
            }
        };
        let batched = || {
            let mut buffers = ComputationBuffers::new();
            let needed = batch_programmable_bootstrap_lwe_ciphertext_mem_optimized_requirement::<u64>(
                GlweSize(k + 1),
                polynomial_size,
                CiphertextCount(per_thread),
                fft.as_view(),
            );
            buffers.resize(needed.unaligned_bytes_required());
            let mut out = LweCiphertextList::new(0u64, big_size, LweCiphertextCount(per_thread), modulus);
            batch_programmable_bootstrap_lwe_ciphertext_mem_optimized(
                &inputs,
                &mut out,
                &accs,
                &fourier,
                fft.as_view(),
                buffers.stack(),
            );
        };
        let time = |f: &(dyn Fn() + Sync)| {
            std::thread::scope(|s| {
                (0..THREADS).for_each(|_| drop(s.spawn(f)));
            });
            let start = Instant::now();
            std::thread::scope(|s| {
                (0..THREADS).for_each(|_| drop(s.spawn(f)));
            });
            start.elapsed().as_secs_f64() * 1e3
        };
        let (single, batch) = (time(&one_at_a_time), time(&batched));
        let key_mib = (fourier.as_view().data().len() * 16) as f64 / (1 << 20) as f64;
        println!(
            "n = {n:4}, k = {k}, N = {big_n:5}, PBS 2^{base} x {levels} (key {key_mib:5.1} MiB): {COUNT} PBS on {THREADS} \
             threads one at a time {single:7.1} ms ({:5.2} ms each), batched {batch:7.1} ms ({:5.2} ms each)",
            single / COUNT as f64 * THREADS as f64,
            batch / COUNT as f64 * THREADS as f64
        );
    }
}
