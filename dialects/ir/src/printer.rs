//! The printer, the exact inverse of the parser: generic op form, MLIR's custom form for `module`, `func.func`
//! and `func.return`, values renumbered per function, aliases for repeated dialect types, large dense
//! constants in hex.

use std::collections::HashMap;
use std::fmt::Write;

use crate::attrs::{Attr, AttrKind, DenseElements, DenseValues};
use crate::builtin;
use crate::module::{Module, OpId, Value};
use crate::types::{DialectData, DialectParam, Dim, FloatKind, Signedness, Type, TypeKind};

/// Dense constants with more elements than this print in MLIR's hex form.
pub const HEX_THRESHOLD: usize = 16;

/// Prints the whole module.
pub fn print_module(m: &Module) -> String {
    let mut p = Printer::new(m);
    p.choose_aliases();
    p.module();
    p.out
}

pub fn type_to_string(m: &Module, t: Type) -> String {
    let mut p = Printer::new(m);
    p.ty(t);
    p.out
}

pub fn attr_to_string(m: &Module, a: Attr) -> String {
    let mut p = Printer::new(m);
    p.attr(a);
    p.out
}

struct Printer<'m> {
    m: &'m Module,
    out: String,
    aliases: HashMap<Type, String>,
    alias_order: Vec<Type>,
    names: HashMap<Value, String>,
}

impl<'m> Printer<'m> {
    fn new(m: &'m Module) -> Self {
        Printer { m, out: String::new(), aliases: HashMap::new(), alias_order: vec![], names: HashMap::new() }
    }

    // ---- aliases ---------------------------------------------------------------------------------------------

    /// Gives an alias to every dialect type used at least twice, named after the type and numbered in order of
    /// first appearance (`!ct0`, `!ct1`, `!pt0`).
    fn choose_aliases(&mut self) {
        let mut counts: HashMap<Type, usize> = HashMap::new();
        let mut order = vec![];
        let mut note = |t: Type, counts: &mut HashMap<Type, usize>| {
            let c = counts.entry(t).or_insert(0);
            if *c == 0 {
                order.push(t);
            }
            *c += 1;
        };
        for op in self.m.walk() {
            let data = self.m.op(op);
            if data.def == &builtin::FUNC_OP {
                let (inputs, results) = builtin::func_signature(self.m, op);
                for t in inputs.into_iter().chain(results) {
                    self.dialect_types_in(t, &mut |t| note(t, &mut counts));
                }
            }
            for &v in data.operands.iter().chain(&data.results) {
                self.dialect_types_in(self.m.value_type(v), &mut |t| note(t, &mut counts));
            }
        }
        let mut per_name: HashMap<String, usize> = HashMap::new();
        for t in order {
            if counts[&t] < 2 {
                continue;
            }
            let TypeKind::Dialect(d) = self.m.ty(t) else { continue };
            let n = per_name.entry(d.name.clone()).or_insert(0);
            let alias = format!("{}{}", sanitize_alias(&d.name), n);
            *n += 1;
            self.aliases.insert(t, alias);
            self.alias_order.push(t);
        }
    }

    fn dialect_types_in(&self, t: Type, f: &mut dyn FnMut(Type)) {
        match self.m.ty(t) {
            TypeKind::Dialect(_) => f(t),
            TypeKind::Tensor { elem, .. } => self.dialect_types_in(*elem, f),
            TypeKind::Function { inputs, results } => {
                for &x in inputs.iter().chain(results) {
                    self.dialect_types_in(x, f);
                }
            }
            _ => {}
        }
    }

    // ---- structure -------------------------------------------------------------------------------------------

    fn module(&mut self) {
        for &t in &self.alias_order.clone() {
            let alias = self.aliases.remove(&t).expect("alias chosen");
            write!(self.out, "!{alias} = ").unwrap();
            self.ty(t);
            self.out.push('\n');
            self.aliases.insert(t, alias);
        }
        let top = self.m.top();
        self.out.push_str("module");
        let attrs: Vec<(String, Attr)> =
            self.m.op(top).attrs.iter().filter(|(n, _)| n != "sym_name").cloned().collect();
        if let Some(name) = self.m.op(top).attr("sym_name").and_then(|a| self.m.attr_as_str(a)) {
            self.out.push(' ');
            self.symbol(name);
        }
        if !attrs.is_empty() {
            self.out.push_str(" attributes ");
            self.dict(&attrs);
        }
        self.out.push_str(" {\n");
        for &op in &self.m.block(self.m.top_block()).ops {
            if self.m.op(op).def == &builtin::FUNC_OP {
                self.func(op);
            } else {
                self.op(op, 1);
            }
        }
        self.out.push_str("}\n");
    }

    fn func(&mut self, f: OpId) {
        self.names.clear();
        let body = self.m.body(f).expect("function body");
        let args = self.m.block(body).args.clone();
        for (i, &a) in args.iter().enumerate() {
            self.names.insert(a, format!("%arg{i}"));
        }
        let mut next = 0;
        for &op in &self.m.block(body).ops {
            let results = &self.m.op(op).results;
            match results.len() {
                0 => {}
                1 => {
                    self.names.insert(results[0], format!("%{next}"));
                }
                _ => {
                    for (i, &r) in results.iter().enumerate() {
                        self.names.insert(r, format!("%{next}#{i}"));
                    }
                }
            }
            next += usize::from(!results.is_empty());
        }

        self.out.push_str("  func.func ");
        if let Some(vis) = self.m.op(f).attr("sym_visibility").and_then(|a| self.m.attr_as_str(a)) {
            write!(self.out, "{vis} ").unwrap();
        }
        self.symbol(builtin::func_name(self.m, f));
        self.out.push('(');
        let (_, results) = builtin::func_signature(self.m, f);
        for (i, &a) in args.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            write!(self.out, "%arg{i}: ").unwrap();
            self.ty(self.m.value_type(a));
            let attrs = builtin::arg_attrs(self.m, f, i);
            if !attrs.is_empty() {
                self.out.push(' ');
                self.dict(&attrs);
            }
        }
        self.out.push(')');
        let res_attrs: Vec<_> = (0..results.len()).map(|i| builtin::result_attrs(self.m, f, i)).collect();
        if results.len() == 1 && res_attrs[0].is_empty() && !matches!(self.m.ty(results[0]), TypeKind::Function { .. })
        {
            self.out.push_str(" -> ");
            self.ty(results[0]);
        } else if !results.is_empty() {
            self.out.push_str(" -> (");
            for (i, &t) in results.iter().enumerate() {
                if i > 0 {
                    self.out.push_str(", ");
                }
                self.ty(t);
                if !res_attrs[i].is_empty() {
                    self.out.push(' ');
                    self.dict(&res_attrs[i]);
                }
            }
            self.out.push(')');
        }
        let elided = ["sym_name", "function_type", "arg_attrs", "res_attrs", "sym_visibility"];
        let extra: Vec<(String, Attr)> =
            self.m.op(f).attrs.iter().filter(|(n, _)| !elided.contains(&n.as_str())).cloned().collect();
        if !extra.is_empty() {
            self.out.push_str(" attributes ");
            self.dict(&extra);
        }
        self.out.push_str(" {\n");
        for &op in &self.m.block(body).ops.clone() {
            self.op(op, 2);
        }
        self.out.push_str("  }\n");
    }

    fn value(&mut self, v: Value) {
        match self.names.get(&v) {
            Some(n) => self.out.push_str(n),
            None => write!(self.out, "%<<{v}>>").unwrap(),
        }
    }

    fn op(&mut self, op: OpId, indent: usize) {
        let data = self.m.op(op);
        self.out.push_str(&"  ".repeat(indent));
        if let Some(&first) = data.results.first() {
            let name = self.names.get(&first).cloned().unwrap_or_default();
            let base = name.split('#').next().unwrap_or("").to_string();
            if data.results.len() > 1 {
                write!(self.out, "{base}:{} = ", data.results.len()).unwrap();
            } else {
                write!(self.out, "{base} = ").unwrap();
            }
        }
        if data.def == &builtin::RETURN {
            self.out.push_str("func.return");
            if !data.operands.is_empty() {
                self.out.push(' ');
                self.value_list(&data.operands);
                self.out.push_str(" : ");
                self.type_list(&data.operands.iter().map(|&v| self.m.value_type(v)).collect::<Vec<_>>());
            }
            self.out.push('\n');
            return;
        }
        write!(self.out, "\"{}\"(", data.def.name).unwrap();
        self.value_list(&data.operands);
        self.out.push(')');
        if !data.attrs.is_empty() {
            self.out.push(' ');
            self.dict(&data.attrs.clone());
        }
        self.out.push_str(" : (");
        self.type_list(&data.operands.iter().map(|&v| self.m.value_type(v)).collect::<Vec<_>>());
        self.out.push_str(") -> ");
        let results: Vec<Type> = data.results.iter().map(|&v| self.m.value_type(v)).collect();
        self.results(&results);
        self.out.push('\n');
    }

    fn value_list(&mut self, values: &[Value]) {
        for (i, &v) in values.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            self.value(v);
        }
    }

    fn type_list(&mut self, types: &[Type]) {
        for (i, &t) in types.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            self.ty(t);
        }
    }

    fn results(&mut self, results: &[Type]) {
        if results.len() == 1 && !matches!(self.m.ty(results[0]), TypeKind::Function { .. }) {
            self.ty(results[0]);
        } else {
            self.out.push('(');
            self.type_list(results);
            self.out.push(')');
        }
    }

    // ---- types -----------------------------------------------------------------------------------------------

    fn ty(&mut self, t: Type) {
        if let Some(alias) = self.aliases.get(&t) {
            write!(self.out, "!{alias}").unwrap();
            return;
        }
        match self.m.ty(t) {
            TypeKind::Int { width, signedness } => {
                let prefix = match signedness {
                    Signedness::Signless => "i",
                    Signedness::Signed => "si",
                    Signedness::Unsigned => "ui",
                };
                write!(self.out, "{prefix}{width}").unwrap();
            }
            TypeKind::Float(k) => self.out.push_str(k.name()),
            TypeKind::Index => self.out.push_str("index"),
            TypeKind::Tensor { shape, elem } => {
                self.out.push_str("tensor<");
                self.shaped(shape, *elem);
                self.out.push('>');
            }
            TypeKind::Function { inputs, results } => {
                self.out.push('(');
                self.type_list(inputs);
                self.out.push_str(") -> ");
                self.results(results);
            }
            TypeKind::Dialect(d) => {
                self.out.push('!');
                self.dialect_data(d);
            }
        }
    }

    fn shaped(&mut self, shape: &[Dim], elem: Type) {
        for d in shape {
            match d {
                Some(n) => write!(self.out, "{n}x").unwrap(),
                None => self.out.push_str("?x"),
            }
        }
        self.ty(elem);
    }

    fn dialect_data(&mut self, d: &DialectData) {
        write!(self.out, "{}.{}", d.dialect, d.name).unwrap();
        if d.params.is_empty() {
            return;
        }
        self.out.push('<');
        for (i, p) in d.params.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            match p {
                DialectParam::Shaped { shape, elem } => self.shaped(shape, *elem),
                DialectParam::Attr(a) => self.attr(*a),
                DialectParam::Keyword(k, a) => {
                    write!(self.out, "{k} = ").unwrap();
                    self.attr(*a);
                }
            }
        }
        self.out.push('>');
    }

    // ---- attributes ------------------------------------------------------------------------------------------

    fn attr(&mut self, a: Attr) {
        match self.m.attr(a) {
            AttrKind::Int { value, ty } => {
                write!(self.out, "{value}").unwrap();
                if !self.is_default_int(*ty) {
                    self.out.push_str(" : ");
                    self.ty(*ty);
                }
            }
            AttrKind::Float { value, ty } => {
                let kind = match self.m.ty(*ty) {
                    TypeKind::Float(k) => *k,
                    _ => FloatKind::F64,
                };
                let text = float_literal(kind, value.0);
                self.out.push_str(&text);
                if kind != FloatKind::F64 || text.starts_with("0x") {
                    self.out.push_str(" : ");
                    self.ty(*ty);
                }
            }
            AttrKind::Bool(b) => write!(self.out, "{b}").unwrap(),
            AttrKind::Unit => self.out.push_str("unit"),
            AttrKind::String(s) => self.string(s),
            AttrKind::Array(items) => {
                self.out.push('[');
                for (i, &item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.attr(item);
                }
                self.out.push(']');
            }
            AttrKind::Dict(entries) => self.dict(entries),
            AttrKind::Type(t) => self.ty(*t),
            AttrKind::Symbol(s) => self.symbol(s),
            AttrKind::Dense(d) => self.dense(d),
            AttrKind::Dialect(d) => {
                self.out.push('#');
                self.dialect_data(d);
            }
        }
    }

    fn is_default_int(&self, t: Type) -> bool {
        matches!(self.m.ty(t), TypeKind::Int { width: 64, signedness: Signedness::Signless })
    }

    fn dict(&mut self, entries: &[(String, Attr)]) {
        self.out.push('{');
        for (i, (name, value)) in entries.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            if is_bare_id(name) {
                self.out.push_str(name);
            } else {
                self.string(name);
            }
            if !matches!(self.m.attr(*value), AttrKind::Unit) {
                self.out.push_str(" = ");
                self.attr(*value);
            }
        }
        self.out.push('}');
    }

    fn string(&mut self, s: &str) {
        self.out.push('"');
        for c in s.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '\n' => self.out.push_str("\\n"),
                '\t' => self.out.push_str("\\t"),
                c if (c as u32) < 0x20 => write!(self.out, "\\{:02X}", c as u32).unwrap(),
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }

    fn symbol(&mut self, name: &str) {
        self.out.push('@');
        if is_bare_id(name) {
            self.out.push_str(name);
        } else {
            self.string(name);
        }
    }

    fn dense(&mut self, d: &DenseElements) {
        let shape = self.m.static_shape(d.ty).unwrap_or_default();
        let elem = self.m.element_type(d.ty);
        let kind = self.m.ty(elem).clone();
        let numel = shape.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d)).unwrap_or(u64::MAX);
        let n = d.values.len();
        let splat = n == 1 || (n > 1 && (1..n).all(|i| element_eq(&d.values, 0, i)));
        self.out.push_str("dense<");
        if splat && n > 0 {
            self.dense_element(&d.values, 0, &kind);
        } else if n > HEX_THRESHOLD && n as u64 == numel && hex_size(&kind).is_some() {
            self.dense_hex(&d.values, &kind);
        } else if n as u64 == numel {
            let mut index = 0;
            self.dense_list(&d.values, &shape, &kind, &mut index);
        } else {
            // Only IR built in code can get here (the parser checks counts); print what there is, flat.
            let mut index = 0;
            self.dense_list(&d.values, &[n as u64], &kind, &mut index);
        }
        self.out.push_str("> : ");
        self.ty(d.ty);
    }

    fn dense_list(&mut self, values: &DenseValues, shape: &[u64], kind: &TypeKind, index: &mut usize) {
        match shape.split_first() {
            None => {
                self.dense_element(values, *index, kind);
                *index += 1;
            }
            Some((&n, rest)) => {
                self.out.push('[');
                for i in 0..n {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.dense_list(values, rest, kind, index);
                }
                self.out.push(']');
            }
        }
    }

    fn dense_element(&mut self, values: &DenseValues, i: usize, kind: &TypeKind) {
        match values {
            DenseValues::Int(v) => write!(self.out, "{}", v[i]).unwrap(),
            DenseValues::Bool(v) => write!(self.out, "{}", v[i]).unwrap(),
            DenseValues::Float(v) => {
                let k = match kind {
                    TypeKind::Float(k) => *k,
                    _ => FloatKind::F64,
                };
                // Non-finite values print as the hex of their bits, which the parser reads back in a float list.
                self.out.push_str(&float_literal(k, v[i].0));
            }
        }
    }

    fn dense_hex(&mut self, values: &DenseValues, kind: &TypeKind) {
        let size = hex_size(kind).expect("checked by caller");
        self.out.push_str("\"0x");
        for i in 0..values.len() {
            let bits: u64 = match (values, kind) {
                (DenseValues::Float(v), TypeKind::Float(FloatKind::F32)) => (v[i].0 as f32).to_bits() as u64,
                (DenseValues::Float(v), _) => v[i].0.to_bits(),
                (DenseValues::Int(v), _) => v[i] as u64,
                (DenseValues::Bool(v), _) => v[i] as u64,
            };
            for b in &bits.to_le_bytes()[..size] {
                write!(self.out, "{b:02X}").unwrap();
            }
        }
        self.out.push('"');
    }
}

fn element_eq(values: &DenseValues, a: usize, b: usize) -> bool {
    match values {
        DenseValues::Int(v) => v[a] == v[b],
        DenseValues::Float(v) => v[a] == v[b],
        DenseValues::Bool(v) => v[a] == v[b],
    }
}

fn hex_size(kind: &TypeKind) -> Option<usize> {
    match kind {
        TypeKind::Int { width, .. } if width % 8 == 0 && *width <= 64 => Some((*width / 8) as usize),
        TypeKind::Float(FloatKind::F32) => Some(4),
        TypeKind::Float(FloatKind::F64) => Some(8),
        _ => None,
    }
}

/// The shortest decimal that reads back to the same value at the type's precision, always with a `.` as MLIR
/// requires; non-finite values as the hex of their bits.
pub fn float_literal(kind: FloatKind, v: f64) -> String {
    if !v.is_finite() {
        return match kind {
            FloatKind::F32 => format!("0x{:08X}", (v as f32).to_bits()),
            _ => format!("0x{:016X}", v.to_bits()),
        };
    }
    let text = match kind {
        FloatKind::F32 => format!("{:?}", v as f32),
        _ => format!("{v:?}"),
    };
    if text.contains('.') {
        text
    } else if let Some(e) = text.find('e') {
        format!("{}.0{}", &text[..e], &text[e..])
    } else {
        format!("{text}.0")
    }
}

fn is_bare_id(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || "_$.".contains(c))
        && !crate::KEYWORDS.contains(&s)
}

fn sanitize_alias(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect()
}
