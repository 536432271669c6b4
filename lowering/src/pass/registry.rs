//! The one registry of passes and named pipelines: registration checks names (kebab-case, unique across
//! passes and pipelines) and option declarations; lookups answer unknown names with a "did you mean" and the
//! list of valid ones; pipeline texts (`a,b{opt=v}` or MLIR's `builtin.module(a,b{opt=v})`) become passes.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{did_you_mean, Pass, PassOption, PassOptions};

/// Builds a pass from parsed options.
type CreateFn = fn(&PassOptions) -> Result<Box<dyn Pass>, String>;

/// A registered pass: what `--help` and `--list-passes` show, and how to build it.
#[derive(Clone, Debug)]
pub struct PassInfo {
    pub name: &'static str,
    pub description: &'static str,
    pub options: &'static [PassOption],
    pub lowers_away: Option<&'static str>,
    create: CreateFn,
}

impl PassInfo {
    /// Builds the pass from an option list (`name=value`, separated by commas or spaces).
    pub fn create(&self, options: &str) -> Result<Box<dyn Pass>, String> {
        let parsed = PassOptions::parse(self.name, self.options, options)?;
        (self.create)(&parsed)
    }
}

fn create_boxed<P: Pass + 'static>(options: &PassOptions) -> Result<Box<dyn Pass>, String> {
    Ok(Box::new(P::from_options(options)?))
}

/// A named list of passes, run by `veil-opt --NAME` like a pass.
#[derive(Copy, Clone, Debug)]
pub struct Pipeline {
    pub name: &'static str,
    pub description: &'static str,
    /// The passes, as a pipeline text: `a,b{opt=v},c`. May name pipelines registered before this one.
    pub passes: &'static str,
}

/// Every pass and pipeline, by name.
#[derive(Clone, Debug, Default)]
pub struct PassRegistry {
    passes: BTreeMap<&'static str, PassInfo>,
    pipelines: BTreeMap<&'static str, Pipeline>,
}

impl PassRegistry {
    pub fn new() -> PassRegistry {
        PassRegistry::default()
    }

    /// Registers a pass. Fails on a name that is not kebab-case or already taken, on a bad option
    /// declaration, or when the pass cannot be built from its defaults.
    pub fn register<P: Pass + 'static>(&mut self) -> Result<&mut Self, String> {
        let options = P::options();
        let probe = PassOptions::defaults("<unregistered>", options)?;
        let pass = P::from_options(&probe)?;
        let name = pass.name();
        check_name("pass", name)?;
        self.check_free(name)?;
        check_line(name, pass.description())?;
        for (i, o) in options.iter().enumerate() {
            check_name("option", o.name).map_err(|e| format!("pass '{name}': {e}"))?;
            if options[..i].iter().any(|p| p.name == o.name) {
                return Err(format!("pass '{name}' declares option '{}' twice", o.name));
            }
            check_line(name, o.help)?;
        }
        let info = PassInfo {
            name,
            description: pass.description(),
            options,
            lowers_away: pass.lowers_away(),
            create: create_boxed::<P>,
        };
        self.passes.insert(name, info);
        Ok(self)
    }

    /// Registers a pipeline; every pass it names must be registered already.
    pub fn register_pipeline(&mut self, pipeline: Pipeline) -> Result<&mut Self, String> {
        check_name("pipeline", pipeline.name)?;
        self.check_free(pipeline.name)?;
        check_line(pipeline.name, pipeline.description)?;
        self.parse_pipeline(pipeline.passes).map_err(|e| format!("pipeline '{}': {e}", pipeline.name))?;
        self.pipelines.insert(pipeline.name, pipeline);
        Ok(self)
    }

    fn check_free(&self, name: &str) -> Result<(), String> {
        if self.passes.contains_key(name) || self.pipelines.contains_key(name) {
            return Err(format!("a pass or pipeline named '{name}' is already registered"));
        }
        Ok(())
    }

    pub fn passes(&self) -> impl Iterator<Item = &PassInfo> {
        self.passes.values()
    }

    pub fn pipelines(&self) -> impl Iterator<Item = &Pipeline> {
        self.pipelines.values()
    }

    pub fn pass(&self, name: &str) -> Option<&PassInfo> {
        self.passes.get(name)
    }

    pub fn pipeline(&self, name: &str) -> Option<&Pipeline> {
        self.pipelines.get(name)
    }

    /// The passes that `name` stands for: one pass built with `options`, or the passes of a pipeline.
    pub fn create(&self, name: &str, options: &str) -> Result<Vec<Box<dyn Pass>>, String> {
        if let Some(info) = self.passes.get(name) {
            return Ok(vec![info.create(options)?]);
        }
        if let Some(p) = self.pipelines.get(name) {
            if !options.trim().is_empty() {
                return Err(format!("pipeline '{name}' takes no options (got '{options}')"));
            }
            return self.parse_pipeline(p.passes);
        }
        Err(self.unknown(name))
    }

    fn unknown(&self, name: &str) -> String {
        let names = self.passes.keys().chain(self.pipelines.keys()).copied();
        let hint = did_you_mean(name, names).map_or(String::new(), |s| format!(" (did you mean '{s}'?)"));
        let passes: Vec<&str> = self.passes.keys().copied().collect();
        let pipelines: Vec<&str> = self.pipelines.keys().copied().collect();
        let mut msg = format!("unknown pass '{name}'{hint}; valid passes: {}", passes.join(", "));
        if !pipelines.is_empty() {
            write!(msg, "; pipelines: {}", pipelines.join(", ")).unwrap_or_default();
        }
        msg
    }

    /// Parses a pipeline text, `a,b{opt=v}` or `builtin.module(a,b{opt=v})`, into passes.
    pub fn parse_pipeline(&self, text: &str) -> Result<Vec<Box<dyn Pass>>, String> {
        let mut passes = vec![];
        for (name, options) in split_pipeline(text)? {
            passes.extend(self.create(&name, &options)?);
        }
        Ok(passes)
    }

    /// `--list-passes`: every pass with its options, then every pipeline with its passes.
    pub fn describe(&self) -> String {
        let width = self.passes.keys().chain(self.pipelines.keys()).map(|n| n.len()).max().unwrap_or(0) + 2;
        let mut out = String::from("Passes:\n");
        for p in self.passes.values() {
            let _ = writeln!(out, "  {:width$}{}", p.name, p.description);
            for o in p.options {
                let default = if o.default.is_empty() { String::new() } else { format!(" (default: {})", o.default) };
                let _ = writeln!(out, "      {}=<{}>  {}{default}", o.name, o.kind.describe(), o.help);
            }
        }
        if !self.pipelines.is_empty() {
            out.push_str("Pipelines:\n");
        }
        for p in self.pipelines.values() {
            let _ = writeln!(out, "  {:width$}{}", p.name, p.description);
            let _ = writeln!(out, "      = {}", p.passes);
        }
        out
    }
}

fn check_name(what: &str, name: &str) -> Result<(), String> {
    let kebab = !name.is_empty()
        && name.split('-').all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
        && name.as_bytes()[0].is_ascii_lowercase();
    if kebab {
        Ok(())
    } else {
        Err(format!("{what} name '{name}' is not kebab-case"))
    }
}

fn check_line(name: &str, text: &str) -> Result<(), String> {
    if text.trim().is_empty() || text.contains('\n') {
        return Err(format!("'{name}': descriptions and option help must be one non-empty line"));
    }
    Ok(())
}

/// Splits a pipeline text into (name, options) items.
pub fn split_pipeline(text: &str) -> Result<Vec<(String, String)>, String> {
    let trimmed = text.trim();
    let body = match trimmed.strip_prefix("builtin.module") {
        Some(rest) => {
            let rest = rest.trim_start();
            rest.strip_prefix('(')
                .and_then(|r| r.strip_suffix(')'))
                .ok_or_else(|| format!("in pass pipeline '{text}': expected 'builtin.module(...)'"))?
        }
        None => trimmed,
    };
    let mut items = vec![];
    let mut chars = body.char_indices().peekable();
    let err = |msg: String| format!("in pass pipeline '{text}': {msg}");
    let mut after_comma = false;
    loop {
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let Some(&(start, _)) = chars.peek() else {
            if after_comma {
                return Err(err("expected a pass name after the last ','".into()));
            }
            break;
        };
        while chars.next_if(|(_, c)| c.is_ascii_alphanumeric() || "-_.".contains(*c)).is_some() {}
        let end = chars.peek().map_or(body.len(), |&(i, _)| i);
        let name = &body[start..end];
        if name.is_empty() {
            return Err(err(format!("expected a pass name at '{}'", &body[start..])));
        }
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let mut options = String::new();
        match chars.peek() {
            Some((_, '(')) => {
                return Err(err(format!(
                    "nested pass pipelines ('{name}(...)') are not supported: every pass runs on the whole module"
                )))
            }
            Some((_, '{')) => {
                chars.next();
                let mut quoted = false;
                loop {
                    match chars.next() {
                        None => return Err(err(format!("unterminated '{{' in the options of '{name}'"))),
                        Some((_, '"')) => {
                            quoted = !quoted;
                            options.push('"');
                        }
                        Some((_, '}')) if !quoted => break,
                        Some((_, c)) => options.push(c),
                    }
                }
                while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
            }
            _ => {}
        }
        items.push((name.to_string(), options));
        match chars.next() {
            None => break,
            Some((_, ',')) => after_comma = true,
            Some((i, _)) => return Err(err(format!("expected ',' after '{name}' at '{}'", &body[i..]))),
        }
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_plain_and_mlir_pipelines() {
        let plain = split_pipeline("a, b{x=1 y=\"p q}\"},c").unwrap();
        assert_eq!(
            plain,
            vec![("a".into(), "".into()), ("b".into(), "x=1 y=\"p q}\"".into()), ("c".into(), "".into())]
        );
        let mlir = split_pipeline("builtin.module( a , b{x=1} )").unwrap();
        assert_eq!(mlir, vec![("a".into(), "".into()), ("b".into(), "x=1".into())]);
        assert!(split_pipeline("").unwrap().is_empty());
        assert!(split_pipeline("builtin.module()").unwrap().is_empty());
    }

    #[test]
    fn rejects_malformed_pipelines() {
        for bad in ["a b", "a{x=1", "func.func(cse)", "a,,b", "builtin.module(a", "a,"] {
            assert!(split_pipeline(bad).is_err(), "{bad}");
        }
        assert_eq!(split_pipeline("a b").unwrap_err(), "in pass pipeline 'a b': expected ',' after 'a' at 'b'");
    }

    #[test]
    fn names_must_be_kebab_case() {
        assert!(check_name("pass", "he-to-rt").is_ok());
        assert!(check_name("pass", "cse2").is_ok());
        for bad in ["", "He", "a--b", "-a", "a-", "a_b", "2a"] {
            assert!(check_name("pass", bad).is_err(), "{bad}");
        }
    }
}
