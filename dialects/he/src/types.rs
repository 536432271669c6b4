//! The typed view of he's tensor types, `!he.ct<1x64xi8, frac = 6>` and `!he.pt<64x32xi8, frac = 6>`: one
//! [`FixedTensor`] (kind, shape, width, fraction bits) read from and written to a [`Type`]. The rt dialect's
//! `!rt.ct` / `!rt.pt` carry the same parameters and reuse this view through the `*_in` functions.

use std::fmt;

use veil_ir::{AttrKind, DialectData, DialectParam, Module, Signedness, Type, TypeKind};

/// The narrowest element width.
pub const MIN_WIDTH: u32 = 2;
/// The widest element width (one TFHE radix integer of 32 two-bit blocks).
pub const MAX_WIDTH: u32 = 64;
/// The largest number of fraction bits; negative values down to `-MAX_FRAC` are allowed too (see [`FixedTensor`]).
pub const MAX_FRAC: i32 = 62;

/// Whether a tensor holds ciphertexts or an encoded plaintext.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `ct`: one ciphertext per element; only the client can read it.
    Cipher,
    /// `pt`: public integers, known to the server.
    Plain,
}

/// The name of rt's lookup-table-model ciphertext type, `!rt.lwe<...>`: he's parameters, one LWE ciphertext per
/// element. he itself has no such type (its verifier rejects it).
pub const LWE_TYPE_NAME: &str = "lwe";

impl Kind {
    /// The type's name inside its dialect: `ct` or `pt`.
    pub const fn type_name(self) -> &'static str {
        match self {
            Kind::Cipher => "ct",
            Kind::Plain => "pt",
        }
    }

    /// The kind a type name stands for: `ct` (and rt's `lwe`, a ciphertext in the lookup-table model) or `pt`.
    pub fn from_type_name(name: &str) -> Option<Kind> {
        match name {
            "ct" | LWE_TYPE_NAME => Some(Kind::Cipher),
            "pt" => Some(Kind::Plain),
            _ => None,
        }
    }

    /// `ciphertext` or `plaintext`, for messages.
    pub const fn noun(self) -> &'static str {
        match self {
            Kind::Cipher => "ciphertext",
            Kind::Plain => "plaintext",
        }
    }
}

/// A tensor of fixed-point integers: each element is a signed `width`-bit integer `v` standing for the real
/// number `v / 2^frac`. `frac` may be negative (down to `-MAX_FRAC`): then `v` counts units of `2^-frac`, for
/// values too large to keep every integer bit.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FixedTensor {
    pub kind: Kind,
    /// Static dimensions, row-major; empty for a scalar.
    pub shape: Vec<u64>,
    /// Bits per element, `MIN_WIDTH..=MAX_WIDTH`, two's complement.
    pub width: u32,
    /// Fraction bits, `-MAX_FRAC..=MAX_FRAC`.
    pub frac: i32,
}

impl FixedTensor {
    pub fn new(kind: Kind, shape: impl Into<Vec<u64>>, width: u32, frac: i32) -> FixedTensor {
        FixedTensor { kind, shape: shape.into(), width, frac }
    }

    pub fn cipher(shape: impl Into<Vec<u64>>, width: u32, frac: i32) -> FixedTensor {
        FixedTensor::new(Kind::Cipher, shape, width, frac)
    }

    pub fn plain(shape: impl Into<Vec<u64>>, width: u32, frac: i32) -> FixedTensor {
        FixedTensor::new(Kind::Plain, shape, width, frac)
    }

    /// The view of an `!he.ct` / `!he.pt` type; `None` for any other type or invalid parameters.
    pub fn of(m: &Module, t: Type) -> Option<FixedTensor> {
        FixedTensor::of_in(m, t, crate::NAME)
    }

    /// The view of a `ct` / `pt` type of `dialect` (rt reuses he's parameters).
    pub fn of_in(m: &Module, t: Type, dialect: &str) -> Option<FixedTensor> {
        match m.ty(t) {
            TypeKind::Dialect(d) if d.dialect == dialect => FixedTensor::from_data(m, d).ok(),
            _ => None,
        }
    }

    /// Reads and checks the parameters `<shape x iW, frac = F>` of a `ct` / `pt` type of any dialect. The error
    /// says what is wrong; the dialect's type verifier reports it.
    pub fn from_data(m: &Module, d: &DialectData) -> Result<FixedTensor, String> {
        let kind = Kind::from_type_name(&d.name)
            .ok_or_else(|| format!("unknown type !{}; expected !{1}.ct or !{1}.pt", d.full_name(), d.dialect))?;
        let usage = || format!("expected <shape x iN, frac = F>, e.g. !{}.{}<1x64xi8, frac = 6>", d.dialect, d.name);
        let [shaped, DialectParam::Keyword(key, frac)] = d.params.as_slice() else { return Err(usage()) };
        if key != "frac" {
            return Err(usage());
        }
        let (dims, elem) = match shaped {
            DialectParam::Shaped { shape, elem } => (shape.clone(), *elem),
            // A scalar is written `<i8, frac = 0>`, which parses as a type attribute.
            DialectParam::Attr(a) => match m.attr(*a) {
                AttrKind::Type(t) => (vec![], *t),
                _ => return Err(usage()),
            },
            DialectParam::Keyword(..) => return Err(usage()),
        };
        let mut shape = Vec::with_capacity(dims.len());
        for dim in dims {
            match dim {
                Some(n) if n > 0 => shape.push(n),
                Some(_) => return Err("dimensions must be positive".into()),
                None => return Err("dimensions must be static (no '?')".into()),
            }
        }
        if numel(&shape).is_none() {
            return Err("too many elements (the element count overflows 64 bits)".into());
        }
        let width = match m.ty(elem) {
            TypeKind::Int { width, signedness: Signedness::Signless } => *width,
            _ => {
                let got = veil_ir::type_to_string(m, elem);
                return Err(format!("element type must be a signless integer iN, got {got}"));
            }
        };
        if !(MIN_WIDTH..=MAX_WIDTH).contains(&width) {
            return Err(format!("element width i{width} is out of range: {MIN_WIDTH} <= N <= {MAX_WIDTH}"));
        }
        let frac = match m.attr(*frac) {
            AttrKind::Int { value, ty }
                if m.ty(*ty) == &TypeKind::Int { width: 64, signedness: Signedness::Signless } =>
            {
                *value
            }
            _ => return Err("frac must be a plain integer (no type suffix)".into()),
        };
        if frac.unsigned_abs() > MAX_FRAC as u128 {
            return Err(format!("frac = {frac} is out of range: -{MAX_FRAC} <= frac <= {MAX_FRAC}"));
        }
        Ok(FixedTensor { kind, shape, width, frac: frac as i32 })
    }

    /// The `!he.ct` / `!he.pt` type of this view.
    pub fn to_type(&self, m: &mut Module) -> Type {
        self.to_type_in(m, crate::NAME)
    }

    /// The `ct` / `pt` type of `dialect` with this view's parameters, spelled as the parser reads it back.
    pub fn to_type_in(&self, m: &mut Module, dialect: &str) -> Type {
        self.to_type_named(m, dialect, self.kind.type_name())
    }

    /// The type `!dialect.name<...>` with this view's parameters (rt's `lwe` ciphertexts use it).
    pub fn to_type_named(&self, m: &mut Module, dialect: &str, name: &str) -> Type {
        let elem = m.int_type(self.width);
        let shaped = if self.shape.is_empty() {
            DialectParam::Attr(m.type_attr(elem))
        } else {
            DialectParam::Shaped { shape: self.shape.iter().map(|&d| Some(d)).collect(), elem }
        };
        let frac = m.int_attr(self.frac as i64);
        let data = DialectData {
            dialect: dialect.to_string(),
            name: name.to_string(),
            params: vec![shaped, DialectParam::Keyword("frac".into(), frac)],
        };
        m.intern_type(TypeKind::Dialect(data))
    }

    pub fn rank(&self) -> usize {
        self.shape.len()
    }

    /// The number of elements (checked when the type was read; saturates otherwise).
    pub fn numel(&self) -> u64 {
        numel(&self.shape).unwrap_or(u64::MAX)
    }

    /// The smallest integer an element holds, `-2^(width-1)`.
    pub fn min_int(&self) -> i128 {
        -(1i128 << (self.width.clamp(1, 127) - 1))
    }

    /// The largest integer an element holds, `2^(width-1) - 1`.
    pub fn max_int(&self) -> i128 {
        (1i128 << (self.width.clamp(1, 127) - 1)) - 1
    }

    /// Whether the integer `v` fits an element.
    pub fn fits(&self, v: i128) -> bool {
        (self.min_int()..=self.max_int()).contains(&v)
    }

    /// The real number an element's integer `v` stands for, `v / 2^frac`.
    pub fn real(&self, v: i64) -> f64 {
        v as f64 * (-self.frac as f64).exp2()
    }

    pub fn with_kind(&self, kind: Kind) -> FixedTensor {
        FixedTensor { kind, ..self.clone() }
    }

    pub fn with_shape(&self, shape: impl Into<Vec<u64>>) -> FixedTensor {
        FixedTensor { shape: shape.into(), ..self.clone() }
    }

    pub fn with_width(&self, width: u32) -> FixedTensor {
        FixedTensor { width, ..self.clone() }
    }

    pub fn with_frac(&self, frac: i32) -> FixedTensor {
        FixedTensor { frac, ..self.clone() }
    }
}

/// `ct<1x64xi8, frac = 6>`: the type without its dialect prefix.
impl fmt::Display for FixedTensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}<", self.kind.type_name())?;
        for d in &self.shape {
            write!(f, "{d}x")?;
        }
        write!(f, "i{}, frac = {}>", self.width, self.frac)
    }
}

/// The element count of a shape, `None` on overflow.
pub fn numel(shape: &[u64]) -> Option<u64> {
    shape.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d))
}

/// Checks a `ct` / `pt` type of the he dialect (the dialect's `verify_type`).
pub fn verify_type(m: &Module, d: &DialectData) -> Result<(), String> {
    if d.name == LWE_TYPE_NAME {
        return Err(format!("unknown type !{}; expected !{1}.ct or !{1}.pt", d.full_name(), d.dialect));
    }
    FixedTensor::from_data(m, d).map(|_| ())
}
