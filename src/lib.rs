//! Library core of the live-commerce search and suggestion engine.
//!
//! Both binaries, `indexer` and `query-server`, are thin layers over this
//! crate: the catalog format and its validation ([`catalog`]), Chinese
//! analysis ([`analysis`]), the index schema ([`schema`]), generations on disk
//! ([`generation`]) and the batch build ([`build`]).
//!
//! A generation is built from a catalog folder, opened with its checks, then
//! searched and asked for suggestions:
//!
//! ```
//! use livesearch::analysis::Analyzer;
//! use livesearch::build::{build, BuildOptions, NoProgress};
//! use livesearch::dictionaries::Dictionaries;
//! use livesearch::generation::IndexRoot;
//! use livesearch::search::{RankingConfig, SearchRequest};
//! use livesearch::serving::LoadedGeneration;
//!
//! let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
//! let root = tempfile::tempdir().unwrap();
//! // Build: validate the catalog, analyse it, publish a generation.
//! let options = BuildOptions::new(fixtures, root.path()).threads(2);
//! let summary = build(&options, &NoProgress).unwrap();
//!
//! // Open: the manifest, every file's checksum, the versions are checked.
//! let analyzer = Analyzer::new(&Dictionaries::embedded());
//! let index_root = IndexRoot::new(root.path());
//! let current = index_root.current().unwrap().expect("a generation is published");
//! assert_eq!(current, summary.manifest.generation);
//! let generation = LoadedGeneration::open(&index_root, &current, &analyzer).unwrap();
//!
//! // Search.
//! let request = SearchRequest {
//!     query: "连衣裙".into(),
//!     doc_type: None,
//!     limit: 10,
//!     offset: 0,
//!     explain: false,
//!     ..SearchRequest::default()
//! };
//! let results = generation
//!     .search(&analyzer, &RankingConfig::default(), &request)
//!     .unwrap();
//! assert!(!results.hits.is_empty());
//!
//! // Suggest: hanzi, pinyin or initials as typed.
//! let suggestions = generation.suggest.suggest("lianyi", 10);
//! assert!(suggestions.iter().any(|s| s.text.starts_with("连衣")));
//! ```

#![warn(missing_docs)]

pub mod analysis;
#[cfg(feature = "cli")]
pub mod cli;
pub mod dictionaries;
pub mod error;
pub mod finite;
pub mod process;
pub mod text;

pub use error::{Error, Result};
pub mod build;
pub mod catalog;
pub mod document;
pub mod generation;
pub mod remote;
pub mod schema;
pub mod search;
pub mod serving;
pub mod suggest;
