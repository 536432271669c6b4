//! Measures what docs/runtime.md reports: key generation time, key and ciphertext sizes, PBS latency, and each
//! kernel's time and PBS count at 8, 16 and 32 bits on two elements.
//! Run: `cargo run -p veil-runtime --example bench` (dependencies are built at opt-level 3 in every profile).

use std::time::Instant;
use veil_runtime::keys::Ciphertext;
use veil_runtime::tfhe_backend::{pbs_count, reset_pbs_count};
use veil_runtime::{Backend, ClientKey, EncryptedTensor, Lookup, Persist, Pool2d, Tensor, TfheBackend, Width};

fn timed<R>(f: impl FnOnce() -> R) -> (R, f64) {
    let start = Instant::now();
    let r = f();
    (r, start.elapsed().as_secs_f64())
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

fn main() -> veil_runtime::Result<()> {
    println!("rayon threads: {}", rayon::current_num_threads());
    let (client, t) = timed(ClientKey::generate);
    println!("client key generation: {t:.2} s");
    let (server, t) = timed(|| client.server_key());
    println!("server key generation: {t:.2} s");
    let (compressed, t) = timed(|| client.compressed_server_key());
    println!("compressed server key generation: {t:.2} s");
    let (_, t) = timed(|| compressed.decompress());
    println!("decompression: {t:.2} s");
    println!("client key file: {:.2} MiB", mib(client.to_bytes()?.len()));
    println!("server key file: {:.1} MiB", mib(server.to_bytes()?.len()));
    println!("compressed server key file: {:.1} MiB", mib(compressed.to_bytes()?.len()));

    let shortint: &tfhe::shortint::ServerKey = server.as_ref();
    let lut = shortint.generate_lookup_table(|x| x);
    let block = client.encrypt(&Tensor::scalar(1), Width::new(2)?)?.data[0].blocks_clone();
    let n = 20;
    let (_, t) = timed(|| (0..n).for_each(|_| drop(shortint.apply_lookup_table(&block, &lut))));
    println!("PBS latency (one block, sequential): {:.1} ms", 1e3 * t / n as f64);

    let backend = TfheBackend::new(server);
    for bits in [8u32, 16, 32] {
        let w = Width::new(bits)?;
        let x = client.encrypt(&Tensor::new(vec![2], vec![-3, 5])?, w)?;
        let y = client.encrypt(&Tensor::new(vec![2], vec![7, -2])?, w)?;
        let file = EncryptedTensor { width: w, frac: 0, tensor: x.clone() }.to_bytes()?;
        println!(
            "\n== i{bits} ({} blocks), 2 elements; ciphertext file {:.0} KiB",
            w.blocks(),
            file.len() as f64 / 1024.0
        );
        let pt = |v: &[i64]| Tensor::new(vec![v.len()], v.to_vec()).expect("shape");
        let img = Tensor::new(vec![1, 1, 2, 2], [x.data.clone(), y.data.clone()].concat())?;
        let pool = Pool2d { kernel: [2, 2], strides: [1, 1], pads: [0; 4] };
        type Run<'a> = Box<dyn Fn() -> veil_runtime::Result<Tensor<Ciphertext>> + 'a>;
        let b = &backend;
        let kernels: Vec<(&str, Run)> = vec![
            ("add", Box::new(|| b.add(&x, &y, w))),
            ("sub", Box::new(|| b.sub(&x, &y, w))),
            ("neg", Box::new(|| b.neg(&x, w))),
            ("add_plain", Box::new(|| b.add_plain(&x, &pt(&[100, -7]), w))),
            ("mul_plain by 1, 4", Box::new(|| b.mul_plain(&x, &pt(&[1, 4]), w))),
            ("mul_plain by 2, -1", Box::new(|| b.mul_plain(&x, &pt(&[2, -1]), w))),
            ("mul_plain by 3, -7", Box::new(|| b.mul_plain(&x, &pt(&[3, -7]), w))),
            (
                "matmul_plain [1,2]x[2,2]",
                Box::new(|| {
                    b.matmul_plain(&b.reshape(&x, &[1, 2])?, &Tensor::new(vec![2, 2], vec![3, -1, 5, 2])?, None, w)
                }),
            ),
            ("sum of 4 (one output)", Box::new(|| b.sum(&img, &[], false, w))),
            ("avg_pool2d 2x2 (one output)", Box::new(|| b.avg_pool2d(&img, &pool, 3, w))),
            ("mul", Box::new(|| b.mul(&x, &y, w))),
            ("square", Box::new(|| b.square(&x, w))),
            ("rescale by 2 (whole block)", Box::new(|| b.rescale(&x, 2, None, Width::new(bits - 2)?))),
            ("rescale by 1", Box::new(|| b.rescale(&x, 1, None, w))),
            ("shl by 1", Box::new(|| b.shl(&x, 1, w))),
            ("relu", Box::new(|| b.relu(&x, w))),
            ("max", Box::new(|| b.max(&x, &y, w))),
            ("max_pool2d 2x2 (one output)", Box::new(|| b.max_pool2d(&img, &pool, w))),
            ("trivial", Box::new(|| b.trivial(&pt(&[1, 2]), w))),
        ];
        for (name, run) in kernels {
            reset_pbs_count();
            let (result, t) = timed(run);
            result?;
            println!("{name:<30} {:>8.0} ms {:>6} PBS", 1e3 * t, pbs_count());
        }
        if bits == 8 {
            let x4 = client.encrypt(&Tensor::new(vec![2], vec![-3, 5])?, Width::new(4)?)?;
            let table: Vec<i64> = (0..16).map(|i| i * 3 - 20).collect();
            reset_pbs_count();
            let (r, t) = timed(|| b.lut(&x4, &Lookup::new(Width::new(4)?, &table, w)));
            r?;
            println!("{:<30} {:>8.0} ms {:>6} PBS", "lut i4 -> i8", 1e3 * t, pbs_count());
        }
    }
    Ok(())
}

trait FirstBlock {
    fn blocks_clone(&self) -> tfhe::shortint::Ciphertext;
}

impl FirstBlock for Ciphertext {
    fn blocks_clone(&self) -> tfhe::shortint::Ciphertext {
        use tfhe::integer::IntegerCiphertext;
        self.blocks()[0].clone()
    }
}
