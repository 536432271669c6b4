//! The tokens of MLIR's textual syntax (the subset Veil reads), produced by a logos lexer and fed to the
//! lalrpop grammar as `(start, token, end)` triples.

use logos::Logos;

use crate::syntax::SyntaxError;

#[derive(Logos, Clone, Debug, PartialEq)]
#[logos(skip r"[ \t\r\n\f]+")]
#[logos(skip(r"//[^\n]*", allow_greedy = true))]
pub enum Tok<'src> {
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("<")]
    Less,
    #[token(">")]
    Greater,
    #[token(",")]
    Comma,
    #[token("=")]
    Equal,
    #[token(":")]
    Colon,
    #[token("->")]
    Arrow,

    #[token("module")]
    KwModule,
    #[token("attributes")]
    KwAttributes,
    #[token("tensor")]
    KwTensor,
    #[token("dense")]
    KwDense,
    #[token("true")]
    KwTrue,
    #[token("false")]
    KwFalse,
    #[token("unit")]
    KwUnit,
    #[token("loc")]
    KwLoc,
    #[token("func.func")]
    KwFunc,
    #[token("func.return")]
    KwFuncReturn,
    #[token("return")]
    KwReturn,

    /// `%name` or `%name#3`.
    #[regex(r"%[A-Za-z0-9_$.\-]+(#[0-9]+)?", |lex| lex.slice())]
    ValueId(&'src str),
    /// `@name` or `@"quoted name"` (the slice without the `@`).
    #[regex(r#"@[A-Za-z_$.\-][A-Za-z0-9_$.\-]*|@"([^"\\\n]|\\.)*""#, |lex| &lex.slice()[1..])]
    SymbolId(&'src str),
    /// `!name` (alias) or `!dialect.name` (dialect type), without the `!`.
    #[regex(r"![A-Za-z_][A-Za-z0-9_$.]*", |lex| &lex.slice()[1..])]
    ExclId(&'src str),
    /// `#name` (alias) or `#dialect.name` (dialect attribute), without the `#`.
    #[regex(r"#[A-Za-z_][A-Za-z0-9_$.]*", |lex| &lex.slice()[1..])]
    HashId(&'src str),
    #[regex(r"[A-Za-z_][A-Za-z0-9_$.]*", |lex| lex.slice())]
    BareId(&'src str),
    /// A dimension list prefix inside a shaped type: `1x64x` of `1x64xi8`.
    #[regex(r"(([0-9]+|\?)x)+", |lex| lex.slice())]
    Dims(&'src str),
    #[regex(r"-?[0-9]+|0x[0-9A-Fa-f]+", |lex| lex.slice())]
    Integer(&'src str),
    #[regex(r"-?[0-9]+\.[0-9]*([eE][-+]?[0-9]+)?", |lex| lex.slice())]
    Float(&'src str),
    /// A string literal including its quotes (escapes are decoded by the grammar).
    #[regex(r#""([^"\\\n]|\\.)*""#, |lex| lex.slice())]
    Str(&'src str),
}

impl std::fmt::Display for Tok<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fixed = match self {
            Tok::ValueId(s) | Tok::BareId(s) | Tok::Dims(s) | Tok::Integer(s) | Tok::Float(s) | Tok::Str(s) => {
                return write!(f, "'{s}'")
            }
            Tok::SymbolId(s) => return write!(f, "'@{s}'"),
            Tok::ExclId(s) => return write!(f, "'!{s}'"),
            Tok::HashId(s) => return write!(f, "'#{s}'"),
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBrace => "{",
            Tok::RBrace => "}",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::Less => "<",
            Tok::Greater => ">",
            Tok::Comma => ",",
            Tok::Equal => "=",
            Tok::Colon => ":",
            Tok::Arrow => "->",
            Tok::KwModule => "module",
            Tok::KwAttributes => "attributes",
            Tok::KwTensor => "tensor",
            Tok::KwDense => "dense",
            Tok::KwTrue => "true",
            Tok::KwFalse => "false",
            Tok::KwUnit => "unit",
            Tok::KwLoc => "loc",
            Tok::KwFunc => "func.func",
            Tok::KwFuncReturn => "func.return",
            Tok::KwReturn => "return",
        };
        write!(f, "'{fixed}'")
    }
}

/// The token stream of `src` for the grammar; brackets (`(`, `{`, `[`, `<`) nest at most `max_nesting` deep.
pub fn tokens(
    src: &str,
    max_nesting: usize,
) -> impl Iterator<Item = Result<(usize, Tok<'_>, usize), SyntaxError>> + '_ {
    let mut depth = 0usize;
    // The two tokens before the current one, for a leading zero dimension (see `split_zero_dimension`).
    let mut recent: [Option<Tok<'_>>; 2] = [None, None];
    let tokens = Tok::lexer(src).spanned().map(move |(tok, span)| match tok {
        Ok(tok) => {
            match tok {
                Tok::LParen | Tok::LBrace | Tok::LBracket | Tok::Less => depth += 1,
                Tok::RParen | Tok::RBrace | Tok::RBracket | Tok::Greater => depth = depth.saturating_sub(1),
                _ => {}
            }
            // The syntax tree and the resolver recurse over nesting: bound it before the stack overflows.
            if depth > max_nesting {
                let message = format!(
                    "brackets nested more than {max_nesting} levels deep, the limit; raise it with {}=nesting=N \
                     or the flag `--limits nesting=N` of veil and veil-opt (docs/limits.md)",
                    crate::limits::ENV_VAR
                );
                return Err(SyntaxError { span, message });
            }
            Ok((span.start, tok, span.end))
        }
        Err(()) => {
            let text = &src[span.clone()];
            let message = if text.starts_with('"') {
                "unterminated string literal".to_string()
            } else {
                format!("unexpected character {:?}", text.chars().next().unwrap_or(' '))
            };
            Err(SyntaxError { span, message })
        }
    });
    tokens.flat_map(move |item| {
        let split = match &item {
            Ok((start, Tok::Integer(text), _)) => split_zero_dimension(&recent, *start, text),
            _ => None,
        };
        if let Ok((_, tok, _)) = &item {
            recent = [recent[1].take(), Some(tok.clone())];
        }
        match split {
            Some([dims, elem]) => vec![Ok(dims), Ok(elem)],
            None => vec![item],
        }
    })
}

/// `0xf32` right after `tensor<` or a dialect type's `<` is a shape of one zero dimension and a float element type
/// (as MLIR's parser reads it), not a hexadecimal integer: its `Dims` and `BareId` tokens.
fn split_zero_dimension<'src>(
    recent: &[Option<Tok<'src>>; 2],
    start: usize,
    text: &'src str,
) -> Option<[(usize, Tok<'src>, usize); 2]> {
    let after_shape_open = matches!(recent, [Some(Tok::KwTensor | Tok::ExclId(_)), Some(Tok::Less)]);
    let elem = text.strip_prefix("0x").filter(|e| e.starts_with(|c: char| c.is_ascii_alphabetic()))?;
    after_shape_open
        .then_some([(start, Tok::Dims(&text[..2]), start + 2), (start + 2, Tok::BareId(elem), start + text.len())])
}
