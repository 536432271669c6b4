//! A small, faithful FileCheck: `PREFIX:`, `-NEXT`, `-SAME`, `-NOT`, `-DAG`, `-LABEL` and `-EMPTY`
//! directives; patterns are literal text with `{{regex}}` blocks, `[[VAR:regex]]` definitions, `[[VAR]]` uses
//! and `[[@LINE]]`/`[[@LINE+N]]`; horizontal whitespace matches any run of spaces and tabs. Failures read like
//! FileCheck's: which directive failed, where it is, and where in the input it was searched.

use std::collections::HashMap;
use std::ops::Range;

use regex::Regex;

/// The kind of a directive.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Kind {
    Plain,
    Next,
    Same,
    Not,
    Dag,
    Label,
    Empty,
}

impl Kind {
    fn suffix(self) -> &'static str {
        match self {
            Kind::Plain => "",
            Kind::Next => "-NEXT",
            Kind::Same => "-SAME",
            Kind::Not => "-NOT",
            Kind::Dag => "-DAG",
            Kind::Label => "-LABEL",
            Kind::Empty => "-EMPTY",
        }
    }
}

/// One part of a pattern.
#[derive(Clone, Debug)]
enum Piece {
    Literal(String),
    Regex(String),
    Define(String, String),
    Use(String),
    /// `[[@LINE+offset]]`
    Line(i64),
}

/// One directive of the check file.
#[derive(Clone, Debug)]
struct Directive {
    kind: Kind,
    prefix: String,
    pieces: Vec<Piece>,
    /// 1-based line and column of the pattern in the check file.
    line: usize,
    col: usize,
    source_line: String,
}

impl Directive {
    fn name(&self) -> String {
        format!("{}{}", self.prefix, self.kind.suffix())
    }
}

/// A match of a directive in the input.
#[derive(Copy, Clone, Debug)]
struct Match {
    start: usize,
    end: usize,
}

/// Checks `input` against the directives with the given prefixes in `check_text`. `Ok(n)` is the number of
/// directives; having none is an error, as in FileCheck.
pub fn check(
    check_name: &str,
    check_text: &str,
    prefixes: &[&str],
    input_name: &str,
    input: &str,
) -> Result<usize, String> {
    let directives = parse(check_name, check_text, prefixes)?;
    if directives.is_empty() {
        let list: Vec<String> = prefixes.iter().map(|p| format!("'{p}:'")).collect();
        return Err(format!("{check_name}: error: no check strings found with prefix {}", list.join(", ")));
    }
    let checker = Checker { check_name, input_name, input, vars: HashMap::new() };
    checker.run(&directives)?;
    Ok(directives.len())
}

/// Whether `check_text` has a directive with one of the prefixes.
pub fn has_directives(check_text: &str, prefixes: &[&str]) -> bool {
    parse("", check_text, prefixes).map_or(true, |d| !d.is_empty())
}

fn parse(check_name: &str, text: &str, prefixes: &[&str]) -> Result<Vec<Directive>, String> {
    let alternatives: Vec<String> = prefixes.iter().map(|p| regex::escape(p)).collect();
    let re = Regex::new(&format!(r"(?:^|[^A-Za-z0-9_-])({})(-[A-Z]+)?:", alternatives.join("|")))
        .map_err(|e| format!("invalid check prefix: {e}"))?;
    let mut out: Vec<Directive> = vec![];
    for (i, line) in text.lines().enumerate() {
        let Some(c) = re.captures(line) else { continue };
        let (Some(prefix), Some(all)) = (c.get(1), c.get(0)) else { continue };
        let suffix = c.get(2).map_or("", |m| m.as_str());
        let at = |col: usize, msg: String| format!("{check_name}:{}:{}: error: {msg}", i + 1, col);
        let kind = match suffix {
            "" => Kind::Plain,
            "-NEXT" => Kind::Next,
            "-SAME" => Kind::Same,
            "-NOT" => Kind::Not,
            "-DAG" => Kind::Dag,
            "-LABEL" => Kind::Label,
            "-EMPTY" => Kind::Empty,
            other => {
                return Err(at(prefix.start() + 1, format!("unsupported directive '{}{other}:'", prefix.as_str())))
            }
        };
        let rest = &line[all.end()..];
        let pattern = rest.trim();
        let col = all.end() + (rest.len() - rest.trim_start().len()) + 1;
        let name = format!("{}{}", prefix.as_str(), kind.suffix());
        if kind == Kind::Empty && !pattern.is_empty() {
            return Err(at(col, format!("{name}: must be empty")));
        }
        if kind != Kind::Empty && pattern.is_empty() {
            return Err(at(col, format!("found empty check string with prefix '{name}:'")));
        }
        if matches!(kind, Kind::Next | Kind::Same | Kind::Empty) && out.last().is_none_or(|d| d.kind == Kind::Not) {
            return Err(at(col, format!("found '{name}' without a previous positive directive")));
        }
        let pieces = parse_pattern(pattern).map_err(|e| at(col, e))?;
        if kind == Kind::Label && pieces.iter().any(|p| matches!(p, Piece::Define(..) | Piece::Use(_))) {
            return Err(at(col, format!("{name}: may not define or use variables")));
        }
        out.push(Directive {
            kind,
            prefix: prefix.as_str().to_string(),
            pieces,
            line: i + 1,
            col,
            source_line: line.to_string(),
        });
    }
    Ok(out)
}

fn parse_pattern(mut p: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = vec![];
    let mut literal = String::new();
    while !p.is_empty() {
        if let Some(rest) = p.strip_prefix("{{") {
            let mut end = rest.find("}}").ok_or("found start of regex string with no end '}}'")?;
            // `{{a{2}}}` closes at the last of three braces.
            while rest[end + 2..].starts_with('}') {
                end += 1;
            }
            pieces.push(Piece::Literal(std::mem::take(&mut literal)));
            pieces.push(Piece::Regex(rest[..end].to_string()));
            p = &rest[end + 2..];
        } else if let Some(rest) = p.strip_prefix("[[") {
            let end = var_end(rest).ok_or("found start of variable with no end ']]'")?;
            pieces.push(Piece::Literal(std::mem::take(&mut literal)));
            pieces.push(parse_var(&rest[..end])?);
            p = &rest[end + 2..];
        } else {
            let c = p.chars().next().unwrap_or(' ');
            literal.push(c);
            p = &p[c.len_utf8()..];
        }
    }
    pieces.push(Piece::Literal(literal));
    pieces.retain(|piece| !matches!(piece, Piece::Literal(l) if l.is_empty()));
    Ok(pieces)
}

/// The index of the `]]` closing a variable, skipping brackets nested in its regex.
fn var_end(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let bytes = s.as_bytes();
    for i in 0..bytes.len() {
        match bytes[i] {
            b'[' => depth += 1,
            b']' if depth > 0 => depth -= 1,
            b']' if bytes.get(i + 1) == Some(&b']') => return Some(i),
            _ => {}
        }
    }
    None
}

fn parse_var(body: &str) -> Result<Piece, String> {
    if let Some(line) = body.strip_prefix("@LINE") {
        let offset = match line.trim() {
            "" => 0,
            t => t.replace(' ', "").parse::<i64>().map_err(|_| format!("invalid expression '[[{body}]]'"))?,
        };
        return Ok(Piece::Line(offset));
    }
    if body.starts_with('#') {
        return Err(format!("numeric variables ('[[{body}]]') are not supported"));
    }
    let (name, regex) = match body.split_once(':') {
        Some((n, r)) => (n, Some(r)),
        None => (body, None),
    };
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && name.chars().skip(1).all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!("invalid variable name '{name}'"));
    }
    Ok(match regex {
        Some(r) => Piece::Define(name.to_string(), r.to_string()),
        None => Piece::Use(name.to_string()),
    })
}

struct Checker<'a> {
    check_name: &'a str,
    input_name: &'a str,
    input: &'a str,
    vars: HashMap<String, String>,
}

impl Checker<'_> {
    fn run(mut self, directives: &[Directive]) -> Result<(), String> {
        let mut labels = vec![];
        let mut from = 0;
        for d in directives.iter().filter(|d| d.kind == Kind::Label) {
            let m = self
                .find(d, from..self.input.len())?
                .ok_or_else(|| self.failure(d, "expected string not found in input", from, "scanning from here"))?;
            labels.push(m);
            from = m.end;
        }
        // The directives between two labels are searched only between the two matches.
        let mut group_start = 0;
        let mut label_index = 0;
        let mut prev: Option<Match> = None;
        let mut start = 0;
        for (i, d) in directives.iter().enumerate() {
            if d.kind != Kind::Label {
                continue;
            }
            let label = labels[label_index];
            self.group(&directives[group_start..i], prev, start..label.start)?;
            prev = Some(label);
            start = label.end;
            label_index += 1;
            group_start = i + 1;
        }
        self.group(&directives[group_start..], prev, start..self.input.len())
    }

    /// Matches the directives of one label block within `region`; `prev` is the match before them.
    fn group(&mut self, directives: &[Directive], mut prev: Option<Match>, region: Range<usize>) -> Result<(), String> {
        let mut cursor = region.start;
        let mut nots: Vec<&Directive> = vec![];
        let mut i = 0;
        while i < directives.len() {
            let d = &directives[i];
            match d.kind {
                Kind::Not => {
                    nots.push(d);
                    i += 1;
                }
                Kind::Dag => {
                    let end =
                        directives[i..].iter().position(|d| d.kind != Kind::Dag).map_or(directives.len(), |p| i + p);
                    let mut found: Vec<Match> = vec![];
                    for d in &directives[i..end] {
                        let m = self.find_dag(d, cursor..region.end, &found)?;
                        found.push(m);
                    }
                    let first = found.iter().map(|m| m.start).min().unwrap_or(cursor);
                    self.check_nots(&nots, cursor..first)?;
                    nots.clear();
                    let last =
                        found.iter().copied().max_by_key(|m| m.end).unwrap_or(Match { start: cursor, end: cursor });
                    cursor = cursor.max(last.end);
                    prev = Some(last);
                    i = end;
                }
                _ => {
                    let m = self.positional(d, prev, cursor..region.end)?;
                    self.check_nots(&nots, cursor..m.start)?;
                    nots.clear();
                    cursor = m.end;
                    prev = Some(m);
                    i += 1;
                }
            }
        }
        self.check_nots(&nots, cursor..region.end)
    }

    /// CHECK, CHECK-NEXT, CHECK-SAME and CHECK-EMPTY.
    fn positional(&mut self, d: &Directive, prev: Option<Match>, region: Range<usize>) -> Result<Match, String> {
        let from = region.start;
        let m = if d.kind == Kind::Empty {
            let prev_end = prev.map_or(from, |p| p.end);
            let next_line = self.input[prev_end..].find('\n').map(|i| prev_end + i + 1);
            match next_line.filter(|&s| s < region.end && self.input[s..].starts_with('\n')) {
                Some(s) => Match { start: s, end: s },
                None => return Err(self.failure(d, "expected an empty line", from, "scanning from here")),
            }
        } else {
            self.find(d, region)?
                .ok_or_else(|| self.failure(d, "expected string not found in input", from, "scanning from here"))?
        };
        let prev_end = prev.map_or(0, |p| p.end);
        let newlines = self.input[prev_end.min(m.start)..m.start].matches('\n').count();
        match d.kind {
            Kind::Next | Kind::Empty if newlines == 0 => {
                Err(self.failure(d, "is on the same line as the previous match", m.start, "'next' match was here"))
            }
            Kind::Next | Kind::Empty if newlines > 1 => {
                Err(self.failure(d, "is not on the line after the previous match", m.start, "'next' match was here"))
            }
            Kind::Same if newlines > 0 => {
                Err(self.failure(d, "is not on the same line as the previous match", m.start, "'same' match was here"))
            }
            _ => Ok(m),
        }
    }

    /// A CHECK-DAG match that overlaps none of the group's earlier matches.
    fn find_dag(&mut self, d: &Directive, region: Range<usize>, taken: &[Match]) -> Result<Match, String> {
        let mut from = region.start;
        while from <= region.end {
            let Some(m) = self.find(d, from..region.end)? else { break };
            match taken.iter().find(|t| m.start < t.end.max(t.start + 1) && t.start < m.end.max(m.start + 1)) {
                Some(t) => from = t.end.max(m.start + 1),
                None => return Ok(m),
            }
        }
        Err(self.failure(d, "expected string not found in input", region.start, "scanning from here"))
    }

    fn check_nots(&mut self, nots: &[&Directive], region: Range<usize>) -> Result<(), String> {
        for d in nots {
            if let Some(m) = self.find(d, region.clone())? {
                return Err(self.failure(d, "excluded string found in input", m.start, "found here"));
            }
        }
        Ok(())
    }

    /// The first match of the directive's pattern in `region`; defines its variables.
    fn find(&mut self, d: &Directive, region: Range<usize>) -> Result<Option<Match>, String> {
        let mut re = String::from("(?m)");
        let mut defines: Vec<(String, String)> = vec![];
        for piece in &d.pieces {
            match piece {
                Piece::Literal(text) => re.push_str(&literal_regex(text)),
                Piece::Regex(r) => {
                    re.push_str(&format!("(?:{r})"));
                }
                Piece::Define(name, r) => {
                    let group = format!("v{}", defines.len());
                    re.push_str(&format!("(?P<{group}>{r})"));
                    defines.push((group, name.clone()));
                }
                Piece::Use(name) => {
                    if defines.iter().any(|(_, n)| n == name) {
                        return Err(self.at(d, &format!("variable '{name}' is used in the pattern that defines it")));
                    }
                    let value =
                        self.vars.get(name).ok_or_else(|| self.at(d, &format!("undefined variable: {name}")))?;
                    re.push_str(&regex::escape(value));
                }
                Piece::Line(offset) => re.push_str(&(d.line as i64 + offset).to_string()),
            }
        }
        let compiled = Regex::new(&re).map_err(|e| self.at(d, &format!("invalid regex: {e}")))?;
        let hay = &self.input[..region.end];
        let Some(c) = compiled.captures_at(hay, region.start) else { return Ok(None) };
        let Some(all) = c.get(0) else { return Ok(None) };
        for (group, name) in defines {
            if let Some(v) = c.name(&group) {
                self.vars.insert(name, v.as_str().to_string());
            }
        }
        Ok(Some(Match { start: all.start(), end: all.end() }))
    }

    /// An error about the directive itself (no input position).
    fn at(&self, d: &Directive, msg: &str) -> String {
        format!(
            "{}:{}:{}: error: {}: {msg}\n{}\n{}^\n",
            self.check_name,
            d.line,
            d.col,
            d.name(),
            d.source_line,
            " ".repeat(d.col - 1)
        )
    }

    /// FileCheck's failure report: the directive and the input position it concerns.
    fn failure(&self, d: &Directive, msg: &str, pos: usize, note: &str) -> String {
        let mut out = self.at(d, msg);
        let pos = pos.min(self.input.len());
        let line_start = self.input[..pos].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.input[pos..].find('\n').map_or(self.input.len(), |i| pos + i);
        let line = self.input[..pos].matches('\n').count() + 1;
        let col = self.input[line_start..pos].chars().count() + 1;
        out.push_str(&format!(
            "{}:{line}:{col}: note: {note}\n{}\n{}^\n",
            self.input_name,
            &self.input[line_start..line_end],
            " ".repeat(col - 1)
        ));
        let uses: Vec<String> = d
            .pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Use(n) => self.vars.get(n).map(|v| format!("note: with \"{n}\" equal to \"{v}\"")),
                _ => None,
            })
            .collect();
        for u in uses {
            out.push_str(&u);
            out.push('\n');
        }
        out
    }
}

/// A literal as a regex: special characters escaped, each run of spaces and tabs matching any such run.
fn literal_regex(text: &str) -> String {
    let mut out = String::new();
    let mut in_space = false;
    for c in text.chars() {
        if c == ' ' || c == '\t' {
            if !in_space {
                out.push_str(r"[ \t]+");
            }
            in_space = true;
        } else {
            in_space = false;
            out.push_str(&regex::escape(&c.to_string()));
        }
    }
    out
}

#[cfg(test)]
mod tests;
