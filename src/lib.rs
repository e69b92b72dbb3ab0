//! Library core of the live-commerce search and suggestion engine.
//!
//! Both binaries, `indexer` and `query-server`, are thin layers over this
//! crate: the catalog format and its validation ([`catalog`]), Chinese
//! analysis ([`analysis`]), the index schema ([`schema`]), generations on disk
//! ([`generation`]) and the batch build ([`build`]).

pub mod analysis;
pub mod dictionaries;
pub mod error;
pub mod finite;
pub mod text;

pub use error::{Error, Result};
pub mod analysis_eval;
pub mod build;
pub mod catalog;
pub mod document;
pub mod generation;
pub mod schema;
pub mod search;
pub mod serving;
pub mod suggest;
