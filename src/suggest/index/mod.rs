//! The suggestion structures of a generation and the lookup over them.
//!
//! - `suggest/keys.fst`: an fst map from `kind · key` (kind `T` text, `P`
//!   full pinyin, `I` initials, ...) to the offset of the key's candidate
//!   ids in the table's postings (homophones share a key). Candidate ids are
//!   ranks: id 0 is the most popular, so the best candidates under a prefix
//!   are its smallest ids.
//! - `suggest/candidates.bin` (bincode 2): the candidates (text, score,
//!   components), the hot list, and the top ids of every prefix with more
//!   than [`SCAN_LIMIT`] keys, so a short prefix is answered without
//!   scanning its whole range.

use std::collections::HashMap;
use std::path::Path;

use fst::{IntoStreamer, Map, MapBuilder, Streamer};
use rayon::prelude::*;

use super::keys::{
    candidate_key_texts, classify, compact_pinyin, initials_prefixes, mixed_keys, pinyin_keys,
    syllable_prefixes, FuzzyRules, TypedPrefix,
};
use super::mine::Candidate;
use super::next_words::{NextWords, NEXT_WORDS_PER_WORD};
use super::related::{words_inside, RelatedWord, MAX_RELATED};
use crate::analysis::Analyzer;
use crate::error::{Error, Result};

mod completion;

/// Folder of the suggestion files in a generation.
pub const SUGGEST_DIR: &str = "suggest";
const KEYS_FILE: &str = "keys.fst";
const TABLE_FILE: &str = "candidates.bin";
/// 3: components with decayed and rising searches, the hot list by
/// trending, fuzzy-pinyin keys and the fuzzy rules they were folded with,
/// the product words of related searches. 4: the words that follow each
/// word, and the blocklist the candidates were filtered with.
const TABLE_VERSION: u32 = 4;

/// The id of a completion whose completing word is no candidate.
pub const NO_CANDIDATE: u32 = u32::MAX;
/// Longest word of the next-words table, in characters (as a candidate).
const MAX_WORD_CHARS: usize = 64;
/// Most blocklist terms a table may hold (each completion is checked
/// against every one).
const MAX_BLOCKLIST_TERMS: usize = 100_000;
/// Prefixes with more keys than this have their top ids stored.
pub const SCAN_LIMIT: u32 = 64;
/// Ids stored per cached prefix: the most a request may ask for.
pub const MAX_LIMIT: usize = 20;
/// Keys read at most for one mixed (hanzi then pinyin) lookup.
const MIXED_SCAN_CAP: usize = 20_000;
/// Suggestions a drop-down shows: what [`SuggestIndex::probe`] ranks against.
pub const DROP_DOWN_LEN: usize = 10;
/// Prefixes deeper than this many bytes are never cached (their ranges are small).
const CACHE_DEPTH_BYTES: usize = 24;

const TEXT: u8 = b'T';
const PINYIN: u8 = b'P';
const INITIALS: u8 = b'I';
/// Keys from other readings of polyphonic characters (零 read lian, 食 read
/// yi): kept so 长裙 answers both changqun and zhangqun, ranked lower so rare
/// readings do not crowd out the common one.
const ALTERNATE_PINYIN: u8 = b'Q';
const ALTERNATE_INITIALS: u8 = b'J';
const ALTERNATE_READING_FACTOR: f32 = 0.6;
/// Mixed typing keys: first character, then pinyin (M) or initials (N).
const MIXED_PINYIN: u8 = b'M';
const MIXED_INITIALS: u8 = b'N';
/// Full pinyin folded by the fuzzy rules (zh → z, l → n, ang → an ...),
/// only where folding changes it: an unchanged reading is found under
/// [`PINYIN`] with the folded typed prefix.
const FUZZY_PINYIN: u8 = b'F';
/// Shortest typed pinyin a typo is looked for in.
const MIN_TYPO_LETTERS: usize = 4;
/// Longest typed pinyin a typo is looked for in: the walk grows with the
/// square of the letters, and a longer input is a sentence, not a query word.
const MAX_TYPO_LETTERS: usize = 24;
/// Typed letters up to which a Latin candidate spelling them exactly is
/// judged against hanzi candidates with those initials (lyq).
const MAX_INITIALS_LETTERS: usize = 5;
/// Factor on a Latin candidate equal to typed letters that are also the
/// initials of hanzi candidates: it leads only when much more popular.
const LATIN_EQUALS_INITIALS_FACTOR: f32 = 0.3;

/// How far a lookup reaches beyond the primary reading of what was typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// The text, the primary full pinyin and initials, mixed keys: what a
    /// completion draws from (a rare reading or a typo is too far a guess).
    Exact,
    /// Also other readings of polyphones, fuzzy pinyin and typos.
    Everything,
}

/// How a suggestion matched what was typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum MatchKind {
    /// Typed hanzi that begin the suggestion.
    Prefix,
    /// Hanzi then pinyin (连yi).
    Mixed,
    /// Pinyin, whole or in part.
    Pinyin,
    /// Initials of the pinyin (lyq).
    Initials,
    /// Pinyin with a fuzzy confusion (z/zh, n/l, an/ang ...): listed after
    /// every exact reading.
    Fuzzy,
    /// Pinyin with one typo: listed after every exact and fuzzy reading.
    Typo,
    /// The typed text kept up to a point and its end completed by a
    /// candidate (宠物狗牵 → 宠物狗牵引绳): offered only when fewer than
    /// the asked number of candidates begin with the whole prefix, and
    /// listed after all of them.
    Completion,
    /// A related search: shares the product word, or is logged with it.
    Related,
}

impl MatchKind {
    /// Ranking factor: at comparable popularity, an exact hanzi prefix
    /// comes first, so a pinyin reading cannot flood the list with homophones.
    pub fn factor(self) -> f32 {
        match self {
            MatchKind::Prefix => 1.0,
            MatchKind::Mixed => 0.9,
            MatchKind::Pinyin => 0.8,
            MatchKind::Initials => 0.65,
            MatchKind::Fuzzy => 0.5,
            MatchKind::Typo => 0.4,
            MatchKind::Completion => 0.3,
            MatchKind::Related => 1.0,
        }
    }

    /// Tier of the list: exact matches, then fuzzy, then typos, whatever
    /// the popularity (completions are appended after all of them).
    fn tier(self) -> u8 {
        match self {
            MatchKind::Fuzzy => 1,
            MatchKind::Typo => 2,
            MatchKind::Completion => 3,
            _ => 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
/// One suggestion of the drop-down.
pub struct Suggestion {
    /// The text to show.
    pub text: String,
    /// Ranking score: popularity × the match kind's factor. The list's
    /// order is the ranking: completions come after every other match, and
    /// their scores compare only among themselves.
    #[serde(serialize_with = "crate::finite::f32_or_zero")]
    pub score: f32,
    #[serde(rename = "match")]
    /// How it matched what was typed.
    pub match_kind: MatchKind,
    #[serde(skip)]
    /// The candidate's id in the index (for a completion, the id of the
    /// candidate that completed the typed text, or [`NO_CANDIDATE`] when
    /// the completing word is no candidate of its own).
    pub id: u32,
}

#[derive(bincode::Encode, bincode::Decode)]
struct Table {
    version: u32,
    candidates: Vec<Candidate>,
    hot: Vec<u32>,
    cached_prefixes: Vec<(Vec<u8>, Vec<u32>)>,
    /// At each fst value: the number of ids, then the ids, ascending.
    postings: Vec<u32>,
    /// The rules the fuzzy keys were folded with; typed pinyin folds alike.
    fuzzy: FuzzyRules,
    /// Product words of the logged queries, sorted by word.
    related: Vec<RelatedWord>,
    /// The words that follow each word, sorted by word.
    next_words: Vec<NextWords>,
    /// The blocklist the candidates were filtered with: completions, which
    /// join typed text to a candidate, are checked against it too.
    blocklist: Vec<String>,
}

/// A generation's suggestion structures, loaded.
pub struct SuggestIndex {
    keys: Map<Vec<u8>>,
    postings: Vec<u32>,
    candidates: Vec<Candidate>,
    hot: Vec<u32>,
    cached: HashMap<Vec<u8>, Vec<u32>>,
    by_text: HashMap<String, u32>,
    fuzzy: FuzzyRules,
    related: Vec<RelatedWord>,
    related_by_word: HashMap<String, u32>,
    /// Finds the word boundaries a prefix's end is completed from; without
    /// it no completion is offered.
    segmenter: Option<Analyzer>,
    next_words: HashMap<String, Vec<String>>,
    /// The word each full pinyin spells, for reading typed pinyin as hanzi.
    spelled_words: HashMap<String, String>,
    /// The primary full pinyin of each Han word of the next-words table,
    /// for reading typed pinyin as the words that follow a word.
    word_readings: HashMap<String, String>,
    blocklist: Vec<String>,
}

/// What a suggestion index holds besides its candidates.
#[derive(Debug, Clone, Default)]
pub struct SuggestExtras {
    /// The fuzzy rules to fold keys with.
    pub fuzzy: FuzzyRules,
    /// The product words of related searches (see [`super::related`]).
    pub related: Vec<RelatedWord>,
    /// The words that follow each word (see [`super::next_words`]).
    pub next_words: Vec<NextWords>,
    /// The blocklist the candidates were filtered with.
    pub blocklist: Vec<String>,
}

/// An fst error while writing `path`: a failed write (a full disk) is an
/// I/O error on that file, with the operating system's reason.
fn fst_write_error(path: &Path) -> impl Fn(fst::Error) -> Error + '_ {
    move |error| match error {
        fst::Error::Io(source) => Error::Io {
            path: path.to_path_buf(),
            source,
        },
        other => encoding_error("suggestion keys", other),
    }
}

/// A bincode error while writing `path`, with I/O failures kept as such.
fn table_write_error(path: &Path) -> impl Fn(bincode::error::EncodeError) -> Error + '_ {
    move |error| match error {
        bincode::error::EncodeError::Io { inner, .. } => Error::Io {
            path: path.to_path_buf(),
            source: inner,
        },
        other => encoding_error("suggestion table", other),
    }
}

fn encoding_error(what: &str, error: impl std::fmt::Display) -> Error {
    Error::Encoding {
        what: what.to_string(),
        reason: error.to_string(),
    }
}

fn full_key(kind: u8, key: &str, id: u32) -> (Vec<u8>, u32) {
    let mut bytes = Vec::with_capacity(key.len() + 1);
    bytes.push(kind);
    bytes.extend_from_slice(key.as_bytes());
    (bytes, id)
}

/// Every lookup key of candidate `id`.
fn candidate_keys(candidate: &Candidate, id: u32, fuzzy: &FuzzyRules) -> Vec<(Vec<u8>, u32)> {
    let (full, initials, mixed) = candidate_key_texts(&candidate.text);
    let mut keys = vec![full_key(TEXT, &candidate.text, id)];
    if fuzzy.any_sound() {
        for reading in &full {
            let folded = fuzzy.fold(reading);
            if folded != *reading {
                keys.push(full_key(FUZZY_PINYIN, &folded, id));
            }
        }
    }
    for (index, key) in full.iter().enumerate() {
        keys.push(full_key(
            if index == 0 { PINYIN } else { ALTERNATE_PINYIN },
            key,
            id,
        ));
    }
    for (index, key) in initials.iter().enumerate() {
        keys.push(full_key(
            if index == 0 {
                INITIALS
            } else {
                ALTERNATE_INITIALS
            },
            key,
            id,
        ));
    }
    if let Some((mixed_full, mixed_initials)) = mixed {
        keys.push(full_key(MIXED_PINYIN, &mixed_full, id));
        keys.push(full_key(MIXED_INITIALS, &mixed_initials, id));
    }
    keys
}

/// Writes `candidates` (sorted most popular first) into
/// `generation_dir/suggest/`, with every fuzzy rule on.
pub fn write_suggest_index(generation_dir: &Path, candidates: Vec<Candidate>) -> Result<u64> {
    write_suggest_index_with(generation_dir, candidates, SuggestExtras::default())
}

/// The hot list (热搜): the logged queries with the highest trending score
/// (decayed searches × rising), then, when the log has too few, the most
/// popular candidates.
fn hot_list(candidates: &[Candidate]) -> Vec<u32> {
    let mut trending: Vec<(f32, u32)> = candidates
        .iter()
        .enumerate()
        .filter(|(_, candidate)| candidate.components.queried)
        .map(|(id, candidate)| (candidate.components.trending(), id as u32))
        .filter(|(score, _)| *score > 0.0)
        .collect();
    trending.sort_by(|left, right| right.0.total_cmp(&left.0).then(left.1.cmp(&right.1)));
    let mut hot: Vec<u32> = trending
        .into_iter()
        .map(|(_, id)| id)
        .take(MAX_LIMIT)
        .collect();
    for id in 0..candidates.len() as u32 {
        if hot.len() >= MAX_LIMIT {
            break;
        }
        if !hot.contains(&id) {
            hot.push(id);
        }
    }
    hot
}

/// Writes `candidates` (sorted most popular first) into
/// `generation_dir/suggest/`, with fuzzy keys folded by `extras.fuzzy` and
/// the related-search words of `extras`.
pub fn write_suggest_index_with(
    generation_dir: &Path,
    candidates: Vec<Candidate>,
    extras: SuggestExtras,
) -> Result<u64> {
    let SuggestExtras {
        fuzzy,
        related,
        next_words,
        blocklist,
    } = extras;
    let dir = generation_dir.join(SUGGEST_DIR);
    std::fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
    let mut entries: Vec<(Vec<u8>, u32)> = candidates
        .par_iter()
        .enumerate()
        .flat_map_iter(|(index, candidate)| candidate_keys(candidate, index as u32, &fuzzy))
        .collect();
    crate::process::phase_mark("write_suggestions: keys");
    entries.par_sort_unstable();
    entries.dedup();
    crate::process::phase_mark("write_suggestions: sorted");

    let keys_path = dir.join(KEYS_FILE);
    // The fst is built on one thread: the busy-prefix table is read from
    // the same sorted entries on another meanwhile.
    let (postings, cached_prefixes) = rayon::join(
        || write_keys(&keys_path, &entries),
        || busy_prefixes(&entries),
    );
    let postings = postings?;
    crate::process::phase_mark("write_suggestions: fst");
    let count = candidates.len() as u64;
    let table = Table {
        version: TABLE_VERSION,
        hot: hot_list(&candidates),
        candidates,
        cached_prefixes,
        postings,
        fuzzy,
        related,
        next_words,
        blocklist,
    };
    let table_path = dir.join(TABLE_FILE);
    let file = std::fs::File::create(&table_path).map_err(Error::io(&table_path))?;
    let mut writer = std::io::BufWriter::new(file);
    bincode::encode_into_std_write(&table, &mut writer, bincode::config::standard())
        .map_err(table_write_error(&table_path))?;
    std::io::Write::flush(&mut writer).map_err(Error::io(&table_path))?;
    Ok(count)
}

/// Writes the keys of the sorted `entries` as an fst whose values point
/// into the returned postings (per key: the count, then the ids).
fn write_keys(keys_path: &Path, entries: &[(Vec<u8>, u32)]) -> Result<Vec<u32>> {
    let file = std::fs::File::create(keys_path).map_err(Error::io(keys_path))?;
    let mut builder =
        MapBuilder::new(std::io::BufWriter::new(file)).map_err(fst_write_error(keys_path))?;
    let mut postings: Vec<u32> = Vec::with_capacity(entries.len() * 2);
    for run in entries.chunk_by(|left, right| left.0 == right.0) {
        builder
            .insert(&run[0].0, postings.len() as u64)
            .map_err(fst_write_error(keys_path))?;
        postings.push(run.len() as u32);
        postings.extend(run.iter().map(|(_, id)| *id));
    }
    builder.finish().map_err(fst_write_error(keys_path))?;
    Ok(postings)
}

/// Every prefix (at character boundaries, up to [`CACHE_DEPTH_BYTES`]) with
/// more than [`SCAN_LIMIT`] entries, with its [`MAX_LIMIT`] best ids. One
/// pass over the sorted entries: the entries under a prefix are a contiguous
/// run, so a stack of the prefixes still open is closed as the keys move
/// past them.
fn busy_prefixes(entries: &[(Vec<u8>, u32)]) -> Vec<(Vec<u8>, Vec<u32>)> {
    let mut cached = Vec::new();
    // (prefix length in bytes, index of its first entry)
    let mut open: Vec<(usize, usize)> = Vec::new();
    let close = |open: &mut Vec<(usize, usize)>,
                 keep_up_to: usize,
                 end: usize,
                 cached: &mut Vec<(Vec<u8>, Vec<u32>)>| {
        while let Some(&(length, start)) = open.last() {
            if length <= keep_up_to {
                break;
            }
            open.pop();
            if end - start > SCAN_LIMIT as usize {
                let mut ids: Vec<u32> = entries[start..end].iter().map(|(_, id)| *id).collect();
                ids.sort_unstable();
                ids.dedup();
                ids.truncate(MAX_LIMIT);
                cached.push((entries[start].0[..length].to_vec(), ids));
            }
        }
    };
    for (index, (key, _)) in entries.iter().enumerate() {
        let common = match index.checked_sub(1) {
            Some(previous) => common_prefix_length(&entries[previous].0, key),
            None => 0,
        };
        close(&mut open, common, index, &mut cached);
        let first_new = open.last().map_or(2, |&(length, _)| length + 1).max(2);
        for length in first_new..=key.len().min(CACHE_DEPTH_BYTES) {
            if is_char_boundary(&key[1..], length - 1) {
                open.push((length, index));
            }
        }
    }
    close(&mut open, 0, entries.len(), &mut cached);
    cached.sort_unstable();
    cached
}

fn common_prefix_length(left: &[u8], right: &[u8]) -> usize {
    left.iter().zip(right).take_while(|(a, b)| a == b).count()
}

fn is_char_boundary(text: &[u8], index: usize) -> bool {
    text.get(index).is_none_or(|&byte| (byte as i8) >= -0x40)
}

/// Why a generation's suggestion files were refused: the file, relative to
/// the generation folder, and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("{file} {reason}")]
pub struct OpenError {
    /// The file at fault, relative to the generation.
    pub file: String,
    /// What is wrong with it.
    pub reason: String,
}

impl OpenError {
    fn keys(reason: String) -> Self {
        OpenError {
            file: format!("{SUGGEST_DIR}/{KEYS_FILE}"),
            reason,
        }
    }

    fn table(reason: String) -> Self {
        OpenError {
            file: format!("{SUGGEST_DIR}/{TABLE_FILE}"),
            reason,
        }
    }
}

/// Decodes the table with a bound on what its length prefixes may make
/// the decoder allocate: 32 times the file's size (more than a real table
/// needs), never the exabytes one flipped byte can claim.
fn decode_table(bytes: &[u8]) -> std::result::Result<Table, OpenError> {
    fn decode<const LIMIT: usize>(bytes: &[u8]) -> std::result::Result<Table, OpenError> {
        let config = bincode::config::standard().with_limit::<LIMIT>();
        match bincode::decode_from_slice::<Table, _>(bytes, config) {
            Ok((table, read)) if read == bytes.len() => Ok(table),
            Ok((_, read)) => Err(OpenError::table(format!(
                "has {} bytes after the table's end",
                bytes.len() - read
            ))),
            Err(error) => Err(OpenError::table(describe_decode_error(&error))),
        }
    }
    match bytes.len() {
        length if length <= 1 << 20 => decode::<{ 1 << 25 }>(bytes),
        length if length <= 1 << 23 => decode::<{ 1 << 28 }>(bytes),
        length if length <= 1 << 26 => decode::<{ 1 << 31 }>(bytes),
        length if length <= 1 << 29 => decode::<{ 1 << 34 }>(bytes),
        length => Err(OpenError::table(format!(
            "has {length} bytes, over the limit of {}",
            1u64 << 29
        ))),
    }
}

/// A decode error in words, without Rust debug text.
fn describe_decode_error(error: &bincode::error::DecodeError) -> String {
    use bincode::error::DecodeError;
    match error {
        DecodeError::UnexpectedEnd { .. } => "ends before the table does".to_string(),
        DecodeError::LimitExceeded => {
            "claims more memory than a table of its size can need".to_string()
        }
        DecodeError::Utf8 { .. } => "holds a text that is not UTF-8".to_string(),
        DecodeError::InvalidIntegerType { .. } | DecodeError::InvalidBooleanValue(_) => {
            "holds a value of the wrong type".to_string()
        }
        _ => "cannot be decoded".to_string(),
    }
}

/// Checks every id and offset of a decoded table against the candidates
/// and the postings, so no lookup can index out of range, and that every
/// score is a finite number.
fn check_table(keys: &Map<Vec<u8>>, table: &Table) -> std::result::Result<(), OpenError> {
    if table.version != TABLE_VERSION {
        return Err(OpenError::table(format!(
            "has version {}, this binary reads {TABLE_VERSION}",
            table.version
        )));
    }
    let count = table.candidates.len();
    if count > u32::MAX as usize {
        return Err(OpenError::table(format!("holds {count} candidates")));
    }
    if let Some(id) = table
        .candidates
        .iter()
        .position(|candidate| !(candidate.score.is_finite() && candidate.score >= 0.0))
    {
        return Err(OpenError::table(format!(
            "gives candidate {id} a score that is not a finite positive number"
        )));
    }
    let in_range = |id: &u32| (*id as usize) < count;
    let out_of_range = |what: &str, id: u32| {
        OpenError::table(format!(
            "{what} holds candidate id {id}, beyond the {count} candidates"
        ))
    };
    if let Some(&id) = table.hot.iter().find(|id| !in_range(id)) {
        return Err(out_of_range("the hot list", id));
    }
    let words = table.related.len();
    for related in &table.related {
        if let Some(&id) = related.queries.iter().find(|id| !in_range(id)) {
            return Err(out_of_range("a related word", id));
        }
        if let Some(&index) = related
            .neighbours
            .iter()
            .find(|&&index| index as usize >= words)
        {
            return Err(OpenError::table(format!(
                "a related word names word {index}, beyond the {words} words"
            )));
        }
    }
    // Completions walk a word's next words on every keystroke: bounded.
    for entry in &table.next_words {
        let too_long = |word: &str| word.chars().count() > MAX_WORD_CHARS;
        if entry.next.len() > NEXT_WORDS_PER_WORD {
            return Err(OpenError::table(format!(
                "gives a word {} next words, more than {NEXT_WORDS_PER_WORD}",
                entry.next.len()
            )));
        }
        if too_long(&entry.word) || entry.next.iter().any(|next| too_long(next)) {
            return Err(OpenError::table(format!(
                "holds a next word longer than {MAX_WORD_CHARS} characters"
            )));
        }
    }
    if table.blocklist.len() > MAX_BLOCKLIST_TERMS {
        return Err(OpenError::table(format!(
            "holds {} blocklist terms, more than {MAX_BLOCKLIST_TERMS}",
            table.blocklist.len()
        )));
    }
    for (_, ids) in &table.cached_prefixes {
        if let Some(&id) = ids.iter().find(|id| !in_range(id)) {
            return Err(out_of_range("a cached prefix", id));
        }
    }
    // The postings are runs of (count, ids...); fst values must point at a run's start.
    let postings = &table.postings;
    let mut run_starts = vec![0u64; postings.len().div_ceil(64)];
    let mut offset = 0usize;
    while offset < postings.len() {
        run_starts[offset / 64] |= 1 << (offset % 64);
        let run = postings[offset] as usize;
        let end = match offset.checked_add(1 + run) {
            Some(end) if end <= postings.len() => end,
            _ => {
                return Err(OpenError::table(format!(
                    "has a postings run at {offset} of {run} ids past the end ({})",
                    postings.len()
                )))
            }
        };
        if let Some(&id) = postings[offset + 1..end].iter().find(|id| !in_range(id)) {
            return Err(out_of_range("the postings", id));
        }
        offset = end;
    }
    let mut stream = keys.stream();
    while let Some((_, value)) = stream.next() {
        let is_run_start = usize::try_from(value).is_ok_and(|value| {
            value < postings.len() && run_starts[value / 64] & (1 << (value % 64)) != 0
        });
        if !is_run_start {
            return Err(OpenError::keys(format!(
                "maps a key to offset {value}, which is not the start of a postings run"
            )));
        }
    }
    Ok(())
}

impl SuggestIndex {
    /// Loads and checks `generation_dir/suggest/`.
    pub fn open(generation_dir: &Path) -> std::result::Result<Self, OpenError> {
        let dir = generation_dir.join(SUGGEST_DIR);
        let keys = std::fs::read(dir.join(KEYS_FILE))
            .map_err(|error| OpenError::keys(crate::generation::describe_io(&error)))?;
        let table = std::fs::read(dir.join(TABLE_FILE))
            .map_err(|error| OpenError::table(crate::generation::describe_io(&error)))?;
        Self::from_bytes(keys, &table)
    }

    /// Decodes the two files' bytes and checks them (see `check_table`):
    /// whatever the bytes, this returns an error or an index whose lookups
    /// stay in range.
    pub fn from_bytes(keys: Vec<u8>, table: &[u8]) -> std::result::Result<Self, OpenError> {
        let keys = Map::new(keys)
            .map_err(|error| OpenError::keys(format!("is not an fst map: {error}")))?;
        let table = decode_table(table)?;
        check_table(&keys, &table)?;
        let by_text = table
            .candidates
            .iter()
            .enumerate()
            .map(|(id, candidate)| (candidate.text.clone(), id as u32))
            .collect();
        let next_words: HashMap<String, Vec<String>> = table
            .next_words
            .into_iter()
            .map(|entry| (entry.word, entry.next))
            .collect();
        let word_readings = completion::word_readings(&next_words);
        Ok(SuggestIndex {
            keys,
            postings: table.postings,
            candidates: table.candidates,
            hot: table.hot,
            cached: table.cached_prefixes.into_iter().collect(),
            by_text,
            fuzzy: table.fuzzy,
            related_by_word: table
                .related
                .iter()
                .enumerate()
                .map(|(index, related)| (related.word.clone(), index as u32))
                .collect(),
            related: table.related,
            segmenter: None,
            spelled_words: completion::spelled_words(&next_words, &word_readings),
            word_readings,
            next_words,
            blocklist: table.blocklist,
        })
    }

    /// The index completing the end of a rare prefix at the word boundaries
    /// `analyzer` finds in it (see [`MatchKind::Completion`]).
    pub fn with_completions(mut self, analyzer: &Analyzer) -> Self {
        self.segmenter = Some(analyzer.clone());
        self
    }

    /// Candidates in the index.
    pub fn len(&self) -> usize {
        self.candidates.len()
    }

    /// Whether it has no candidate.
    pub fn is_empty(&self) -> bool {
        self.candidates.is_empty()
    }

    /// The candidate whose normalised text is `text`.
    pub fn find(&self, text: &str) -> Option<(u32, &Candidate)> {
        let id = *self.by_text.get(text)?;
        Some((id, &self.candidates[id as usize]))
    }

    /// The most popular ids whose `kind` key starts with `prefix`, best first.
    fn top_ids(&self, kind: u8, prefix: &str, limit: usize) -> Vec<u32> {
        let mut key = Vec::with_capacity(prefix.len() + 1);
        key.push(kind);
        key.extend_from_slice(prefix.as_bytes());
        if let Some(top) = self.cached.get(&key) {
            return top.iter().copied().take(limit).collect();
        }
        let mut ids = self.scan(&key, usize::MAX);
        ids.truncate(limit);
        ids
    }

    /// Whether any key starts with `key`: one seek, no ids read (the
    /// reference the typo walk is tested against).
    #[cfg(test)]
    fn has_key_under(&self, key: &[u8]) -> bool {
        let mut upper = key.to_vec();
        upper.push(0xFF);
        self.keys
            .range()
            .ge(key)
            .lt(&upper)
            .into_stream()
            .next()
            .is_some()
    }

    /// The variants of `typed` one typo away (a letter deleted, inserted or
    /// replaced, or two neighbours swapped; letters a to z) that some key of
    /// kind `tag` begins with, sorted. As [`crate::suggest::keys::one_typo_variants`] each looked
    /// up, but walked along the fst once: the typed start is shared by every
    /// variant that keeps it, and most branches end at their first letter.
    fn one_typo_keys_present(&self, tag: u8, typed: &str) -> Vec<String> {
        use fst::raw::{Fst, Node};
        /// The node reached from `node` by `bytes`, if keys go on that way.
        fn walk<'f>(fst: &'f Fst<Vec<u8>>, mut node: Node<'f>, bytes: &[u8]) -> Option<Node<'f>> {
            for &byte in bytes {
                let transition = node.transition(node.find_input(byte)?);
                node = fst.node(transition.addr);
            }
            Some(node)
        }
        let fst = self.keys.as_fst();
        let typed = typed.as_bytes();
        let Some(start) = walk(fst, fst.root(), &[tag]) else {
            return Vec::new();
        };
        // path[i]: the node after the first i typed letters, as far as keys go.
        let mut path = vec![start];
        for &byte in typed {
            match walk(fst, path[path.len() - 1], &[byte]) {
                Some(node) => path.push(node),
                None => break,
            }
        }
        let mut present: Vec<Vec<u8>> = Vec::new();
        for (at, &node) in path.iter().enumerate() {
            let (before, from_here) = typed.split_at(at);
            if let Some((&letter, after)) = from_here.split_first() {
                // Deleted here.
                if walk(fst, node, after).is_some() {
                    present.push([before, after].concat());
                }
                // Swapped with the next letter.
                if let Some((&next, rest)) = after.split_first() {
                    let swapped = [&[next, letter][..], rest].concat();
                    if next != letter && walk(fst, node, &swapped).is_some() {
                        present.push([before, &swapped].concat());
                    }
                }
            }
            for transition in node.transitions() {
                let added = transition.inp;
                if !added.is_ascii_lowercase() {
                    continue;
                }
                let child = fst.node(transition.addr);
                // Replaced here.
                if let Some((&letter, after)) = from_here.split_first() {
                    if added != letter && walk(fst, child, after).is_some() {
                        present.push([before, &[added], after].concat());
                    }
                }
                // Inserted here.
                if walk(fst, child, from_here).is_some() {
                    present.push([before, &[added], from_here].concat());
                }
            }
        }
        present.sort_unstable();
        present.dedup();
        present
            .into_iter()
            .filter(|variant| variant.as_slice() != typed)
            .filter_map(|variant| String::from_utf8(variant).ok())
            .collect()
    }

    /// The ids stored at `offset` of the postings.
    fn posting(&self, offset: usize) -> &[u32] {
        let count = self.postings.get(offset).copied().unwrap_or(0) as usize;
        self.postings
            .get(offset + 1..offset + 1 + count)
            .unwrap_or(&[])
    }

    /// Every id under `key` (up to about `cap` ids read), sorted best first.
    fn scan(&self, key: &[u8], cap: usize) -> Vec<u32> {
        let mut upper = key.to_vec();
        upper.push(0xFF);
        let mut stream = self.keys.range().ge(key).lt(&upper).into_stream();
        let mut ids = Vec::new();
        while let Some((_, offset)) = stream.next() {
            ids.extend(self.posting(offset as usize));
            if ids.len() >= cap {
                break;
            }
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Suggestions for what the user typed, at most `limit` (1..=20).
    ///
    /// ```
    /// use livesearch::build::{build, BuildOptions, NoProgress};
    /// use livesearch::suggest::{MatchKind, SuggestIndex};
    ///
    /// let catalog = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
    /// let root = tempfile::tempdir().unwrap();
    /// let summary = build(&BuildOptions::new(catalog, root.path()), &NoProgress).unwrap();
    /// let index = SuggestIndex::open(&summary.generation_dir).unwrap();
    /// // Hanzi, pinyin and initials reach the same candidate.
    /// for typed in ["连衣", "lianyi", "lyq"] {
    ///     let shown = index.suggest(typed, 10);
    ///     assert!(shown.iter().any(|s| s.text.starts_with("连衣裙")), "{typed}");
    /// }
    /// assert_eq!(index.suggest("连衣", 10)[0].match_kind, MatchKind::Prefix);
    /// ```
    pub fn suggest(&self, typed: &str, limit: usize) -> Vec<Suggestion> {
        let limit = limit.clamp(1, MAX_LIMIT);
        let typed = classify(typed);
        if typed == TypedPrefix::Empty {
            return self
                .hot
                .iter()
                .take(limit)
                .map(|&id| self.suggestion(id, MatchKind::Prefix, 1.0))
                .collect();
        }
        let mut shown = self.rank(self.matches(&typed, limit, Reach::Everything), limit);
        if shown.len() < limit {
            self.complete_tail(&typed, limit, &mut shown);
        }
        shown
    }

    /// The candidates that begin with the whole of what was typed: (candidate,
    /// how it matched, extra factor for alternate readings), unranked.
    fn matches(
        &self,
        typed: &TypedPrefix,
        limit: usize,
        reach: Reach,
    ) -> Vec<(u32, MatchKind, f32)> {
        let mut found: Vec<(u32, MatchKind, f32)> = Vec::new();
        match typed {
            TypedPrefix::Empty => {}
            TypedPrefix::Hanzi(hanzi) => {
                found.extend(
                    self.top_ids(TEXT, hanzi, limit)
                        .into_iter()
                        .map(|id| (id, MatchKind::Prefix, 1.0)),
                );
            }
            TypedPrefix::Latin(latin) => self.latin_matches(latin, limit, reach, &mut found),
            TypedPrefix::Mixed { hanzi, latin } => {
                // 连衣q: the typed hanzi spell the start of the key as the
                // candidate's own characters do, so one key range answers it.
                if let Some((hanzi_full, hanzi_initials)) = mixed_keys(hanzi) {
                    for (kind, start) in
                        [(MIXED_PINYIN, hanzi_full), (MIXED_INITIALS, hanzi_initials)]
                    {
                        let ids = self.mixed_ids(kind, &format!("{start}{latin}"), hanzi, limit);
                        found.extend(ids.into_iter().map(|id| (id, MatchKind::Mixed, 1.0)));
                    }
                }
            }
        }
        found
    }

    /// Matches of Latin letters: the text itself, full pinyin, initials and
    /// the other readings of polyphones; then, while the list is short,
    /// fuzzy pinyin; then, when nothing matched, pinyin with one typo.
    fn latin_matches(
        &self,
        latin: &str,
        limit: usize,
        reach: Reach,
        found: &mut Vec<(u32, MatchKind, f32)>,
    ) {
        found.extend(
            self.top_ids(TEXT, latin, limit)
                .into_iter()
                .map(|id| (id, MatchKind::Prefix, 1.0)),
        );
        let pinyin = compact_pinyin(latin);
        if pinyin.is_empty() {
            return;
        }
        let searches = [
            (PINYIN, MatchKind::Pinyin, 1.0),
            (INITIALS, MatchKind::Initials, 1.0),
            (
                ALTERNATE_PINYIN,
                MatchKind::Pinyin,
                ALTERNATE_READING_FACTOR,
            ),
            (
                ALTERNATE_INITIALS,
                MatchKind::Initials,
                ALTERNATE_READING_FACTOR,
            ),
        ];
        let searches = match reach {
            Reach::Exact => &searches[..2],
            Reach::Everything => &searches[..],
        };
        for &(kind, match_kind, factor) in searches {
            found.extend(
                self.top_ids(kind, &pinyin, limit)
                    .into_iter()
                    .map(|id| (id, match_kind, factor)),
            );
        }
        // lyq: a Latin token spelling exactly the typed letters does not
        // push aside the hanzi candidates those letters are the initials of.
        let initials_matched = found
            .iter()
            .any(|(_, kind, _)| *kind == MatchKind::Initials);
        if initials_matched && pinyin.len() <= MAX_INITIALS_LETTERS {
            for (id, kind, factor) in found.iter_mut() {
                let text = &self.candidates[*id as usize].text;
                let spells_typed = *kind == MatchKind::Prefix
                    && !text.chars().any(crate::text::is_han)
                    && compact_pinyin(text) == pinyin;
                if spells_typed {
                    *factor = LATIN_EQUALS_INITIALS_FACTOR;
                }
            }
        }
        if reach == Reach::Exact || !pinyin.bytes().all(|byte| byte.is_ascii_lowercase()) {
            return;
        }
        let distinct = |found: &[(u32, MatchKind, f32)]| {
            let mut ids: Vec<u32> = found.iter().map(|(id, _, _)| *id).collect();
            ids.sort_unstable();
            ids.dedup();
            ids.len()
        };
        if self.fuzzy.any_sound() && distinct(found) < limit {
            let folded = self.fuzzy.fold(&pinyin);
            found.extend(
                self.top_ids(FUZZY_PINYIN, &folded, limit)
                    .into_iter()
                    .map(|id| (id, MatchKind::Fuzzy, 1.0)),
            );
            if folded != pinyin {
                found.extend(
                    self.top_ids(PINYIN, &folded, limit)
                        .into_iter()
                        .map(|id| (id, MatchKind::Fuzzy, 1.0)),
                );
            }
        }
        // A typo is looked for only when nothing at all matched (as input
        // methods correct): about 50 variants a letter, each an fst seek.
        let typo_length = (MIN_TYPO_LETTERS..=MAX_TYPO_LETTERS).contains(&pinyin.len());
        if self.fuzzy.one_typo && typo_length && found.is_empty() {
            for variant in self.one_typo_keys_present(PINYIN, &pinyin) {
                found.extend(
                    self.top_ids(PINYIN, &variant, limit)
                        .into_iter()
                        .map(|id| (id, MatchKind::Typo, 1.0)),
                );
            }
        }
    }

    /// Related searches for `query`, at most `limit` (1..=10), the most
    /// popular first: logged queries sharing its product word, and the top
    /// queries of the product words logged with it. Never `query` itself.
    pub fn related(&self, query: &str, limit: usize) -> Vec<Suggestion> {
        let limit = limit.clamp(1, MAX_RELATED);
        let text = crate::text::normalize(query);
        let text = super::mine::hygiene::canonical_model_spacing(&text, false);
        let words = words_inside(&text, |word| self.related_by_word.get(word).copied());
        let mut ids: Vec<u32> = Vec::new();
        for &word in &words {
            let Some(related) = self.related.get(word as usize) else {
                continue;
            };
            ids.extend(&related.queries);
            for &neighbour in &related.neighbours {
                if let Some(near) = self.related.get(neighbour as usize) {
                    ids.extend(near.queries.iter().take(2));
                }
            }
        }
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .filter(|&id| self.candidates[id as usize].text != *text)
            .take(limit)
            .map(|id| self.suggestion(id, MatchKind::Related, 1.0))
            .collect()
    }

    /// Ids under a mixed key whose text starts with the typed hanzi. The
    /// cached top ids serve when enough of them match; else the range is
    /// scanned (bounded).
    fn mixed_ids(&self, kind: u8, prefix: &str, hanzi: &str, limit: usize) -> Vec<u32> {
        let starts_with_hanzi = |id: &u32| self.candidates[*id as usize].text.starts_with(hanzi);
        let mut key = vec![kind];
        key.extend_from_slice(prefix.as_bytes());
        if let Some(top) = self.cached.get(&key) {
            let matching: Vec<u32> = top
                .iter()
                .copied()
                .filter(starts_with_hanzi)
                .take(limit)
                .collect();
            if matching.len() >= limit || matching.len() == top.len() {
                return matching;
            }
        }
        self.scan(&key, MIXED_SCAN_CAP)
            .into_iter()
            .filter(starts_with_hanzi)
            .take(limit)
            .collect()
    }

    fn suggestion(&self, id: u32, match_kind: MatchKind, reading_factor: f32) -> Suggestion {
        let candidate = &self.candidates[id as usize];
        Suggestion {
            text: candidate.text.clone(),
            score: candidate.score * match_kind.factor() * reading_factor,
            match_kind,
            id,
        }
    }

    /// Keeps each candidate once (its best match: the lowest tier, then the
    /// highest factor); exact matches first, then fuzzy, then typos, each
    /// tier best score first, ties by id.
    fn rank(&self, found: Vec<(u32, MatchKind, f32)>, limit: usize) -> Vec<Suggestion> {
        let mut best: HashMap<u32, (MatchKind, f32)> = HashMap::with_capacity(found.len());
        for (id, kind, reading_factor) in found {
            best.entry(id)
                .and_modify(|current| {
                    let better = (kind.tier(), -(kind.factor() * reading_factor))
                        < (current.0.tier(), -(current.0.factor() * current.1));
                    if better {
                        *current = (kind, reading_factor);
                    }
                })
                .or_insert((kind, reading_factor));
        }
        let mut suggestions: Vec<Suggestion> = best
            .into_iter()
            .map(|(id, (kind, reading_factor))| self.suggestion(id, kind, reading_factor))
            .collect();
        suggestions.sort_by(|left, right| {
            left.match_kind
                .tier()
                .cmp(&right.match_kind.tier())
                .then(right.score.total_cmp(&left.score))
                .then(left.id.cmp(&right.id))
        });
        suggestions.truncate(limit);
        suggestions
    }

    /// Where `term` stands for every prefix a user could type on the way to it.
    /// A term given in pinyin or initials (lianyiqun, lyq) that is not itself
    /// a candidate stands for the candidate it spells.
    pub fn probe(&self, term: &str) -> Probe {
        let typed_term = crate::text::normalize(term);
        let (normalized, spelled_as) = match self.find(&typed_term) {
            Some(_) => (typed_term, None),
            None => match self.candidate_spelled_by(&typed_term) {
                Some(text) => (text, Some(typed_term)),
                None => (typed_term, None),
            },
        };
        let found = self.find(&normalized);
        let mut typed: Vec<(String, &'static str)> = Vec::new();
        let mut end = 0;
        for c in normalized.chars() {
            end += c.len_utf8();
            let prefix = &normalized[..end];
            typed.push((prefix.to_string(), literal_kind(prefix)));
        }
        if normalized.chars().any(crate::text::is_han) {
            typed.extend(
                syllable_prefixes(&normalized)
                    .into_iter()
                    .map(|prefix| (prefix, "pinyin")),
            );
            typed.extend(
                initials_prefixes(&normalized)
                    .into_iter()
                    .map(|prefix| (prefix, "initials")),
            );
        }
        let mut seen = std::collections::HashSet::new();
        let prefixes = typed
            .into_iter()
            .filter(|(prefix, _)| seen.insert(prefix.clone()))
            .map(|(prefix, typed_as)| {
                let shown = self.suggest(&prefix, DROP_DOWN_LEN);
                // By text: a completion carries the id of the candidate
                // that completed it, not of the text shown.
                let rank = found.and_then(|(_, candidate)| {
                    shown
                        .iter()
                        .position(|s| s.text == candidate.text)
                        .map(|index| index + 1)
                });
                // A list holding a completion is not full of candidates:
                // any candidate matching the prefix would enter it.
                let full_of_candidates = shown.len() == DROP_DOWN_LEN
                    && shown.iter().all(|s| s.match_kind != MatchKind::Completion);
                let needed_score = match (rank, found) {
                    (None, Some(_)) if full_of_candidates => {
                        let kind = self.match_kind_for(&prefix, &normalized);
                        shown.last().map(|last| last.score / kind.factor())
                    }
                    _ => None,
                };
                ProbePrefix {
                    prefix,
                    typed_as,
                    rank,
                    needed_score,
                    shown,
                }
            })
            .collect();
        let hot_rank = found.and_then(|(id, _)| {
            self.hot
                .iter()
                .take(DROP_DOWN_LEN)
                .position(|&hot| hot == id)
                .map(|index| index + 1)
        });
        Probe {
            related: self.related(&normalized, MAX_RELATED),
            term: normalized,
            spelled_as,
            candidate: found.map(|(_, candidate)| candidate.clone()),
            hot_rank,
            prefixes,
        }
    }

    /// The most popular candidate whose whole full pinyin or whole initials
    /// (of any reading) is `latin`; a mere prefix of one does not count.
    fn candidate_spelled_by(&self, latin: &str) -> Option<String> {
        if latin.is_empty()
            || !latin
                .chars()
                .all(|c| c.is_ascii_alphabetic() || c == ' ' || c == '\'')
        {
            return None;
        }
        let spelled = compact_pinyin(latin);
        self.suggest(latin, 20)
            .into_iter()
            .filter(|suggestion| {
                matches!(
                    suggestion.match_kind,
                    MatchKind::Pinyin | MatchKind::Initials
                )
            })
            .find(|suggestion| {
                let (full, initials) = pinyin_keys(&suggestion.text);
                full.iter().chain(&initials).any(|key| *key == spelled)
            })
            .map(|suggestion| suggestion.text)
    }

    /// The match kind `text` would get for `prefix`.
    fn match_kind_for(&self, prefix: &str, text: &str) -> MatchKind {
        match classify(prefix) {
            TypedPrefix::Latin(latin) if !text.starts_with(&latin) => {
                let pinyin = compact_pinyin(&latin);
                let (full, _) = pinyin_keys(text);
                if full.iter().any(|key| key.starts_with(&pinyin)) {
                    MatchKind::Pinyin
                } else {
                    MatchKind::Initials
                }
            }
            TypedPrefix::Mixed { .. } => MatchKind::Mixed,
            _ => MatchKind::Prefix,
        }
    }
}

/// How a prefix of the term as written was typed: its own characters.
fn literal_kind(prefix: &str) -> &'static str {
    let han = prefix.chars().filter(|&c| crate::text::is_han(c)).count();
    match han {
        0 => "latin",
        all if all == prefix.chars().count() => "hanzi",
        _ => "mixed",
    }
}

/// The probe of one term.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Probe {
    /// The candidate studied: what was asked, normalised, or the candidate
    /// its pinyin or initials spell.
    pub term: String,
    /// The pinyin or initials asked for when `term` is the candidate they spell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spelled_as: Option<String>,
    /// The candidate with its score and components (decayed searches and
    /// rising boost among them); None when it is not one.
    pub candidate: Option<Candidate>,
    /// 1-based rank on the hot list (热搜) the empty box shows, or None.
    pub hot_rank: Option<usize>,
    /// The related searches of the term, as `/v1/related` lists them.
    pub related: Vec<Suggestion>,
    /// Every prefix a user could type on the way to it.
    pub prefixes: Vec<ProbePrefix>,
}

#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
/// The term as seen after one typed prefix.
pub struct ProbePrefix {
    /// The prefix as typed.
    pub prefix: String,
    /// `hanzi` (Han characters only), `latin` (letters and digits as
    /// written, like a brand), `mixed` (both, as written), `pinyin` or
    /// `initials` (a Han term's readings).
    pub typed_as: &'static str,
    /// 1-based rank in the top 10, or None.
    pub rank: Option<usize>,
    /// The popularity the term would need to enter the top 10 here.
    pub needed_score: Option<f32>,
    /// The drop-down for the prefix.
    pub shown: Vec<Suggestion>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suggest::keys::one_typo_variants;
    use crate::suggest::mine::Components;

    fn index_of(entries: &[(&str, f32)]) -> (tempfile::TempDir, SuggestIndex) {
        let dir = tempfile::tempdir().unwrap();
        let candidates = entries
            .iter()
            .map(|(text, score)| Candidate {
                text: text.to_string(),
                score: *score,
                components: Components::default(),
            })
            .collect();
        write_suggest_index(dir.path(), candidates).unwrap();
        let index = SuggestIndex::open(dir.path()).unwrap();
        (dir, index)
    }

    #[test]
    fn at_equal_popularity_a_text_prefix_beats_a_pinyin_reading() {
        let (_dir, index) = index_of(&[("李宁", 0.5), ("lining", 0.5)]);
        let shown: Vec<(String, MatchKind)> = index
            .suggest("lin", 10)
            .into_iter()
            .map(|s| (s.text, s.match_kind))
            .collect();
        assert_eq!(
            shown,
            [
                ("lining".to_string(), MatchKind::Prefix),
                ("李宁".to_string(), MatchKind::Pinyin)
            ]
        );
        // Much more popular, the pinyin match may still lead: the factor only breaks comparable cases.
        let (_dir, index) = index_of(&[("李宁", 0.9), ("lining", 0.2)]);
        assert_eq!(index.suggest("lin", 10)[0].text, "李宁");
    }

    /// The top 10 for `typed`: texts and how they matched.
    pub(super) fn shown(index: &SuggestIndex, typed: &str) -> Vec<(String, MatchKind)> {
        index
            .suggest(typed, 10)
            .into_iter()
            .map(|s| (s.text, s.match_kind))
            .collect()
    }

    #[test]
    fn each_fuzzy_confusion_finds_the_word_below_exact_readings() {
        // (typed with a confusion, the far more popular word it confuses,
        // a rare word the typed letters read exactly)
        for (typed, fuzzy_target, exact) in
            [("zangqun", "长裙", "脏裙"), ("canpin", "产品", "残品")]
        {
            let (_dir, index) = index_of(&[(fuzzy_target, 0.9), (exact, 0.1)]);
            let shown = shown(&index, typed);
            assert_eq!(shown[0], (exact.to_string(), MatchKind::Pinyin), "{typed}");
            assert_eq!(
                shown[1],
                (fuzzy_target.to_string(), MatchKind::Fuzzy),
                "{typed}: the far more popular fuzzy reading still comes after"
            );
        }
        let confusions = [
            ("连衣裙", "nianyiqun", "n for l"),
            ("上衣", "sangyi", "s for sh"),
            ("风衣", "fenyi", "en for eng"),
            ("星星", "xinxin", "in for ing"),
            ("长裙", "chanqun", "an for ang"),
        ];
        for (word, typed, confusion) in confusions {
            let (_dir, index) = index_of(&[(word, 0.9)]);
            assert_eq!(
                shown(&index, typed).first(),
                Some(&(word.to_string(), MatchKind::Fuzzy)),
                "{confusion}"
            );
        }
        // Polyphones stay exact: 长 read zhang is a reading, not a confusion.
        let (_dir, index) = index_of(&[("长裙", 0.9)]);
        assert_eq!(shown(&index, "zhangqun")[0].1, MatchKind::Pinyin);
    }

    #[test]
    fn switched_off_confusions_find_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let candidates = vec![Candidate {
            text: "长裙".to_string(),
            score: 0.9,
            components: Components::default(),
        }];
        let rules = FuzzyRules {
            an_ang: false,
            one_typo: false,
            ..FuzzyRules::default()
        };
        let extras = SuggestExtras {
            fuzzy: rules,
            ..SuggestExtras::default()
        };
        write_suggest_index_with(dir.path(), candidates, extras).unwrap();
        let index = SuggestIndex::open(dir.path()).unwrap();
        assert!(index.suggest("chanqun", 10).is_empty(), "an/ang is off");
        assert_eq!(
            index.suggest("cangqun", 10)[0].match_kind,
            MatchKind::Fuzzy,
            "c/ch is on"
        );
    }

    #[test]
    fn the_typo_walk_finds_exactly_the_variants_a_lookup_each_would() {
        let (_dir, index) = index_of(&[
            ("连衣裙", 0.9),
            ("蓝衣", 0.1),
            ("连衣裙夏", 0.5),
            ("牵引绳", 0.4),
            ("iphone 15", 0.3),
            ("强力胶", 0.2),
        ]);
        let mut typed_texts: Vec<String> = [
            "lainyi",
            "lianyiq",
            "lianyqun",
            "liangyiqun",
            "qianyinshen",
            "iphoen",
            "qinaglijiao",
            "aaaa",
            "zzzzzz",
            "l",
            "",
        ]
        .iter()
        .map(|text| text.to_string())
        .collect();
        // Every one-letter change of a real reading, and some of those again.
        for reading in ["lianyiqun", "qiangli"] {
            for variant in one_typo_variants(reading) {
                if variant.len() % 7 == 0 {
                    typed_texts.extend(one_typo_variants(&variant).into_iter().step_by(97));
                }
                typed_texts.push(variant);
            }
        }
        for typed in typed_texts {
            let mut key = vec![PINYIN];
            let looked_up: Vec<String> = one_typo_variants(&typed)
                .into_iter()
                .filter(|variant| {
                    key.truncate(1);
                    key.extend_from_slice(variant.as_bytes());
                    index.has_key_under(&key)
                })
                .collect();
            assert_eq!(
                index.one_typo_keys_present(PINYIN, &typed),
                looked_up,
                "{typed}"
            );
        }
    }

    #[test]
    fn one_typo_is_forgiven_when_nothing_matches_from_four_letters() {
        let (_dir, index) = index_of(&[("连衣裙", 0.9), ("蓝衣", 0.1)]);
        // lainyi: swapped letters; lanyi is an exact reading of 蓝衣.
        assert_eq!(
            shown(&index, "lainyi")[0],
            ("连衣裙".to_string(), MatchKind::Typo)
        );
        for typo in [
            "lianyiq",
            "lianyqun",
            "liangyiqun",
            "lianyiqin",
            "lainyiqun",
        ] {
            let first = shown(&index, typo);
            assert!(
                first.contains(&("连衣裙".to_string(), MatchKind::Typo))
                    || first.contains(&("连衣裙".to_string(), MatchKind::Pinyin))
                    || first.contains(&("连衣裙".to_string(), MatchKind::Fuzzy)),
                "{typo}: {first:?}"
            );
        }
        // An exact reading shown: no typo is looked for (lanyi is not taken
        // for lianyi), so typos can never push an exact reading aside.
        assert_eq!(
            shown(&index, "lanyi"),
            [("蓝衣".to_string(), MatchKind::Pinyin)]
        );
        // Three letters: no typo is looked for.
        assert!(shown(&index, "lia")
            .iter()
            .all(|(_, kind)| *kind != MatchKind::Typo));
    }

    #[test]
    fn a_latin_token_equal_to_the_initials_does_not_lead_unless_much_more_popular() {
        let (_dir, index) = index_of(&[("lyq", 0.5), ("连衣裙", 0.4)]);
        assert_eq!(shown(&index, "lyq")[0].0, "连衣裙");
        let (_dir, index) = index_of(&[("lyq", 0.9), ("连衣裙", 0.1)]);
        assert_eq!(shown(&index, "lyq")[0].0, "lyq", "much more popular");
    }

    #[test]
    fn the_hot_list_ranks_logged_queries_by_trending() {
        let dir = tempfile::tempdir().unwrap();
        let candidate =
            |text: &str, score: f32, recent: f32, rising: f32, queried: bool| Candidate {
                text: text.to_string(),
                score,
                components: Components {
                    queried,
                    recent_search: recent,
                    rising,
                    ..Components::default()
                },
            };
        let candidates = vec![
            candidate("中国", 0.9, 0.0, 1.0, false),
            candidate("老爆款", 0.8, 100.0, 1.0, true),
            candidate("新爆款", 0.7, 60.0, 3.0, true),
        ];
        write_suggest_index(dir.path(), candidates).unwrap();
        let index = SuggestIndex::open(dir.path()).unwrap();
        let hot: Vec<String> = index.suggest("", 3).into_iter().map(|s| s.text).collect();
        assert_eq!(hot, ["新爆款", "老爆款", "中国"]);
    }

    #[test]
    fn short_prefixes_use_the_cache_and_agree_with_a_scan() {
        let texts: Vec<String> = (0..300).map(|index| format!("连衣裙{index:03}")).collect();
        let entries: Vec<(&str, f32)> = texts
            .iter()
            .enumerate()
            .map(|(index, text)| (text.as_str(), 1.0 - index as f32 / 1000.0))
            .collect();
        let (_dir, index) = index_of(&entries);
        assert!(
            index.cached.contains_key("T连".as_bytes()),
            "a busy prefix is cached"
        );
        let cached: Vec<u32> = index.suggest("连", 20).iter().map(|s| s.id).collect();
        let scanned: Vec<u32> = index
            .scan("T连".as_bytes(), usize::MAX)
            .into_iter()
            .take(20)
            .collect();
        assert_eq!(cached, scanned);
        assert_eq!(cached, (0..20).collect::<Vec<u32>>());
    }

    #[test]
    fn any_changed_byte_of_the_table_is_refused_or_served_in_range() {
        // With next words and a blocklist, read by completions.
        let analyzer = Analyzer::new(&crate::dictionaries::Dictionaries::embedded());
        let candidates: Vec<Candidate> = ["连衣裙", "李宁", "lining", "卫衣", "红色 连衣裙"]
            .iter()
            .zip([0.9, 0.5, 0.4, 0.3, 0.2])
            .map(|(text, score)| Candidate {
                text: text.to_string(),
                score,
                components: Components {
                    documents: 1,
                    ..Components::default()
                },
            })
            .collect();
        let extras = SuggestExtras {
            next_words: crate::suggest::next_words::next_words(&candidates, &analyzer),
            blocklist: vec!["高仿".to_string()],
            ..SuggestExtras::default()
        };
        let dir = tempfile::tempdir().unwrap();
        write_suggest_index_with(dir.path(), candidates, extras).unwrap();
        let suggest_dir = dir.path().join(SUGGEST_DIR);
        let keys = std::fs::read(suggest_dir.join(KEYS_FILE)).unwrap();
        let table = std::fs::read(suggest_dir.join(TABLE_FILE)).unwrap();
        let mut refused = 0;
        for offset in 0..table.len() {
            for mask in [0x01u8, 0x80, 0xff] {
                let mut changed = table.clone();
                changed[offset] ^= mask;
                match SuggestIndex::from_bytes(keys.clone(), &changed) {
                    Err(error) => {
                        refused += 1;
                        // A changed postings count can leave keys pointing mid-run.
                        assert!(error.file.starts_with("suggest/"), "{error}");
                    }
                    // Accepted bytes must still answer every lookup in range.
                    Ok(index) => {
                        let index = index.with_completions(&analyzer);
                        // The table's own texts: 连衣裙, 李宁, lining, 卫衣, 红色 连衣裙.
                        for typed in [
                            "",
                            "li",
                            "李",
                            "卫y",
                            "wy",
                            "红色连",
                            "红色lian",
                            "hongselianyi",
                        ] {
                            let _ = index.suggest(typed, 20);
                        }
                        let _ = index.probe("连衣裙");
                    }
                }
            }
        }
        assert!(
            refused > table.len(),
            "only {refused} of {} changes refused",
            table.len() * 3
        );
        // A length prefix claiming exabytes is refused, not allocated.
        let mut huge = table.clone();
        huge.truncate(1);
        huge.extend_from_slice(&[0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x6f]);
        let error = SuggestIndex::from_bytes(keys.clone(), &huge).err().unwrap();
        assert!(error.reason.contains("claims more memory"), "{error}");
    }

    #[test]
    fn out_of_range_ids_and_offsets_are_refused() {
        let (dir, _) = index_of(&[("连衣裙", 0.9), ("李宁", 0.5)]);
        let suggest_dir = dir.path().join(SUGGEST_DIR);
        let keys = std::fs::read(suggest_dir.join(KEYS_FILE)).unwrap();
        let bytes = std::fs::read(suggest_dir.join(TABLE_FILE)).unwrap();
        let config = bincode::config::standard();
        let decode = || {
            bincode::decode_from_slice::<Table, _>(&bytes, config)
                .unwrap()
                .0
        };
        let encode = |table: &Table| bincode::encode_to_vec(table, config).unwrap();

        // (case, the change to a sound table, the file blamed, what the refusal says)
        type Change = fn(&mut Table);
        let table_file = "suggest/candidates.bin";
        let cases: [(&str, Change, &str, &str); 8] = [
            (
                "a word with more next words than a table keeps",
                |table| {
                    table.next_words.push(NextWords {
                        word: "连衣裙".to_string(),
                        next: vec!["夏".to_string(); NEXT_WORDS_PER_WORD + 1],
                    })
                },
                table_file,
                "next words, more than",
            ),
            (
                "a next word longer than any candidate",
                |table| {
                    table.next_words.push(NextWords {
                        word: "连衣裙".to_string(),
                        next: vec!["夏".repeat(MAX_WORD_CHARS + 1)],
                    })
                },
                table_file,
                "next word longer than",
            ),
            (
                "a blocklist past the bound",
                |table| table.blocklist = vec![String::new(); MAX_BLOCKLIST_TERMS + 1],
                table_file,
                "blocklist terms, more than",
            ),
            (
                "a hot id past the candidates",
                |table| table.hot.push(7),
                table_file,
                "hot list holds candidate id 7",
            ),
            (
                "a posting past the candidates",
                |table| table.postings[1] = 99,
                table_file,
                "postings holds candidate id 99",
            ),
            (
                "a postings run past the end",
                |table| table.postings.truncate(table.postings.len() - 1),
                table_file,
                "past the end",
            ),
            (
                "a score that is no number",
                |table| table.candidates[0].score = f32::NAN,
                table_file,
                "not a finite",
            ),
            (
                "a key that points inside a postings run",
                |table| table.postings.insert(0, 0),
                "suggest/keys.fst",
                "not the start of a postings run",
            ),
        ];
        for (case, change, file, reason) in cases {
            let mut table = decode();
            change(&mut table);
            let error = SuggestIndex::from_bytes(keys.clone(), &encode(&table))
                .err()
                .unwrap_or_else(|| panic!("{case}: accepted"));
            assert_eq!(error.file, file, "{case}: {error}");
            assert!(error.reason.contains(reason), "{case}: {error}");
        }
    }
}
