//! Cursors for deep paging (`search_after`): the sort key of the last hit
//! of a page, with the generation and a fingerprint of the search it came
//! from, as opaque hex.
//!
//! The next page holds the hits strictly after that key in the same order.
//! Keys are unique (the id rank ends every key), so paging with cursors
//! returns every hit exactly once while the generation is served; a
//! cursor of another generation is refused, since its keys (scores, id
//! ranks) mean nothing in a new one.

use std::fmt;

use super::collector::{ProductMatch, SortKey};
use super::sort::FieldKey;

/// Format of the encoded cursor; bumped when the layout changes.
const CURSOR_VERSION: u8 = 1;
/// Longest cursor accepted, in characters (a generation name is short).
const MAX_CURSOR_CHARS: usize = 1_024;

/// The sort key of a hit, as a page ends on it; opaque outside the library.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CursorKey(pub(crate) PageKey);

/// A key of either kind of order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum PageKey {
    Relevance(SortKey),
    Field(FieldKey),
}

/// Why a cursor was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CursorError {
    /// Not a cursor this server returned.
    Malformed,
    /// Returned while another generation was served.
    OtherGeneration {
        /// The generation the cursor came from.
        cursor: String,
        /// The generation served now.
        served: String,
    },
    /// Returned for another query, type, filters or sort order.
    OtherSearch,
}

impl fmt::Display for CursorError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CursorError::Malformed => {
                formatter.write_str("is not a cursor this server returned (use next_cursor as is)")
            }
            CursorError::OtherGeneration { cursor, served } => write!(
                formatter,
                "was returned by index generation `{cursor}`, but `{served}` is served now; \
                 search again from the first page"
            ),
            CursorError::OtherSearch => formatter.write_str(
                "was returned for another query, type, filters or sort order than this request's",
            ),
        }
    }
}

impl std::error::Error for CursorError {}

/// Encodes the cursor after `key`, of a search with `fingerprint` on `generation`.
pub fn encode_cursor(generation: &str, fingerprint: u32, key: CursorKey) -> String {
    let generation = &generation.as_bytes()[..generation.len().min(u8::MAX as usize)];
    let mut bytes = vec![CURSOR_VERSION, generation.len() as u8];
    bytes.extend_from_slice(generation);
    bytes.extend_from_slice(&fingerprint.to_le_bytes());
    match key.0 {
        PageKey::Relevance(key) => {
            bytes.push(0);
            bytes.extend_from_slice(&key.words_matched.to_le_bytes());
            bytes.push(key.product_match as u8);
            bytes.extend_from_slice(&key.score.to_bits().to_le_bytes());
            bytes.extend_from_slice(&key.id_rank.to_le_bytes());
        }
        PageKey::Field(key) => {
            bytes.push(1);
            bytes.push(u8::from(key.present));
            bytes.extend_from_slice(&key.value.to_le_bytes());
            bytes.extend_from_slice(&key.id_rank.to_le_bytes());
        }
    }
    hex::encode(bytes)
}

/// Decodes `text`, checking that it was returned by `generation` for a
/// search with `fingerprint`.
pub fn decode_cursor(
    text: &str,
    generation: &str,
    fingerprint: u32,
) -> Result<CursorKey, CursorError> {
    if text.len() > MAX_CURSOR_CHARS {
        return Err(CursorError::Malformed);
    }
    let bytes = hex::decode(text).map_err(|_| CursorError::Malformed)?;
    let mut reader = Reader { bytes: &bytes };
    if reader.take(1)? != [CURSOR_VERSION] {
        return Err(CursorError::Malformed);
    }
    let generation_len = reader.take(1)?[0] as usize;
    let cursor_generation = String::from_utf8_lossy(reader.take(generation_len)?).into_owned();
    let cursor_fingerprint = u32::from_le_bytes(reader.array()?);
    let key = match reader.take(1)?[0] {
        0 => PageKey::Relevance(SortKey {
            words_matched: u32::from_le_bytes(reader.array()?),
            product_match: match reader.take(1)?[0] {
                0 => ProductMatch::Absent,
                1 => ProductMatch::Mention,
                2 => ProductMatch::Product,
                _ => return Err(CursorError::Malformed),
            },
            score: f32::from_bits(u32::from_le_bytes(reader.array()?)),
            id_rank: u64::from_le_bytes(reader.array()?),
        }),
        1 => PageKey::Field(FieldKey {
            present: match reader.take(1)?[0] {
                0 => false,
                1 => true,
                _ => return Err(CursorError::Malformed),
            },
            value: u64::from_le_bytes(reader.array()?),
            id_rank: u64::from_le_bytes(reader.array()?),
        }),
        _ => return Err(CursorError::Malformed),
    };
    if !reader.bytes.is_empty() {
        return Err(CursorError::Malformed);
    }
    let served = &generation.as_bytes()[..generation.len().min(u8::MAX as usize)];
    if cursor_generation.as_bytes() != served {
        return Err(CursorError::OtherGeneration {
            cursor: cursor_generation,
            served: generation.to_string(),
        });
    }
    if cursor_fingerprint != fingerprint {
        return Err(CursorError::OtherSearch);
    }
    Ok(CursorKey(key))
}

/// Reads a byte string front to back; running out is a malformed cursor.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, count: usize) -> Result<&'a [u8], CursorError> {
        if self.bytes.len() < count {
            return Err(CursorError::Malformed);
        }
        let (taken, rest) = self.bytes.split_at(count);
        self.bytes = rest;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], CursorError> {
        let mut array = [0u8; N];
        array.copy_from_slice(self.take(N)?);
        Ok(array)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relevance_key() -> CursorKey {
        CursorKey(PageKey::Relevance(SortKey {
            words_matched: 2,
            product_match: ProductMatch::Mention,
            score: 3.25,
            id_rank: 41,
        }))
    }

    #[test]
    fn a_cursor_decodes_to_its_key_on_its_generation_and_search_only() {
        let field_key = CursorKey(PageKey::Field(FieldKey {
            present: true,
            value: u64::MAX - 990,
            id_rank: 7,
        }));
        for key in [relevance_key(), field_key] {
            let text = encode_cursor("gen-a", 99, key);
            assert_eq!(decode_cursor(&text, "gen-a", 99), Ok(key));
            assert_eq!(
                decode_cursor(&text, "gen-b", 99),
                Err(CursorError::OtherGeneration {
                    cursor: "gen-a".into(),
                    served: "gen-b".into()
                })
            );
            assert_eq!(
                decode_cursor(&text, "gen-a", 98),
                Err(CursorError::OtherSearch)
            );
        }
    }

    #[test]
    fn damaged_cursors_are_malformed_not_a_panic() {
        let text = encode_cursor("gen-a", 1, relevance_key());
        for damaged in [
            "",
            "zz",
            &text[..text.len() - 2],
            &format!("{text}00"),
            &format!("02{}", &text[2..]),
        ] {
            assert_eq!(
                decode_cursor(damaged, "gen-a", 1),
                Err(CursorError::Malformed),
                "{damaged}"
            );
        }
        assert!(CursorError::Malformed.to_string().contains("cursor"));
    }
}
