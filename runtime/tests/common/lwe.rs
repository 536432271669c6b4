//! The lwe backend's test key set: a hand-picked parameter set at 132-bit security (tfhe's minimal Gaussian noise
//! for each key's dimension), generated once per test binary, with one backend per rounding mode.

use std::sync::{Arc, OnceLock};
use std::time::Instant;
use veil_params::{LutKeyset, LutParams};
use veil_runtime::lwe_backend::{reference_params, LweBackend, LweClientKey, LweValue, Rounding};
use veil_runtime::{Tensor, Width};

pub const TORUS: f64 = 18446744073709551616.0; // 2^64

/// The reference parameter set (n = 880, k = 1, N = 2048; see `lwe_backend::reference_params`).
pub fn params() -> LutParams {
    reference_params()
}

pub struct LweKeys {
    pub client: LweClientKey,
    pub exact: LweBackend,
    pub approximate: LweBackend,
}

/// The key set of this test binary, generated once.
pub fn lwe_keys() -> &'static LweKeys {
    static KEYS: OnceLock<LweKeys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let start = Instant::now();
        let client = LweClientKey::generate(LutKeyset::single(params())).unwrap();
        let server = Arc::new(client.server_key());
        eprintln!(
            "lwe keys: {:.2} s; bootstrap key {:.1} MB, keyswitch key {:.1} MB",
            start.elapsed().as_secs_f64(),
            server.bootstrap_key_bytes() as f64 / 1e6,
            server.keyswitch_key_bytes() as f64 / 1e6
        );
        let exact = LweBackend::new(server.clone(), Rounding::Exact);
        let approximate = LweBackend::new(server, Rounding::Approximate);
        LweKeys { client, exact, approximate }
    })
}

pub fn lwe_enc(values: &Tensor<i64>, bits: u32) -> Tensor<LweValue> {
    lwe_keys().client.encrypt(values, Width::new(bits).unwrap()).unwrap()
}

pub fn lwe_dec(values: &Tensor<LweValue>) -> Tensor<i64> {
    lwe_keys().client.decrypt(values).unwrap()
}
