//! The best `keep` documents of a segment by a key (larger ranks first), and
//! the merge of every segment's: what the relevance and field-order
//! collectors share.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use tantivy::{DocAddress, DocId, Score, SegmentOrdinal};

/// Documents ranked by a key, best first, and how many matched in all.
pub(crate) struct Ranked<K> {
    pub top: Vec<(K, DocAddress)>,
    pub total: usize,
}

impl<K> Ranked<K> {
    /// The ranked documents with what `entry` makes of each key (the page
    /// key of a cursor and the score shown).
    pub(crate) fn page<P>(self, entry: impl Fn(K) -> (P, Score)) -> Vec<(P, DocAddress, Score)> {
        self.top
            .into_iter()
            .map(|(key, address)| {
                let (page_key, score) = entry(key);
                (page_key, address, score)
            })
            .collect()
    }
}

impl<K: Ord> Ranked<K> {
    /// The best `keep` of every segment's best, and their summed totals.
    pub(crate) fn merge(fruits: Vec<Ranked<K>>, keep: usize) -> Ranked<K> {
        let total = fruits.iter().map(|fruit| fruit.total).sum();
        let mut top: Vec<(K, DocAddress)> =
            fruits.into_iter().flat_map(|fruit| fruit.top).collect();
        top.sort_by(|left, right| right.0.cmp(&left.0).then(left.1.cmp(&right.1)));
        top.truncate(keep);
        Ranked { top, total }
    }
}

/// A min-heap entry: the worst kept document on top. Of equal keys the
/// larger document id is worse, as in tantivy's own top-k.
type HeapEntry<K> = Reverse<(K, Reverse<DocId>)>;

/// One segment's best `keep` documents ranked after `after` (a cursor's key),
/// and how many documents matched.
pub(crate) struct SegmentTop<K> {
    segment: SegmentOrdinal,
    keep: usize,
    after: Option<K>,
    heap: BinaryHeap<HeapEntry<K>>,
    total: usize,
}

impl<K: Ord + Copy> SegmentTop<K> {
    pub(crate) fn new(segment: SegmentOrdinal, keep: usize, after: Option<K>) -> Self {
        SegmentTop {
            segment,
            keep: keep.max(1),
            after,
            // `keep` comes from the request: grow past a page only when used.
            heap: BinaryHeap::with_capacity(keep.clamp(1, 1_024)),
            total: 0,
        }
    }

    /// Counts one matching document, whether or not it is kept.
    pub(crate) fn count_match(&mut self) {
        self.total += 1;
    }

    /// The key a document must beat once `keep` are kept.
    pub(crate) fn worst(&self) -> Option<K> {
        if self.heap.len() < self.keep {
            return None;
        }
        self.heap.peek().map(|Reverse((key, _))| *key)
    }

    /// Keeps `doc` if it ranks after the cursor and among the best `keep`.
    pub(crate) fn offer(&mut self, key: K, doc: DocId) {
        if self.after.is_some_and(|after| key >= after) {
            return;
        }
        let entry = Reverse((key, Reverse(doc)));
        if self.heap.len() < self.keep {
            self.heap.push(entry);
        } else if let Some(mut worst) = self.heap.peek_mut() {
            if entry < *worst {
                *worst = entry;
            }
        }
    }

    pub(crate) fn harvest(self) -> Ranked<K> {
        let segment = self.segment;
        let top = self
            .heap
            .into_vec()
            .into_iter()
            .map(|Reverse((key, Reverse(doc)))| (key, DocAddress::new(segment, doc)))
            .collect();
        Ranked {
            top,
            total: self.total,
        }
    }
}
