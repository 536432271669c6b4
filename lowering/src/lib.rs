//! Analyses and passes that lower `nn` to `he` to `rt`, the pass registry and the named pipelines.

pub mod cost_model;
pub mod he_ranges;
pub mod lut_deviation;
pub mod pass;
mod value_classes;

use veil_ir::Registry;

pub use pass::{Changed, Pass, PassManager, PassOption, PassOptions, PassOutput, PassRegistry, Pipeline};

/// A registry holding every Veil dialect.
pub fn registry() -> Registry {
    let mut r = Registry::new();
    r.register(&veil_nn::DIALECT).register(&veil_he::DIALECT).register(&veil_rt::DIALECT);
    r
}

/// Declares each pass module and registers its pass: adding a pass is one file and one line here.
macro_rules! passes {
    ($($module:ident :: $pass:ident),* $(,)?) => {
        $(pub mod $module;)*

        fn register_passes(r: &mut PassRegistry) -> Result<(), String> {
            $(r.register::<$module::$pass>()?;)*
            Ok(())
        }
    };
}

passes! {
    cse::Cse,
    dce::Dce,
    assign_precision::AssignPrecision,
    nn_to_he::NnToHe,
    he_to_rt::HeToRt,
    he_cost_report::HeCostReport,
    he_plaintext_bypass::HePlaintextBypass,
    he_lazy_rescale::HeLazyRescale,
    he_fold_linear::HeFoldLinear,
    he_narrow_widths::HeNarrowWidths,
    he_pool_first::HePoolFirst,
    he_abs_relu::HeAbsRelu,
    he_defer_rescale::HeDeferRescale,
    he_lut_fuse::HeLutFuse,
    he_table_grid::HeTableGrid,
    tfhe_params::TfheParams,
}

/// The named pipelines, registered after every pass.
const PIPELINES: &[Pipeline] = &[
    Pipeline {
        name: "nn-to-rt",
        description: "Compile an nn program to rt (radix model): precision, nn-to-he, the he optimizations, cleanup, \
                      he-to-rt",
        passes:
            "assign-precision,nn-to-he,he-fold-linear,he-plaintext-bypass,he-lazy-rescale,cse,dce,he-narrow-widths,\
                 he-to-rt",
    },
    Pipeline {
        name: "nn-to-rt-lut",
        description: "Compile an nn program to rt in the lookup-table model: as nn-to-rt, then every non-linear chain \
                      a table, one LWE ciphertext per element, and the TFHE parameters chosen",
        passes:
            "assign-precision,nn-to-he,he-fold-linear,he-plaintext-bypass,he-lazy-rescale,cse,dce,he-narrow-widths,\
                 he-pool-first,he-abs-relu,he-defer-rescale,he-narrow-widths,he-lut-fuse,he-table-grid,cse,dce,\
                 he-narrow-widths,he-to-rt{strategy=lut},tfhe-params",
    },
];

/// Every pass and pipeline.
pub fn passes() -> PassRegistry {
    let mut r = PassRegistry::new();
    let built =
        register_passes(&mut r).and_then(|()| PIPELINES.iter().try_for_each(|&p| r.register_pipeline(p).map(drop)));
    // The list above is fixed at compile time; `tests::pass_registry_is_consistent` keeps it valid.
    if let Err(e) = built {
        panic!("inconsistent pass registry: {e}");
    }
    r
}

#[cfg(test)]
mod tests {
    #[test]
    fn pass_registry_is_consistent() {
        let r = super::passes();
        assert!(r.pass("cse").is_some() && r.pass("dce").is_some());
    }
}
