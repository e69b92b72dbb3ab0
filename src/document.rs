//! The document the indexer hands to tantivy.
//!
//! tantivy's own `TantivyDocument` keeps a pre-tokenized text as JSON and
//! parses it back when indexing; with every title pre-tokenized that round
//! trip cost more than jieba itself. This document keeps values as they are
//! and implements tantivy's `Document` and `Value` traits directly.

use tantivy::schema::document::{Document, ReferenceValue, ReferenceValueLeaf, Value};
use tantivy::schema::Field;
use tantivy::tokenizer::{PreTokenizedString, Token};

/// One field value of a [`CatalogDocument`].
#[derive(Debug, Clone)]
pub enum FieldValue {
    /// Stored text.
    Text(String),
    /// An unsigned integer.
    U64(u64),
    /// A signed integer.
    I64(i64),
    /// Text with its tokens, indexed as given.
    PreTokenized(PreTokenizedString),
}

/// A document as a list of field values.
#[derive(Debug, Clone, Default)]
pub struct CatalogDocument {
    values: Vec<(Field, FieldValue)>,
}

impl CatalogDocument {
    /// Adds stored text to `field`.
    pub fn add_text(&mut self, field: Field, text: &str) {
        self.values
            .push((field, FieldValue::Text(text.to_string())));
    }

    /// Adds an unsigned integer to `field`.
    pub fn add_u64(&mut self, field: Field, value: u64) {
        self.values.push((field, FieldValue::U64(value)));
    }

    /// Adds a signed integer to `field`.
    pub fn add_i64(&mut self, field: Field, value: i64) {
        self.values.push((field, FieldValue::I64(value)));
    }

    /// Adds `text` with its `tokens` to `field`, indexed as given.
    pub fn add_pre_tokenized(&mut self, field: Field, text: &str, tokens: Vec<Token>) {
        let value = PreTokenizedString {
            text: text.to_string(),
            tokens,
        };
        self.values.push((field, FieldValue::PreTokenized(value)));
    }
}

impl<'a> Value<'a> for &'a FieldValue {
    type ArrayIter = std::iter::Empty<Self>;
    type ObjectIter = std::iter::Empty<(&'a str, Self)>;

    fn as_value(&self) -> ReferenceValue<'a, Self> {
        let leaf = match *self {
            FieldValue::Text(text) => ReferenceValueLeaf::Str(text),
            FieldValue::U64(value) => ReferenceValueLeaf::U64(*value),
            FieldValue::I64(value) => ReferenceValueLeaf::I64(*value),
            FieldValue::PreTokenized(value) => {
                ReferenceValueLeaf::PreTokStr(Box::new(value.clone()))
            }
        };
        ReferenceValue::Leaf(leaf)
    }
}

impl Document for CatalogDocument {
    type Value<'a> = &'a FieldValue;
    type FieldsValuesIter<'a> = std::iter::Map<
        std::slice::Iter<'a, (Field, FieldValue)>,
        fn(&'a (Field, FieldValue)) -> (Field, &'a FieldValue),
    >;

    fn iter_fields_and_values(&self) -> Self::FieldsValuesIter<'_> {
        self.values.iter().map(|(field, value)| (*field, value))
    }
}
