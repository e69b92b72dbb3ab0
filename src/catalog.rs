//! The catalog: JSON Lines files of anchors, products and videos, plus an
//! optional search log, read and validated record by record.
//!
//! Nothing is dropped silently: every line is either accepted, counted as
//! blank, or turned into a [`Reject`] naming the file, the 1-based line, the
//! reason and the raw line.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The anchors file of a catalog folder.
pub const ANCHORS_FILE: &str = "anchors.jsonl";
/// The products file of a catalog folder.
pub const PRODUCTS_FILE: &str = "products.jsonl";
/// The videos and lives file of a catalog folder.
pub const VIDEOS_FILE: &str = "videos.jsonl";
/// The search log of a catalog folder.
pub const QUERIES_FILE: &str = "queries.tsv";

/// Longest title or caption accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 1_000;
/// Longest brand, category or anchor name accepted, in characters: each is
/// copied into every document that carries it and mined for suggestions.
pub const MAX_NAME_CHARS: usize = 100;
/// A UTF-8 byte-order mark, which some editors put at a file's start.
const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// A live-streaming anchor (主播).
pub struct Anchor {
    /// Unique id.
    pub anchor_id: String,
    /// Display name.
    pub name: String,
    /// Followers, a popularity signal.
    pub followers: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// A product (商品).
pub struct Product {
    /// Unique id.
    pub product_id: String,
    /// Title as sold.
    pub title: String,
    /// Brand, when given.
    pub brand: Option<String>,
    /// Category, when given.
    pub category: Option<String>,
    /// Price in cents, when given.
    pub price_cents: Option<u64>,
    /// Units sold, a popularity signal.
    pub sales: u64,
    /// Anchors selling it.
    pub anchor_ids: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// Whether a video is recorded or live.
pub enum VideoKind {
    /// A recorded short video.
    ShortVideo,
    /// A live stream.
    Live,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// A short video or live stream.
pub struct Video {
    /// Unique id.
    pub video_id: String,
    /// Short video or live.
    pub kind: VideoKind,
    /// The caption, searched as a title.
    pub caption: String,
    /// The anchor who posted it.
    pub anchor_id: String,
    /// Likes, a popularity signal.
    pub likes: u64,
    /// Views.
    pub views: u64,
    /// Products shown in it.
    pub product_ids: Vec<String>,
    /// Seconds since the Unix epoch.
    pub published_at: Option<i64>,
}

/// One line of the search log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedQuery {
    /// The query as typed.
    pub query: String,
    /// How often it was searched.
    pub count: u64,
    /// The day it was searched on (the optional third column); an undated
    /// line counts as searched on the day the build is as of.
    #[serde(default, with = "log_date")]
    pub date: Option<time::Date>,
}

/// A day of the search log (its third column) or of `--as-of`.
pub use time::Date as LogDate;

/// The date format of the search log's third column.
const LOG_DATE_FORMAT: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// Parses a `YYYY-MM-DD` date of the search log (or of `--as-of`).
pub fn parse_log_date(text: &str) -> std::result::Result<time::Date, String> {
    time::Date::parse(text.trim(), LOG_DATE_FORMAT).map_err(|_| {
        format!(
            "date must be a real day written YYYY-MM-DD, got `{}`",
            text.trim()
        )
    })
}

/// Writes a log date as `YYYY-MM-DD`.
pub fn format_log_date(date: time::Date) -> String {
    date.format(LOG_DATE_FORMAT)
        .unwrap_or_else(|_| date.to_string())
}

/// Log dates as `YYYY-MM-DD` text in serialised records.
mod log_date {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        date: &Option<time::Date>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match date {
            Some(date) => serializer.serialize_some(&super::format_log_date(*date)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<time::Date>, D::Error> {
        let text: Option<String> = Option::deserialize(deserializer)?;
        text.map(|text| super::parse_log_date(&text).map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// A line that was not accepted, with why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reject {
    /// The catalog file, by name.
    pub file: String,
    /// The line number, from 1.
    pub line: usize,
    /// Why it was rejected.
    pub reason: String,
    /// The line as read; invalid UTF-8 is replaced (see `raw_hex`).
    pub raw: String,
    /// The exact bytes in hex, only when the line was not valid UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_hex: Option<String>,
}

/// What reading one file found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileReport {
    /// The file's name in the catalog folder.
    pub file: String,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
    /// Its size.
    pub bytes: u64,
    /// Non-blank lines.
    pub records: usize,
    /// Records accepted.
    pub accepted: usize,
    /// Records rejected.
    pub rejected: usize,
    /// Blank lines skipped.
    pub blank_lines: usize,
    /// Whether the file started with a UTF-8 byte-order mark (skipped).
    #[serde(default)]
    pub byte_order_mark: bool,
    /// Fields the format does not know, with how many records carried each.
    pub unknown_fields: BTreeMap<String, usize>,
}

impl FileReport {
    /// Rejected records over all records (0 for an empty file).
    pub fn reject_ratio(&self) -> f64 {
        if self.records == 0 {
            return 0.0;
        }
        self.rejected as f64 / self.records as f64
    }
}

/// The validated catalog with the report and rejects of every file read.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Accepted anchors.
    pub anchors: Vec<Anchor>,
    /// Accepted products.
    pub products: Vec<Product>,
    /// Accepted videos and lives.
    pub videos: Vec<Video>,
    /// Accepted lines of the search log.
    pub queries: Vec<LoggedQuery>,
    /// What reading each file found, in reading order.
    pub files: Vec<FileReport>,
    /// Every line that was not accepted.
    pub rejects: Vec<Reject>,
}

impl Catalog {
    /// The first file whose rejects exceed `max_reject_ratio` of its records.
    pub fn first_file_over_reject_ratio(&self, max_reject_ratio: f64) -> Option<&FileReport> {
        self.files
            .iter()
            .find(|report| report.reject_ratio() > max_reject_ratio)
    }

    /// The anchors by id.
    pub fn anchor_by_id(&self) -> HashMap<&str, &Anchor> {
        self.anchors
            .iter()
            .map(|anchor| (anchor.anchor_id.as_str(), anchor))
            .collect()
    }
}

/// Reads and validates the catalog in `dir`. Files are optional but at least
/// one of products and videos must exist; a file that exists but cannot be
/// read fails the whole read.
pub fn read_catalog(dir: &Path) -> Result<Catalog> {
    check_catalog_dir(dir)?;
    read_checked_catalog(dir)
}

/// Checks that `dir` is a folder holding products or videos, before a build
/// touches its index root.
pub fn check_catalog_dir(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        return Err(Error::Catalog {
            path: dir.to_path_buf(),
            reason: "no such directory".to_string(),
        });
    }
    let products_path = dir.join(PRODUCTS_FILE);
    let videos_path = dir.join(VIDEOS_FILE);
    if !products_path.exists() && !videos_path.exists() {
        return Err(Error::Catalog {
            path: dir.to_path_buf(),
            reason: format!(
                "neither {PRODUCTS_FILE} nor {VIDEOS_FILE} exists; at least one is needed"
            ),
        });
    }
    Ok(())
}

fn read_checked_catalog(dir: &Path) -> Result<Catalog> {
    let mut catalog = Catalog::default();

    catalog.anchors = read_records(dir, ANCHORS_FILE, |_| Ok(()), &mut catalog)?;
    let anchor_ids = ids(&catalog.anchors);

    let check_product_refs =
        |product: &Product| all_known(&product.anchor_ids, &anchor_ids, "anchor", "anchor_ids");
    catalog.products = read_records(dir, PRODUCTS_FILE, check_product_refs, &mut catalog)?;
    let product_ids = ids(&catalog.products);

    let check_video_refs = |video: &Video| {
        let anchor_id = std::slice::from_ref(&video.anchor_id);
        all_known(anchor_id, &anchor_ids, "anchor", "anchor_id")?;
        all_known(&video.product_ids, &product_ids, "product", "product_ids")
    };
    catalog.videos = read_records(dir, VIDEOS_FILE, check_video_refs, &mut catalog)?;

    if let Some(file) = read_file(dir, QUERIES_FILE)? {
        let lines = file.lines();
        let parsed = parse_lines(&lines, |text| match parse_logged_query(text) {
            Ok(query) => LineOutcome::Accepted(query, Vec::new()),
            Err(reason) => LineOutcome::Rejected(reason),
        });
        catalog.queries = accept_unique(&file, &lines, parsed, |_| "", |_| Ok(()), &mut catalog);
    }

    Ok(catalog)
}

/// A record of one of the catalog's JSON Lines files.
trait CatalogRecord: Sized + Send {
    /// The record a JSON object's fields describe; the fields it leaves
    /// unread are the unknown ones.
    fn parse(fields: &Fields<'_>) -> std::result::Result<Self, String>;

    /// The record's id, unique in its file.
    fn id(&self) -> &str;
}

/// The records of the file `name`, when it exists: the first of each id that
/// passes `check_refs`; the rest become rejects and the file's report goes
/// to the catalog.
fn read_records<T: CatalogRecord>(
    dir: &Path,
    name: &'static str,
    check_refs: impl Fn(&T) -> std::result::Result<(), String>,
    catalog: &mut Catalog,
) -> Result<Vec<T>> {
    let Some(file) = read_file(dir, name)? else {
        return Ok(Vec::new());
    };
    let lines = file.lines();
    let parsed = parse_records(&lines);
    Ok(accept_unique(
        &file,
        &lines,
        parsed,
        T::id,
        check_refs,
        catalog,
    ))
}

/// Whether every id a record's `field` refers to is `known`; if not, why.
fn all_known(
    ids: &[String],
    known: &HashSet<String>,
    what: &str,
    field: &str,
) -> std::result::Result<(), String> {
    match ids.iter().find(|id| !known.contains(id.as_str())) {
        Some(unknown) => Err(format!("unknown {what} `{unknown}` in {field}")),
        None => Ok(()),
    }
}

/// The ids of `records`, for the references of the files read after them.
fn ids<T: CatalogRecord>(records: &[T]) -> HashSet<String> {
    records
        .iter()
        .map(|record| record.id().to_string())
        .collect()
}

/// A file read into memory.
struct CatalogFile {
    name: &'static str,
    bytes: Vec<u8>,
}

struct Line<'a> {
    number: usize,
    bytes: &'a [u8],
}

enum LineOutcome<T> {
    Blank,
    /// The record and the unknown fields it carried.
    Accepted(T, Vec<String>),
    Rejected(String),
}

fn read_file(dir: &Path, name: &'static str) -> Result<Option<CatalogFile>> {
    let path = dir.join(name);
    if !path.exists() {
        return Ok(None);
    }
    let bytes = std::fs::read(&path).map_err(Error::io(&path))?;
    Ok(Some(CatalogFile { name, bytes }))
}

impl CatalogFile {
    fn has_byte_order_mark(&self) -> bool {
        self.bytes.starts_with(BYTE_ORDER_MARK)
    }

    /// The lines after a byte-order mark, if any. An empty file has none.
    fn lines(&self) -> Vec<Line<'_>> {
        let content = self
            .bytes
            .strip_prefix(BYTE_ORDER_MARK)
            .unwrap_or(&self.bytes);
        if content.is_empty() {
            return Vec::new();
        }
        let mut lines: Vec<Line<'_>> = content
            .split(|&byte| byte == b'\n')
            .enumerate()
            .map(|(index, bytes)| Line {
                number: index + 1,
                bytes: bytes.strip_suffix(b"\r").unwrap_or(bytes),
            })
            .collect();
        // A final newline ends the last line; it does not start an empty one.
        if content.ends_with(b"\n") {
            lines.pop();
        }
        lines
    }

    fn reject(&self, line: &Line<'_>, reason: String) -> Reject {
        let (raw, raw_hex) = match std::str::from_utf8(line.bytes) {
            Ok(text) => (text.to_string(), None),
            Err(_) => (
                String::from_utf8_lossy(line.bytes).into_owned(),
                Some(hex::encode(line.bytes)),
            ),
        };
        Reject {
            file: self.name.to_string(),
            line: line.number,
            reason,
            raw,
            raw_hex,
        }
    }
}

/// Parses every line in parallel: invalid UTF-8 is rejected and blank lines
/// counted here, the text of the rest goes to `parse`.
fn parse_lines<T: Send>(
    lines: &[Line<'_>],
    parse: impl Fn(&str) -> LineOutcome<T> + Sync,
) -> Vec<LineOutcome<T>> {
    lines
        .par_iter()
        .map(|line| match std::str::from_utf8(line.bytes) {
            Err(error) => LineOutcome::Rejected(format!("invalid UTF-8: {error}")),
            Ok(text) if text.trim().is_empty() => LineOutcome::Blank,
            Ok(text) => parse(text),
        })
        .collect()
}

/// Parses every line as a JSON object record.
fn parse_records<T: CatalogRecord>(lines: &[Line<'_>]) -> Vec<LineOutcome<T>> {
    parse_lines(lines, |text| {
        let object = match parse_json_without_duplicate_keys(text) {
            Ok(Value::Object(object)) => object,
            Ok(other) => {
                return LineOutcome::Rejected(format!(
                    "expected a JSON object, got {}",
                    json_type_name(&other)
                ))
            }
            Err(error) => return LineOutcome::Rejected(format!("invalid JSON: {error}")),
        };
        let fields = Fields::new(&object);
        match T::parse(&fields) {
            Ok(record) => LineOutcome::Accepted(record, fields.unread()),
            Err(reason) => LineOutcome::Rejected(reason),
        }
    })
}

/// Keeps the first record of each id that passes `check_refs`, turning the
/// rest into rejects, and adds the file's report to the catalog. An empty id
/// key (the search log) skips the duplicate check.
fn accept_unique<T>(
    file: &CatalogFile,
    lines: &[Line<'_>],
    parsed: Vec<LineOutcome<T>>,
    id_of: impl Fn(&T) -> &str,
    check_refs: impl Fn(&T) -> std::result::Result<(), String>,
    catalog: &mut Catalog,
) -> Vec<T> {
    let mut report = FileReport {
        file: file.name.to_string(),
        sha256: hex::encode(Sha256::digest(&file.bytes)),
        bytes: file.bytes.len() as u64,
        byte_order_mark: file.has_byte_order_mark(),
        ..FileReport::default()
    };
    let mut first_line_of_id: HashMap<String, usize> = HashMap::new();
    let mut accepted = Vec::new();
    for (line, outcome) in lines.iter().zip(parsed) {
        let reason = match outcome {
            LineOutcome::Blank => {
                report.blank_lines += 1;
                continue;
            }
            LineOutcome::Rejected(reason) => reason,
            LineOutcome::Accepted(record, unknown_fields) => {
                let id = id_of(&record);
                let duplicate_of = if id.is_empty() {
                    None
                } else {
                    first_line_of_id.get(id).copied()
                };
                match (duplicate_of, check_refs(&record)) {
                    (Some(first_line), _) => {
                        format!("duplicate id `{id}` (first seen on line {first_line})")
                    }
                    (None, Err(reason)) => reason,
                    (None, Ok(())) => {
                        if !id.is_empty() {
                            first_line_of_id.insert(id.to_string(), line.number);
                        }
                        for field in unknown_fields {
                            *report.unknown_fields.entry(field).or_default() += 1;
                        }
                        report.records += 1;
                        report.accepted += 1;
                        accepted.push(record);
                        continue;
                    }
                }
            }
        };
        report.records += 1;
        report.rejected += 1;
        catalog.rejects.push(file.reject(line, reason));
    }
    catalog.files.push(report);
    accepted
}

/// Parses JSON like `serde_json`, but refuses an object that has a key twice
/// at any depth (serde_json keeps the last, which can hide a bad value).
pub fn parse_json_without_duplicate_keys(text: &str) -> serde_json::Result<Value> {
    serde_json::from_str::<StrictValue>(text).map(|strict| strict.0)
}

/// A JSON value whose objects have no repeated key.
struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = StrictValue;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> std::result::Result<StrictValue, E> {
        Ok(StrictValue(Value::Bool(value)))
    }

    fn visit_i64<E>(self, value: i64) -> std::result::Result<StrictValue, E> {
        Ok(StrictValue(Value::from(value)))
    }

    fn visit_u64<E>(self, value: u64) -> std::result::Result<StrictValue, E> {
        Ok(StrictValue(Value::from(value)))
    }

    fn visit_f64<E>(self, value: f64) -> std::result::Result<StrictValue, E> {
        Ok(StrictValue(Value::from(value)))
    }

    fn visit_str<E>(self, value: &str) -> std::result::Result<StrictValue, E> {
        Ok(StrictValue(Value::String(value.to_string())))
    }

    fn visit_string<E>(self, value: String) -> std::result::Result<StrictValue, E> {
        Ok(StrictValue(Value::String(value)))
    }

    fn visit_unit<E>(self) -> std::result::Result<StrictValue, E> {
        Ok(StrictValue(Value::Null))
    }

    fn visit_none<E>(self) -> std::result::Result<StrictValue, E> {
        Ok(StrictValue(Value::Null))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<StrictValue, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(StrictValue(Value::Array(items)))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<StrictValue, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                let shown: String = key.chars().take(64).collect();
                return Err(serde::de::Error::custom(format!(
                    "duplicate key `{shown}` in one object"
                )));
            }
            let StrictValue(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(StrictValue(Value::Object(object)))
    }
}

fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Reads fields of one record, remembering which ones were read so the rest
/// can be counted as unknown.
struct Fields<'a> {
    object: &'a Map<String, Value>,
    read: RefCell<Vec<&'static str>>,
}

impl<'a> Fields<'a> {
    fn new(object: &'a Map<String, Value>) -> Self {
        Fields {
            object,
            read: RefCell::new(Vec::with_capacity(object.len())),
        }
    }

    /// The record's fields that were not read, in the record's order.
    fn unread(&self) -> Vec<String> {
        let read = self.read.borrow();
        self.object
            .keys()
            .filter(|key| !read.contains(&key.as_str()))
            .cloned()
            .collect()
    }

    fn present(&self, name: &'static str) -> Option<&'a Value> {
        self.read.borrow_mut().push(name);
        self.object.get(name).filter(|value| !value.is_null())
    }

    fn required_string(&self, name: &'static str) -> std::result::Result<String, String> {
        required(name, self.optional_string(name)?)
    }

    /// A string that, when present, is not blank.
    fn optional_string(&self, name: &'static str) -> std::result::Result<Option<String>, String> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::String(text)) if text.trim().is_empty() => {
                Err(format!("field `{name}` is empty"))
            }
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(other) => Err(wrong_type(name, "a string", other)),
        }
    }

    /// A required string of at most `max_chars` characters.
    fn text(&self, name: &'static str, max_chars: usize) -> std::result::Result<String, String> {
        let text = self.required_string(name)?;
        check_length(name, &text, max_chars)?;
        Ok(text)
    }

    /// An optional string of at most `max_chars` characters.
    fn optional_text(
        &self,
        name: &'static str,
        max_chars: usize,
    ) -> std::result::Result<Option<String>, String> {
        let text = self.optional_string(name)?;
        if let Some(text) = &text {
            check_length(name, text, max_chars)?;
        }
        Ok(text)
    }

    fn required_count(&self, name: &'static str) -> std::result::Result<u64, String> {
        required(name, self.optional_count(name)?)
    }

    fn optional_count(&self, name: &'static str) -> std::result::Result<Option<u64>, String> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::Number(number)) => match number.as_u64() {
                Some(count) => Ok(Some(count)),
                None => Err(format!(
                    "field `{name}` must be a non-negative integer, got {number}"
                )),
            },
            Some(other) => Err(wrong_type(name, "a non-negative integer", other)),
        }
    }

    fn id_list(&self, name: &'static str) -> std::result::Result<Vec<String>, String> {
        let Some(value) = self.present(name) else {
            return Ok(Vec::new());
        };
        let Value::Array(items) = value else {
            return Err(wrong_type(name, "an array of strings", value));
        };
        let mut ids = Vec::with_capacity(items.len());
        // A set, not `ids.contains`: 200,000 ids on one line took 34 s that way.
        let mut seen: HashSet<&str> = HashSet::with_capacity(items.len());
        for item in items {
            match item {
                Value::String(id) if !id.trim().is_empty() => {
                    if seen.insert(id.as_str()) {
                        ids.push(id.clone());
                    }
                }
                _ => return Err(format!("field `{name}` must hold non-empty strings only")),
            }
        }
        Ok(ids)
    }
}

/// A field the record must have, or why it is missing.
fn required<T>(name: &str, value: Option<T>) -> std::result::Result<T, String> {
    value.ok_or_else(|| format!("missing required field `{name}`"))
}

/// Why a field holding `value` is refused, when it must be `expected`.
fn wrong_type(name: &str, expected: &str, value: &Value) -> String {
    format!(
        "field `{name}` must be {expected}, got {}",
        json_type_name(value)
    )
}

fn check_length(name: &str, text: &str, max_chars: usize) -> std::result::Result<(), String> {
    let chars = text.chars().count();
    if chars > max_chars {
        return Err(format!(
            "field `{name}` has {chars} characters, over the limit of {max_chars}"
        ));
    }
    Ok(())
}

impl CatalogRecord for Anchor {
    fn parse(fields: &Fields<'_>) -> std::result::Result<Anchor, String> {
        Ok(Anchor {
            anchor_id: fields.required_string("anchor_id")?,
            name: fields.text("name", MAX_NAME_CHARS)?,
            followers: fields.required_count("followers")?,
        })
    }

    fn id(&self) -> &str {
        &self.anchor_id
    }
}

impl CatalogRecord for Product {
    fn parse(fields: &Fields<'_>) -> std::result::Result<Product, String> {
        Ok(Product {
            product_id: fields.required_string("product_id")?,
            title: fields.text("title", MAX_TEXT_CHARS)?,
            brand: fields.optional_text("brand", MAX_NAME_CHARS)?,
            category: fields.optional_text("category", MAX_NAME_CHARS)?,
            price_cents: fields.optional_count("price_cents")?,
            sales: fields.required_count("sales")?,
            anchor_ids: fields.id_list("anchor_ids")?,
        })
    }

    fn id(&self) -> &str {
        &self.product_id
    }
}

impl CatalogRecord for Video {
    fn parse(fields: &Fields<'_>) -> std::result::Result<Video, String> {
        let video_id = fields.required_string("video_id")?;
        let kind = match fields.required_string("kind")?.as_str() {
            "short_video" => VideoKind::ShortVideo,
            "live" => VideoKind::Live,
            other => {
                return Err(format!(
                    "field `kind` must be \"short_video\" or \"live\", got \"{other}\""
                ))
            }
        };
        let published_at = match fields.optional_string("published_at")? {
            None => None,
            Some(text) => Some(parse_rfc3339(&text).map_err(|reason| {
                format!("field `published_at` is not an RFC 3339 time: {reason}")
            })?),
        };
        Ok(Video {
            video_id,
            kind,
            caption: fields.text("caption", MAX_TEXT_CHARS)?,
            anchor_id: fields.required_string("anchor_id")?,
            likes: fields.optional_count("likes")?.unwrap_or(0),
            views: fields.optional_count("views")?.unwrap_or(0),
            product_ids: fields.id_list("product_ids")?,
            published_at,
        })
    }

    fn id(&self) -> &str {
        &self.video_id
    }
}

/// Seconds since the Unix epoch of an RFC 3339 time, or why it is not one.
pub fn parse_rfc3339(text: &str) -> std::result::Result<i64, String> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(|moment| moment.unix_timestamp())
        .map_err(|error| error.to_string())
}

/// Whether the last column of a log line is meant as a date (digits and
/// dashes with a dash at the fifth character), so a malformed date is
/// reported as such rather than as a bad count.
fn looks_like_date(field: &str) -> bool {
    let field = field.trim();
    field.len() >= 8
        && field.as_bytes().get(4) == Some(&b'-')
        && field
            .bytes()
            .all(|byte| byte.is_ascii_digit() || byte == b'-')
}

/// Parses one `query<TAB>count` or `query<TAB>count<TAB>YYYY-MM-DD` line
/// of the search log.
pub fn parse_logged_query(line: &str) -> std::result::Result<LoggedQuery, String> {
    let Some((rest, last)) = line.rsplit_once('\t') else {
        return Err(
            "expected `query<TAB>count` or `query<TAB>count<TAB>YYYY-MM-DD`, found no tab"
                .to_string(),
        );
    };
    let (query, count, date) = if looks_like_date(last) {
        let Some((query, count)) = rest.rsplit_once('\t') else {
            return Err(
                "expected `query<TAB>count<TAB>YYYY-MM-DD`, found one tab before the date"
                    .to_string(),
            );
        };
        (query, count, Some(parse_log_date(last)?))
    } else {
        (rest, last, None)
    };
    let query = query.trim();
    if query.is_empty() {
        return Err("empty query".to_string());
    }
    let chars = query.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(format!(
            "query has {chars} characters, over the limit of {MAX_TEXT_CHARS}"
        ));
    }
    let count = count.trim();
    match count.parse::<u64>() {
        Ok(0) => Err("count must be a positive integer, got 0".to_string()),
        Ok(count) => Ok(LoggedQuery {
            query: query.to_string(),
            count,
            date,
        }),
        Err(_) => Err(format!("count must be a positive integer, got `{count}`")),
    }
}

/// Parses one catalog line of the given file kind, for fuzzing and tools:
/// the same checks as the batch read, minus those across records
/// (duplicates and references).
pub fn parse_catalog_line(file: &str, line: &[u8]) -> std::result::Result<(), String> {
    let text = std::str::from_utf8(line).map_err(|error| format!("invalid UTF-8: {error}"))?;
    if file == QUERIES_FILE {
        return parse_logged_query(text).map(|_| ());
    }
    let Value::Object(object) =
        parse_json_without_duplicate_keys(text).map_err(|e| e.to_string())?
    else {
        return Err("expected a JSON object".to_string());
    };
    let fields = Fields::new(&object);
    match file {
        ANCHORS_FILE => Anchor::parse(&fields).map(|_| ()),
        PRODUCTS_FILE => Product::parse(&fields).map(|_| ()),
        VIDEOS_FILE => Video::parse(&fields).map(|_| ()),
        other => Err(format!("unknown catalog file `{other}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product_reason(line: &str) -> String {
        parse_catalog_line(PRODUCTS_FILE, line.as_bytes()).unwrap_err()
    }

    #[test]
    fn reasons_name_the_field() {
        assert!(product_reason(r#"{"product_id":"p1","sales":1}"#).contains("`title`"));
        assert!(product_reason(r#"{"product_id":"p1","title":" ","sales":1}"#).contains("empty"));
        assert!(
            product_reason(r#"{"product_id":"p1","title":"t","sales":-1}"#)
                .contains("non-negative")
        );
        assert!(product_reason(r#"{"product_id":"p1","title":"t","sales":1.5}"#).contains("1.5"));
        assert!(
            product_reason(r#"{"product_id":"p1","title":"t","sales":"9"}"#).contains("a string")
        );
        assert!(product_reason(r#"[1]"#).contains("object"));
    }

    #[test]
    fn search_log_lines() {
        assert_eq!(
            parse_logged_query("连衣裙\t12").unwrap(),
            LoggedQuery {
                query: "连衣裙".into(),
                count: 12,
                date: None,
            }
        );
        let dated = parse_logged_query("连衣裙\t12\t2026-05-30").unwrap();
        assert_eq!(dated.count, 12);
        assert_eq!(
            dated.date,
            Some(time::macros::date!(2026 - 05 - 30)),
            "the third column is the day"
        );
        let reason = parse_logged_query("连衣裙\t12\t2026-02-30").unwrap_err();
        assert!(
            reason.contains("YYYY-MM-DD") && reason.contains("2026-02-30"),
            "{reason}"
        );
        assert!(parse_logged_query("连衣裙\t2026-05-30")
            .unwrap_err()
            .contains("one tab before the date"));
        assert!(parse_logged_query("连衣裙").is_err());
        assert!(parse_logged_query("连衣裙\t0").is_err());
        assert!(parse_logged_query("\t3").is_err());
        assert!(parse_logged_query("连衣裙\tx").is_err());
    }

    #[test]
    fn published_at_is_rfc3339() {
        assert_eq!(parse_rfc3339("1970-01-01T08:00:00+08:00").unwrap(), 0);
        assert!(parse_rfc3339("yesterday").is_err());
    }
}
