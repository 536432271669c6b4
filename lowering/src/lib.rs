//! Analyses and passes that lower `nn` to `he` to `rt`, the pass registry and the named pipelines.

use veil_ir::Registry;

/// A registry holding every Veil dialect.
pub fn registry() -> Registry {
    let mut r = Registry::new();
    r.register(&veil_nn::DIALECT).register(&veil_he::DIALECT).register(&veil_rt::DIALECT);
    r
}
