//! Text normalisation shared by indexing, querying and suggestions.
//!
//! Shops and users write the same word many ways: `ＩＰＨＯＮＥ１５`, `iPhone15`,
//! `iphone 15`. Every path that compares text first folds it with [`normalize`],
//! so they meet. The fold maps one character to exactly one character, which
//! keeps byte offsets into the original text computable (see [`Normalized`]).

/// Folds one character: full-width ASCII and the ideographic space to their
/// half-width forms, then Latin letters to lowercase. Characters whose
/// lowercase form is several characters are kept as they are so that the
/// fold stays one-to-one.
#[inline]
pub fn fold_char(c: char) -> char {
    // Most of a Chinese title: CJK punctuation, kana and ideographs have no
    // case and no half-width form, so skip the Unicode case tables.
    if ('\u{3001}'..='\u{9FFF}').contains(&c) {
        return c;
    }
    let half_width = match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    if half_width.is_ascii() {
        return half_width.to_ascii_lowercase();
    }
    let mut lower = half_width.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(single), None) => single,
        _ => half_width,
    }
}

#[inline]
fn needs_fold(c: char) -> bool {
    fold_char(c) != c
}

/// Text folded by [`fold_char`], with the map back to the original's byte offsets.
#[derive(Debug, Clone)]
pub struct Normalized<'a> {
    folded: std::borrow::Cow<'a, str>,
    /// For each byte offset of `folded` that starts a character (and its end),
    /// the byte offset in `original`; empty when nothing was folded.
    original_offsets: Vec<u32>,
}

impl<'a> Normalized<'a> {
    /// Folds `original`.
    pub fn new(original: &'a str) -> Self {
        if !original.chars().any(needs_fold) {
            return Normalized {
                folded: std::borrow::Cow::Borrowed(original),
                original_offsets: Vec::new(),
            };
        }
        let mut folded = String::with_capacity(original.len());
        let mut original_offsets = Vec::with_capacity(original.len() + 1);
        for (original_offset, c) in original.char_indices() {
            let folded_char = fold_char(c);
            let offset = original_offset as u32;
            for _ in 0..folded_char.len_utf8() {
                original_offsets.push(offset);
            }
            folded.push(folded_char);
        }
        original_offsets.push(original.len() as u32);
        Normalized {
            folded: std::borrow::Cow::Owned(folded),
            original_offsets,
        }
    }

    /// The folded text.
    pub fn as_str(&self) -> &str {
        &self.folded
    }

    /// Maps a byte offset of the folded text that lies on a character boundary
    /// to the matching byte offset of the original text.
    pub fn original_offset(&self, folded_offset: usize) -> usize {
        if self.original_offsets.is_empty() {
            return folded_offset;
        }
        self.original_offsets[folded_offset] as usize
    }
}

/// Folds `text` and collapses runs of white space to one space, trimming
/// both ends: the canonical form of a query or a suggestion candidate.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars().map(fold_char) {
        if c.is_whitespace() || c.is_control() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// CJK unified ideographs (with extension A and compatibility ideographs).
#[inline]
pub fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// A character that can be part of a searchable token: a letter, a digit or a
/// CJK ideograph. Punctuation, symbols and white space separate tokens.
#[inline]
pub fn is_token_char(c: char) -> bool {
    // The cheap range test first: most characters of a title are Han.
    is_han(c) || c.is_alphanumeric()
}

/// Percent-encodes `text` for a URL query value: unreserved ASCII as is,
/// every other byte as `%XX` (one encoder for tests, benches and tools).
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// Writes a whole report to standard output at once; a closed pipe (`| head`)
/// is not an error, so both binaries' report commands can be piped.
pub fn write_report(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn percent_encoding_keeps_unreserved_ascii_and_encodes_bytes() {
        assert_eq!(super::percent_encode("a-b_c.d~1"), "a-b_c.d~1");
        assert_eq!(super::percent_encode("卫衣 &"), "%E5%8D%AB%E8%A1%A3%20%26");
    }

    use super::*;

    #[test]
    fn the_cjk_fast_path_folds_as_the_case_tables_do() {
        let by_tables = |c: char| {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(single), None) => single,
                _ => c,
            }
        };
        for code in 0x3001..=0x9FFF {
            let c = char::from_u32(code).unwrap();
            assert_eq!(fold_char(c), by_tables(c), "U+{code:04X}");
        }
    }

    #[test]
    fn full_width_and_case_fold_together() {
        assert_eq!(normalize("ＩＰＨＯＮＥ１５"), "iphone15");
        assert_eq!(normalize("iPhone 15"), "iphone 15");
        assert_eq!(normalize("  连衣裙\u{3000}\u{3000}夏季 "), "连衣裙 夏季");
        assert_eq!(normalize("Ａｂｃ！"), "abc!");
    }

    #[test]
    fn offsets_map_back_to_the_original() {
        let original = "买ＩＰＨＯＮＥ15";
        let normalized = Normalized::new(original);
        assert_eq!(normalized.as_str(), "买iphone15");
        let start = normalized.as_str().find("iphone").unwrap();
        let end = start + "iphone".len();
        let from = normalized.original_offset(start);
        let to = normalized.original_offset(end);
        assert_eq!(&original[from..to], "ＩＰＨＯＮＥ");
    }

    #[test]
    fn untouched_text_is_borrowed() {
        let normalized = Normalized::new("连衣裙 iphone");
        assert!(matches!(normalized.folded, std::borrow::Cow::Borrowed(_)));
        assert_eq!(normalized.original_offset(3), 3);
    }

    #[test]
    fn multi_char_lowercase_is_kept_one_to_one() {
        // U+0130 lowercases to two characters; the fold must not change length.
        assert_eq!(fold_char('\u{0130}'), '\u{0130}');
    }
}
