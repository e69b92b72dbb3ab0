//! Opening a published generation for serving: the checks that keep a
//! server from answering with an index it cannot read correctly.

use std::path::Path;
use std::time::{Instant, SystemTime};

use tantivy::{Index, IndexReader, ReloadPolicy, Searcher};

use crate::analysis::{Analyzer, ANALYZER_VERSION};
use crate::error::{Error, Result};
use crate::generation::{check_generation_name, IndexRoot, Manifest, INDEX_DIR};
use crate::schema::{CatalogSchema, SCHEMA_VERSION};
use crate::search::{
    FacetCacheLimits, PreparedSearch, RankingConfig, SearchContext, SearchRequest, SearchResults,
};
use crate::suggest::SuggestIndex;

/// A generation opened and checked, ready to search.
pub struct LoadedGeneration {
    /// The checked manifest.
    pub manifest: Manifest,
    /// Reader of the tantivy index.
    pub reader: IndexReader,
    /// Fields of its schema.
    pub fields: CatalogSchema,
    /// The suggestion index.
    pub suggest: SuggestIndex,
    /// When it was opened.
    pub loaded_at: SystemTime,
    /// How long opening and checking took.
    pub load_duration: std::time::Duration,
    /// Of which checking every file's size and checksum.
    pub verify_duration: std::time::Duration,
    /// Columns and facet values opened once for every search, and the
    /// facet cache: both live and die with this generation.
    pub prepared: PreparedSearch,
}

impl std::fmt::Debug for LoadedGeneration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedGeneration")
            .field("generation", &self.manifest.generation)
            .finish()
    }
}

impl LoadedGeneration {
    /// Opens `generation` under `root`, refusing it when its name is not a
    /// plain generation name, its manifest is missing, unreadable or from a
    /// newer format, a file is missing, outside the generation, or differs
    /// in size or checksum from the manifest, it was built with another
    /// analyzer version, schema or dictionaries than `analyzer`, or tantivy
    /// or the suggestion decoder refuses it. Reasons name the file relative
    /// to the generation and hold no absolute path.
    ///
    /// ```
    /// use livesearch::analysis::Analyzer;
    /// use livesearch::build::{build, BuildOptions, NoProgress};
    /// use livesearch::dictionaries::Dictionaries;
    /// use livesearch::generation::IndexRoot;
    /// use livesearch::search::{RankingConfig, SearchRequest};
    /// use livesearch::serving::LoadedGeneration;
    ///
    /// let catalog = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
    /// let root = tempfile::tempdir().unwrap();
    /// build(&BuildOptions::new(catalog, root.path()), &NoProgress).unwrap();
    /// let index_root = IndexRoot::new(root.path());
    /// let current = index_root.current().unwrap().unwrap();
    /// let analyzer = Analyzer::new(&Dictionaries::embedded());
    /// let generation = LoadedGeneration::open(&index_root, &current, &analyzer).unwrap();
    ///
    /// let request = SearchRequest {
    ///     query: "卫衣".into(),
    ///     doc_type: None,
    ///     limit: 5,
    ///     offset: 0,
    ///     explain: true,
    ///     ..SearchRequest::default()
    /// };
    /// let results = generation
    ///     .search(&analyzer, &RankingConfig::default(), &request)
    ///     .unwrap();
    /// assert!(results.hits.len() <= 5);
    /// assert!(results.hits.iter().all(|hit| hit.explain.is_some()));
    /// ```
    pub fn open(root: &IndexRoot, generation: &str, analyzer: &Analyzer) -> Result<Self> {
        let started = Instant::now();
        check_generation_name(generation)
            .map_err(|reason| unusable(&generation.escape_default().to_string(), reason))?;
        let dir = root.generation_dir(generation);
        if !dir.is_dir() {
            return Err(unusable(
                generation,
                "has no folder under generations/".to_string(),
            ));
        }
        let manifest = root.read_manifest(generation)?;
        if manifest.generation != generation {
            return Err(unusable(
                generation,
                format!(
                    "manifest names generation {}",
                    manifest.generation.escape_default()
                ),
            ));
        }
        check_versions(&manifest, analyzer)?;
        let verify_started = Instant::now();
        manifest.verify_files(&dir)?;
        let verify_duration = verify_started.elapsed();
        let (index, fields) = open_index(&dir.join(INDEX_DIR), analyzer).map_err(|error| {
            // tantivy's message holds paths and debug text: logged, not shown.
            tracing::warn!(%generation, %error, "tantivy refused the index");
            unusable(generation, "the tantivy index does not open".to_string())
        })?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|error: tantivy::TantivyError| {
                tracing::warn!(%generation, %error, "tantivy refused the index");
                unusable(generation, "the tantivy index does not open".to_string())
            })?;
        // The homophone table (a few milliseconds, built once per process)
        // is built here rather than by the first query that needs it.
        crate::suggest::keys::homophones('一');
        let prepared = PreparedSearch::new(&reader.searcher(), FacetCacheLimits::default())
            .map_err(|error| {
                tracing::warn!(%generation, %error, "tantivy refused the fast fields");
                unusable(generation, "the fast fields do not open".to_string())
            })?;
        let suggest = SuggestIndex::open(&dir)
            .map_err(|error| Error::GenerationFile {
                generation: generation.to_string(),
                file: error.file,
                reason: error.reason,
            })?
            .with_completions(analyzer);
        Ok(LoadedGeneration {
            manifest,
            reader,
            fields,
            suggest,
            loaded_at: SystemTime::now(),
            load_duration: started.elapsed(),
            verify_duration,
            prepared,
        })
    }

    /// The generation's id.
    pub fn id(&self) -> &str {
        &self.manifest.generation
    }

    /// A searcher of the generation's index.
    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// Runs `request` on this generation, reading pinyin queries through its
    /// suggestions; the results carry the cursor of the next page.
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
        let mut results = crate::search::search_prepared(&context, request, Some(&self.prepared))?;
        results.next_cursor = results
            .last_key
            .map(|key| crate::search::encode_cursor(self.id(), request.fingerprint(), key));
        Ok(results)
    }

    /// Decodes a `search_after` cursor for `request` on this generation:
    /// refused when another generation, or another search, returned it.
    pub fn decode_cursor(
        &self,
        text: &str,
        request: &SearchRequest,
    ) -> std::result::Result<crate::search::CursorKey, crate::search::CursorError> {
        crate::search::decode_cursor(text, self.id(), request.fingerprint())
    }
}

/// Refuses a manifest built with another analyzer version, schema or
/// dictionaries than `analyzer` ([`Error::VersionMismatch`]). A replica
/// checks this before downloading a generation, and again when opening it.
pub fn check_versions(manifest: &Manifest, analyzer: &Analyzer) -> Result<()> {
    let generation = manifest.generation.as_str();
    let mismatch = |what, expected: &str, found: &str| {
        (expected != found).then(|| Error::VersionMismatch {
            generation: generation.to_string(),
            what,
            expected: expected.to_string(),
            found: found.escape_default().to_string(),
        })
    };
    let mismatch = mismatch("analyzer", ANALYZER_VERSION, &manifest.analyzer_version)
        .or_else(|| {
            mismatch(
                "schema",
                &SCHEMA_VERSION.to_string(),
                &manifest.schema_version.to_string(),
            )
        })
        .or_else(|| {
            mismatch(
                "dictionaries",
                analyzer.dictionary_checksum(),
                &manifest.dictionary_checksum,
            )
        });
    match mismatch {
        Some(error) => Err(error),
        None => Ok(()),
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
