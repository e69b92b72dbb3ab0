//! The words of the catalog's titles and captions, segmented once: a build
//! keeps the words its indexing pass found so that mining reads them
//! instead of running jieba over every text again.

use rayon::prelude::*;

use crate::analysis::Analyzer;
use crate::catalog::Catalog;

/// The words of one text in one allocation: the words back to back, then
/// where each one ends, as a little-endian u16 when the words fit in 64 KiB
/// (a title's always do), else u32 (a `Vec<String>` costs an allocation per
/// word, and a build keeps one of these per product and video).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextWords {
    data: Box<[u8]>,
    words: u32,
}

impl TextWords {
    /// Keeps `words` (in order).
    pub fn new<S: AsRef<str>>(words: &[S]) -> Self {
        words.iter().collect()
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.words as usize
    }

    /// Whether the text had no word.
    pub fn is_empty(&self) -> bool {
        self.words == 0
    }

    /// Bytes per end: 2 when the words, read with 2-byte ends, fit in
    /// 64 KiB (with 4-byte ends they do not, by construction), else 4.
    fn end_width(&self) -> usize {
        let words = self.len();
        if self.data.len() - 2 * words <= usize::from(u16::MAX) {
            2
        } else {
            4
        }
    }

    /// The words, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        let width = self.end_width();
        let (joined, ends) = self.data.split_at(self.data.len() - width * self.len());
        // Built from whole strs: the words are UTF-8, split at their ends.
        let joined = std::str::from_utf8(joined).unwrap_or_default();
        let ends = ends.chunks_exact(width).map(|end| match *end {
            [low, high] => usize::from(u16::from_le_bytes([low, high])),
            [a, b, c, d] => u32::from_le_bytes([a, b, c, d]) as usize,
            _ => unreachable!("ends are 2 or 4 bytes"),
        });
        let starts = std::iter::once(0).chain(ends.clone());
        starts
            .zip(ends)
            .map(move |(start, end)| joined.get(start..end).unwrap_or_default())
    }

    /// The words into `out` (cleared first), to reuse its allocation.
    pub fn fill<'a>(&'a self, out: &mut Vec<&'a str>) {
        out.clear();
        out.extend(self.iter());
    }
}

impl<S: AsRef<str>> FromIterator<S> for TextWords {
    fn from_iter<I: IntoIterator<Item = S>>(words: I) -> Self {
        let mut data = Vec::new();
        let mut ends = Vec::new();
        for word in words {
            data.extend_from_slice(word.as_ref().as_bytes());
            // A text's words cannot reach 4 GiB: catalog lines are bounded
            // far below that when they are read.
            ends.push(data.len() as u32);
        }
        let narrow = data.len() <= usize::from(u16::MAX);
        data.reserve_exact(ends.len() * if narrow { 2 } else { 4 });
        for end in &ends {
            if narrow {
                data.extend_from_slice(&(*end as u16).to_le_bytes());
            } else {
                data.extend_from_slice(&end.to_le_bytes());
            }
        }
        TextWords {
            data: data.into_boxed_slice(),
            words: ends.len() as u32,
        }
    }
}

/// The words of every product title and video caption of a catalog, in the
/// catalog's order.
#[derive(Debug, Clone, Default)]
pub struct CatalogWords {
    /// One per `catalog.products`, same order.
    pub products: Vec<TextWords>,
    /// One per `catalog.videos`, same order.
    pub videos: Vec<TextWords>,
}

impl CatalogWords {
    /// Segments every title and caption of `catalog` (in parallel) as
    /// [`Analyzer::words`] does; a build gets the same words from its
    /// indexing pass instead.
    pub fn analyze(catalog: &Catalog, analyzer: &Analyzer) -> Self {
        let words = |text: &str| TextWords::new(&analyzer.words(text));
        CatalogWords {
            products: catalog
                .products
                .par_iter()
                .map(|product| words(&product.title))
                .collect(),
            videos: catalog
                .videos
                .par_iter()
                .map(|video| words(&video.caption))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_come_back_in_order_with_empty_texts_allowed() {
        let words = TextWords::new(&["连衣裙", "女", "iphone", "15"]);
        assert_eq!(words.len(), 4);
        assert_eq!(
            words.iter().collect::<Vec<_>>(),
            ["连衣裙", "女", "iphone", "15"]
        );
        let mut reused = vec!["stale"];
        words.fill(&mut reused);
        assert_eq!(reused, ["连衣裙", "女", "iphone", "15"]);

        let none = TextWords::new::<&str>(&[]);
        assert!(none.is_empty());
        assert_eq!(none.iter().count(), 0);

        // Words beyond 64 KiB keep 4-byte ends.
        let long = "连".repeat(30_000);
        let wide = TextWords::new(&[long.as_str(), "衣", long.as_str()]);
        assert_eq!(wide.len(), 3);
        assert_eq!(
            wide.iter().collect::<Vec<_>>(),
            [long.as_str(), "衣", long.as_str()]
        );
        let edge = "a".repeat(usize::from(u16::MAX));
        let narrow = TextWords::new(&[edge.as_str()]);
        assert_eq!(narrow.iter().collect::<Vec<_>>(), [edge.as_str()]);
    }
}
