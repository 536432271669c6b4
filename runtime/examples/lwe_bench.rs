//! Costs of the lwe backend (lut model) with the reference parameter set: key generation, key sizes, one keyswitch,
//! one keyswitch + bootstrap on one thread, an exact shifted lookup, and a tensor of lookups across all cores.
//! `cargo test --workspace --no-run` builds it; run target/debug/examples/lwe_bench-*.

use std::sync::Arc;
use std::time::Instant;
use tfhe::core_crypto::prelude::{keyswitch_lwe_ciphertext_with_scalar_change, CiphertextModulus, LweCiphertext};
use veil_params::LutKeyset;
use veil_runtime::lwe_backend::{reference_params, LweBackend, LweClientKey, Rounding};
use veil_runtime::{Backend, Lookup, Primitives, Result, Tensor, Width};

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let start = Instant::now();
    let value = f();
    (value, start.elapsed().as_secs_f64())
}

fn main() -> Result<()> {
    let params = reference_params();
    println!("{params:?}");
    let (client, t_client) = timed(|| LweClientKey::generate(LutKeyset::single(params)));
    let client = client?;
    let (server, t_server) = timed(|| client.server_key());
    println!("keys: client {:.3} s, server {:.2} s ({} threads)", t_client, t_server, rayon::current_num_threads());
    println!(
        "bootstrap key {:.1} MB (Fourier), keyswitch key {:.1} MB",
        server.bootstrap_key_bytes() as f64 / 1e6,
        server.keyswitch_key_bytes() as f64 / 1e6
    );
    let server = Arc::new(server);
    let exact = LweBackend::new(server.clone(), Rounding::Exact);
    let w5 = Width::new(5)?;
    let x = client.encrypt(&Tensor::new(vec![1], vec![-7])?, w5)?;
    let table: Vec<i64> = (-16..16).map(|v: i64| v.max(0)).collect();

    let runs = 20;
    let keyswitch = server.keyswitch_key(0, 0).expect("the single set's keyswitch key");
    let mut small = LweCiphertext::new(0u32, keyswitch.output_lwe_size(), CiphertextModulus::new_native());
    let (_, t_ks) = timed(|| {
        (0..runs).for_each(|_| keyswitch_lwe_ciphertext_with_scalar_change(keyswitch, &x.data[0].ct, &mut small))
    });
    // The first lookup builds the thread's FFT plan and scratch memory.
    Primitives::lut(&exact, &x.data[0], &Lookup::new(w5, &table, w5))
        .map_err(|e| veil_runtime::RuntimeError::Program(format!("{e:?}")))?;
    let (_, t_pbs) = timed(|| {
        for _ in 0..runs {
            let _ = Primitives::lut(&exact, &x.data[0], &Lookup::new(w5, &table, w5));
        }
    });
    println!(
        "one keyswitch: {:.2} ms; one keyswitch + bootstrap (one thread): {:.2} ms",
        1e3 * t_ks / runs as f64,
        1e3 * t_pbs / runs as f64
    );

    let w12 = Width::new(12)?;
    let y = client.encrypt(&Tensor::new(vec![1], vec![-1000])?, w12)?;
    let (_, t_exact) = timed(|| Primitives::lut(&exact, &y.data[0], &Lookup::new(w12, &table, w5).shifted(7, 0)));
    println!("exact lut i12 >> 7 (8 bootstraps, one thread): {:.1} ms", 1e3 * t_exact);

    let n = 64;
    let xs = client.encrypt(&Tensor::new(vec![n], (0..n as i64).map(|i| i % 32 - 16).collect())?, w5)?;
    let (r, t_par) = timed(|| Backend::lut(&exact, &xs, &Lookup::new(w5, &table, w5)));
    r?;
    println!(
        "{n} lookups in parallel: {:.0} ms, {:.2} ms per bootstrap of wall time",
        1e3 * t_par,
        1e3 * t_par / n as f64
    );
    Ok(())
}
