//! The builder: turns the syntax tree into a [`Module`], resolving SSA names, aliases and op names (through
//! the [`Registry`]) and reporting every naming and typing error at its place in the source.

use std::collections::{HashMap, HashSet};

use crate::attrs::{Attr, AttrKind, DenseValues, F64};
use crate::builtin;
use crate::diag::{Diagnostic, Diagnostics, Location};
use crate::limits::{element_bytes, LimitError, Limits};
use crate::module::{InsertPoint, Module, Value};
use crate::op_def::Registry;
use crate::printer::type_to_string;
use crate::syntax::*;
use crate::types::{DialectData, DialectParam, Dim, FloatKind, Signedness, Type, TypeKind};

type Result<T> = std::result::Result<T, Diagnostic>;

/// Parses MLIR text into a module (syntax and names only; run [`crate::verify`] for the op rules) under the
/// default [`Limits`].
pub fn parse(name: &str, text: &str, registry: &Registry) -> std::result::Result<Module, Diagnostics> {
    parse_with_limits(name, text, registry, Limits::default())
}

/// Parses MLIR text, refusing what exceeds `limits` before anything is built from it; the module keeps `limits`.
pub fn parse_with_limits(
    name: &str,
    text: &str,
    registry: &Registry,
    limits: Limits,
) -> std::result::Result<Module, Diagnostics> {
    let mut module = Module::new();
    module.limits = limits;
    let file = module.sources.add(name, text);
    let tokens = crate::lexer::tokens(text, limits.max_nesting);
    let items = match crate::grammar::FileParser::new().parse(tokens) {
        Ok(items) => items,
        Err(e) => {
            let d = syntax_error(file, text.len(), e);
            return Err(module.report(vec![d]));
        }
    };
    let mut r = Resolver {
        m: &mut module,
        file,
        registry,
        limits,
        type_aliases: HashMap::new(),
        attr_aliases: HashMap::new(),
        constant_bytes: 0,
        ops: 0,
    };
    match r.items(items) {
        Ok(()) => Ok(module),
        Err(d) => Err(module.report(vec![d])),
    }
}

fn syntax_error(
    file: usize,
    len: usize,
    e: lalrpop_util::ParseError<usize, crate::lexer::Tok<'_>, SyntaxError>,
) -> Diagnostic {
    use lalrpop_util::ParseError::*;
    let expected_list = |expected: &[String]| -> String {
        let mut list: Vec<&str> = expected.iter().map(|s| s.trim_matches('"')).collect();
        list.sort();
        list.dedup();
        let shown: Vec<String> = list.iter().take(8).map(|s| describe_expected(s)).collect();
        let more = if list.len() > 8 { ", ..." } else { "" };
        format!("{}{more}", shown.join(", "))
    };
    let (span, message) = match e {
        InvalidToken { location } => (location..location + 1, "invalid token".to_string()),
        UnrecognizedEof { location, expected } => {
            (location..location, format!("unexpected end of input; expected {}", expected_list(&expected)))
        }
        UnrecognizedToken { token: (l, tok, r), expected } => {
            (l..r, format!("unexpected {tok}; expected {}", expected_list(&expected)))
        }
        ExtraToken { token: (l, tok, r) } => (l..r, format!("unexpected {tok}")),
        User { error } => (error.span, error.message),
    };
    let span = span.start.min(len)..span.end.min(len);
    Diagnostic::error(Location::span(file, span), message)
}

fn describe_expected(terminal: &str) -> String {
    match terminal {
        "value_id" => "a value name (%x)".into(),
        "symbol_id" => "a symbol (@name)".into(),
        "excl_id" => "a type alias or dialect type (!x)".into(),
        "hash_id" => "an attribute alias (#x)".into(),
        "bare_id" => "an identifier".into(),
        "dims" => "a shape (2x3x)".into(),
        "integer" => "an integer".into(),
        "float" => "a float".into(),
        "string" => "a string".into(),
        other => format!("'{other}'"),
    }
}

struct Resolver<'a> {
    m: &'a mut Module,
    file: usize,
    registry: &'a Registry,
    limits: Limits,
    type_aliases: HashMap<String, Type>,
    attr_aliases: HashMap<String, Attr>,
    /// The bytes of the dense constants read so far, held to `limits.max_constant_bytes`.
    constant_bytes: u64,
    /// The functions and ops read so far, held to `limits.max_ops`.
    ops: usize,
}

/// The SSA names visible in one function body.
#[derive(Default)]
struct Scope {
    values: HashMap<String, Vec<Value>>,
    /// Names defined anywhere in the body, to tell "used before its definition" from "undefined".
    defined_later: HashSet<String>,
}

impl Resolver<'_> {
    fn loc(&self, span: &Span) -> Location {
        Location::span(self.file, span.clone())
    }

    fn err(&self, span: &Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(self.loc(span), message)
    }

    /// An input over a limit, with the note saying how to raise it.
    fn limit_err(&self, span: &Span, e: LimitError) -> Diagnostic {
        e.diagnostic(self.loc(span))
    }

    /// Counts one more op (a function or an op of its body) against the limit.
    fn count_op(&mut self, span: &Span) -> Result<()> {
        self.ops += 1;
        self.limits.check_ops(self.ops).map_err(|e| self.limit_err(span, e))
    }

    /// The element count of a shaped type (a tensor or a dialect type's shape), refused over the limit.
    fn check_elements(&self, span: &Span, what: impl FnOnce() -> String, shape: &[Dim]) -> Result<u64> {
        self.limits.check_elements(what, shape).map_err(|e| self.limit_err(span, e))
    }

    fn items(&mut self, items: Vec<Item>) -> Result<()> {
        let modules = items.iter().filter(|i| matches!(i, Item::Module(_))).count();
        let funcs = items.iter().filter(|i| matches!(i, Item::Func(_))).count();
        for item in items {
            match item {
                Item::TypeAlias { name, ty, span } => self.type_alias(name, ty, span)?,
                Item::AttrAlias { name, attr, span } => self.attr_alias(name, attr, span)?,
                Item::Func(f) => self.func(f)?,
                Item::Module(module) => {
                    if modules > 1 || funcs > 0 {
                        return Err(
                            self.err(&module.span, "expected a single top-level module, or functions without one")
                        );
                    }
                    self.module(module)?;
                }
            }
        }
        Ok(())
    }

    fn module(&mut self, module: SynModule) -> Result<()> {
        let top = self.m.top();
        self.m.op_mut(top).loc = self.loc(&module.span);
        if let Some(name) = module.name {
            let a = self.m.string_attr(name);
            self.m.set_attr(top, "sym_name", a);
        }
        for (name, value) in self.named_attrs(module.attrs)? {
            self.m.set_attr(top, &name, value);
        }
        for item in module.items {
            match item {
                Item::TypeAlias { name, ty, span } => self.type_alias(name, ty, span)?,
                Item::AttrAlias { name, attr, span } => self.attr_alias(name, attr, span)?,
                Item::Func(f) => self.func(f)?,
                Item::Module(inner) => return Err(self.err(&inner.span, "nested modules are not supported")),
            }
        }
        Ok(())
    }

    fn type_alias(&mut self, name: String, ty: SynType, span: Span) -> Result<()> {
        let t = self.ty(&ty)?;
        if self.type_aliases.insert(name.clone(), t).is_some() {
            return Err(self.err(&span, format!("redefinition of type alias '!{name}'")));
        }
        Ok(())
    }

    fn attr_alias(&mut self, name: String, attr: SynAttr, span: Span) -> Result<()> {
        let a = self.attr(&attr)?;
        if self.attr_aliases.insert(name.clone(), a).is_some() {
            return Err(self.err(&span, format!("redefinition of attribute alias '#{name}'")));
        }
        Ok(())
    }

    fn func(&mut self, f: SynFunc) -> Result<()> {
        self.count_op(&f.span)?;
        let inputs = f.args.iter().map(|a| self.ty(&a.ty)).collect::<Result<Vec<_>>>()?;
        let results = f.results.iter().map(|r| self.ty(&r.ty)).collect::<Result<Vec<_>>>()?;
        let (func, body) = builtin::create_func(self.m, &f.name, &inputs, &results, self.loc(&f.span));
        let mut extra = self.named_attrs(f.attrs)?;
        if let Some(v) = f.visibility {
            extra.push(("sym_visibility".into(), self.m.string_attr(v)));
        }
        for (name, value) in extra {
            self.m.set_attr(func, &name, value);
        }
        let arg_dicts = f.args.iter().map(|a| self.named_attrs(a.attrs.clone())).collect::<Result<Vec<_>>>()?;
        let res_dicts = f.results.iter().map(|r| self.named_attrs(r.attrs.clone())).collect::<Result<Vec<_>>>()?;
        for (key, dicts) in [("arg_attrs", arg_dicts), ("res_attrs", res_dicts)] {
            if dicts.iter().any(|d| !d.is_empty()) {
                let items = dicts.into_iter().map(|d| self.m.dict_attr(d)).collect();
                let array = self.m.array_attr(items);
                self.m.set_attr(func, key, array);
            }
        }

        let mut scope = Scope::default();
        let args = self.m.block(body).args.clone();
        for (a, &v) in f.args.iter().zip(&args) {
            if scope.values.insert(a.name.clone(), vec![v]).is_some() {
                return Err(self.err(&a.span, format!("redefinition of value '{}'", a.name)));
            }
        }
        scope.defined_later = f.body.iter().flat_map(|op| op.results.iter().map(|r| r.name.clone())).collect();
        for op in f.body {
            self.op(op, body, &mut scope)?;
        }
        Ok(())
    }

    fn lookup(&self, scope: &Scope, u: &ValueUse) -> Result<Value> {
        match scope.values.get(&u.name) {
            Some(vals) => vals.get(u.index).copied().ok_or_else(|| {
                self.err(&u.span, format!("'{}' has {} result(s); there is no #{}", u.name, vals.len(), u.index))
            }),
            None if scope.defined_later.contains(&u.name) => {
                Err(self.err(&u.span, format!("use of value '{}' before its definition", u.name)))
            }
            None => Err(self.err(&u.span, format!("use of undefined value '{}'", u.name))),
        }
    }

    fn op(&mut self, op: SynOp, block: crate::module::BlockId, scope: &mut Scope) -> Result<()> {
        self.count_op(&op.span)?;
        let (def, operands, result_types, attrs, loc) = match op.kind {
            SynOpKind::Generic { name, name_span, operands, attrs, signature } => {
                // Diagnostics about the op point at its results and name, not its whole line.
                let loc = self.loc(&(op.span.start..name_span.end));
                let def = self.registry.op(&name).ok_or_else(|| self.unknown_op(&name, &name_span))?;
                let sig = self.ty(&signature)?;
                let TypeKind::Function { inputs, results } = self.m.ty(sig).clone() else {
                    return Err(self.err(&signature.span, "expected a function type (operand types) -> result types"));
                };
                if inputs.len() != operands.len() {
                    return Err(self.err(
                        &signature.span,
                        format!(
                            "'{name}' has {} operand(s) but its signature lists {} type(s)",
                            operands.len(),
                            inputs.len()
                        ),
                    ));
                }
                let values = self.typed_operands(scope, &operands, &inputs)?;
                (def, values, results, self.named_attrs(attrs)?, loc)
            }
            SynOpKind::Return { operands, types } => {
                let types = types.iter().map(|t| self.ty(t)).collect::<Result<Vec<_>>>()?;
                if types.len() != operands.len() {
                    return Err(self.err(
                        &op.span,
                        format!("func.return has {} operand(s) but {} type(s)", operands.len(), types.len()),
                    ));
                }
                let values = self.typed_operands(scope, &operands, &types)?;
                (&builtin::RETURN, values, vec![], vec![], self.loc(&op.span))
            }
        };
        let declared: usize = op.results.iter().map(|r| r.count).sum();
        if declared != result_types.len() {
            return Err(self.err(
                &op.span,
                format!("'{}' defines {declared} result(s) but its signature has {}", def.name, result_types.len()),
            ));
        }
        let id = self.m.create(InsertPoint::End(block), def, &operands, &result_types, attrs, loc);
        let mut results = self.m.op(id).results.clone().into_iter();
        for r in op.results {
            let vals: Vec<Value> = results.by_ref().take(r.count).collect();
            if scope.values.insert(r.name.clone(), vals).is_some() {
                return Err(self.err(&r.span, format!("redefinition of value '{}'", r.name)));
            }
        }
        Ok(())
    }

    fn typed_operands(&self, scope: &Scope, uses: &[ValueUse], types: &[Type]) -> Result<Vec<Value>> {
        uses.iter()
            .zip(types)
            .map(|(u, &expected)| {
                let v = self.lookup(scope, u)?;
                let actual = self.m.value_type(v);
                if actual != expected {
                    return Err(self.err(
                        &u.span,
                        format!(
                            "type mismatch: '{}' has type {} but is used as {}",
                            u.name,
                            type_to_string(self.m, actual),
                            type_to_string(self.m, expected)
                        ),
                    ));
                }
                Ok(v)
            })
            .collect()
    }

    fn unknown_op(&self, name: &str, span: &Span) -> Diagnostic {
        let dialect = name.split_once('.').map_or(name, |(d, _)| d);
        let mut d = if self.registry.dialect(dialect).is_none() {
            self.err(span, format!("unknown operation '{name}': no dialect named '{dialect}' is registered"))
        } else {
            self.err(span, format!("unknown operation '{name}'"))
        };
        if let Some(s) = self.registry.suggest(name) {
            d = d.with_note(format!("did you mean '{s}'?"));
        }
        d
    }

    fn named_attrs(&mut self, attrs: Vec<NamedAttr>) -> Result<Vec<(String, Attr)>> {
        let mut out: Vec<(String, Attr)> = Vec::with_capacity(attrs.len());
        for na in attrs {
            if out.iter().any(|(n, _)| *n == na.name) {
                return Err(self.err(&na.span, format!("duplicate attribute '{}'", na.name)));
            }
            let value = match &na.value {
                Some(a) => self.attr(a)?,
                None => self.m.unit_attr(),
            };
            out.push((na.name, value));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    // ---- types -----------------------------------------------------------------------------------------------

    fn ty(&mut self, t: &SynType) -> Result<Type> {
        match &t.kind {
            SynTypeKind::Named(n) => {
                let kind = builtin_type(n).ok_or_else(|| self.err(&t.span, format!("unknown type '{n}'")))?;
                Ok(self.m.intern_type(kind))
            }
            SynTypeKind::Tensor { dims, elem } => {
                let e = self.ty(elem)?;
                if matches!(self.m.ty(e), TypeKind::Tensor { .. } | TypeKind::Function { .. }) {
                    return Err(self.err(&elem.span, "invalid tensor element type"));
                }
                let ty = self.m.intern_type(TypeKind::Tensor { shape: dims.clone(), elem: e });
                self.check_elements(&t.span, || format!("the type {}", type_to_string(self.m, ty)), dims)?;
                Ok(ty)
            }
            SynTypeKind::Function { inputs, results } => {
                let inputs = inputs.iter().map(|i| self.ty(i)).collect::<Result<Vec<_>>>()?;
                let results = results.iter().map(|r| self.ty(r)).collect::<Result<Vec<_>>>()?;
                Ok(self.m.function_type(inputs, results))
            }
            SynTypeKind::Alias(n) => self
                .type_aliases
                .get(n)
                .copied()
                .ok_or_else(|| self.err(&t.span, format!("undefined type alias '!{n}'"))),
            SynTypeKind::Dialect { dialect, name, params } => {
                let data = self.dialect_data(dialect, name, params, &t.span)?;
                let verify = self.registry.dialect(dialect).and_then(|d| d.verify_type);
                if let Some(verify) = verify {
                    verify(self.m, &data).map_err(|msg| self.err(&t.span, msg))?;
                }
                Ok(self.m.intern_type(TypeKind::Dialect(data)))
            }
        }
    }

    fn dialect_data(&mut self, dialect: &str, name: &str, params: &[SynParam], span: &Span) -> Result<DialectData> {
        if self.registry.dialect(dialect).is_none() {
            return Err(self.err(span, format!("unknown dialect '{dialect}' in '{dialect}.{name}'")));
        }
        let params = params
            .iter()
            .map(|p| {
                Ok(match p {
                    SynParam::Shaped { dims, elem } => {
                        let what = || format!("the shape of '!{dialect}.{name}'");
                        self.check_elements(span, what, dims)?;
                        DialectParam::Shaped { shape: dims.clone(), elem: self.ty(elem)? }
                    }
                    SynParam::Attr(a) => DialectParam::Attr(self.attr(a)?),
                    SynParam::Keyword(k, a) => DialectParam::Keyword(k.clone(), self.attr(a)?),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(DialectData { dialect: dialect.to_string(), name: name.to_string(), params })
    }

    // ---- attributes ------------------------------------------------------------------------------------------

    fn attr(&mut self, a: &SynAttr) -> Result<Attr> {
        let kind = match &a.kind {
            SynAttrKind::Int(text, ty) => {
                let ty = match ty {
                    Some(t) => self.ty(t)?,
                    None => self.m.int_type(64),
                };
                let value = parse_int(text).ok_or_else(|| self.err(&a.span, format!("invalid integer '{text}'")))?;
                match self.m.ty(ty).clone() {
                    TypeKind::Float(fk) if text.starts_with("0x") => {
                        AttrKind::Float { value: F64(float_from_bits(fk, value as u64)), ty }
                    }
                    TypeKind::Int { width, signedness } => {
                        if !int_fits(value, width, signedness) {
                            return Err(self.err(
                                &a.span,
                                format!("integer {value} does not fit in {}", type_to_string(self.m, ty)),
                            ));
                        }
                        AttrKind::Int { value, ty }
                    }
                    TypeKind::Index => AttrKind::Int { value, ty },
                    _ => return Err(self.err(&a.span, "an integer attribute needs an integer or index type")),
                }
            }
            SynAttrKind::Float(text, ty) => {
                let ty = match ty {
                    Some(t) => self.ty(t)?,
                    None => self.m.float_type(FloatKind::F64),
                };
                if !matches!(self.m.ty(ty), TypeKind::Float(_)) {
                    return Err(self.err(&a.span, "a float attribute needs a float type"));
                }
                let value = text.parse::<f64>().map_err(|_| self.err(&a.span, format!("invalid float '{text}'")))?;
                AttrKind::Float { value: F64(value), ty }
            }
            SynAttrKind::Bool(b) => AttrKind::Bool(*b),
            SynAttrKind::Unit => AttrKind::Unit,
            SynAttrKind::String(s) => AttrKind::String(s.clone()),
            SynAttrKind::Array(items) => {
                AttrKind::Array(items.iter().map(|i| self.attr(i)).collect::<Result<Vec<_>>>()?)
            }
            SynAttrKind::Dict(entries) => AttrKind::Dict(self.named_attrs(entries.clone())?),
            SynAttrKind::Type(t) => AttrKind::Type(self.ty(t)?),
            SynAttrKind::Symbol(s) => AttrKind::Symbol(s.clone()),
            SynAttrKind::Dense(body, ty) => {
                let t = self.ty(ty)?;
                return self.dense(body, t, &ty.span);
            }
            SynAttrKind::Alias(n) => {
                return self
                    .attr_aliases
                    .get(n)
                    .copied()
                    .ok_or_else(|| self.err(&a.span, format!("undefined attribute alias '#{n}'")))
            }
            SynAttrKind::Dialect { dialect, name, params } => {
                AttrKind::Dialect(self.dialect_data(dialect, name, params, &a.span)?)
            }
        };
        Ok(self.m.intern_attr(kind))
    }

    fn dense(&mut self, body: &DenseLit, ty: Type, ty_span: &Span) -> Result<Attr> {
        let (shape, elem) = match self.m.ty(ty) {
            TypeKind::Tensor { shape, elem } => (shape.clone(), *elem),
            _ => return Err(self.err(ty_span, "dense elements need a tensor type")),
        };
        let Some(shape) = shape.into_iter().collect::<Option<Vec<u64>>>() else {
            return Err(self.err(ty_span, "dense elements need a static shape"));
        };
        // The type's element count was checked when it was read; a splat is counted at its full size too, since
        // passes and evaluators expand it.
        let Some(numel) = shape.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d)) else {
            return Err(self.err(ty_span, "tensor type has too many elements"));
        };
        let elem_kind = self.m.ty(elem).clone();
        let bytes = numel.saturating_mul(element_bytes(&elem_kind));
        let mut total = self.constant_bytes;
        self.limits.add_constant_bytes(&mut total, bytes).map_err(|e| self.limit_err(ty_span, e))?;
        self.constant_bytes = total;
        let values = match body {
            DenseLit::Hex(hex, span) => self.dense_hex(hex, span, &elem_kind, numel)?,
            _ => {
                let mut flat = Vec::new();
                if matches!(body, DenseLit::List(..)) {
                    self.flatten(body, &shape, &mut flat)?;
                } else {
                    flat.push(body);
                }
                self.dense_literals(&flat, &elem_kind)?
            }
        };
        Ok(self.m.dense_attr(ty, values))
    }

    fn flatten<'b>(&self, lit: &'b DenseLit, shape: &[u64], out: &mut Vec<&'b DenseLit>) -> Result<()> {
        match (lit, shape.split_first()) {
            (DenseLit::List(items, span), Some((&n, rest))) => {
                if items.len() as u64 != n {
                    return Err(
                        self.err(span, format!("expected {n} elements in this dimension, found {}", items.len()))
                    );
                }
                items.iter().try_for_each(|i| self.flatten(i, rest, out))
            }
            (DenseLit::List(_, span), None) => Err(self.err(span, "too many nested lists for the tensor's rank")),
            (_, Some(_)) => Err(self.err(lit_span(lit), "expected a nested list matching the tensor's shape")),
            (_, None) => {
                out.push(lit);
                Ok(())
            }
        }
    }

    fn dense_literals(&self, flat: &[&DenseLit], elem: &TypeKind) -> Result<DenseValues> {
        match elem {
            TypeKind::Int { width: 1, .. } => flat
                .iter()
                .map(|l| match l {
                    DenseLit::Bool(b, _) => Ok(*b),
                    DenseLit::Int(t, _) if t == "0" || t == "1" => Ok(t == "1"),
                    other => Err(self.err(lit_span(other), "expected true or false")),
                })
                .collect::<Result<Vec<_>>>()
                .map(DenseValues::Bool),
            TypeKind::Int { .. } | TypeKind::Index => {
                let (width, signedness) = match elem {
                    TypeKind::Int { width, signedness } => (*width, *signedness),
                    _ => (64, Signedness::Signless),
                };
                flat.iter()
                    .map(|l| match l {
                        DenseLit::Int(t, span) => {
                            let v = parse_int(t).ok_or_else(|| self.err(span, format!("invalid integer '{t}'")))?;
                            if !int_fits(v, width.min(64), signedness) || v > i64::MAX as i128 || v < i64::MIN as i128 {
                                return Err(self.err(span, format!("integer {v} does not fit in i{width}")));
                            }
                            Ok(v as i64)
                        }
                        other => Err(self.err(lit_span(other), "expected an integer")),
                    })
                    .collect::<Result<Vec<_>>>()
                    .map(DenseValues::Int)
            }
            TypeKind::Float(fk) => flat
                .iter()
                .map(|l| match l {
                    // As in MLIR, a hexadecimal integer in a float list is the element's bit pattern (how
                    // non-finite values are written).
                    DenseLit::Int(t, span) if t.starts_with("0x") => {
                        let bits = parse_int(t).filter(|&b| b >= 0 && b <= float_bits_max(*fk));
                        bits.map(|b| F64(float_from_bits(*fk, b as u64)))
                            .ok_or_else(|| self.err(span, format!("'{t}' is not a bit pattern of type {}", fk.name())))
                    }
                    DenseLit::Float(t, span) | DenseLit::Int(t, span) => t
                        .parse::<f64>()
                        .map(|v| F64(round_to(*fk, v)))
                        .map_err(|_| self.err(span, format!("invalid float '{t}'"))),
                    other => Err(self.err(lit_span(other), "expected a float")),
                })
                .collect::<Result<Vec<_>>>()
                .map(DenseValues::Float),
            _ => Err(self.err(lit_span(flat[0]), "dense elements must be integers, floats or booleans")),
        }
    }

    fn dense_hex(&self, hex: &str, span: &Span, elem: &TypeKind, numel: u64) -> Result<DenseValues> {
        let digits = hex.strip_prefix("0x").ok_or_else(|| self.err(span, "a hex dense literal starts with 0x"))?;
        if digits.len() % 2 != 0 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.err(span, "invalid hex digits in dense literal"));
        }
        let bytes: Vec<u8> =
            (0..digits.len() / 2).map(|i| u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).unwrap()).collect();
        let size = match elem {
            TypeKind::Int { width, .. } if width % 8 == 0 && *width <= 64 => (*width / 8) as usize,
            TypeKind::Float(FloatKind::F32) => 4,
            TypeKind::Float(FloatKind::F64) => 8,
            _ => return Err(self.err(span, "hex dense literals need i8/i16/i32/i64/f32/f64 elements")),
        };
        if bytes.len() != size && Some(bytes.len() as u64) != numel.checked_mul(size as u64) {
            return Err(self.err(
                span,
                format!(
                    "hex dense literal has {} bytes; expected {} ({numel} elements) or {size} (a splat)",
                    bytes.len(),
                    numel.saturating_mul(size as u64)
                ),
            ));
        }
        let words = bytes.chunks(size).map(|c| {
            let mut buf = [0u8; 8];
            buf[..size].copy_from_slice(c);
            u64::from_le_bytes(buf)
        });
        Ok(match elem {
            TypeKind::Float(fk) => DenseValues::Float(words.map(|w| F64(float_from_bits(*fk, w))).collect()),
            TypeKind::Int { width, signedness } => DenseValues::Int(
                words
                    .map(|w| {
                        let shift = 64 - width;
                        if *signedness == Signedness::Unsigned {
                            w as i64
                        } else {
                            ((w << shift) as i64) >> shift
                        }
                    })
                    .collect(),
            ),
            _ => unreachable!("checked above"),
        })
    }
}

fn lit_span(l: &DenseLit) -> &Span {
    match l {
        DenseLit::Int(_, s)
        | DenseLit::Float(_, s)
        | DenseLit::Bool(_, s)
        | DenseLit::Hex(_, s)
        | DenseLit::List(_, s) => s,
    }
}

/// The builtin type spelled by a bare identifier.
pub fn builtin_type(name: &str) -> Option<TypeKind> {
    let int = |rest: &str, signedness| {
        let width: u32 = rest.parse().ok()?;
        (1..=1024).contains(&width).then_some(TypeKind::Int { width, signedness })
    };
    match name {
        "f16" => Some(TypeKind::Float(FloatKind::F16)),
        "bf16" => Some(TypeKind::Float(FloatKind::BF16)),
        "f32" => Some(TypeKind::Float(FloatKind::F32)),
        "f64" => Some(TypeKind::Float(FloatKind::F64)),
        "index" => Some(TypeKind::Index),
        _ if name.starts_with("si") => int(&name[2..], Signedness::Signed),
        _ if name.starts_with("ui") => int(&name[2..], Signedness::Unsigned),
        _ if name.starts_with('i') => int(&name[1..], Signedness::Signless),
        _ => None,
    }
}

fn parse_int(text: &str) -> Option<i128> {
    match text.strip_prefix("0x") {
        Some(hex) => i128::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// Whether `v` is representable in an integer type of this width (signless accepts both readings).
pub fn int_fits(v: i128, width: u32, signedness: Signedness) -> bool {
    if width >= 127 {
        return true;
    }
    let (lo, hi) = match signedness {
        Signedness::Signed => (-(1i128 << (width - 1)), (1i128 << (width - 1)) - 1),
        Signedness::Unsigned => (0, (1i128 << width) - 1),
        Signedness::Signless => (-(1i128 << (width - 1)), (1i128 << width) - 1),
    };
    (lo..=hi).contains(&v)
}

/// The largest bit pattern `float_from_bits` reads for a kind.
fn float_bits_max(kind: FloatKind) -> i128 {
    match kind {
        FloatKind::F32 => u32::MAX as i128,
        _ => u64::MAX as i128,
    }
}

fn float_from_bits(kind: FloatKind, bits: u64) -> f64 {
    match kind {
        FloatKind::F32 => f32::from_bits(bits as u32) as f64,
        _ => f64::from_bits(bits),
    }
}

/// Rounds a parsed literal to the precision of its element type, so that printing is exact.
fn round_to(kind: FloatKind, v: f64) -> f64 {
    match kind {
        FloatKind::F32 => v as f32 as f64,
        _ => v,
    }
}
