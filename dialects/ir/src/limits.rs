//! The resource limits every input is checked against (element counts, constant bytes, nesting, op count), their
//! defaults, and the one place that reads `VEIL_LIMITS`, so that hostile but well-formed input gets a clear error
//! instead of a panic, an abort or an exhausted memory. docs/limits.md lists where each limit is checked.

use crate::diag::{Diagnostic, Location};
use crate::types::{Dim, FloatKind, TypeKind};

/// The environment variable that raises (or lowers) the limits: `VEIL_LIMITS=elements=100000000,ops=5000000`.
pub const ENV_VAR: &str = "VEIL_LIMITS";

/// How much one input may ask for. A module carries the limits it was read under ([`crate::Module::limits`]).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The most elements of one tensor type, dense constant or dialect shape (`elements`).
    pub max_elements: u64,
    /// The most bytes of all dense constants of a module, each element counted at its type's width
    /// (`constant-bytes`).
    pub max_constant_bytes: u64,
    /// The deepest nesting of brackets in IR text (`nesting`).
    pub max_nesting: usize,
    /// The most ops of a module, functions included (`ops`).
    pub max_ops: usize,
    /// The most bytes of one file read whole: a model, IR text, a .npy array, a key or ciphertext file
    /// (`file-bytes`).
    pub max_file_bytes: u64,
}

impl Default for Limits {
    /// Generous for every model Veil targets: the MNIST CNNs have tensors of a few hundred thousand elements,
    /// a few hundred kilobytes of weights and a few dozen ops; their largest key files (lut server keys at
    /// N = 4096) are under 1 GiB.
    fn default() -> Limits {
        Limits {
            max_elements: 1 << 24,
            max_constant_bytes: 1 << 30,
            max_nesting: 256,
            max_ops: 1_000_000,
            max_file_bytes: 1 << 32,
        }
    }
}

/// The keys of a limits spec, with a description of each, in the order they are documented.
pub const KEYS: &[(&str, &str)] = &[
    ("elements", "elements of one tensor type or constant"),
    ("constant-bytes", "bytes of all constants of a module"),
    ("nesting", "nesting depth of brackets"),
    ("ops", "ops of a module"),
    ("file-bytes", "bytes of one file read whole"),
];

impl Limits {
    /// The defaults, with `VEIL_LIMITS` applied when it is set.
    pub fn from_env() -> Result<Limits, String> {
        match std::env::var(ENV_VAR) {
            Ok(spec) => Limits::default().with_spec(&spec).map_err(|e| format!("{ENV_VAR}: {e}")),
            Err(std::env::VarError::NotPresent) => Ok(Limits::default()),
            Err(std::env::VarError::NotUnicode(_)) => Err(format!("{ENV_VAR} is not valid UTF-8")),
        }
    }

    /// What a command line asks for: the defaults, then `VEIL_LIMITS`, then each `--limits` spec in order.
    pub fn from_env_and_flags<'a>(specs: impl IntoIterator<Item = &'a str>) -> Result<Limits, String> {
        let mut limits = Limits::from_env()?;
        for spec in specs {
            limits = limits.with_spec(spec).map_err(|e| format!("--limits: {e}"))?;
        }
        Ok(limits)
    }

    /// The help of a `--limits` flag: the keys and their defaults.
    pub fn flag_help() -> String {
        let d = Limits::default();
        let defaults = [d.max_elements, d.max_constant_bytes, d.max_nesting as u64, d.max_ops as u64, d.max_file_bytes];
        let keys: Vec<String> =
            KEYS.iter().zip(defaults).map(|((key, what), n)| format!("{key} ({what}, default {n})")).collect();
        format!("Raise or lower resource limits, KEY=N,... (also {ENV_VAR}=KEY=N,...): {}", keys.join(", "))
    }

    /// These limits with the `key=value,...` pairs of `spec` applied (keys: [`KEYS`]); `_` separators are allowed
    /// in values, e.g. `elements=100_000_000`.
    pub fn with_spec(mut self, spec: &str) -> Result<Limits, String> {
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (key, value) = item.split_once('=').ok_or_else(|| format!("expected KEY=VALUE, got '{item}'"))?;
            let (key, value) = (key.trim(), value.trim());
            let n: u64 = value
                .replace('_', "")
                .parse()
                .map_err(|_| format!("'{key}' must be a non-negative integer, got '{value}'"))?;
            match key {
                "elements" => self.max_elements = n,
                "constant-bytes" => self.max_constant_bytes = n,
                "nesting" => self.max_nesting = usize::try_from(n).unwrap_or(usize::MAX),
                "ops" => self.max_ops = usize::try_from(n).unwrap_or(usize::MAX),
                "file-bytes" => self.max_file_bytes = n,
                _ => {
                    let keys: Vec<&str> = KEYS.iter().map(|(k, _)| *k).collect();
                    return Err(format!("unknown limit '{key}'; the limits are {}", keys.join(", ")));
                }
            }
        }
        Ok(self)
    }

    /// The element count of a static shape, or why it is refused: it overflows a `u64` or exceeds
    /// `max_elements`. Dynamic dimensions count as 1. `what` names the shape in the message, e.g. its type.
    pub fn check_elements(&self, what: impl FnOnce() -> String, shape: &[Dim]) -> Result<u64, LimitError> {
        let count = shape.iter().try_fold(1u64, |acc, d| acc.checked_mul(d.unwrap_or(1)));
        match count {
            None => Err(LimitError {
                message: format!(
                    "{} has more elements than fit in 64 bits (the product of its dimensions overflows)",
                    what()
                ),
                key: None,
            }),
            Some(n) if n > self.max_elements => Err(LimitError {
                message: format!("{} has {n} elements, more than the limit of {}", what(), self.max_elements),
                key: Some("elements"),
            }),
            Some(n) => Ok(n),
        }
    }

    /// Adds `bytes` to a module's running total of constant bytes, or says why the total is refused.
    pub fn add_constant_bytes(&self, total: &mut u64, bytes: u64) -> Result<(), LimitError> {
        *total = total.saturating_add(bytes);
        if *total > self.max_constant_bytes {
            return Err(LimitError {
                message: format!(
                    "the constants of this module take more than {} bytes, the limit ({} bytes so far)",
                    self.max_constant_bytes, total
                ),
                key: Some("constant-bytes"),
            });
        }
        Ok(())
    }

    /// Says why `count` ops are refused, if they are.
    pub fn check_ops(&self, count: usize) -> Result<(), LimitError> {
        if count > self.max_ops {
            return Err(LimitError {
                message: format!("the module has more than {} ops, the limit", self.max_ops),
                key: Some("ops"),
            });
        }
        Ok(())
    }
}

/// Reads a whole file of at most `limits.max_file_bytes` bytes. A larger file, or a device that never ends
/// (`/dev/zero`), is an error of kind `InvalidData` once the limit is passed, before more is read; its message says
/// how to raise the limit. Callers add the file's name, as they do for every other read error.
pub fn read_file(path: &std::path::Path, limits: &Limits) -> std::io::Result<Vec<u8>> {
    read_all(std::fs::File::open(path)?, limits)
}

/// Reads a stream to its end under the same limit as [`read_file`] (for stdin).
pub fn read_all(reader: impl std::io::Read, limits: &Limits) -> std::io::Result<Vec<u8>> {
    read_capped(reader, limits.max_file_bytes, true)
}

/// [`read_file`] under the limits of the environment ([`Limits::from_env`]), for readers that are not given
/// limits (key, ciphertext and .npy files): only `VEIL_LIMITS` raises it, and the error says so. A malformed
/// `VEIL_LIMITS` is an error of kind `InvalidInput`.
pub fn read_file_env(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    let limits = Limits::from_env().map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    read_capped(std::fs::File::open(path)?, limits.max_file_bytes, false)
}

/// Reads at most `max` bytes; one more is an error whose hint names the flag too when `flag` says it applies.
fn read_capped(reader: impl std::io::Read, max: u64, flag: bool) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    reader.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 <= max {
        return Ok(bytes);
    }
    let message = format!("the file has more than {max} bytes, the limit");
    let sentence = match flag {
        true => LimitError { message, key: Some("file-bytes") }.to_sentence(),
        false => format!("{message}; raise the limit with {ENV_VAR}=file-bytes=N (docs/limits.md)"),
    };
    Err(std::io::Error::new(std::io::ErrorKind::InvalidData, sentence))
}

/// The bytes one element of a tensor takes in a file (booleans one byte, `iN` rounded up to whole bytes).
pub fn element_bytes(elem: &TypeKind) -> u64 {
    match elem {
        TypeKind::Int { width, .. } => u64::from(width.div_ceil(8)),
        TypeKind::Float(FloatKind::F16 | FloatKind::BF16) => 2,
        TypeKind::Float(FloatKind::F32) => 4,
        _ => 8,
    }
}

/// An input over a limit: the message and the key that raises the limit (none for an overflow, which no limit
/// can allow).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitError {
    pub message: String,
    pub key: Option<&'static str>,
}

impl LimitError {
    /// How to raise the limit, for a diagnostic's note.
    pub fn hint(&self) -> Option<String> {
        self.key.map(|key| {
            format!(
                "raise the limit with {ENV_VAR}={key}=N or the flag `--limits {key}=N` of veil and veil-opt \
                 (docs/limits.md)"
            )
        })
    }

    /// An error diagnostic at `loc`: the message, with the hint as a note.
    pub fn diagnostic(&self, loc: Location) -> Diagnostic {
        let d = Diagnostic::error(loc, self.message.clone());
        match self.hint() {
            Some(hint) => d.with_note(hint),
            None => d,
        }
    }

    /// The message and the hint on one line, for errors that are plain text.
    pub fn to_sentence(&self) -> String {
        match self.hint() {
            Some(hint) => format!("{}; {hint}", self.message),
            None => self.message.clone(),
        }
    }
}

impl std::fmt::Display for LimitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_sentence())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_raises_and_rejects() {
        let l = Limits::default().with_spec("elements=100_000_000, ops=5").unwrap();
        assert_eq!((l.max_elements, l.max_ops), (100_000_000, 5));
        assert_eq!(l.max_constant_bytes, Limits::default().max_constant_bytes);
        assert_eq!(Limits::default().with_spec("").unwrap(), Limits::default());
        let unknown = Limits::default().with_spec("element=3").unwrap_err();
        assert_eq!(
            unknown,
            "unknown limit 'element'; the limits are elements, constant-bytes, nesting, ops, file-bytes"
        );
        assert_eq!(Limits::default().with_spec("file-bytes=7").unwrap().max_file_bytes, 7);
        assert_eq!(Limits::default().with_spec("ops").unwrap_err(), "expected KEY=VALUE, got 'ops'");
        assert_eq!(
            Limits::default().with_spec("ops=-1").unwrap_err(),
            "'ops' must be a non-negative integer, got '-1'"
        );
    }

    #[test]
    fn element_counts() {
        let l = Limits { max_elements: 100, ..Limits::default() };
        assert_eq!(l.check_elements(|| "t".into(), &[Some(10), None, Some(10)]), Ok(100));
        let over = l.check_elements(|| "t".into(), &[Some(101)]).unwrap_err();
        assert_eq!(over.message, "t has 101 elements, more than the limit of 100");
        assert_eq!(over.key, Some("elements"));
        let overflow = l.check_elements(|| "t".into(), &[Some(1 << 40), Some(1 << 40)]).unwrap_err();
        assert!(overflow.message.contains("overflows") && overflow.key.is_none(), "{overflow:?}");
        assert!(overflow.hint().is_none());
    }

    #[test]
    fn constant_bytes_accumulate() {
        let l = Limits { max_constant_bytes: 10, ..Limits::default() };
        let mut total = 0;
        assert!(l.add_constant_bytes(&mut total, 6).is_ok());
        let e = l.add_constant_bytes(&mut total, 6).unwrap_err();
        assert_eq!(e.key, Some("constant-bytes"));
        assert_eq!(total, 12);
        assert_eq!(element_bytes(&TypeKind::Int { width: 1, signedness: crate::Signedness::Signless }), 1);
        assert_eq!(element_bytes(&TypeKind::Float(FloatKind::F32)), 4);
    }

    #[test]
    fn files_read_whole_stop_at_the_limit() {
        let path = std::env::temp_dir().join(format!("veil_limits_{}.bin", std::process::id()));
        std::fs::write(&path, [7u8; 10]).unwrap();
        let at = |n| Limits { max_file_bytes: n, ..Limits::default() };
        assert_eq!(read_file(&path, &at(10)).unwrap(), vec![7u8; 10]);
        let over = read_file(&path, &at(9)).unwrap_err();
        assert_eq!(over.kind(), std::io::ErrorKind::InvalidData);
        assert!(over.to_string().starts_with("the file has more than 9 bytes, the limit; raise the limit with"));
        std::fs::remove_file(&path).unwrap();
        let endless = read_file(std::path::Path::new("/dev/zero"), &at(1000)).unwrap_err();
        assert!(endless.to_string().contains("more than 1000 bytes"), "{endless}");
    }
}
