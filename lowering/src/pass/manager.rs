//! The pass manager: runs passes in order, verifies the module after every pass (by default; an error says
//! "after pass 'x'"), checks phase boundaries (a pass that lowers a dialect away leaves no op of it), and
//! collects what the passes report, warn and (optionally) the IR after each pass.

use veil_ir::{print_module, Diagnostic, Diagnostics, Module, Registry, Severity};

use super::Pass;

/// The text report of an analysis pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub pass: &'static str,
    pub text: String,
}

/// The IR printed after one pass (`print_ir_after_all`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IrDump {
    pub pass: &'static str,
    pub ir: String,
}

impl IrDump {
    /// MLIR's header line followed by the IR.
    pub fn render(&self) -> String {
        format!("// -----// IR Dump After {} //----- //\n{}", self.pass, self.ir)
    }
}

/// What a pipeline run produced besides the module; filled as the passes run, so it is complete up to a failure.
#[derive(Clone, Debug, Default)]
pub struct PassOutput {
    /// Whether any pass changed the IR.
    pub changed: bool,
    pub reports: Vec<Report>,
    /// Warnings and remarks of the passes, in order.
    pub diagnostics: Vec<Diagnostic>,
    pub ir_dumps: Vec<IrDump>,
}

/// Runs a list of passes over a module.
pub struct PassManager<'r> {
    ops: &'r Registry,
    passes: Vec<Box<dyn Pass>>,
    /// Verify after every pass (on by default).
    pub verify_each: bool,
    /// Record the IR after every pass in [`PassOutput::ir_dumps`].
    pub print_ir_after_all: bool,
}

impl<'r> PassManager<'r> {
    /// An empty manager that verifies with the given op registry.
    pub fn new(ops: &'r Registry) -> PassManager<'r> {
        PassManager { ops, passes: vec![], verify_each: true, print_ir_after_all: false }
    }

    pub fn add(&mut self, pass: Box<dyn Pass>) -> &mut Self {
        self.passes.push(pass);
        self
    }

    pub fn extend(&mut self, passes: impl IntoIterator<Item = Box<dyn Pass>>) -> &mut Self {
        self.passes.extend(passes);
        self
    }

    /// The names of the passes, in order.
    pub fn pass_names(&self) -> Vec<&'static str> {
        self.passes.iter().map(|p| p.name()).collect()
    }

    /// Runs every pass in order and stops at the first failure.
    pub fn run(&self, m: &mut Module, out: &mut PassOutput) -> Result<(), Diagnostics> {
        for pass in &self.passes {
            let changed = pass.run(m)?;
            out.changed |= changed.ir;
            if let Some(text) = changed.report {
                out.reports.push(Report { pass: pass.name(), text });
            }
            let (errors, others): (Vec<Diagnostic>, Vec<Diagnostic>) =
                changed.diagnostics.into_iter().partition(|d| d.severity == Severity::Error);
            out.diagnostics.extend(others);
            if !errors.is_empty() {
                return Err(m.report(errors));
            }
            if self.print_ir_after_all {
                out.ir_dumps.push(IrDump { pass: pass.name(), ir: print_module(m) });
            }
            if self.verify_each {
                veil_ir::verify(m, self.ops).map_err(|d| after_pass(d, pass.name()))?;
            }
            if let Some(dialect) = pass.lowers_away() {
                check_lowered_away(m, dialect, pass.name())?;
            }
        }
        Ok(())
    }
}

/// Prefixes every message with the pass that produced the invalid IR.
fn after_pass(mut d: Diagnostics, pass: &str) -> Diagnostics {
    for diag in &mut d.list {
        diag.message = format!("after pass '{pass}': {}", diag.message);
    }
    d
}

/// Fails at every op of `dialect` that is still in the module.
fn check_lowered_away(m: &Module, dialect: &str, pass: &str) -> Result<(), Diagnostics> {
    let left: Vec<Diagnostic> = m
        .walk()
        .into_iter()
        .filter(|&op| m.op(op).def.dialect() == dialect)
        .map(|op| {
            let message = format!(
                "after pass '{pass}': op '{}' remains, but the pass lowers away every op of dialect '{dialect}'",
                m.op(op).name()
            );
            Diagnostic::error(m.op(op).loc.clone(), message)
        })
        .collect();
    if left.is_empty() {
        Ok(())
    } else {
        Err(m.report(left))
    }
}
