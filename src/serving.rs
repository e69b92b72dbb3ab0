//! Opening a published generation for serving: the checks that keep a
//! server from answering with an index it cannot read correctly.

use std::path::Path;
use std::time::{Instant, SystemTime};

use tantivy::{Index, IndexReader, ReloadPolicy, Searcher};

use crate::analysis::{Analyzer, ANALYZER_VERSION};
use crate::error::{Error, Result};
use crate::generation::{IndexRoot, Manifest, INDEX_DIR};
use crate::schema::{CatalogSchema, SCHEMA_VERSION};
use crate::search::{RankingConfig, SearchContext, SearchRequest, SearchResults};
use crate::suggest::SuggestIndex;

/// A generation opened and checked, ready to search.
pub struct LoadedGeneration {
    pub manifest: Manifest,
    pub index: Index,
    pub reader: IndexReader,
    pub fields: CatalogSchema,
    pub suggest: SuggestIndex,
    pub loaded_at: SystemTime,
    /// How long opening and checking took.
    pub load_duration: std::time::Duration,
}

impl std::fmt::Debug for LoadedGeneration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedGeneration")
            .field("generation", &self.manifest.generation)
            .finish()
    }
}

impl LoadedGeneration {
    /// Opens `generation` under `root`, refusing it when its manifest is
    /// missing or unreadable, a file is missing or has another size, it was
    /// built with another analyzer version, schema or dictionaries than
    /// `analyzer`, or tantivy cannot open it.
    pub fn open(root: &IndexRoot, generation: &str, analyzer: &Analyzer) -> Result<Self> {
        let started = Instant::now();
        let dir = root.generation_dir(generation);
        if !dir.is_dir() {
            return Err(unusable(generation, format!("no folder {}", dir.display())));
        }
        let manifest = root.read_manifest(generation)?;
        if manifest.generation != generation {
            return Err(unusable(
                generation,
                format!("manifest names generation {}", manifest.generation),
            ));
        }
        if manifest.analyzer_version != ANALYZER_VERSION {
            return Err(unusable(
                generation,
                format!(
                    "built with analyzer {}, this binary has {ANALYZER_VERSION}",
                    manifest.analyzer_version
                ),
            ));
        }
        if manifest.schema_version != SCHEMA_VERSION {
            return Err(unusable(
                generation,
                format!(
                    "built with schema {}, this binary has {SCHEMA_VERSION}",
                    manifest.schema_version
                ),
            ));
        }
        if manifest.dictionary_checksum != analyzer.dictionary_checksum() {
            return Err(unusable(
                generation,
                format!(
                    "built with dictionaries {}, this server analyses with {}",
                    manifest.dictionary_checksum,
                    analyzer.dictionary_checksum()
                ),
            ));
        }
        manifest.verify_files(&dir)?;
        let (index, fields) = open_index(&dir.join(INDEX_DIR), analyzer)
            .map_err(|error| unusable(generation, format!("index does not open: {error}")))?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|error: tantivy::TantivyError| {
                unusable(generation, format!("index does not open: {error}"))
            })?;
        let suggest = SuggestIndex::open(&dir)
            .map_err(|error| unusable(generation, format!("suggestions do not open: {error}")))?;
        Ok(LoadedGeneration {
            manifest,
            index,
            reader,
            fields,
            suggest,
            loaded_at: SystemTime::now(),
            load_duration: started.elapsed(),
        })
    }

    pub fn id(&self) -> &str {
        &self.manifest.generation
    }

    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// Runs `request` on this generation, reading pinyin queries through its
    /// suggestions.
    pub fn search(
        &self,
        analyzer: &Analyzer,
        config: &RankingConfig,
        request: &SearchRequest,
    ) -> Result<SearchResults> {
        let searcher = self.searcher();
        let context = SearchContext {
            searcher: &searcher,
            fields: &self.fields,
            analyzer,
            config,
            suggest: Some(&self.suggest),
        };
        crate::search::search(&context, request)
    }
}

/// Opens an index folder with the analyzers registered.
pub fn open_index(dir: &Path, analyzer: &Analyzer) -> Result<(Index, CatalogSchema)> {
    let index = Index::open_in_dir(dir)?;
    crate::analysis::register_analyzers(&index, analyzer);
    let fields = CatalogSchema::from_schema(&index.schema())?;
    Ok((index, fields))
}

fn unusable(generation: &str, reason: String) -> Error {
    Error::Generation {
        generation: generation.to_string(),
        reason,
    }
}
