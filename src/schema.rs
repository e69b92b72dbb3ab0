//! The tantivy schema: one index holds products, short videos, lives and
//! anchors, told apart by `doc_type`.
//!
//! Text fields come in two analyses: `title`, `brand`, `category` and
//! `anchor_name` are indexed with the index analyzer (words and the
//! dictionary words inside them); `title_words` holds only the precise words
//! of the title, so a query matching a whole dictionary word scores above one
//! matching only inside a longer word. Popularity signals are fast fields,
//! read at collection time to blend them into the score. The exact brand and
//! category, the price, the publication time and every anchor id are indexed
//! or fast too, for filters, sort orders and facets without loading a
//! stored document.

use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST, STORED,
    STRING,
};

use crate::analysis::{INDEX_TOKENIZER, QUERY_TOKENIZER};
use crate::error::{Error, Result};

/// Bumped whenever fields change; part of what a generation must match.
pub const SCHEMA_VERSION: u32 = 3;

/// The names of the schema's fields, written once: the schema is built and
/// looked up with them, and search reads fast fields by them.
pub mod field {
    /// The kind of document (`product`, `video`, `live`, `anchor`), stored.
    pub const DOC_TYPE: &str = "doc_type";
    /// [`super::DocType::code`] as a fast field, read at collection time.
    pub const DOC_TYPE_CODE: &str = "doc_type_code";
    /// The catalog id, stored.
    pub const ID: &str = "id";
    /// Rank of the id among all ids of the generation, for deterministic ties.
    pub const ID_RANK: &str = "id_rank";
    /// The title, indexed with the index analyzer.
    pub const TITLE: &str = "title";
    /// Only the precise words of the title.
    pub const TITLE_WORDS: &str = "title_words";
    /// The words naming what the title sells.
    pub const TITLE_HEADS: &str = "title_heads";
    /// The brand, indexed with the index analyzer.
    pub const BRAND: &str = "brand";
    /// The category, indexed with the index analyzer.
    pub const CATEGORY: &str = "category";
    /// The anchor's id, stored.
    pub const ANCHOR_ID: &str = "anchor_id";
    /// Every anchor of the document (all sellers of a product), indexed as
    /// is for the `anchor_id` filter.
    pub const ANCHOR_IDS: &str = "anchor_ids";
    /// The anchor's name, indexed with the index analyzer.
    pub const ANCHOR_NAME: &str = "anchor_name";
    /// Stored display text of the title.
    pub const TITLE_TEXT: &str = "title_text";
    /// The brand as given: stored for display, indexed as is for filters, a
    /// fast field for facets.
    pub const BRAND_TEXT: &str = "brand_text";
    /// The category as given: stored, indexed as is, fast (as the brand).
    pub const CATEGORY_TEXT: &str = "category_text";
    /// Stored display text of the anchor's name.
    pub const ANCHOR_NAME_TEXT: &str = "anchor_name_text";
    /// Followers of the anchor, a fast field.
    pub const FOLLOWERS: &str = "followers";
    /// Sales of a product, a fast field.
    pub const SALES: &str = "sales";
    /// Likes of a video, a fast field.
    pub const LIKES: &str = "likes";
    /// Views of a video, a fast field.
    pub const VIEWS: &str = "views";
    /// Price in cents, stored and fast; absent when the catalog has none.
    pub const PRICE_CENTS: &str = "price_cents";
    /// Publication time in seconds, stored and fast; videos and lives only,
    /// absent when the catalog has none.
    pub const PUBLISHED_AT: &str = "published_at";
}

/// The kind of a document, as stored in `doc_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocType {
    /// A product.
    Product,
    /// A short video.
    Video,
    /// A live stream.
    Live,
    /// An anchor.
    Anchor,
}

impl DocType {
    /// Every type, in code order.
    pub const ALL: [DocType; 4] = [
        DocType::Product,
        DocType::Video,
        DocType::Live,
        DocType::Anchor,
    ];

    /// The name stored in `doc_type` and shown in hits.
    pub fn as_str(self) -> &'static str {
        match self {
            DocType::Product => "product",
            DocType::Video => "video",
            DocType::Live => "live",
            DocType::Anchor => "anchor",
        }
    }

    /// The type named `text`, if any.
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
    /// The tantivy schema.
    pub schema: Schema,
    /// [`field::DOC_TYPE`].
    pub doc_type: Field,
    /// [`field::DOC_TYPE_CODE`].
    pub doc_type_code: Field,
    /// [`field::ID`].
    pub id: Field,
    /// Rank of the id among all ids of the generation, for deterministic ties.
    pub id_rank: Field,
    /// [`field::TITLE`].
    pub title: Field,
    /// [`field::TITLE_WORDS`].
    pub title_words: Field,
    /// The words naming what the title sells (see `analysis::heads`).
    pub title_heads: Field,
    /// [`field::BRAND`].
    pub brand: Field,
    /// [`field::CATEGORY`].
    pub category: Field,
    /// [`field::ANCHOR_ID`].
    pub anchor_id: Field,
    /// [`field::ANCHOR_IDS`].
    pub anchor_ids: Field,
    /// [`field::ANCHOR_NAME`].
    pub anchor_name: Field,
    /// Stored display texts of the indexed text fields.
    pub title_text: Field,
    /// [`field::BRAND_TEXT`].
    pub brand_text: Field,
    /// [`field::CATEGORY_TEXT`].
    pub category_text: Field,
    /// [`field::ANCHOR_NAME_TEXT`].
    pub anchor_name_text: Field,
    /// [`field::FOLLOWERS`].
    pub followers: Field,
    /// [`field::SALES`].
    pub sales: Field,
    /// [`field::LIKES`].
    pub likes: Field,
    /// [`field::VIEWS`].
    pub views: Field,
    /// [`field::PRICE_CENTS`].
    pub price_cents: Field,
    /// [`field::PUBLISHED_AT`].
    pub published_at: Field,
}

impl CatalogSchema {
    /// Builds the schema.
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
        builder.add_text_field(field::DOC_TYPE, STRING | STORED);
        builder.add_u64_field(field::DOC_TYPE_CODE, FAST);
        builder.add_text_field(field::ID, STRING | STORED);
        builder.add_u64_field(field::ID_RANK, FAST);
        builder.add_text_field(field::TITLE, text(INDEX_TOKENIZER, positions));
        // Only scored as a bonus for whole-word matches: no positions needed.
        builder.add_text_field(
            field::TITLE_WORDS,
            text(QUERY_TOKENIZER, IndexRecordOption::WithFreqs),
        );
        // Only tested for membership (the product-word rule of search).
        builder.add_text_field(
            field::TITLE_HEADS,
            text(QUERY_TOKENIZER, IndexRecordOption::Basic),
        );
        builder.add_text_field(field::BRAND, text(INDEX_TOKENIZER, positions));
        builder.add_text_field(field::CATEGORY, text(INDEX_TOKENIZER, positions));
        builder.add_text_field(field::ANCHOR_ID, STRING | STORED);
        builder.add_text_field(field::ANCHOR_IDS, STRING);
        builder.add_text_field(field::ANCHOR_NAME, text(INDEX_TOKENIZER, positions));
        builder.add_text_field(field::TITLE_TEXT, STORED);
        builder.add_text_field(field::BRAND_TEXT, STRING | STORED | FAST);
        builder.add_text_field(field::CATEGORY_TEXT, STRING | STORED | FAST);
        builder.add_text_field(field::ANCHOR_NAME_TEXT, STORED);
        builder.add_u64_field(field::FOLLOWERS, signal());
        builder.add_u64_field(field::SALES, signal());
        builder.add_u64_field(field::LIKES, signal());
        builder.add_u64_field(field::VIEWS, signal());
        builder.add_u64_field(field::PRICE_CENTS, signal());
        builder.add_i64_field(field::PUBLISHED_AT, signal());
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
            doc_type: field(field::DOC_TYPE)?,
            doc_type_code: field(field::DOC_TYPE_CODE)?,
            id: field(field::ID)?,
            id_rank: field(field::ID_RANK)?,
            title: field(field::TITLE)?,
            title_words: field(field::TITLE_WORDS)?,
            title_heads: field(field::TITLE_HEADS)?,
            brand: field(field::BRAND)?,
            category: field(field::CATEGORY)?,
            anchor_id: field(field::ANCHOR_ID)?,
            anchor_ids: field(field::ANCHOR_IDS)?,
            anchor_name: field(field::ANCHOR_NAME)?,
            title_text: field(field::TITLE_TEXT)?,
            brand_text: field(field::BRAND_TEXT)?,
            category_text: field(field::CATEGORY_TEXT)?,
            anchor_name_text: field(field::ANCHOR_NAME_TEXT)?,
            followers: field(field::FOLLOWERS)?,
            sales: field(field::SALES)?,
            likes: field(field::LIKES)?,
            views: field(field::VIEWS)?,
            price_cents: field(field::PRICE_CENTS)?,
            published_at: field(field::PUBLISHED_AT)?,
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
