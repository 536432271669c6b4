//! The pass infrastructure: the [`Pass`] trait and what a run returns ([`Changed`]), typed options
//! ([`options`]), the one registry of passes and named pipelines ([`registry`]) and the pass manager that runs
//! them with verification and phase-boundary checks ([`manager`]).

pub mod manager;
pub mod options;
pub mod registry;

use veil_ir::{Diagnostic, Diagnostics, Module};

pub use manager::{IrDump, PassManager, PassOutput, Report};
pub use options::{OptionKind, OptionValue, PassOption, PassOptions};
pub use registry::{PassInfo, PassRegistry, Pipeline};

/// A transformation or analysis of a module.
///
/// Adding a pass: write one file with a unit (or options-carrying) struct implementing this trait, and add its
/// one line to the `passes!` list in `lib.rs`. A pass asks op traits (`Traits::PURE`, ...), never lists of op
/// names of other dialects.
pub trait Pass {
    /// Kebab-case; also the `veil-opt --NAME` flag.
    fn name(&self) -> &'static str;

    /// One line for `--help` and `--list-passes`.
    fn description(&self) -> &'static str;

    /// The dialect this pass lowers away: the pass manager fails if any op of it remains after the pass.
    fn lowers_away(&self) -> Option<&'static str> {
        None
    }

    /// Runs the pass. Errors are diagnostics at the offending ops; warnings, remarks and reports travel in
    /// the returned [`Changed`].
    fn run(&self, module: &mut Module) -> Result<Changed, Diagnostics>;

    /// The options the pass accepts, declared as data.
    fn options() -> &'static [PassOption]
    where
        Self: Sized,
    {
        &[]
    }

    /// Builds the pass from its parsed options (every declared option present, given or defaulted).
    fn from_options(options: &PassOptions) -> Result<Self, String>
    where
        Self: Sized;
}

/// What a successful pass run produced besides the rewritten module.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Changed {
    /// Whether the pass modified the IR.
    pub ir: bool,
    /// Text for the user, e.g. an analysis report; `veil-opt` prints it to stdout before the IR.
    pub report: Option<String>,
    /// Warnings and remarks at ops (errors belong in the `Err` of [`Pass::run`]); `veil-opt` renders them to
    /// stderr and `--verify-diagnostics` matches them against `expected-warning` / `expected-remark`.
    pub diagnostics: Vec<Diagnostic>,
}

impl Changed {
    /// The IR was modified.
    pub fn yes() -> Changed {
        Changed { ir: true, ..Changed::default() }
    }

    /// The IR was left as it was.
    pub fn no() -> Changed {
        Changed::default()
    }

    pub fn with_report(mut self, text: impl Into<String>) -> Changed {
        self.report = Some(text.into());
        self
    }

    pub fn with_diagnostic(mut self, diagnostic: Diagnostic) -> Changed {
        self.diagnostics.push(diagnostic);
        self
    }
}

impl From<bool> for Changed {
    fn from(ir: bool) -> Changed {
        Changed { ir, ..Changed::default() }
    }
}

/// The candidate closest to `name` by edit distance, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (veil_ir::op_def::edit_distance(c, name), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min()
        .map(|(_, c)| c)
}
