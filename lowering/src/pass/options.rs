//! Typed pass options: each pass declares its options as data ([`PassOption`]: name, kind, default, help);
//! [`PassOptions::parse`] reads `name=value` lists (separated by commas or spaces) against those declarations.

use std::path::PathBuf;

use super::did_you_mean;

/// The kind of value an option takes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum OptionKind {
    /// A signed 64-bit integer.
    Int,
    /// `true` or `false`; a bare `name` means `true`.
    Bool,
    String,
    Path,
    /// One of the listed words.
    Enum(&'static [&'static str]),
}

impl OptionKind {
    /// How the kind reads in help text: `int`, `bool`, `text|json`.
    pub fn describe(self) -> String {
        match self {
            OptionKind::Int => "int".into(),
            OptionKind::Bool => "bool".into(),
            OptionKind::String => "string".into(),
            OptionKind::Path => "path".into(),
            OptionKind::Enum(words) => words.join("|"),
        }
    }
}

/// The declaration of one option of a pass.
#[derive(Copy, Clone, Debug)]
pub struct PassOption {
    /// Kebab-case, unique within the pass.
    pub name: &'static str,
    pub kind: OptionKind,
    /// The default, spelled as on the command line (parsed like a given value).
    pub default: &'static str,
    /// One line for `--list-passes`.
    pub help: &'static str,
}

impl PassOption {
    pub const fn int(name: &'static str, default: &'static str, help: &'static str) -> PassOption {
        PassOption { name, kind: OptionKind::Int, default, help }
    }
    pub const fn bool(name: &'static str, default: &'static str, help: &'static str) -> PassOption {
        PassOption { name, kind: OptionKind::Bool, default, help }
    }
    pub const fn string(name: &'static str, default: &'static str, help: &'static str) -> PassOption {
        PassOption { name, kind: OptionKind::String, default, help }
    }
    pub const fn path(name: &'static str, default: &'static str, help: &'static str) -> PassOption {
        PassOption { name, kind: OptionKind::Path, default, help }
    }
    pub const fn enumeration(
        name: &'static str,
        words: &'static [&'static str],
        default: &'static str,
        help: &'static str,
    ) -> PassOption {
        PassOption { name, kind: OptionKind::Enum(words), default, help }
    }

    fn parse_value(&self, pass: &str, text: &str) -> Result<OptionValue, String> {
        let bad = |expected: &str| format!("option '{}' of pass '{pass}' expects {expected}, got '{text}'", self.name);
        match self.kind {
            OptionKind::Int => text.parse().map(OptionValue::Int).map_err(|_| bad("an integer")),
            OptionKind::Bool => match text {
                "true" => Ok(OptionValue::Bool(true)),
                "false" => Ok(OptionValue::Bool(false)),
                _ => Err(bad("true or false")),
            },
            OptionKind::String => Ok(OptionValue::String(text.to_string())),
            OptionKind::Path => Ok(OptionValue::Path(PathBuf::from(text))),
            OptionKind::Enum(words) if words.contains(&text) => Ok(OptionValue::String(text.to_string())),
            OptionKind::Enum(words) => Err(bad(&format!("one of {}", words.join(", ")))),
        }
    }
}

/// A parsed option value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OptionValue {
    Int(i64),
    Bool(bool),
    /// A string or an enum word.
    String(String),
    Path(PathBuf),
}

/// The options of one pass instance: every declared option, given or defaulted, in declaration order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PassOptions {
    pass: &'static str,
    values: Vec<(&'static str, OptionValue)>,
}

impl PassOptions {
    /// Parses `name=value` items separated by commas or whitespace (values may be double-quoted); options
    /// not given take their defaults.
    pub fn parse(pass: &'static str, specs: &[PassOption], text: &str) -> Result<PassOptions, String> {
        let mut given: Vec<(&'static str, String)> = vec![];
        for item in split_items(text)? {
            let (name, value) = match item.split_once('=') {
                Some((n, v)) => (n.trim(), Some(unquote(v.trim()))),
                None => (item.as_str(), None),
            };
            let Some(spec) = specs.iter().find(|s| s.name == name) else {
                return Err(unknown_option(pass, specs, name));
            };
            if given.iter().any(|(n, _)| *n == spec.name) {
                return Err(format!("option '{name}' of pass '{pass}' is given twice"));
            }
            let value = match value {
                Some(v) => v,
                None if spec.kind == OptionKind::Bool => "true".to_string(),
                None => {
                    return Err(format!(
                        "option '{name}' of pass '{pass}' needs a value: {name}=<{}>",
                        spec.kind.describe()
                    ))
                }
            };
            given.push((spec.name, value));
        }
        let mut values = Vec::with_capacity(specs.len());
        for spec in specs {
            let text = given.iter().find(|(n, _)| *n == spec.name).map_or(spec.default, |(_, v)| v.as_str());
            values.push((spec.name, spec.parse_value(pass, text)?));
        }
        Ok(PassOptions { pass, values })
    }

    /// Every option at its default.
    pub fn defaults(pass: &'static str, specs: &[PassOption]) -> Result<PassOptions, String> {
        PassOptions::parse(pass, specs, "")
    }

    fn get(&self, name: &str) -> Result<&OptionValue, String> {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
            .ok_or_else(|| format!("pass '{}' reads option '{name}', which it does not declare", self.pass))
    }

    fn mismatch(&self, name: &str, kind: &str) -> String {
        format!("pass '{}' reads option '{name}' as {kind}, which is not its declared kind", self.pass)
    }

    pub fn int(&self, name: &str) -> Result<i64, String> {
        match self.get(name)? {
            OptionValue::Int(i) => Ok(*i),
            _ => Err(self.mismatch(name, "an int")),
        }
    }

    pub fn bool(&self, name: &str) -> Result<bool, String> {
        match self.get(name)? {
            OptionValue::Bool(b) => Ok(*b),
            _ => Err(self.mismatch(name, "a bool")),
        }
    }

    /// A string or enum option.
    pub fn string(&self, name: &str) -> Result<&str, String> {
        match self.get(name)? {
            OptionValue::String(s) => Ok(s),
            _ => Err(self.mismatch(name, "a string")),
        }
    }

    pub fn path(&self, name: &str) -> Result<&std::path::Path, String> {
        match self.get(name)? {
            OptionValue::Path(p) => Ok(p),
            _ => Err(self.mismatch(name, "a path")),
        }
    }

    /// Every declared option with its value, in declaration order.
    pub fn values(&self) -> &[(&'static str, OptionValue)] {
        &self.values
    }
}

fn unknown_option(pass: &str, specs: &[PassOption], name: &str) -> String {
    if specs.is_empty() {
        return format!("pass '{pass}' takes no options (got '{name}')");
    }
    let names: Vec<&str> = specs.iter().map(|s| s.name).collect();
    let hint = did_you_mean(name, names.iter().copied()).map_or(String::new(), |s| format!(" (did you mean '{s}'?)"));
    format!("pass '{pass}' has no option '{name}'{hint}; valid options: {}", names.join(", "))
}

/// Splits at commas and whitespace outside double quotes.
fn split_items(text: &str) -> Result<Vec<String>, String> {
    let mut items = vec![];
    let mut current = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ',' | ' ' | '\t' | '\n' if !quoted => {
                if !current.is_empty() {
                    items.push(std::mem::take(&mut current));
                }
            }
            _ => current.push(c),
        }
    }
    if quoted {
        return Err(format!("unterminated quote in options '{text}'"));
    }
    if !current.is_empty() {
        items.push(current);
    }
    Ok(items)
}

fn unquote(v: &str) -> String {
    v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(v).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[PassOption] = &[
        PassOption::enumeration("format", &["text", "json"], "text", "output format"),
        PassOption::int("max-width", "64", "widest integer"),
        PassOption::bool("verbose", "false", "say more"),
        PassOption::path("out", "", "where to write"),
    ];

    #[test]
    fn parses_lists_with_commas_spaces_and_defaults() {
        let o = PassOptions::parse("p", SPECS, "format=json, max-width=12 verbose").unwrap();
        assert_eq!(o.string("format").unwrap(), "json");
        assert_eq!(o.int("max-width").unwrap(), 12);
        assert!(o.bool("verbose").unwrap());
        assert_eq!(o.path("out").unwrap(), std::path::Path::new(""));
        let d = PassOptions::defaults("p", SPECS).unwrap();
        assert_eq!(d.string("format").unwrap(), "text");
        assert!(!d.bool("verbose").unwrap());
        let q = PassOptions::parse("p", SPECS, "out=\"a b.json\"").unwrap();
        assert_eq!(q.path("out").unwrap(), std::path::Path::new("a b.json"));
    }

    #[test]
    fn errors_name_the_valid_choices() {
        let e = PassOptions::parse("p", SPECS, "formt=json").unwrap_err();
        assert_eq!(
            e,
            "pass 'p' has no option 'formt' (did you mean 'format'?); valid options: format, max-width, verbose, out"
        );
        let e = PassOptions::parse("p", SPECS, "format=xml").unwrap_err();
        assert_eq!(e, "option 'format' of pass 'p' expects one of text, json, got 'xml'");
        let e = PassOptions::parse("p", SPECS, "max-width=x").unwrap_err();
        assert_eq!(e, "option 'max-width' of pass 'p' expects an integer, got 'x'");
        let e = PassOptions::parse("p", SPECS, "max-width").unwrap_err();
        assert_eq!(e, "option 'max-width' of pass 'p' needs a value: max-width=<int>");
        let e = PassOptions::parse("p", SPECS, "verbose,verbose=false").unwrap_err();
        assert_eq!(e, "option 'verbose' of pass 'p' is given twice");
        let e = PassOptions::parse("q", &[], "x=1").unwrap_err();
        assert_eq!(e, "pass 'q' takes no options (got 'x')");
        let o = PassOptions::defaults("p", SPECS).unwrap();
        assert!(o.int("format").is_err());
        assert!(o.int("nope").is_err());
    }
}
