//! `--verify-diagnostics`: reads MLIR's `// expected-error {{...}}` comments (also `expected-warning`,
//! `expected-remark`, `expected-note`; `@+N`, `@-N`, `@above`, `@below`) and matches them against the
//! diagnostics a chunk produced. Every expectation must be met on its line by a diagnostic whose message
//! contains the expected text; every error, warning and remark must be expected. Notes have no location of
//! their own in Veil: an `expected-note` is met by a note of a diagnostic on that line, and unexpected notes are
//! allowed.

use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;
use veil_ir::{Diagnostic, Location, Severity, SourceMap};

/// What an expectation asks for.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Kind {
    Diag(Severity),
    Note,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Diag(s) => s.name(),
            Kind::Note => "note",
        }
    }
}

/// One `expected-*` comment.
#[derive(Clone, Debug)]
struct Expectation {
    kind: Kind,
    line: usize,
    text: String,
    /// Where the comment is, for reporting it unmet.
    span: Range<usize>,
    met: bool,
}

fn expectation_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"expected-(error|warning|remark|note)(?:\s*@(above|below|[+-][0-9]+))?\s*\{\{(.*?)\}\}")
            .unwrap_or_else(|e| unreachable!("constant regex: {e}"))
    })
}

fn mention_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"expected-(error|warning|remark|note)\b").unwrap_or_else(|e| unreachable!("constant regex: {e}"))
    })
}

/// Parses the expectations of a chunk; malformed ones are reported as errors at their place.
fn parse(text: &str, file: usize) -> (Vec<Expectation>, Vec<Diagnostic>) {
    let mut found = vec![];
    let mut errors = vec![];
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let number = i + 1;
        let mut covered = vec![];
        for c in expectation_re().captures_iter(line) {
            let whole = c.get(0).map_or(0..0, |m| m.range());
            let span = offset + whole.start..offset + whole.end;
            covered.push(whole);
            let kind = match &c[1] {
                "error" => Kind::Diag(Severity::Error),
                "warning" => Kind::Diag(Severity::Warning),
                "remark" => Kind::Diag(Severity::Remark),
                _ => Kind::Note,
            };
            let target = match c.get(2).map(|m| m.as_str()) {
                None => Some(number),
                Some("above") => number.checked_sub(1),
                Some("below") => Some(number + 1),
                Some(rel) => rel.parse::<i64>().ok().and_then(|d| usize::try_from(number as i64 + d).ok()),
            };
            match target.filter(|&l| l >= 1) {
                Some(line) => found.push(Expectation { kind, line, text: c[3].to_string(), span, met: false }),
                None => errors.push(Diagnostic::error(
                    Location::span(file, span),
                    "expectation refers to a line before the start of the file",
                )),
            }
        }
        for m in mention_re().find_iter(line) {
            if !covered.iter().any(|r| r.contains(&m.start())) {
                let span = offset + m.start()..offset + m.end();
                errors.push(Diagnostic::error(
                    Location::span(file, span),
                    "malformed expectation: expected 'expected-<kind>[@above|@below|@+N|@-N] {{text}}'",
                ));
            }
        }
        offset += line.len();
    }
    (found, errors)
}

/// Matches the diagnostics of one chunk (text `text`, named `name`, file `file` of `sources`) against its
/// expectations; returns the mismatches as errors to render with `sources`.
pub fn verify(text: &str, name: &str, file: usize, sources: &SourceMap, produced: &[Diagnostic]) -> Vec<Diagnostic> {
    let (mut expected, mut errors) = parse(text, file);
    let line_of = |loc: &Location| sources.line_col(loc).filter(|(f, _, _)| f == name).map(|(_, line, _)| line);
    for d in produced {
        let line = line_of(&d.loc);
        let hit = expected.iter_mut().find(|e| {
            !e.met && e.kind == Kind::Diag(d.severity) && Some(e.line) == line && d.message.contains(&e.text)
        });
        match hit {
            Some(e) => e.met = true,
            None => {
                let mut err =
                    Diagnostic::error(d.loc.clone(), format!("unexpected {}: {}", d.severity.name(), d.message));
                if line.is_none() {
                    err = err.with_note("the diagnostic has no location in this file, so it cannot be expected");
                }
                errors.push(err);
            }
        }
        for note in &d.notes {
            if let Some(e) = expected
                .iter_mut()
                .find(|e| !e.met && e.kind == Kind::Note && Some(e.line) == line && note.contains(&e.text))
            {
                e.met = true;
            }
        }
    }
    for e in expected.iter().filter(|e| !e.met) {
        let mut err = Diagnostic::error(
            Location::span(file, e.span.clone()),
            format!("expected {} \"{}\" was not produced on line {}", e.kind.name(), e.text, e.line),
        );
        for d in produced.iter().filter(|d| line_of(&d.loc) == Some(e.line)) {
            err = err.with_note(format!("line {} has {}: {}", e.line, d.severity.name(), d.message));
        }
        errors.push(err);
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_relative_lines() {
        let text = "a // expected-error {{x}}\n// expected-warning@+1 {{y y}}\nb\n// expected-remark @-2 {{z}}\nc // expected-note@above {{n}} expected-error@below{{w}}\n";
        let (e, errors) = parse(text, 0);
        assert!(errors.is_empty());
        let got: Vec<(&str, usize, &str)> = e.iter().map(|e| (e.kind.name(), e.line, e.text.as_str())).collect();
        assert_eq!(
            got,
            vec![("error", 1, "x"), ("warning", 3, "y y"), ("remark", 2, "z"), ("note", 4, "n"), ("error", 6, "w")]
        );
    }

    #[test]
    fn flags_malformed_expectations() {
        let (e, errors) = parse("// expected-error {{x}\n// expected-error@-3 {{y}}\n// expected-error-re {{z}}\n", 0);
        assert!(e.is_empty());
        assert_eq!(errors.len(), 3);
    }
}
