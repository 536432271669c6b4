//! MLIR in-process: a context with every upstream dialect registered, parsing with MLIR's diagnostics captured
//! and rendered against the source, MLIR's verifiers, and the entry of the conversion to nn.

mod convert;
mod linalg;
mod read;
mod tosa;

use std::cell::RefCell;
use std::rc::Rc;

use melior::diagnostic::DiagnosticSeverity;
use melior::dialect::DialectRegistry;
use melior::ir::operation::OperationLike;
use melior::ir::{Location as MlirLocation, Module as MlirModule};
use melior::utility::register_all_dialects;
use melior::Context;
use veil_ir::{Diagnostic, Location, SourceMap};

use crate::{ImportError, ImportOptions, Imported};

/// A context that knows every dialect MLIR ships; `unregistered` also accepts ops of unknown dialects (Veil's).
fn context(unregistered: bool) -> Context {
    let registry = DialectRegistry::new();
    register_all_dialects(&registry);
    let context = Context::new();
    context.append_dialect_registry(&registry);
    context.load_all_available_dialects();
    context.set_allow_unregistered_dialects(unregistered);
    context
}

/// The source text and its name, to render diagnostics against.
pub(crate) struct Source {
    sources: SourceMap,
    file: usize,
    pub name: String,
    pub text: String,
}

impl Source {
    fn new(name: &str, text: &str) -> Source {
        let mut sources = SourceMap::default();
        let file = sources.add(name, text);
        Source { sources, file, name: name.to_string(), text: text.to_string() }
    }

    /// A Veil location for an MLIR one: a span of this source when it points into it (MLIR names a parsed string
    /// buffer after nothing or after the name given), else the file, line and column it names.
    pub(crate) fn location(&self, loc: MlirLocation) -> Location {
        let Some((file, line, col)) = file_line_col(loc) else { return Location::Unknown };
        if file.is_empty() || file == "-" || file == self.name {
            if let Some(offset) = self.offset(line, col) {
                return Location::span(self.file, offset..offset + 1);
            }
        }
        Location::FileLineCol { file, line: line as u32, col: col as u32 }
    }

    /// The byte offset of a 1-based line and column (the column clamped to the line).
    fn offset(&self, line: usize, col: usize) -> Option<usize> {
        let start: usize = self.text.split_inclusive('\n').take(line.checked_sub(1)?).map(str::len).sum();
        let length = self.text.get(start..)?.split('\n').next()?.len();
        Some(start + col.saturating_sub(1).min(length))
    }

    /// Renders diagnostics against this source.
    pub(crate) fn render(&self, list: Vec<Diagnostic>) -> ImportError {
        let rendered: Vec<String> = list.iter().map(|d| d.render(&self.sources)).collect();
        ImportError::Diagnostics(rendered.join("\n").trim_end().to_string())
    }
}

/// The file, line and column an MLIR location names, looking through names, call sites and fusions.
fn file_line_col(loc: MlirLocation) -> Option<(String, usize, usize)> {
    if loc.is_file_line_col_range() {
        let file = loc.file_line_col_range_filename().as_string_ref().as_str().unwrap_or_default().to_string();
        return Some((file, loc.file_line_col_range_start_line(), loc.file_line_col_range_start_column()));
    }
    if loc.is_name() {
        return file_line_col(loc.name_child_location());
    }
    if loc.is_call_site() {
        return file_line_col(loc.call_site_caller());
    }
    if loc.is_fused() {
        return (0..loc.fused_num_locations()).find_map(|i| file_line_col(loc.fused_location(i)));
    }
    None
}

/// Parses `text` in `context`, collecting MLIR's diagnostics; then runs MLIR's verifiers.
fn parse<'c>(context: &'c Context, source: &Source) -> Result<MlirModule<'c>, ImportError> {
    let collected: Rc<RefCell<Vec<Diagnostic>>> = Rc::default();
    let sink = collected.clone();
    let handler = context.attach_diagnostic_handler(move |d| {
        let message = d.to_string();
        let diagnostic = match d.severity() {
            DiagnosticSeverity::Error => Diagnostic::error(source_location_of(&d), message),
            _ => Diagnostic::warning(source_location_of(&d), message),
        };
        sink.borrow_mut().push(diagnostic);
        true
    });
    let parsed = MlirModule::parse(context, &source.text);
    let verified = parsed.filter(|m| m.as_operation().verify());
    context.detach_diagnostic_handler(handler);
    let mut list = collected.take();
    for d in &mut list {
        if let Location::FileLineCol { file, line, col } = &d.loc {
            if file.is_empty() || file == "-" || *file == source.name {
                if let Some(offset) = source.offset(*line as usize, *col as usize) {
                    d.loc = Location::span(source.file, offset..offset + 1);
                }
            }
        }
    }
    match verified {
        Some(m) if !list.iter().any(|d| d.severity == veil_ir::Severity::Error) => Ok(m),
        _ if list.is_empty() => Err(source.render(vec![Diagnostic::error(
            Location::Unknown,
            format!("MLIR could not parse or verify '{}'", source.name),
        )])),
        _ => Err(source.render(list)),
    }
}

/// A diagnostic's location as file, line and column (made a span of the source afterwards).
fn source_location_of(d: &melior::diagnostic::Diagnostic) -> Location {
    match file_line_col(d.location()) {
        Some((file, line, col)) => Location::FileLineCol { file, line: line as u32, col: col as u32 },
        None => Location::Unknown,
    }
}

pub(crate) fn import(name: &str, text: &str, options: &ImportOptions) -> Result<Imported, ImportError> {
    let source = Source::new(name, text);
    let context = context(false);
    let module = parse(&context, &source)?;
    convert::convert(&module, &source, options)
}

pub(crate) fn verify(name: &str, text: &str) -> Result<(), ImportError> {
    let source = Source::new(name, text);
    let context = context(true);
    parse(&context, &source).map(|_| ())
}
