//! A union-find over IR values: the classes of ciphertexts that must share something (an encoding in he-to-rt, a
//! key in tfhe-params).

use std::collections::HashMap;

use veil_ir::Value;

#[derive(Default)]
pub(crate) struct ValueClasses {
    parent: HashMap<Value, Value>,
}

impl ValueClasses {
    /// The representative of `v`'s class (a class of its own when `v` was never seen).
    pub(crate) fn root(&mut self, v: Value) -> Value {
        let p = *self.parent.entry(v).or_insert(v);
        if p == v {
            return v;
        }
        let r = self.root(p);
        self.parent.insert(v, r);
        r
    }

    pub(crate) fn join(&mut self, a: Value, b: Value) {
        let (ra, rb) = (self.root(a), self.root(b));
        if ra != rb {
            self.parent.insert(ra, rb);
        }
    }

    /// Whether `v` belongs to a class (it was seen).
    #[cfg_attr(not(feature = "search"), allow(dead_code))]
    pub(crate) fn contains(&self, v: Value) -> bool {
        self.parent.contains_key(&v)
    }
}
