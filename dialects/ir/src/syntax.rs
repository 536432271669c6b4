//! The spanned syntax tree the grammar produces: names unresolved, types and attributes as written.
//! The resolver (`resolve.rs`) turns it into a [`crate::Module`].

use crate::types::Dim;

pub type Span = std::ops::Range<usize>;

/// A lexing or parsing error at a byte range.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug)]
pub enum Item {
    TypeAlias { name: String, ty: SynType, span: Span },
    AttrAlias { name: String, attr: SynAttr, span: Span },
    Module(SynModule),
    Func(SynFunc),
}

#[derive(Clone, Debug)]
pub struct SynModule {
    pub name: Option<String>,
    pub attrs: Vec<NamedAttr>,
    pub items: Vec<Item>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct SynFunc {
    pub visibility: Option<String>,
    pub name: String,
    pub args: Vec<SynArg>,
    pub results: Vec<SynResultSlot>,
    pub attrs: Vec<NamedAttr>,
    pub body: Vec<SynOp>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct SynArg {
    pub name: String,
    pub span: Span,
    pub ty: SynType,
    pub attrs: Vec<NamedAttr>,
}

#[derive(Clone, Debug)]
pub struct SynResultSlot {
    pub ty: SynType,
    pub attrs: Vec<NamedAttr>,
}

#[derive(Clone, Debug)]
pub struct SynOp {
    pub results: Vec<ResultDef>,
    pub kind: SynOpKind,
    pub span: Span,
}

/// `%name` or `%name:count` on the left of `=`.
#[derive(Clone, Debug)]
pub struct ResultDef {
    pub name: String,
    pub count: usize,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum SynOpKind {
    /// `"d.op"(%a, %b) <{props}> {attrs} : (T, T) -> T`
    Generic { name: String, name_span: Span, operands: Vec<ValueUse>, attrs: Vec<NamedAttr>, signature: SynType },
    /// `func.return %a, %b : T, T`
    Return { operands: Vec<ValueUse>, types: Vec<SynType> },
}

/// `%name` or `%name#index`.
#[derive(Clone, Debug)]
pub struct ValueUse {
    pub name: String,
    pub index: usize,
    pub span: Span,
}

impl ValueUse {
    pub fn parse(text: &str, span: Span) -> ValueUse {
        match text.split_once('#') {
            Some((name, index)) => {
                ValueUse { name: name.to_string(), index: index.parse().unwrap_or(usize::MAX), span }
            }
            None => ValueUse { name: text.to_string(), index: 0, span },
        }
    }
}

#[derive(Clone, Debug)]
pub struct NamedAttr {
    pub name: String,
    pub value: Option<SynAttr>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct SynType {
    pub kind: SynTypeKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum SynTypeKind {
    /// A builtin type written as a bare identifier: `i32`, `f32`, `index`, ...
    Named(String),
    Tensor {
        dims: Vec<Dim>,
        elem: Box<SynType>,
    },
    Function {
        inputs: Vec<SynType>,
        results: Vec<SynType>,
    },
    /// `!name` defined by `!name = type`.
    Alias(String),
    Dialect {
        dialect: String,
        name: String,
        params: Vec<SynParam>,
    },
}

#[derive(Clone, Debug)]
pub enum SynParam {
    Shaped { dims: Vec<Dim>, elem: SynType },
    Attr(SynAttr),
    Keyword(String, SynAttr),
}

#[derive(Clone, Debug)]
pub struct SynAttr {
    pub kind: SynAttrKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum SynAttrKind {
    /// The literal's text (decimal or `0x` hex) with an optional type.
    Int(String, Option<SynType>),
    Float(String, Option<SynType>),
    Bool(bool),
    Unit,
    String(String),
    Array(Vec<SynAttr>),
    Dict(Vec<NamedAttr>),
    Type(SynType),
    Symbol(String),
    Dense(DenseLit, SynType),
    Alias(String),
    Dialect {
        dialect: String,
        name: String,
        params: Vec<SynParam>,
    },
}

/// The body of `dense<...>`.
#[derive(Clone, Debug)]
pub enum DenseLit {
    Int(String, Span),
    Float(String, Span),
    Bool(bool, Span),
    /// The hex form `"0x..."`.
    Hex(String, Span),
    List(Vec<DenseLit>, Span),
}

/// Splits a `Dims` token (`1x?x64x`, starting at byte `start`) into dimensions; a dimension too large for a
/// `u64` is an error, not a dynamic `?`.
pub fn parse_dims<T>(text: &str, start: usize) -> Result<Vec<Dim>, lalrpop_util::ParseError<usize, T, SyntaxError>> {
    let mut dims = vec![];
    let mut at = start;
    for d in text.split('x') {
        if d == "?" {
            dims.push(None);
        } else if !d.is_empty() {
            let n = d.parse().map_err(|_| lalrpop_util::ParseError::User {
                error: SyntaxError {
                    span: at..at + d.len(),
                    message: format!("dimension {d} does not fit in 64 bits"),
                },
            })?;
            dims.push(Some(n));
        }
        at += d.len() + 1;
    }
    Ok(dims)
}

/// A symbol's name from its token (`@name` or `@"quoted name"`, without the `@`): quotes and escapes removed, so
/// that `@"f-"` and the printer's `@"f-"` name the same symbol.
pub fn symbol_name(token: &str) -> String {
    if token.starts_with('"') {
        unquote(token)
    } else {
        token.to_string()
    }
}

/// Decodes the escapes of a quoted string literal.
pub fn unquote(text: &str) -> String {
    let inner = &text[1..text.len() - 1];
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some(h1) if h1.is_ascii_hexdigit() => {
                let h2 = chars.next_if(|c| c.is_ascii_hexdigit()).unwrap_or('0');
                let byte = u8::from_str_radix(&format!("{h1}{h2}"), 16).unwrap_or(b'?');
                out.push(byte as char);
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}
