//! The words of the catalog's titles and captions, segmented once: a build
//! keeps the words its indexing pass found so that mining reads them
//! instead of running jieba over every text again.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::analysis::Analyzer;
use crate::catalog::Catalog;

/// The words of one text in one allocation: the words back to back, then
/// where each one ends, as a little-endian u16 when the words fit in 64 KiB
/// (a title's always do), else u32 (a `Vec<String>` costs an allocation per
/// word). What the parallel analysis hands over to [`CatalogWords`], which
/// keeps the words as vocabulary ids.
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

/// Texts per block of a [`WordLists`].
const TEXTS_PER_BLOCK: usize = 4_096;

/// Every distinct word once, by id: a title's words are mostly words other
/// titles have, so a build keeps 4-byte ids instead of the words themselves.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    words: Vec<Box<str>>,
    ids: FxHashMap<Box<str>, u32>,
}

impl Vocabulary {
    /// The id of `word`, added if new.
    fn id(&mut self, word: &str) -> u32 {
        if let Some(&id) = self.ids.get(word) {
            return id;
        }
        // Fewer than u32::MAX distinct words: a catalog's text is far
        // smaller than 4 G words.
        let id = self.words.len() as u32;
        self.words.push(word.into());
        self.ids.insert(word.into(), id);
        id
    }

    /// The word of `id`.
    pub fn word(&self, id: u32) -> &str {
        &self.words[id as usize]
    }

    /// Number of distinct words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether no word was kept.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// The words of many texts in order, as vocabulary ids: blocks of
/// `TEXTS_PER_BLOCK` (4,096) texts, each block's ids and ends in one allocation
/// (an allocation per text would cost more than its ids).
#[derive(Debug, Clone, Default)]
pub struct WordLists {
    /// Sealed blocks: the ids of their texts back to back, then where each
    /// text's ids end within the block.
    blocks: Vec<Box<[u32]>>,
    /// The block being filled: its ids, and where each text's ids end.
    open_ids: Vec<u32>,
    open_ends: Vec<u32>,
    texts: usize,
}

impl WordLists {
    /// Number of texts.
    pub fn len(&self) -> usize {
        self.texts
    }

    /// Whether there is no text.
    pub fn is_empty(&self) -> bool {
        self.texts == 0
    }

    fn push(&mut self, ids: impl IntoIterator<Item = u32>) {
        self.open_ids.extend(ids);
        // A block's ids are far below 4 G: TEXTS_PER_BLOCK bounded texts.
        self.open_ends.push(self.open_ids.len() as u32);
        self.texts += 1;
        if self.open_ends.len() == TEXTS_PER_BLOCK {
            self.seal();
        }
    }

    /// Closes the open block into one exact allocation.
    fn seal(&mut self) {
        let mut block = std::mem::take(&mut self.open_ids);
        block.append(&mut self.open_ends);
        self.blocks.push(block.into_boxed_slice());
    }

    /// The ids of text `index`.
    pub fn get(&self, index: usize) -> &[u32] {
        let (block, offset) = (index / TEXTS_PER_BLOCK, index % TEXTS_PER_BLOCK);
        let (ids, ends) = match self.blocks.get(block) {
            Some(sealed) => sealed.split_at(sealed.len() - TEXTS_PER_BLOCK),
            None => (&self.open_ids[..], &self.open_ends[..]),
        };
        let start = offset
            .checked_sub(1)
            .map_or(0, |before| ends[before] as usize);
        &ids[start..ends[offset] as usize]
    }

    /// The ids of every text, in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u32]> + '_ {
        (0..self.texts).map(|index| self.get(index))
    }
}

/// The words of every product title and video caption of a catalog, in the
/// catalog's order, as ids into one vocabulary.
#[derive(Debug, Clone, Default)]
pub struct CatalogWords {
    vocabulary: Vocabulary,
    /// One per `catalog.products`, same order.
    pub products: WordLists,
    /// One per `catalog.videos`, same order.
    pub videos: WordLists,
}

impl CatalogWords {
    /// Segments every title and caption of `catalog` (in parallel) as
    /// [`Analyzer::words`] does; a build gets the same words from its
    /// indexing pass instead.
    pub fn analyze(catalog: &Catalog, analyzer: &Analyzer) -> Self {
        let segment = |texts: Vec<&str>| -> Vec<TextWords> {
            texts
                .par_iter()
                .map(|text| TextWords::new(&analyzer.words(text)))
                .collect()
        };
        let mut catalog_words = CatalogWords::default();
        let titles = catalog
            .products
            .iter()
            .map(|product| product.title.as_str());
        for title in &segment(titles.collect()) {
            catalog_words.push_product(title);
        }
        let captions = catalog.videos.iter().map(|video| video.caption.as_str());
        for caption in &segment(captions.collect()) {
            catalog_words.push_video(caption);
        }
        catalog_words
    }

    /// Adds the words of the next product's title.
    pub fn push_product(&mut self, words: &TextWords) {
        let vocabulary = &mut self.vocabulary;
        self.products
            .push(words.iter().map(|word| vocabulary.id(word)));
    }

    /// Adds the words of the next video's caption.
    pub fn push_video(&mut self, words: &TextWords) {
        let vocabulary = &mut self.vocabulary;
        self.videos
            .push(words.iter().map(|word| vocabulary.id(word)));
    }

    /// The vocabulary the ids are of.
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }

    /// The words of `ids` into `out` (cleared first), to reuse its allocation.
    pub fn fill<'a>(&'a self, ids: &[u32], out: &mut Vec<&'a str>) {
        out.clear();
        out.extend(ids.iter().map(|&id| self.vocabulary.word(id)));
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

    #[test]
    fn catalog_words_come_back_by_text_across_blocks() {
        let mut words = CatalogWords::default();
        let texts: Vec<TextWords> = (0..TEXTS_PER_BLOCK * 2 + 3)
            .map(|index| match index % 3 {
                0 => TextWords::new(&["连衣裙", "女"]),
                1 => TextWords::new::<&str>(&[]),
                _ => TextWords::new(&[format!("款{index}"), "女".to_string()]),
            })
            .collect();
        for text in &texts {
            words.push_product(text);
        }
        words.push_video(&TextWords::new(&["女", "包"]));
        assert_eq!(words.products.len(), texts.len());
        let mut out = Vec::new();
        for (index, text) in texts.iter().enumerate() {
            words.fill(words.products.get(index), &mut out);
            assert_eq!(out, text.iter().collect::<Vec<_>>(), "text {index}");
        }
        assert_eq!(words.products.iter().count(), texts.len());
        words.fill(words.videos.get(0), &mut out);
        assert_eq!(out, ["女", "包"]);
        // 连衣裙, 女, 包 and one 款 per third text.
        assert_eq!(words.vocabulary().len(), 3 + texts.len() / 3);
    }
}
