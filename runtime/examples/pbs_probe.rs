//! Keyswitch (to 32-bit words, as the lwe backend's) + classic PBS timed at the parameter shapes the lut model chooses, as the lwe backend runs them: one
//! chunk per thread, each chunk's keyswitches one by one and then one batch of bootstraps that streams the bootstrap
//! key once (`batch_programmable_bootstrap_lwe_ciphertext_mem_optimized`); beside it the same bootstraps one at a
//! time. The measurements behind the cost model (lowering/params/src/cost.rs), to recalibrate it on another machine
//! or build. Timing only: the noise of the keys is the smallest TFHE-rs allows, not a secure choice.
//! `cargo build -p veil-runtime --example pbs_probe`; run `target/debug/examples/pbs_probe [BATCH] [THREADS]`
//! (bootstraps per thread, default 16; threads, default 2).

use std::time::Instant;
use tfhe::core_crypto::prelude::*;

/// (n, k, N, PBS base log, PBS levels, keyswitch base log, keyswitch levels)
const SHAPES: &[(usize, usize, usize, usize, usize, usize, usize)] = &[
    (771, 1, 2048, 23, 1, 3, 5),
    (796, 1, 2048, 15, 2, 3, 5),
    (796, 1, 2048, 12, 3, 3, 5),
    (770, 1, 2048, 9, 4, 2, 7),
    (862, 1, 2048, 15, 2, 4, 3),
    (786, 1, 4096, 15, 2, 2, 7),
    (812, 1, 4096, 12, 3, 3, 5),
    (714, 2, 1024, 23, 1, 3, 4),
    (764, 2, 1024, 16, 2, 3, 4),
    (834, 4, 512, 23, 1, 3, 5),
];

/// The wall-clock milliseconds of `threads` threads each running `f` once (after one untimed round).
fn wall_ms(threads: usize, f: &(dyn Fn() + Sync)) -> f64 {
    let round = || std::thread::scope(|s| (0..threads).for_each(|_| drop(s.spawn(f))));
    round();
    let start = Instant::now();
    round();
    start.elapsed().as_secs_f64() * 1e3
}

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().expect("BATCH and THREADS are counts"));
    let batch = args.next().unwrap_or(16).max(1);
    let threads = args.next().unwrap_or(2).max(1);
    let mut seeder = new_seeder();
    let seeder = seeder.as_mut();
    let mut secret = SecretRandomGenerator::<DefaultRandomGenerator>::new(seeder.seed());
    let mut encryption = EncryptionRandomGenerator::<DefaultRandomGenerator>::new(seeder.seed(), seeder);
    let noise = DynamicDistribution::new_gaussian_from_std_dev(StandardDev(2f64.powi(-50)));
    let modulus = CiphertextModulus::new_native();
    println!(
        "{batch} bootstraps per thread on {threads} threads; times per bootstrap and thread (wall × threads / count)"
    );
    for &(n, k, big_n, pbs_base, pbs_levels, ks_base, ks_levels) in SHAPES {
        let polynomial_size = PolynomialSize(big_n);
        let small: LweSecretKeyOwned<u32> = LweSecretKey::generate_new_binary(LweDimension(n), &mut secret);
        let glwe = GlweSecretKey::generate_new_binary(GlweDimension(k), polynomial_size, &mut secret);
        let big = glwe.clone().into_lwe_secret_key();
        let ksk = allocate_and_generate_new_lwe_keyswitch_key(
            &big,
            &small,
            DecompositionBaseLog(ks_base),
            DecompositionLevelCount(ks_levels),
            DynamicDistribution::new_gaussian_from_std_dev(StandardDev(2f64.powi(-25))),
            CiphertextModulus::<u32>::new_native(),
            &mut encryption,
        );
        let bsk = par_allocate_and_generate_new_lwe_bootstrap_key(
            &small,
            &glwe,
            DecompositionBaseLog(pbs_base),
            DecompositionLevelCount(pbs_levels),
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
        let (big_size, small_size) = (big.lwe_dimension().to_lwe_size(), small.lwe_dimension().to_lwe_size());
        let mut inputs = LweCiphertextList::new(0u64, big_size, LweCiphertextCount(batch), modulus);
        for mut ct in inputs.iter_mut() {
            encrypt_lwe_ciphertext(&big, &mut ct, Plaintext(3u64 << 59), noise, &mut encryption);
        }
        let acc = generate_programmable_bootstrap_glwe_lut(
            polynomial_size,
            GlweSize(k + 1),
            16,
            modulus,
            1 << 59,
            |x: u64| x,
        );
        let mut accs =
            GlweCiphertextList::new(0u64, GlweSize(k + 1), polynomial_size, GlweCiphertextCount(batch), modulus);
        for mut a in accs.iter_mut() {
            a.as_mut().copy_from_slice(acc.as_ref());
        }
        let fft = Fft::new(polynomial_size);
        let keyswitch_all = || {
            let mut switched =
                LweCiphertextList::new(0u32, small_size, LweCiphertextCount(batch), CiphertextModulus::new_native());
            for (input, mut out) in inputs.iter().zip(switched.iter_mut()) {
                keyswitch_lwe_ciphertext_with_scalar_change(&ksk, &input, &mut out);
            }
            switched
        };
        let switched = keyswitch_all();
        let one_at_a_time = || {
            let mut buffers = ComputationBuffers::new();
            let needed = programmable_bootstrap_lwe_ciphertext_mem_optimized_requirement::<u64>(
                GlweSize(k + 1),
                polynomial_size,
                fft.as_view(),
            );
            buffers.resize(needed.unaligned_bytes_required());
            let mut out = LweCiphertext::new(0u64, big_size, modulus);
            for ct in switched.iter() {
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
            let switched = keyswitch_all();
            let mut buffers = ComputationBuffers::new();
            let needed = batch_programmable_bootstrap_lwe_ciphertext_mem_optimized_requirement::<u64>(
                GlweSize(k + 1),
                polynomial_size,
                CiphertextCount(batch),
                fft.as_view(),
            );
            buffers.resize(needed.unaligned_bytes_required());
            let mut out = LweCiphertextList::new(0u64, big_size, LweCiphertextCount(batch), modulus);
            batch_programmable_bootstrap_lwe_ciphertext_mem_optimized(
                &switched,
                &mut out,
                &accs,
                &fourier,
                fft.as_view(),
                buffers.stack(),
            );
        };
        let each = |ms: f64| ms / batch as f64;
        let (keyswitch, single, both) = (
            each(wall_ms(threads, &|| drop(keyswitch_all()))),
            each(wall_ms(threads, &one_at_a_time)),
            each(wall_ms(threads, &batched)),
        );
        let key_mib = (fourier.as_view().data().len() * 16) as f64 / (1 << 20) as f64;
        println!(
            "n = {n:4}, k = {k}, N = {big_n:5}, PBS 2^{pbs_base} x {pbs_levels} ({key_mib:5.1} MiB), KS 2^{ks_base} x \
             {ks_levels}: keyswitch {keyswitch:6.2} ms, PBS one at a time {single:6.2} ms, keyswitch + batched PBS \
             {both:6.2} ms"
        );
    }
}
