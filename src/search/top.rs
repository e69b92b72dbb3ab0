//! The top collector: the best `keep` documents of each segment by a key
//! (larger ranks first), and the merge of every segment's. The relevance and
//! field orders differ only in how they key a document.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// An order of documents: what it opens in each segment to key them.
pub(crate) trait TopOrder: Sync + Send {
    /// One segment's keys.
    type Segment: SegmentKeys;
    /// Whether the keys use the retrieval query's score.
    const SCORED: bool;

    /// Opens what the order reads in `segment` (its columns, its scorers).
    fn open(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Segment>;
}

/// The keys of the documents of one segment.
pub(crate) trait SegmentKeys: 'static {
    /// Larger ranks first.
    type Key: Ord + Copy + Send + Sync + 'static;

    /// The key of `doc`, or `None` when it cannot beat `worst`, the worst
    /// key kept once the segment's `keep` are kept.
    fn key(&mut self, doc: DocId, score: Score, worst: Option<&Self::Key>) -> Option<Self::Key>;
}

/// The key of an order's documents.
pub(crate) type OrderKey<O> = <<O as TopOrder>::Segment as SegmentKeys>::Key;

/// Keeps the `keep` best documents of an order ranked after `after` (a
/// cursor's key), and counts every match.
pub(crate) struct TopCollector<O: TopOrder> {
    pub order: O,
    pub keep: usize,
    pub after: Option<OrderKey<O>>,
}

pub(crate) struct TopSegmentCollector<S: SegmentKeys> {
    keys: S,
    top: SegmentTop<S::Key>,
}

impl<O: TopOrder> Collector for TopCollector<O> {
    type Fruit = Ranked<OrderKey<O>>;
    type Child = TopSegmentCollector<O::Segment>;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        Ok(TopSegmentCollector {
            keys: self.order.open(segment, reader)?,
            top: SegmentTop::new(segment, self.keep, self.after),
        })
    }

    fn requires_scoring(&self) -> bool {
        O::SCORED
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        Ok(Ranked::merge(fruits, self.keep))
    }
}

impl<S: SegmentKeys> SegmentCollector for TopSegmentCollector<S> {
    type Fruit = Ranked<S::Key>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.top.count_match();
        let worst = self.top.worst();
        if let Some(key) = self.keys.key(doc, score, worst.as_ref()) {
            self.top.offer(key, doc);
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.top.harvest()
    }
}

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
    fn merge(fruits: Vec<Ranked<K>>, keep: usize) -> Ranked<K> {
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
struct SegmentTop<K> {
    segment: SegmentOrdinal,
    keep: usize,
    after: Option<K>,
    heap: BinaryHeap<HeapEntry<K>>,
    total: usize,
}

impl<K: Ord + Copy> SegmentTop<K> {
    fn new(segment: SegmentOrdinal, keep: usize, after: Option<K>) -> Self {
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
    fn count_match(&mut self) {
        self.total += 1;
    }

    /// The key a document must beat once `keep` are kept.
    fn worst(&self) -> Option<K> {
        if self.heap.len() < self.keep {
            return None;
        }
        self.heap.peek().map(|Reverse((key, _))| *key)
    }

    /// Keeps `doc` if it ranks after the cursor and among the best `keep`.
    fn offer(&mut self, key: K, doc: DocId) {
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

    fn harvest(self) -> Ranked<K> {
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
