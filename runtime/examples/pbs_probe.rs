//! One keyswitch and one classic PBS timed apart, on one thread, at the parameter shapes the lut model chooses:
//! the measurements behind the cost model (lowering/params/src/cost.rs), to recalibrate it on another machine or
//! build. Timing only: the noise of the keys is the smallest TFHE-rs allows, not a secure choice.
//! `cargo test --workspace --no-run` builds it; run target/debug/examples/pbs_probe-*.

use std::time::Instant;
use tfhe::core_crypto::prelude::*;

/// (n, k, N, PBS base log, PBS levels, keyswitch base log, keyswitch levels)
const SHAPES: &[(usize, usize, usize, usize, usize, usize, usize)] = &[
    (771, 1, 2048, 23, 1, 3, 5),
    (796, 1, 2048, 15, 2, 3, 5),
    (796, 1, 2048, 12, 3, 3, 5),
    (862, 1, 2048, 15, 2, 4, 3),
    (786, 1, 4096, 15, 2, 2, 7),
    (714, 2, 1024, 23, 1, 3, 4),
    (834, 4, 512, 23, 1, 3, 5),
];

fn mean_ms(repeats: usize, mut f: impl FnMut()) -> f64 {
    f();
    let start = Instant::now();
    for _ in 0..repeats {
        f();
    }
    start.elapsed().as_secs_f64() * 1e3 / repeats as f64
}

fn main() {
    let mut seeder = new_seeder();
    let seeder = seeder.as_mut();
    let mut secret = SecretRandomGenerator::<DefaultRandomGenerator>::new(seeder.seed());
    let mut encryption = EncryptionRandomGenerator::<DefaultRandomGenerator>::new(seeder.seed(), seeder);
    let noise = DynamicDistribution::new_gaussian_from_std_dev(StandardDev(2f64.powi(-50)));
    let modulus = CiphertextModulus::new_native();
    for &(n, k, big_n, pbs_base, pbs_levels, ks_base, ks_levels) in SHAPES {
        let polynomial_size = PolynomialSize(big_n);
        let small = LweSecretKey::generate_new_binary(LweDimension(n), &mut secret);
        let glwe = GlweSecretKey::generate_new_binary(GlweDimension(k), polynomial_size, &mut secret);
        let big = glwe.clone().into_lwe_secret_key();
        let ksk = allocate_and_generate_new_lwe_keyswitch_key(
            &big,
            &small,
            DecompositionBaseLog(ks_base),
            DecompositionLevelCount(ks_levels),
            noise,
            modulus,
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
        let input =
            allocate_and_encrypt_new_lwe_ciphertext(&big, Plaintext(3u64 << 59), noise, modulus, &mut encryption);
        let mut switched = LweCiphertext::new(0u64, small.lwe_dimension().to_lwe_size(), modulus);
        let ks_ms = mean_ms(20, || keyswitch_lwe_ciphertext(&ksk, &input, &mut switched));
        let acc = generate_programmable_bootstrap_glwe_lut(
            polynomial_size,
            GlweSize(k + 1),
            16,
            modulus,
            1 << 59,
            |x: u64| x,
        );
        let fft = Fft::new(polynomial_size);
        let mut buffers = ComputationBuffers::new();
        let needed = programmable_bootstrap_lwe_ciphertext_mem_optimized_requirement::<u64>(
            GlweSize(k + 1),
            polynomial_size,
            fft.as_view(),
        );
        buffers.resize(needed.unaligned_bytes_required());
        let mut out = LweCiphertext::new(0u64, big.lwe_dimension().to_lwe_size(), modulus);
        let pbs_ms = mean_ms(10, || {
            programmable_bootstrap_lwe_ciphertext_mem_optimized(
                &switched,
                &mut out,
                &acc,
                &fourier,
                fft.as_view(),
                buffers.stack(),
            )
        });
        println!(
            "n = {n:4}, k = {k}, N = {big_n:5}, PBS 2^{pbs_base} x {pbs_levels}, KS 2^{ks_base} x {ks_levels}: \
             keyswitch {ks_ms:6.2} ms, PBS {pbs_ms:6.2} ms, both {:6.2} ms",
            ks_ms + pbs_ms
        );
    }
}
