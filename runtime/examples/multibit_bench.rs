//! The lut model's bootstrap against tfhe-rs's multi-bit PBS, at the shapes the lut model chooses (n ≈ 800–900,
//! k = 1, N = 2048 and 4096, 3 levels): one blind rotation on one thread, and a batch of elements over all cores
//! (rayon across elements, as the lwe backend runs a tensor; a multi-bit PBS may also split its own work). Timing
//! only: the noise of the keys is the smallest TFHE-rs allows, not a secure choice.
//! `cargo test --workspace --no-run` builds it; run target/debug/examples/multibit_bench-*.

use rayon::prelude::*;
use std::time::Instant;
use tfhe::core_crypto::prelude::*;

const N_SMALL: usize = 864; // divisible by 2, 3 and 4
const BATCH: usize = 32;

fn seconds<T>(f: impl FnOnce() -> T) -> f64 {
    let start = Instant::now();
    let _ = std::hint::black_box(f());
    start.elapsed().as_secs_f64()
}

struct Setup {
    small: LweSecretKey<Vec<u64>>,
    glwe: GlweSecretKey<Vec<u64>>,
    encryption: EncryptionRandomGenerator<DefaultRandomGenerator>,
    noise: DynamicDistribution<u64>,
}

fn setup(polynomial_size: PolynomialSize) -> Setup {
    let mut seeder = new_seeder();
    let seeder = seeder.as_mut();
    let mut secret = SecretRandomGenerator::<DefaultRandomGenerator>::new(seeder.seed());
    let encryption = EncryptionRandomGenerator::<DefaultRandomGenerator>::new(seeder.seed(), seeder);
    Setup {
        small: LweSecretKey::generate_new_binary(LweDimension(N_SMALL), &mut secret),
        glwe: GlweSecretKey::generate_new_binary(GlweDimension(1), polynomial_size, &mut secret),
        encryption,
        noise: DynamicDistribution::new_gaussian_from_std_dev(StandardDev(2f64.powi(-50))),
    }
}

fn inputs(s: &mut Setup, count: usize) -> Vec<LweCiphertextOwned<u64>> {
    (0..count)
        .map(|i| {
            let plaintext = Plaintext((i as u64 % 16) << 58);
            allocate_and_encrypt_new_lwe_ciphertext(
                &s.small,
                plaintext,
                s.noise,
                CiphertextModulus::new_native(),
                &mut s.encryption,
            )
        })
        .collect()
}

fn accumulator(polynomial_size: PolynomialSize) -> GlweCiphertextOwned<u64> {
    generate_programmable_bootstrap_glwe_lut(
        polynomial_size,
        GlweSize(2),
        16,
        CiphertextModulus::new_native(),
        1 << 58,
        |x: u64| x,
    )
}

fn classic(s: &mut Setup, n: PolynomialSize, base: DecompositionBaseLog, levels: DecompositionLevelCount) {
    let bsk = par_allocate_and_generate_new_lwe_bootstrap_key(
        &s.small,
        &s.glwe,
        base,
        levels,
        s.noise,
        CiphertextModulus::new_native(),
        &mut s.encryption,
    );
    let mut fourier = FourierLweBootstrapKey::new(bsk.input_lwe_dimension(), bsk.glwe_size(), n, base, levels);
    par_convert_standard_lwe_bootstrap_key_to_fourier(&bsk, &mut fourier);
    let acc = accumulator(n);
    let cts = inputs(s, BATCH);
    let out_size = LweSize(n.0 + 1);
    let run = |ct: &LweCiphertextOwned<u64>| {
        thread_local! {
            static SCRATCH: std::cell::RefCell<Option<(usize, Fft, ComputationBuffers)>> = const { std::cell::RefCell::new(None) };
        }
        let mut out = LweCiphertext::new(0u64, out_size, CiphertextModulus::new_native());
        SCRATCH.with_borrow_mut(|slot| {
            if slot.as_ref().is_none_or(|(size, _, _)| *size != n.0) {
                let fft = Fft::new(n);
                let mut buffers = ComputationBuffers::new();
                let req = programmable_bootstrap_lwe_ciphertext_mem_optimized_requirement::<u64>(
                    GlweSize(2),
                    n,
                    fft.as_view(),
                );
                buffers.resize(req.unaligned_bytes_required());
                *slot = Some((n.0, fft, buffers));
            }
            let (_, fft, buffers) = slot.as_mut().expect("set above");
            programmable_bootstrap_lwe_ciphertext_mem_optimized(
                ct,
                &mut out,
                &acc,
                &fourier,
                fft.as_view(),
                buffers.stack(),
            );
        });
        out
    };
    run(&cts[0]);
    let one = seconds(|| (0..8).for_each(|i| drop(run(&cts[i])))) / 8.0;
    let batch = seconds(|| cts.par_iter().map(run).collect::<Vec<_>>());
    println!(
        "classic      N={:5} {}x2^{}: one PBS {:6.1} ms; {BATCH} over {} threads {:6.1} ms per PBS",
        n.0,
        levels.0,
        base.0,
        1e3 * one,
        rayon::current_num_threads(),
        1e3 * batch / BATCH as f64
    );
}

fn multi_bit(
    s: &mut Setup,
    n: PolynomialSize,
    base: DecompositionBaseLog,
    levels: DecompositionLevelCount,
    grouping: usize,
) {
    let factor = LweBskGroupingFactor(grouping);
    let mut bsk = LweMultiBitBootstrapKey::new(
        0u64,
        GlweSize(2),
        n,
        base,
        levels,
        LweDimension(N_SMALL),
        factor,
        CiphertextModulus::new_native(),
    );
    par_generate_lwe_multi_bit_bootstrap_key(&s.small, &s.glwe, &mut bsk, s.noise, &mut s.encryption);
    let mut fourier =
        FourierLweMultiBitBootstrapKey::new(bsk.input_lwe_dimension(), bsk.glwe_size(), n, base, levels, factor);
    par_convert_standard_lwe_multi_bit_bootstrap_key_to_fourier(&bsk, &mut fourier);
    let acc = accumulator(n);
    let cts = inputs(s, BATCH);
    let run = |ct: &LweCiphertextOwned<u64>, threads: usize| {
        let mut out = LweCiphertext::new(0u64, LweSize(n.0 + 1), CiphertextModulus::new_native());
        multi_bit_programmable_bootstrap_lwe_ciphertext(ct, &mut out, &acc, &fourier, ThreadCount(threads), true);
        out
    };
    run(&cts[0], 1);
    let one = seconds(|| (0..8).for_each(|i| drop(run(&cts[i], 1)))) / 8.0;
    let threads = rayon::current_num_threads();
    let split = seconds(|| (0..8).for_each(|i| drop(run(&cts[i], threads)))) / 8.0;
    let batch = seconds(|| cts.par_iter().map(|ct| run(ct, 1)).collect::<Vec<_>>());
    println!(
        "multi-bit g={grouping} N={:5} {}x2^{}: one PBS {:6.1} ms ({threads} threads in it: {:6.1} ms); {BATCH} over {threads} threads {:6.1} ms per PBS",
        n.0,
        levels.0,
        base.0,
        1e3 * one,
        1e3 * split,
        1e3 * batch / BATCH as f64
    );
}

fn main() {
    for (n, base, levels) in [(2048, 12, 3), (2048, 15, 2), (4096, 12, 3)] {
        let (n, base, levels) = (PolynomialSize(n), DecompositionBaseLog(base), DecompositionLevelCount(levels));
        let mut s = setup(n);
        classic(&mut s, n, base, levels);
        for grouping in [2, 3, 4] {
            multi_bit(&mut s, n, base, levels, grouping);
        }
    }
}
