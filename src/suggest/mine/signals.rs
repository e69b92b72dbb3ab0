//! What mining reads of each product and video besides its words: sales,
//! followers, brand, category and hashtags. A build collects them record by
//! record while indexing, so that each record can be freed once indexed
//! (titles and ids are most of a catalog's memory, and mining needs neither);
//! mining from a whole catalog collects them the same way.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use crate::catalog::{Anchor, Catalog, Product, Video};

use super::hashtags;

/// No brand or category (an index into the names otherwise).
const NO_NAME: u32 = u32::MAX;

/// A product's part of mining (24 bytes: a build keeps one per product).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductSignals {
    /// Units sold.
    pub sales: u64,
    /// Followers of its most followed anchor (0 without one).
    pub followers: u64,
    brand: u32,
    category: u32,
}

/// A video's or live's part of mining.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoSignals {
    /// Followers of its anchor.
    pub followers: u64,
    /// The hashtags of its caption, normalised.
    pub hashtags: Vec<String>,
}

/// The signals of every product and video of a catalog, in the catalog's
/// order; brands and categories are kept once each.
#[derive(Debug, Clone, Default)]
pub struct DocumentSignals {
    /// One per `catalog.products`, same order.
    pub products: Vec<ProductSignals>,
    /// One per `catalog.videos`, same order.
    pub videos: Vec<VideoSignals>,
    names: Vec<Box<str>>,
    name_ids: FxHashMap<Box<str>, u32>,
}

impl DocumentSignals {
    /// Room for `products` products and `videos` videos.
    pub fn with_capacity(products: usize, videos: usize) -> Self {
        DocumentSignals {
            products: Vec::with_capacity(products),
            videos: Vec::with_capacity(videos),
            ..DocumentSignals::default()
        }
    }

    /// The signals of every product and video of `catalog`.
    pub fn of(catalog: &Catalog) -> Self {
        let anchors = catalog.anchor_by_id();
        let mut signals = Self::with_capacity(catalog.products.len(), catalog.videos.len());
        for product in &catalog.products {
            signals.push_product(product, &anchors);
        }
        for video in &catalog.videos {
            signals.push_video(video, &anchors);
        }
        signals
    }

    /// Adds the next product's signals.
    pub fn push_product(&mut self, product: &Product, anchors: &HashMap<&str, &Anchor>) {
        let followers = product
            .anchor_ids
            .iter()
            .filter_map(|id| anchors.get(id.as_str()))
            .map(|anchor| anchor.followers)
            .max()
            .unwrap_or(0);
        let brand = self.name_id(product.brand.as_deref());
        let category = self.name_id(product.category.as_deref());
        self.products.push(ProductSignals {
            sales: product.sales,
            followers,
            brand,
            category,
        });
    }

    /// Adds the next video's signals.
    pub fn push_video(&mut self, video: &Video, anchors: &HashMap<&str, &Anchor>) {
        let followers = anchors
            .get(video.anchor_id.as_str())
            .map_or(0, |anchor| anchor.followers);
        self.videos.push(VideoSignals {
            followers,
            hashtags: hashtags(&video.caption),
        });
    }

    /// The brand of `product`, as the catalog gives it.
    pub fn brand(&self, product: &ProductSignals) -> Option<&str> {
        self.name(product.brand)
    }

    /// The category of `product`, as the catalog gives it.
    pub fn category(&self, product: &ProductSignals) -> Option<&str> {
        self.name(product.category)
    }

    fn name(&self, id: u32) -> Option<&str> {
        // An id of other signals names nothing here rather than panicking.
        self.names.get(id as usize).map(|name| &**name)
    }

    fn name_id(&mut self, name: Option<&str>) -> u32 {
        let Some(name) = name else {
            return NO_NAME;
        };
        if let Some(&id) = self.name_ids.get(name) {
            return id;
        }
        // Fewer than u32::MAX distinct names: there are fewer products.
        let id = self.names.len() as u32;
        self.names.push(name.into());
        self.name_ids.insert(name.into(), id);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_kept_once_and_read_back() {
        let anchor = Anchor {
            anchor_id: "a1".to_string(),
            name: "小杨".to_string(),
            followers: 7,
        };
        let anchors: HashMap<&str, &Anchor> = [("a1", &anchor)].into_iter().collect();
        let product = |brand: Option<&str>, anchor_ids: &[&str]| Product {
            product_id: "p".to_string(),
            title: "t".to_string(),
            brand: brand.map(str::to_string),
            category: Some("手机".to_string()),
            price_cents: None,
            sales: 3,
            anchor_ids: anchor_ids.iter().map(|id| id.to_string()).collect(),
        };
        let mut signals = DocumentSignals::default();
        signals.push_product(&product(Some("华为"), &["a1"]), &anchors);
        signals.push_product(&product(None, &[]), &anchors);
        signals.push_product(&product(Some("华为"), &[]), &anchors);
        let [first, second, third] = signals.products[..] else {
            panic!("three products");
        };
        assert_eq!((first.sales, first.followers), (3, 7));
        assert_eq!(second.followers, 0);
        assert_eq!(signals.brand(&first), Some("华为"));
        assert_eq!(signals.brand(&second), None);
        assert_eq!(signals.category(&second), Some("手机"));
        assert_eq!(first.brand, third.brand);
        assert_eq!(signals.names.len(), 2);
    }
}
