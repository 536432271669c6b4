//! One ONNX node as the translators see it: its label for messages (`Conv '/0/Conv'`), typed readers of its
//! attributes with defaults, and constructors of the errors that name it.

use super::error::ImportError;
use super::proto::attribute_proto::AttributeType;
use super::proto::{AttributeProto, NodeProto, TensorProto};

/// The f64 with the f32's shortest decimal form (`1.2`, not `1.2000000476837158`): how an f32 attribute is
/// written to an f64 nn attribute, so that the IR shows what the model says.
pub fn decimal(v: f32) -> f64 {
    v.to_string().parse().unwrap_or(f64::from(v))
}

/// A node of the graph and its position.
#[derive(Copy, Clone)]
pub struct Node<'a> {
    pub proto: &'a NodeProto,
    pub index: usize,
}

impl<'a> Node<'a> {
    pub fn op_type(&self) -> &'a str {
        self.proto.op_type()
    }

    /// `Conv '/0/Conv'`, or `Conv #3` (its position) when the node has no name.
    pub fn label(&self) -> String {
        match self.proto.name() {
            "" => format!("{} #{}", self.op_type(), self.index),
            name => format!("{} '{name}'", self.op_type()),
        }
    }

    /// The name of input `i`; `None` when absent or empty (an omitted optional input).
    pub fn input_name(&self, i: usize) -> Option<&'a str> {
        self.proto.input.get(i).map(String::as_str).filter(|n| !n.is_empty())
    }

    /// The names of the outputs that are present (non-empty), with their positions.
    pub fn outputs(&self) -> impl Iterator<Item = (usize, &'a str)> {
        self.proto.output.iter().enumerate().filter(|(_, n)| !n.is_empty()).map(|(i, n)| (i, n.as_str()))
    }

    fn attr(&self, name: &str) -> Option<&'a AttributeProto> {
        self.proto.attribute.iter().find(|a| a.name() == name)
    }

    /// The attribute, checked to be of `kind` (old models may leave the kind unset).
    fn typed(&self, name: &str, kind: AttributeType) -> Result<Option<&'a AttributeProto>, ImportError> {
        match self.attr(name) {
            Some(a) if a.r#type.is_some() && a.r#type() != kind => Err(self.invalid(format!(
                "attribute '{name}' must be of kind {}, got {}",
                kind.as_str_name(),
                a.r#type().as_str_name()
            ))),
            other => Ok(other),
        }
    }

    pub fn has(&self, name: &str) -> bool {
        self.attr(name).is_some()
    }

    pub fn int(&self, name: &str, default: i64) -> Result<i64, ImportError> {
        Ok(self.typed(name, AttributeType::Int)?.map_or(default, |a| a.i()))
    }

    pub fn ints(&self, name: &str) -> Result<Option<Vec<i64>>, ImportError> {
        Ok(self.typed(name, AttributeType::Ints)?.map(|a| a.ints.clone()))
    }

    pub fn float(&self, name: &str, default: f32) -> Result<f32, ImportError> {
        Ok(self.typed(name, AttributeType::Float)?.map_or(default, |a| a.f()))
    }

    pub fn floats(&self, name: &str) -> Result<Option<Vec<f32>>, ImportError> {
        Ok(self.typed(name, AttributeType::Floats)?.map(|a| a.floats.clone()))
    }

    pub fn string(&self, name: &str, default: &str) -> Result<String, ImportError> {
        Ok(self
            .typed(name, AttributeType::String)?
            .map_or_else(|| default.to_string(), |a| String::from_utf8_lossy(a.s()).into_owned()))
    }

    pub fn tensor(&self, name: &str) -> Result<Option<&'a TensorProto>, ImportError> {
        Ok(self.typed(name, AttributeType::Tensor)?.and_then(|a| a.t.as_ref()))
    }

    /// An integer list attribute whose entries must be non-negative (pads, strides, kernel sizes).
    pub fn sizes(&self, name: &str) -> Result<Option<Vec<u64>>, ImportError> {
        let Some(list) = self.ints(name)? else { return Ok(None) };
        let sizes = list.iter().map(|&v| u64::try_from(v).ok()).collect::<Option<Vec<u64>>>();
        sizes.map(Some).ok_or_else(|| self.unsupported_attr(name, format!("{list:?}"), "entries must be non-negative"))
    }

    pub fn invalid(&self, message: impl Into<String>) -> ImportError {
        ImportError::Invalid { context: self.label(), message: message.into() }
    }

    pub fn shape_error(&self, message: impl Into<String>) -> ImportError {
        ImportError::Shape { node: self.label(), message: message.into() }
    }

    pub fn unsupported(&self, message: impl Into<String>) -> ImportError {
        ImportError::Unsupported { node: self.label(), message: message.into() }
    }

    pub fn unsupported_attr(&self, attribute: &str, value: impl Into<String>, reason: &str) -> ImportError {
        ImportError::UnsupportedAttribute {
            node: self.label(),
            attribute: attribute.to_string(),
            value: value.into(),
            reason: reason.to_string(),
        }
    }
}
