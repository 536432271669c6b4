//! Shared test fixtures: one key set per test binary, and encrypt/compare helpers.

#![allow(dead_code, unused_imports)]

#[cfg(feature = "tfhe")]
pub use encrypted::*;
use veil_runtime::{ClearBackend, Tensor, Width};

#[cfg(feature = "tfhe")]
pub mod lwe;
pub mod program;

pub const CLEAR: ClearBackend = ClearBackend { overflow: veil_runtime::Overflow::Check };

pub fn w(bits: u32) -> Width {
    Width::new(bits).unwrap()
}

pub fn t(shape: &[usize], data: &[i64]) -> Tensor<i64> {
    Tensor::new(shape.to_vec(), data.to_vec()).unwrap()
}

#[cfg(feature = "tfhe")]
mod encrypted {
    use super::w;
    use std::sync::OnceLock;
    use veil_runtime::keys::Ciphertext;
    use veil_runtime::{ClientKey, Result, Tensor, TfheBackend};

    pub struct Keys {
        pub client: ClientKey,
        pub backend: TfheBackend,
    }

    /// The key set of this test binary, generated once.
    pub fn keys() -> &'static Keys {
        static KEYS: OnceLock<Keys> = OnceLock::new();
        KEYS.get_or_init(|| {
            let client = ClientKey::generate();
            let backend = TfheBackend::new(client.server_key());
            Keys { client, backend }
        })
    }

    pub fn enc(values: &Tensor<i64>, bits: u32) -> Tensor<Ciphertext> {
        keys().client.encrypt(values, w(bits)).unwrap()
    }

    /// The tfhe result decrypts to exactly the clear result, which is `expected`.
    #[track_caller]
    pub fn same(tfhe: Result<Tensor<Ciphertext>>, clear: Result<Tensor<i64>>, expected: &[i64]) {
        let clear = clear.unwrap();
        let tfhe = keys().client.decrypt(&tfhe.unwrap()).unwrap();
        assert_eq!(tfhe, clear, "tfhe and clear backends disagree");
        assert_eq!(clear.data, expected, "clear result");
    }
}
