//! A bounded cache of facet counts, one per loaded generation (so a new
//! generation starts empty and the old counts go with the old generation).
//!
//! Result pages repeat their head queries, and the facets of a search are
//! a function of the documents it matches alone: the key is the retrieval
//! query as built (words, variants, fields, type and filters, written out
//! by tantivy's `Debug`) and the facets asked for; page, offset, sort and
//! cursor do not change the counts. Eviction is CLOCK (a second chance for
//! entries read since the hand last passed), bounded both in entries and in
//! bytes (keys and value names counted).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::facets::Facets;

/// How much one cache may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FacetCacheLimits {
    /// Most entries; 0 turns the cache off.
    pub max_entries: usize,
    /// Most bytes of keys, values and bookkeeping.
    pub max_bytes: usize,
}

impl Default for FacetCacheLimits {
    fn default() -> Self {
        FacetCacheLimits {
            max_entries: 4_096,
            max_bytes: 16 << 20,
        }
    }
}

/// What a cache holds and how it was used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FacetCacheStats {
    /// Entries held.
    pub entries: usize,
    /// Bytes held, as counted against the limit.
    pub bytes: usize,
    /// Lookups answered.
    pub hits: u64,
    /// Lookups not answered.
    pub misses: u64,
}

struct Slot {
    key: Arc<str>,
    facets: Facets,
    bytes: usize,
    referenced: bool,
}

#[derive(Default)]
struct Clock {
    index: HashMap<Arc<str>, usize>,
    slots: Vec<Slot>,
    hand: usize,
    bytes: usize,
}

pub(crate) struct FacetCache {
    limits: FacetCacheLimits,
    clock: Mutex<Clock>,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// Bookkeeping per entry besides its strings: the slot, the index entry
/// and the vectors' headers, rounded up.
const ENTRY_OVERHEAD: usize = 256;

fn entry_bytes(key: &str, facets: &Facets) -> usize {
    let values = facets
        .category
        .iter()
        .chain(&facets.brand)
        .flatten()
        .map(|value| value.value.len() + std::mem::size_of_val(value))
        .sum::<usize>();
    let buckets = facets
        .price
        .as_ref()
        .map_or(0, |buckets| std::mem::size_of_val(buckets.as_slice()));
    ENTRY_OVERHEAD + key.len() + values + buckets
}

impl FacetCache {
    pub(crate) fn new(limits: FacetCacheLimits) -> Self {
        FacetCache {
            limits,
            clock: Mutex::new(Clock::default()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The facets cached under `key`.
    pub(crate) fn get(&self, key: &str) -> Option<Facets> {
        if self.limits.max_entries == 0 {
            return None;
        }
        let found = {
            // A panic while holding the lock cannot leave a half-made
            // entry (slots are pushed whole): keep using it.
            let mut clock = self
                .clock
                .lock()
                .unwrap_or_else(|poison| poison.into_inner());
            let slot = clock.index.get(key).copied();
            slot.map(|slot| {
                let slot = &mut clock.slots[slot];
                slot.referenced = true;
                slot.facets.clone()
            })
        };
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Keeps `facets` under `key`, evicting what the limits require; an
    /// entry larger than the whole byte limit is not kept.
    pub(crate) fn insert(&self, key: &str, facets: Facets) {
        let bytes = entry_bytes(key, &facets);
        if self.limits.max_entries == 0 || bytes > self.limits.max_bytes {
            return;
        }
        let mut clock = self
            .clock
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if clock.index.contains_key(key) {
            return;
        }
        while !clock.slots.is_empty()
            && (clock.slots.len() >= self.limits.max_entries
                || clock.bytes + bytes > self.limits.max_bytes)
        {
            clock.evict_one();
        }
        let key: Arc<str> = key.into();
        let slot = clock.slots.len();
        clock.index.insert(key.clone(), slot);
        clock.bytes += bytes;
        clock.slots.push(Slot {
            key,
            facets,
            bytes,
            referenced: false,
        });
    }

    pub(crate) fn stats(&self) -> FacetCacheStats {
        let clock = self
            .clock
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        FacetCacheStats {
            entries: clock.slots.len(),
            bytes: clock.bytes,
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }
}

impl Clock {
    /// Removes the first entry under the hand not read since the hand last
    /// passed it (clearing the marks it passes); `slots` must not be empty.
    fn evict_one(&mut self) {
        loop {
            if self.hand >= self.slots.len() {
                self.hand = 0;
            }
            let slot = &mut self.slots[self.hand];
            if slot.referenced {
                slot.referenced = false;
                self.hand += 1;
                continue;
            }
            let removed = self.slots.swap_remove(self.hand);
            self.index.remove(&removed.key);
            self.bytes -= removed.bytes;
            if let Some(moved) = self.slots.get(self.hand) {
                self.index.insert(moved.key.clone(), self.hand);
            }
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::facets::FacetValue;

    fn facets(brand: &str, count: u64) -> Facets {
        Facets {
            brand: Some(vec![FacetValue {
                value: brand.to_string(),
                count,
            }]),
            ..Facets::default()
        }
    }

    #[test]
    fn entries_stay_within_the_entry_limit_and_the_read_ones_survive() {
        let cache = FacetCache::new(FacetCacheLimits {
            max_entries: 3,
            max_bytes: usize::MAX,
        });
        for number in 0..3 {
            cache.insert(&format!("k{number}"), facets("森马", number));
        }
        // Read k0: the hand passes it over once and evicts k1 instead.
        assert_eq!(cache.get("k0"), Some(facets("森马", 0)));
        cache.insert("k3", facets("李宁", 3));
        let stats = cache.stats();
        assert_eq!(stats.entries, 3);
        assert_eq!(cache.get("k0"), Some(facets("森马", 0)));
        assert_eq!(cache.get("k1"), None);
        assert_eq!(cache.get("k3"), Some(facets("李宁", 3)));
        for number in 4..100 {
            cache.insert(&format!("k{number}"), facets("李宁", number));
            assert!(cache.stats().entries <= 3);
        }
        // Every key still indexed points at its own entry.
        assert_eq!(cache.get("k99"), Some(facets("李宁", 99)));
    }

    #[test]
    fn bytes_stay_within_the_byte_limit_and_an_entry_too_large_is_not_kept() {
        let one = entry_bytes("k00", &facets("森马", 1));
        let cache = FacetCache::new(FacetCacheLimits {
            max_entries: 1_000,
            max_bytes: one * 5 / 2,
        });
        for number in 0..50 {
            cache.insert(&format!("k{number:02}"), facets("森马", number));
            let stats = cache.stats();
            assert!(stats.bytes <= one * 5 / 2, "{stats:?}");
            assert!(stats.entries <= 2, "{stats:?}");
        }
        let huge = "品牌".repeat(one);
        cache.insert("huge", facets(&huge, 1));
        assert_eq!(cache.get("huge"), None);
        assert!(cache.stats().bytes <= one * 5 / 2);
    }

    #[test]
    fn a_cache_of_no_entries_keeps_nothing() {
        let cache = FacetCache::new(FacetCacheLimits {
            max_entries: 0,
            max_bytes: usize::MAX,
        });
        cache.insert("k", facets("森马", 1));
        assert_eq!(cache.get("k"), None);
        assert_eq!(cache.stats().entries, 0);
    }
}
