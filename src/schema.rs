//! The tantivy schema: one index holds products, short videos, lives and
//! anchors, told apart by `doc_type`.
//!
//! Text fields come in two analyses: `title`, `brand`, `category` and
//! `anchor_name` are indexed with the index analyzer (words and the
//! dictionary words inside them); `title_words` holds only the precise words
//! of the title, so a query matching a whole dictionary word scores above one
//! matching only inside a longer word. Popularity signals are fast fields,
//! read at collection time to blend them into the score.

use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST, STORED,
    STRING,
};

use crate::analysis::{INDEX_TOKENIZER, QUERY_TOKENIZER};
use crate::error::{Error, Result};

/// Bumped whenever fields change; part of what a generation must match.
pub const SCHEMA_VERSION: u32 = 2;

/// The kind of a document, as stored in `doc_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocType {
    Product,
    Video,
    Live,
    Anchor,
}

impl DocType {
    pub const ALL: [DocType; 4] = [
        DocType::Product,
        DocType::Video,
        DocType::Live,
        DocType::Anchor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocType::Product => "product",
            DocType::Video => "video",
            DocType::Live => "live",
            DocType::Anchor => "anchor",
        }
    }

    pub fn parse(text: &str) -> Option<DocType> {
        DocType::ALL
            .into_iter()
            .find(|doc_type| doc_type.as_str() == text)
    }

    /// The value of the `doc_type_code` fast field.
    pub fn code(self) -> u64 {
        self as u64
    }
}

/// Handles to every field of the schema.
#[derive(Debug, Clone)]
pub struct CatalogSchema {
    pub schema: Schema,
    pub doc_type: Field,
    pub doc_type_code: Field,
    pub id: Field,
    /// Rank of the id among all ids of the generation, for deterministic ties.
    pub id_rank: Field,
    pub title: Field,
    pub title_words: Field,
    /// The words naming what the title sells (see `analysis::heads`).
    pub title_heads: Field,
    pub brand: Field,
    pub category: Field,
    pub anchor_id: Field,
    pub anchor_name: Field,
    /// Stored display texts of the indexed text fields.
    pub title_text: Field,
    pub brand_text: Field,
    pub category_text: Field,
    pub anchor_name_text: Field,
    pub followers: Field,
    pub sales: Field,
    pub likes: Field,
    pub views: Field,
    pub price_cents: Field,
    pub published_at: Field,
}

impl CatalogSchema {
    pub fn new() -> Self {
        let mut builder = Schema::builder();
        // Indexed text is fed pre-tokenized and not stored (a stored
        // pre-tokenized value would keep its tokens in the doc store); the
        // display text goes to a stored-only twin field.
        let text = |tokenizer: &str, record: IndexRecordOption| {
            let indexing = TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(record);
            TextOptions::default().set_indexing_options(indexing)
        };
        let positions = IndexRecordOption::WithFreqsAndPositions;
        let signal = || NumericOptions::default().set_fast().set_stored();
        builder.add_text_field("doc_type", STRING | STORED);
        builder.add_u64_field("doc_type_code", FAST);
        builder.add_text_field("id", STRING | STORED);
        builder.add_u64_field("id_rank", FAST);
        builder.add_text_field("title", text(INDEX_TOKENIZER, positions));
        // Only scored as a bonus for whole-word matches: no positions needed.
        builder.add_text_field(
            "title_words",
            text(QUERY_TOKENIZER, IndexRecordOption::WithFreqs),
        );
        // Only tested for membership (the product-word rule of search).
        builder.add_text_field(
            "title_heads",
            text(QUERY_TOKENIZER, IndexRecordOption::Basic),
        );
        builder.add_text_field("brand", text(INDEX_TOKENIZER, positions));
        builder.add_text_field("category", text(INDEX_TOKENIZER, positions));
        builder.add_text_field("anchor_id", STRING | STORED);
        builder.add_text_field("anchor_name", text(INDEX_TOKENIZER, positions));
        builder.add_text_field("title_text", STORED);
        builder.add_text_field("brand_text", STORED);
        builder.add_text_field("category_text", STORED);
        builder.add_text_field("anchor_name_text", STORED);
        builder.add_u64_field("followers", signal());
        builder.add_u64_field("sales", signal());
        builder.add_u64_field("likes", signal());
        builder.add_u64_field("views", signal());
        builder.add_u64_field("price_cents", NumericOptions::default().set_stored());
        builder.add_i64_field("published_at", signal());
        Self::from_schema(&builder.build()).expect("the schema just built has every field")
    }

    /// Looks up every field in `schema` (an opened index's), failing with the
    /// name of the first one missing.
    pub fn from_schema(schema: &Schema) -> Result<Self> {
        let field = |name: &str| {
            schema.get_field(name).map_err(|_| Error::Generation {
                generation: String::new(),
                reason: format!("index schema has no field `{name}`"),
            })
        };
        Ok(CatalogSchema {
            schema: schema.clone(),
            doc_type: field("doc_type")?,
            doc_type_code: field("doc_type_code")?,
            id: field("id")?,
            id_rank: field("id_rank")?,
            title: field("title")?,
            title_words: field("title_words")?,
            title_heads: field("title_heads")?,
            brand: field("brand")?,
            category: field("category")?,
            anchor_id: field("anchor_id")?,
            anchor_name: field("anchor_name")?,
            title_text: field("title_text")?,
            brand_text: field("brand_text")?,
            category_text: field("category_text")?,
            anchor_name_text: field("anchor_name_text")?,
            followers: field("followers")?,
            sales: field("sales")?,
            likes: field("likes")?,
            views: field("views")?,
            price_cents: field("price_cents")?,
            published_at: field("published_at")?,
        })
    }
}

impl CatalogSchema {
    /// The text fields a query word is looked for in.
    pub fn searched_text_fields(&self) -> [Field; 5] {
        [
            self.title,
            self.title_words,
            self.brand,
            self.anchor_name,
            self.category,
        ]
    }
}

impl Default for CatalogSchema {
    fn default() -> Self {
        Self::new()
    }
}
