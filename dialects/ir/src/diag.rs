//! Source locations and diagnostics: every op keeps a [`Location`]; errors and warnings are [`Diagnostic`]s
//! rendered with codespan-reporting as `file:line:col`, the source line and a caret.

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files::{Files, SimpleFiles};
use codespan_reporting::term;

/// Where an op or a syntax element came from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum Location {
    #[default]
    Unknown,
    /// A byte range in a file of the module's [`SourceMap`].
    Span { file: usize, start: u32, end: u32 },
    /// A `loc("file":line:col)` read from the IR.
    FileLineCol { file: String, line: u32, col: u32 },
}

impl Location {
    pub fn span(file: usize, range: std::ops::Range<usize>) -> Location {
        Location::Span { file, start: range.start as u32, end: range.end as u32 }
    }
}

/// The source texts that locations point into.
#[derive(Clone, Default)]
pub struct SourceMap {
    files: SimpleFiles<String, String>,
    count: usize,
}

impl std::fmt::Debug for SourceMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SourceMap({} files)", self.count)
    }
}

impl SourceMap {
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> usize {
        self.count += 1;
        self.files.add(name.into(), text.into())
    }

    /// 1-based line and column of a location, with the file name.
    pub fn line_col(&self, loc: &Location) -> Option<(String, usize, usize)> {
        match loc {
            Location::Unknown => None,
            Location::Span { file, start, .. } => {
                let name = self.files.name(*file).ok()?;
                let loc = self.files.location(*file, *start as usize).ok()?;
                Some((name, loc.line_number, loc.column_number))
            }
            Location::FileLineCol { file, line, col } => Some((file.clone(), *line as usize, *col as usize)),
        }
    }

    pub fn text(&self, file: usize) -> Option<&str> {
        self.files.get(file).ok().map(|f| f.source().as_str())
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Remark,
    Warning,
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Remark => "remark",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One message about the IR, at a location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub loc: Location,
    /// Extra lines printed under the snippet (`= note: ...`).
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(loc: Location, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Error, message: message.into(), loc, notes: vec![] }
    }

    pub fn warning(loc: Location, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, message: message.into(), loc, notes: vec![] }
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Renders as codespan-reporting does, without colour: header, `┌─ file:line:col`, the source line, a caret.
    pub fn render(&self, sources: &SourceMap) -> String {
        let severity = match self.severity {
            Severity::Error => codespan_reporting::diagnostic::Severity::Error,
            Severity::Warning => codespan_reporting::diagnostic::Severity::Warning,
            Severity::Remark => codespan_reporting::diagnostic::Severity::Note,
        };
        let mut diag = CsDiagnostic::new(severity).with_message(&self.message).with_notes(self.notes.clone());
        match &self.loc {
            Location::Span { file, start, end } => {
                let end = (*end).max(*start + 1) as usize;
                let len = sources.text(*file).map_or(0, str::len);
                let range = (*start as usize).min(len)..end.min(len);
                diag = diag.with_labels(vec![Label::primary(*file, range)]);
            }
            Location::FileLineCol { file, line, col } => {
                diag.notes.insert(0, format!("at {file}:{line}:{col}"));
            }
            Location::Unknown => {}
        }
        let rendered = term::emit_into_string(&term::Config::default(), &sources.files, &diag)
            .unwrap_or_else(|_| format!("{}: {}\n", self.severity.name(), self.message));
        // The first line becomes the compiler-style `file:line:col: error: message` that editors and
        // `--verify-diagnostics` users expect; codespan's snippet (source line and caret) follows.
        match sources.line_col(&self.loc) {
            Some((file, line, col)) => {
                let body = rendered.split_once('\n').map_or("", |(_, rest)| rest);
                format!("{file}:{line}:{col}: {}: {}\n{body}", self.severity.name(), self.message)
            }
            None => rendered,
        }
    }
}

/// A failed step: its diagnostics together with the sources they point into.
#[derive(Clone, Debug)]
pub struct Diagnostics {
    pub sources: SourceMap,
    pub list: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new(sources: &SourceMap, list: Vec<Diagnostic>) -> Diagnostics {
        Diagnostics { sources: sources.clone(), list }
    }

    pub fn has_errors(&self) -> bool {
        self.list.iter().any(|d| d.severity == Severity::Error)
    }
}

impl std::fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for d in &self.list {
            f.write_str(&d.render(&self.sources))?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}
