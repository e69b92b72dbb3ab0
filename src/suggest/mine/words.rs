//! The words of the catalog's titles and captions, segmented once: a build
//! keeps the words its indexing pass found so that mining reads them
//! instead of running jieba over every text again.

use rayon::prelude::*;

use crate::analysis::Analyzer;
use crate::catalog::Catalog;

/// The words of one text in one allocation: the words back to back and
/// where each one ends (a `Vec<String>` costs an allocation per word, and a
/// build keeps one of these per product and video).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextWords {
    joined: Box<str>,
    ends: Box<[u32]>,
}

impl TextWords {
    /// Keeps `words` (in order).
    pub fn new<S: AsRef<str>>(words: &[S]) -> Self {
        words.iter().collect()
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the text had no word.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The words, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(self.ends.iter().copied())
            .map(|(start, end)| &self.joined[start as usize..end as usize])
    }

    /// The words into `out` (cleared first), to reuse its allocation.
    pub fn fill<'a>(&'a self, out: &mut Vec<&'a str>) {
        out.clear();
        out.extend(self.iter());
    }
}

impl<S: AsRef<str>> FromIterator<S> for TextWords {
    fn from_iter<I: IntoIterator<Item = S>>(words: I) -> Self {
        let mut joined = String::new();
        let mut ends = Vec::new();
        for word in words {
            joined.push_str(word.as_ref());
            // A text's words cannot reach 4 GiB: catalog lines are bounded
            // far below that when they are read.
            ends.push(joined.len() as u32);
        }
        TextWords {
            joined: joined.into_boxed_str(),
            ends: ends.into_boxed_slice(),
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

    /// Whether these are the words of `catalog` by count (a mismatch is a
    /// caller's bug: the words were taken from another catalog).
    pub fn fits(&self, catalog: &Catalog) -> bool {
        self.products.len() == catalog.products.len() && self.videos.len() == catalog.videos.len()
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
    }
}
