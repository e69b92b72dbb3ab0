//! The batch build: catalog → validation → analysis (rayon) → tantivy index
//! → a synced generation → `CURRENT`.
//!
//! A build that fails for any reason publishes nothing: its partial folder is
//! removed (or, if the process died, removed by the next build) and `CURRENT`
//! keeps naming the generation it named before.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use tantivy::{Index, IndexWriter};

use crate::analysis::{register_analyzers, Analyzer, ANALYZER_VERSION};
use crate::catalog::{read_catalog, Anchor, Catalog, Product, Reject, Video, VideoKind};
use crate::dictionaries::Dictionaries;
use crate::document::CatalogDocument;
use crate::error::{Error, Result};
use crate::generation::{
    fail_point, new_generation_id, now_rfc3339, sync_tree, IndexRoot, Manifest, INDEX_DIR,
    MANIFEST_FORMAT_VERSION, REJECTS_FILE,
};
use crate::schema::{CatalogSchema, DocType, SCHEMA_VERSION};
use crate::suggest::index::write_suggest_index_with;
use crate::suggest::{
    mine_candidates_from, CatalogWords, DocumentSignals, HygieneReport, MiningInput, SuggestConfig,
    TextWords,
};
use tantivy::tokenizer::Token;

/// Documents analysed per parallel batch before they go to the writer: big
/// enough to keep every core busy, small enough to bound memory.
const ANALYSIS_BATCH: usize = 4_096;
/// Failed builds whose reports are kept under `failed/`.
const FAILED_REPORTS_KEPT: usize = 5;

/// Default of [`BuildOptions::max_reject_ratio`].
pub const DEFAULT_MAX_REJECT_RATIO: f64 = 0.01;
/// Default of [`BuildOptions::keep`].
pub const DEFAULT_KEEP: usize = 3;
/// Default of [`BuildOptions::max_shrink`].
pub const DEFAULT_MAX_SHRINK: f64 = 0.3;
/// Default indexing memory of the tantivy writer, in MiB.
pub const DEFAULT_WRITER_MEMORY_MIB: usize = 512;
/// Most threads the tantivy writer indexes with, whatever the analysis threads.
pub const MAX_WRITER_THREADS: usize = 8;
/// Least indexing memory per writer thread.
pub const MIN_WRITER_MEMORY_PER_THREAD: usize = 15 << 20;

/// Infallible by-value setters, one a field: `field(value: Type);`, or
/// `field(value: Type) as setter_name;` where the names differ.
macro_rules! setters {
    ($($(#[$doc:meta])* $field:ident($value:ident: $type:ty) $(as $setter:ident)?;)*) => {
        $(setters!(@one $(#[$doc])* $field $value $type $(, $setter)?);)*
    };
    (@one $(#[$doc:meta])* $field:ident $value:ident $type:ty) => {
        setters!(@one $(#[$doc])* $field $value $type, $field);
    };
    (@one $(#[$doc:meta])* $field:ident $value:ident $type:ty, $setter:ident) => {
        $(#[$doc])*
        pub fn $setter(mut self, $value: $type) -> Self {
            self.$field = $value;
            self
        }
    };
}

/// Options of one build. Setters take any value; [`BuildOptions::validate`]
/// (called by [`build`]) checks them together.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    input: PathBuf,
    index_root: PathBuf,
    dictionaries: Option<Dictionaries>,
    threads: usize,
    max_reject_ratio: f64,
    keep: usize,
    writer_memory_bytes: usize,
    suggest: SuggestConfig,
    max_shrink: f64,
    allow_shrink: bool,
    as_of: Option<time::Date>,
}

impl BuildOptions {
    /// Options to build the catalog in `input` into a generation under
    /// `index_root`, every other option at its default.
    pub fn new(input: impl Into<PathBuf>, index_root: impl Into<PathBuf>) -> Self {
        BuildOptions {
            input: input.into(),
            index_root: index_root.into(),
            dictionaries: None,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            max_reject_ratio: DEFAULT_MAX_REJECT_RATIO,
            keep: DEFAULT_KEEP,
            writer_memory_bytes: DEFAULT_WRITER_MEMORY_MIB << 20,
            suggest: SuggestConfig::default(),
            max_shrink: DEFAULT_MAX_SHRINK,
            allow_shrink: false,
            as_of: None,
        }
    }

    /// The day the search log is read as of: later lines are not counted,
    /// earlier ones decay by age. By default the newest date in the log.
    pub fn as_of(mut self, day: time::Date) -> Self {
        self.as_of = Some(day);
        self
    }

    setters! {
        /// Largest share by which the documents of any type, or the suggestion
        /// candidates, may fall from the current generation (0.3 by default).
        max_shrink(share: f64);
        /// Publishes whatever the counts: for a feed that really shrank.
        allow_shrink(allow: bool);
        /// Analysis threads; all cores by default. The tantivy writer uses at
        /// most [`MAX_WRITER_THREADS`] of them.
        threads(threads: usize);
        /// Largest share of rejected records any one catalog file may have.
        max_reject_ratio(ratio: f64);
        /// Complete generations to keep, the current one included.
        keep(keep: usize);
        /// How suggestion candidates are mined and scored.
        suggest(config: SuggestConfig) as suggest_config;
        /// Total indexing memory of the tantivy writer, split between its threads.
        writer_memory_bytes(bytes: usize);
    }

    /// Dictionaries to analyse with; the embedded ones by default.
    pub fn dictionaries(mut self, dictionaries: Dictionaries) -> Self {
        self.dictionaries = Some(dictionaries);
        self
    }

    /// Threads of the tantivy writer: the analysis threads, at most
    /// [`MAX_WRITER_THREADS`].
    pub fn writer_threads(&self) -> usize {
        self.threads.clamp(1, MAX_WRITER_THREADS)
    }

    /// Checks the options together; the error names the option at fault.
    pub fn validate(&self) -> Result<()> {
        let share = |value: f64| (0.0..=1.0).contains(&value);
        let checks = [
            (self.threads >= 1, "--threads", "must be at least 1"),
            (
                share(self.max_reject_ratio),
                "--max-reject-ratio",
                "must be between 0 and 1",
            ),
            (
                self.keep >= 1,
                "--keep",
                "must keep at least the current generation (1)",
            ),
            (
                share(self.max_shrink),
                "--max-shrink",
                "must be between 0 and 1",
            ),
        ];
        if let Some((_, option, reason)) = checks.into_iter().find(|(ok, ..)| !ok) {
            return Err(invalid(option, reason));
        }
        let least = MIN_WRITER_MEMORY_PER_THREAD * self.writer_threads();
        if self.writer_memory_bytes < least {
            return Err(invalid(
                "--writer-memory-mib",
                &format!(
                    "must be at least {} MiB per writer thread ({} MiB for {} threads)",
                    MIN_WRITER_MEMORY_PER_THREAD >> 20,
                    least >> 20,
                    self.writer_threads()
                ),
            ));
        }
        self.suggest.validate()
    }
}

fn invalid(option: &str, reason: &str) -> Error {
    Error::invalid_option(option, reason)
}

/// Receives progress of a build; the CLI shows it as a bar or log lines.
pub trait Progress: Sync {
    /// A phase starts; `total` units of work (0 when unknown).
    fn start_phase(&self, name: &str, total: u64);
    /// `done` more units of the current phase are finished.
    fn advance(&self, done: u64);
    /// The current phase is over.
    fn finish_phase(&self);
}

/// Ignores progress, for tests and library callers.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start_phase(&self, _name: &str, _total: u64) {}
    fn advance(&self, _done: u64) {}
    fn finish_phase(&self) {}
}

/// What a successful build did.
#[derive(Debug, Clone)]
pub struct BuildSummary {
    /// The manifest of the published generation.
    pub manifest: Manifest,
    /// Its folder under `generations/`.
    pub generation_dir: PathBuf,
    /// The generation `CURRENT` named before, if any.
    pub previous_generation: Option<String>,
    /// Old generations removed to keep [`BuildOptions::keep`].
    pub removed_generations: Vec<String>,
    /// Leftovers of killed builds removed from `staging/`.
    pub cleaned_partial_builds: Vec<String>,
    /// Wall time of the whole build.
    pub elapsed: Duration,
    /// How many mined suggestion phrases each hygiene rule removed.
    pub suggest_hygiene: HygieneReport,
    /// The day the search log was read as of (None: an undated log).
    pub as_of: Option<time::Date>,
}

impl BuildSummary {
    /// Documents indexed per second of wall time.
    pub fn documents_per_second(&self) -> f64 {
        self.manifest.total_documents() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Runs one build. On error nothing is published.
///
/// ```
/// use livesearch::build::{build, BuildOptions, NoProgress};
///
/// let catalog = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
/// let root = tempfile::tempdir().unwrap();
/// let options = BuildOptions::new(catalog, root.path()).threads(2).keep(2);
/// let summary = build(&options, &NoProgress).unwrap();
/// assert!(summary.manifest.documents["product"] > 0);
/// assert!(summary.generation_dir.starts_with(root.path()));
///
/// // Options are checked together when the build starts.
/// let too_little_memory = options.writer_memory_bytes(1 << 20);
/// assert!(build(&too_little_memory, &NoProgress).is_err());
/// ```
pub fn build(options: &BuildOptions, progress: &dyn Progress) -> Result<BuildSummary> {
    options.validate()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads)
        .thread_name(|index| format!("analysis-{index}"))
        .build()
        .map_err(|error| invalid("--threads", &error.to_string()))?;
    pool.install(|| build_in_pool(options, progress))
}

fn build_in_pool(options: &BuildOptions, progress: &dyn Progress) -> Result<BuildSummary> {
    let started = Instant::now();
    // Before anything is created under the index root: a wrong --input leaves no trace.
    crate::catalog::check_catalog_dir(&options.input)?;
    let root = IndexRoot::new(&options.index_root);
    let lock = root.lock()?;
    root.create_dirs()?;
    let cleaned_partial_builds = root.clean_staging(&lock)?;
    let previous_generation = root.current()?;
    let generation = new_generation_id();
    let mut timings_ms = BTreeMap::new();

    progress.start_phase("reading catalog", 0);
    let phase = Instant::now();
    let mut catalog = read_catalog(&options.input)?;
    record_phase(&mut timings_ms, "read_catalog", phase);
    progress.finish_phase();

    if let Some(report) = catalog.first_file_over_reject_ratio(options.max_reject_ratio) {
        let rejects_path = write_failed_report(&root, &generation, &catalog)?;
        return Err(Error::RejectRatioExceeded {
            file: report.file.clone(),
            rejects_path,
            rejected: report.rejected,
            total: report.records,
            ratio: report.reject_ratio(),
            max_ratio: options.max_reject_ratio,
        });
    }

    let shrink_guard = ShrinkGuard::new(&root, previous_generation.as_deref(), options);
    // Document counts are known from the catalog: an empty feed fails here, before indexing.
    shrink_guard.check(
        &root,
        &generation,
        &catalog,
        &catalog_document_counts(&catalog),
        None,
    )?;

    let staged_dir = root.staging_dir().join(&generation);
    let written = write_generation(
        options,
        &mut catalog,
        &generation,
        &staged_dir,
        timings_ms,
        progress,
    )
    .and_then(|manifest| {
        shrink_guard.check(
            &root,
            &generation,
            &catalog,
            &manifest.0.documents,
            Some(manifest.0.suggestion_candidates),
        )?;
        Ok(manifest)
    });
    let (manifest, mined) = match written {
        Ok(written) => written,
        Err(error) => {
            // Best effort: a folder that cannot be removed now is removed by the next build.
            let _ = std::fs::remove_dir_all(&staged_dir);
            return Err(error);
        }
    };

    root.publish(&generation, &lock)?;
    let removed_generations = root.retain(options.keep, &lock)?;
    Ok(BuildSummary {
        generation_dir: root.generation_dir(&generation),
        manifest,
        previous_generation,
        removed_generations,
        cleaned_partial_builds,
        elapsed: started.elapsed(),
        suggest_hygiene: mined.hygiene,
        as_of: mined.as_of,
    })
}

/// Writes the rejects and the file reports of a build that publishes
/// nothing under `failed/<id>/`; returns the rejects' path.
fn write_failed_report(root: &IndexRoot, generation: &str, catalog: &Catalog) -> Result<PathBuf> {
    let failed_dir = root.failed_dir().join(generation);
    let rejects_path = failed_dir.join(REJECTS_FILE);
    std::fs::create_dir_all(&failed_dir).map_err(Error::io(&failed_dir))?;
    write_rejects(&rejects_path, &catalog.rejects)?;
    let report_path = failed_dir.join("report.json");
    let report_json = serde_json::to_vec_pretty(&catalog.files).unwrap_or_default();
    std::fs::write(&report_path, report_json).map_err(Error::io(&report_path))?;
    root.retain_failed(FAILED_REPORTS_KEPT)?;
    Ok(rejects_path)
}

/// Documents by type the catalog will index, as `index_catalog` counts them.
fn catalog_document_counts(catalog: &Catalog) -> BTreeMap<String, u64> {
    let mut counts: BTreeMap<String, u64> = DocType::ALL
        .iter()
        .map(|doc_type| (doc_type.as_str().to_string(), 0))
        .collect();
    let lives = catalog
        .videos
        .iter()
        .filter(|video| video.kind == VideoKind::Live)
        .count() as u64;
    let by_type = [
        (DocType::Product, catalog.products.len() as u64),
        (DocType::Video, catalog.videos.len() as u64 - lives),
        (DocType::Live, lives),
        (DocType::Anchor, catalog.anchors.len() as u64),
    ];
    for (doc_type, count) in by_type {
        counts.insert(doc_type.as_str().to_string(), count);
    }
    counts
}

/// Refuses to publish a generation much smaller than the served one: a
/// truncated or empty feed must not replace a good catalog unnoticed.
struct ShrinkGuard {
    /// The current generation's manifest; None on the first build, with
    /// --allow-shrink, or when the current manifest cannot be read.
    previous: Option<Manifest>,
    max_shrink: f64,
}

impl ShrinkGuard {
    fn new(root: &IndexRoot, previous_generation: Option<&str>, options: &BuildOptions) -> Self {
        let previous = match previous_generation {
            Some(generation) if !options.allow_shrink => match root.read_manifest(generation) {
                Ok(manifest) => Some(manifest),
                Err(error) => {
                    tracing::warn!(%error, "no shrink check: the current manifest does not read");
                    None
                }
            },
            _ => None,
        };
        ShrinkGuard {
            previous,
            max_shrink: options.max_shrink,
        }
    }

    /// Checks `documents` (and `candidates` when known) against the current
    /// generation; on a refusal writes the report under `failed/<id>/`.
    fn check(
        &self,
        root: &IndexRoot,
        generation: &str,
        catalog: &Catalog,
        documents: &BTreeMap<String, u64>,
        candidates: Option<u64>,
    ) -> Result<()> {
        let Some(previous) = &self.previous else {
            return Ok(());
        };
        let mut counts: Vec<(String, u64, u64)> = previous
            .documents
            .iter()
            .map(|(doc_type, &before)| {
                let now = documents.get(doc_type).copied().unwrap_or(0);
                (format!("{doc_type} documents"), before, now)
            })
            .collect();
        if let Some(now) = candidates {
            counts.push((
                "suggestion candidates".to_string(),
                previous.suggestion_candidates,
                now,
            ));
        }
        let Some((what, before, now)) = counts
            .into_iter()
            .find(|(_, before, now)| shrink_share(*before, *now) > self.max_shrink)
        else {
            return Ok(());
        };
        write_failed_report(root, generation, catalog)?;
        let report_path = root.failed_dir().join(generation).join("shrink.json");
        let report = serde_json::json!({
            "refused": what,
            "current_generation": previous.generation,
            "current_count": before,
            "new_count": now,
            "max_shrink": self.max_shrink,
            "current_documents": previous.documents,
            "new_documents": documents,
            "current_suggestion_candidates": previous.suggestion_candidates,
            "new_suggestion_candidates": candidates,
        });
        let report_json = serde_json::to_vec_pretty(&report).unwrap_or_default();
        std::fs::write(&report_path, report_json).map_err(Error::io(&report_path))?;
        Err(Error::ShrinkRefused {
            what,
            previous: before,
            now,
            shrink_percent: shrink_share(before, now) * 100.0,
            max_shrink_percent: self.max_shrink * 100.0,
            report_path,
        })
    }
}

/// The share by which a count fell (0 when it grew or was 0).
fn shrink_share(before: u64, now: u64) -> f64 {
    if before == 0 || now >= before {
        return 0.0;
    }
    (before - now) as f64 / before as f64
}

fn record_phase(timings_ms: &mut BTreeMap<String, u64>, name: &str, started: Instant) {
    crate::process::phase_mark(name);
    timings_ms.insert(name.to_string(), started.elapsed().as_millis() as u64);
}

/// Writes the whole generation into `dir` and syncs it; returns its manifest.
/// Takes the catalog's products and videos (indexing frees them as it goes).
fn write_generation(
    options: &BuildOptions,
    catalog: &mut Catalog,
    generation: &str,
    dir: &Path,
    mut timings_ms: BTreeMap<String, u64>,
    progress: &dyn Progress,
) -> Result<(Manifest, MinedSummary)> {
    let dictionaries = options
        .dictionaries
        .clone()
        .unwrap_or_else(Dictionaries::embedded);
    let analyzer = Analyzer::new(&dictionaries);

    let index_dir = dir.join(INDEX_DIR);
    std::fs::create_dir_all(&index_dir).map_err(Error::io(&index_dir))?;

    let phase = Instant::now();
    let Indexed {
        documents,
        words,
        signals,
    } = index_catalog(
        options,
        catalog,
        &analyzer,
        &index_dir,
        &mut timings_ms,
        progress,
    )?;
    record_phase(&mut timings_ms, "analyze_and_index", phase);

    progress.start_phase("mining suggestions", 0);
    let phase = Instant::now();
    let input = MiningInput {
        words,
        documents: signals,
        anchors: &catalog.anchors,
        queries: &catalog.queries,
    };
    let mined = mine_candidates_from(
        input,
        &analyzer,
        dictionaries.blocklist(),
        &options.suggest,
        options.as_of,
    );
    record_phase(&mut timings_ms, "mine_suggestions", phase);
    let phase = Instant::now();
    let summary = MinedSummary {
        hygiene: mined.hygiene.clone(),
        as_of: mined.as_of,
    };
    let (candidates, extras) =
        mined.into_index_parts(options.suggest.fuzzy, dictionaries.blocklist());
    let suggestion_candidates = write_suggest_index_with(dir, candidates, extras)?;
    record_phase(&mut timings_ms, "write_suggestions", phase);
    progress.finish_phase();

    let phase = Instant::now();
    write_rejects(&dir.join(REJECTS_FILE), &catalog.rejects)?;
    record_phase(&mut timings_ms, "write_rejects", phase);

    let phase = Instant::now();
    let files = sync_tree(dir)?;
    record_phase(&mut timings_ms, "sync", phase);

    let manifest = Manifest {
        format_version: MANIFEST_FORMAT_VERSION,
        generation: generation.to_string(),
        created_at: now_rfc3339(),
        analyzer_version: ANALYZER_VERSION.to_string(),
        schema_version: SCHEMA_VERSION,
        dictionary_checksum: analyzer.dictionary_checksum().to_string(),
        blocklist_checksum: dictionaries.blocklist_checksum(),
        documents,
        rejects: catalog.rejects.len(),
        inputs: catalog.files.clone(),
        timings_ms,
        suggestion_candidates,
        files,
    };
    let manifest_json = serde_json::to_vec_pretty(&manifest).map_err(|error| Error::Encoding {
        what: "manifest".to_string(),
        reason: error.to_string(),
    })?;
    crate::generation::write_manifest_bytes(dir, &manifest_json)?;
    crate::generation::sync_dir(dir)?;
    Ok((manifest, summary))
}

/// What mining reports beside the manifest.
struct MinedSummary {
    hygiene: HygieneReport,
    as_of: Option<time::Date>,
}

fn write_rejects(path: &Path, rejects: &[Reject]) -> Result<()> {
    let file = std::fs::File::create(path).map_err(Error::io(path))?;
    let mut writer = BufWriter::new(file);
    for reject in rejects {
        serde_json::to_writer(&mut writer, reject).map_err(|error| {
            if error.is_io() {
                Error::Io {
                    path: path.to_path_buf(),
                    source: error.into(),
                }
            } else {
                Error::Encoding {
                    what: "a reject".to_string(),
                    reason: error.to_string(),
                }
            }
        })?;
        writer.write_all(b"\n").map_err(Error::io(path))?;
    }
    let file = writer.into_inner().map_err(|error| Error::Io {
        path: path.to_path_buf(),
        source: error.into_error(),
    })?;
    file.sync_all().map_err(Error::io(path))
}

/// One catalog record to index, borrowed from the catalog.
enum Record<'a> {
    Product(&'a Product),
    Video(&'a Video),
    Anchor(&'a Anchor),
}

impl<'a> Record<'a> {
    /// Every record of `catalog`: products, then videos, then anchors.
    fn all(catalog: &'a Catalog) -> Vec<Record<'a>> {
        catalog
            .products
            .iter()
            .map(Record::Product)
            .chain(catalog.videos.iter().map(Record::Video))
            .chain(catalog.anchors.iter().map(Record::Anchor))
            .collect()
    }

    fn doc_type(&self) -> DocType {
        match self {
            Record::Product(_) => DocType::Product,
            Record::Video(video) if video.kind == VideoKind::Live => DocType::Live,
            Record::Video(_) => DocType::Video,
            Record::Anchor(_) => DocType::Anchor,
        }
    }

    fn id(&self) -> &str {
        match self {
            Record::Product(product) => &product.product_id,
            Record::Video(video) => &video.video_id,
            Record::Anchor(anchor) => &anchor.anchor_id,
        }
    }
}

/// What indexing keeps for the rest of the build.
struct Indexed {
    /// Documents by type.
    documents: BTreeMap<String, u64>,
    /// The words of every title and caption, so that mining never segments one again.
    words: CatalogWords,
    /// What mining reads of every product and video.
    signals: DocumentSignals,
}

/// Analyses every record in parallel and writes the tantivy index. Takes
/// the catalog's products and videos, and frees them batch by batch as they
/// are indexed: what mining needs of them is kept (their words and
/// signals), so at the writer's commit, the build's peak, the catalog is
/// mostly gone.
fn index_catalog(
    options: &BuildOptions,
    catalog: &mut Catalog,
    analyzer: &Analyzer,
    index_dir: &Path,
    timings_ms: &mut BTreeMap<String, u64>,
    progress: &dyn Progress,
) -> Result<Indexed> {
    let fields = CatalogSchema::new();
    let index = Index::create_in_dir(index_dir, fields.schema.clone())?;
    register_analyzers(&index, analyzer);
    let writer_threads = options.writer_threads();
    let mut writer: IndexWriter<CatalogDocument> =
        index.writer_with_num_threads(writer_threads, options.writer_memory_bytes)?;

    let products = std::mem::take(&mut catalog.products);
    let videos = std::mem::take(&mut catalog.videos);
    let anchors = &catalog.anchors;
    let (product_count, video_count) = (products.len(), videos.len());
    let product_batches = into_batches(products, ANALYSIS_BATCH);
    let video_batches = into_batches(videos, ANALYSIS_BATCH);
    let id_ranks = {
        let records: Vec<Record<'_>> = (product_batches.iter().flatten().map(Record::Product))
            .chain(video_batches.iter().flatten().map(Record::Video))
            .chain(anchors.iter().map(Record::Anchor))
            .collect();
        rank_ids(&records)
    };
    let anchor_by_id: HashMap<&str, &Anchor> = anchors
        .iter()
        .map(|anchor| (anchor.anchor_id.as_str(), anchor))
        .collect();
    let mut batches = BatchIndexer {
        writer: &writer,
        builder: DocumentBuilder::new(&fields, analyzer, &anchor_by_id),
        id_ranks,
        indexed: 0,
        documents: DocType::ALL
            .iter()
            .map(|doc_type| (doc_type.as_str().to_string(), 0))
            .collect(),
        words: CatalogWords::default(),
        analysis_time: Duration::ZERO,
        add_time: Duration::ZERO,
        progress,
    };
    progress.start_phase(
        "analysing and indexing",
        (product_count + video_count + anchors.len()) as u64,
    );
    let mut signals = DocumentSignals::with_capacity(product_count, video_count);
    // Each batch is dropped once indexed and its signals taken.
    for batch in product_batches {
        batches.index(&batch.iter().map(Record::Product).collect::<Vec<_>>())?;
        for product in &batch {
            signals.push_product(product, &anchor_by_id);
        }
    }
    for batch in video_batches {
        batches.index(&batch.iter().map(Record::Video).collect::<Vec<_>>())?;
        for video in &batch {
            signals.push_video(video, &anchor_by_id);
        }
    }
    for batch in anchors.chunks(ANALYSIS_BATCH) {
        batches.index(&batch.iter().map(Record::Anchor).collect::<Vec<_>>())?;
    }
    let BatchIndexer {
        documents,
        words,
        analysis_time,
        add_time,
        id_ranks,
        ..
    } = batches;
    drop(id_ranks);
    timings_ms.insert("analyze".to_string(), analysis_time.as_millis() as u64);
    timings_ms.insert("index_add".to_string(), add_time.as_millis() as u64);
    crate::process::phase_mark("analyze and index_add");
    progress.finish_phase();

    progress.start_phase("committing index", 0);
    fail_point("during_commit");
    let commit_started = Instant::now();
    writer.commit()?;
    writer.wait_merging_threads()?;
    record_phase(timings_ms, "commit_and_merge", commit_started);
    progress.finish_phase();
    Ok(Indexed {
        documents,
        words,
        signals,
    })
}

/// `records` in batches of `size`, each its own allocation: a batch is
/// freed as soon as it is indexed, where the one vector would be held
/// until its last record.
fn into_batches<T>(records: Vec<T>, size: usize) -> Vec<Vec<T>> {
    let mut batches = Vec::with_capacity(records.len().div_ceil(size));
    let mut records = records.into_iter();
    loop {
        let batch: Vec<T> = records.by_ref().take(size).collect();
        if batch.is_empty() {
            return batches;
        }
        batches.push(batch);
    }
}

/// Feeds the writer one batch of records at a time (analysed in parallel,
/// then added in order), keeping the words of titles and captions.
struct BatchIndexer<'a> {
    writer: &'a IndexWriter<CatalogDocument>,
    builder: DocumentBuilder<'a>,
    /// Of every record, in the order they are indexed.
    id_ranks: Vec<u64>,
    /// Records indexed so far.
    indexed: usize,
    documents: BTreeMap<String, u64>,
    words: CatalogWords,
    analysis_time: Duration,
    add_time: Duration,
    progress: &'a dyn Progress,
}

impl BatchIndexer<'_> {
    fn index(&mut self, batch: &[Record<'_>]) -> Result<()> {
        let analysis_started = Instant::now();
        let first = self.indexed;
        let id_ranks = &self.id_ranks;
        let builder = &self.builder;
        let batch_documents: Vec<(CatalogDocument, Option<TextWords>)> = batch
            .par_iter()
            .enumerate()
            .map(|(offset, record)| builder.document(record, id_ranks[first + offset]))
            .collect();
        self.analysis_time += analysis_started.elapsed();
        if first == 0 {
            fail_point("during_analysis");
        }
        let add_started = Instant::now();
        for (record, (document, title_words)) in batch.iter().zip(batch_documents) {
            self.writer.add_document(document)?;
            match (record, title_words) {
                (Record::Product(_), Some(title_words)) => self.words.push_product(&title_words),
                (Record::Video(_), Some(title_words)) => self.words.push_video(&title_words),
                _ => {}
            }
            *self
                .documents
                .entry(record.doc_type().as_str().to_string())
                .or_default() += 1;
        }
        self.add_time += add_started.elapsed();
        self.indexed += batch.len();
        self.progress.advance(batch.len() as u64);
        Ok(())
    }
}

/// Indexes a validated catalog in RAM, with the same documents a build
/// writes (for tests, examples and evaluations that need no generation on
/// disk; suggestions are not built).
///
/// ```
/// use livesearch::analysis::Analyzer;
/// use livesearch::build::index_in_ram;
/// use livesearch::catalog::{Catalog, Product};
/// use livesearch::dictionaries::Dictionaries;
/// use livesearch::schema::CatalogSchema;
/// use livesearch::search::{search, RankingConfig, SearchContext, SearchRequest};
///
/// let product = |id: &str, title: &str| Product {
///     product_id: id.to_string(),
///     title: title.to_string(),
///     brand: None,
///     category: None,
///     price_cents: None,
///     sales: 10,
///     anchor_ids: Vec::new(),
/// };
/// let catalog = Catalog {
///     products: vec![product("p1", "保湿面霜送口红一支"), product("p2", "哑光口红")],
///     ..Catalog::default()
/// };
/// let analyzer = Analyzer::new(&Dictionaries::embedded());
/// let index = index_in_ram(&catalog, &analyzer).unwrap();
/// let searcher = index.reader().unwrap().searcher();
/// let fields = CatalogSchema::from_schema(&index.schema()).unwrap();
/// let context = SearchContext {
///     searcher: &searcher,
///     fields: &fields,
///     analyzer: &analyzer,
///     config: &RankingConfig::default(),
///     suggest: None,
/// };
/// let request = SearchRequest {
///     query: "口红".into(),
///     doc_type: None,
///     limit: 10,
///     offset: 0,
///     explain: false,
///     ..SearchRequest::default()
/// };
/// let results = search(&context, &request).unwrap();
/// // The lipstick itself ranks above the cream that gives one away.
/// assert_eq!(results.hits[0].id, "p2");
/// ```
pub fn index_in_ram(catalog: &Catalog, analyzer: &Analyzer) -> Result<Index> {
    let fields = CatalogSchema::new();
    let index = Index::create_in_ram(fields.schema.clone());
    register_analyzers(&index, analyzer);
    let mut writer: IndexWriter<CatalogDocument> =
        index.writer_with_num_threads(1, MIN_WRITER_MEMORY_PER_THREAD)?;
    let records = Record::all(catalog);
    let id_ranks = rank_ids(&records);
    let anchors = catalog.anchor_by_id();
    let builder = DocumentBuilder::new(&fields, analyzer, &anchors);
    for (record, id_rank) in records.iter().zip(id_ranks) {
        writer.add_document(builder.document(record, id_rank).0)?;
    }
    writer.commit()?;
    Ok(index)
}

/// [`index_in_ram`] in `segments` segments that are never merged, for the
/// tests of what differs per segment (ordinals, columns).
#[cfg(test)]
pub(crate) fn index_in_ram_segments(
    catalog: &Catalog,
    analyzer: &Analyzer,
    segments: usize,
) -> Result<Index> {
    let fields = CatalogSchema::new();
    let index = Index::create_in_ram(fields.schema.clone());
    register_analyzers(&index, analyzer);
    let mut writer: IndexWriter<CatalogDocument> =
        index.writer_with_num_threads(1, MIN_WRITER_MEMORY_PER_THREAD)?;
    writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
    let records = Record::all(catalog);
    let id_ranks = rank_ids(&records);
    let anchors = catalog.anchor_by_id();
    let builder = DocumentBuilder::new(&fields, analyzer, &anchors);
    let per_segment = records.len().div_ceil(segments.max(1)).max(1);
    for (number, (record, id_rank)) in records.iter().zip(id_ranks).enumerate() {
        writer.add_document(builder.document(record, id_rank).0)?;
        if (number + 1) % per_segment == 0 {
            writer.commit()?;
        }
    }
    writer.commit()?;
    Ok(index)
}

/// Rank of each record's (id, type) among all records, so ties in ranking
/// can be broken by id the same way in every segment.
fn rank_ids(records: &[Record<'_>]) -> Vec<u64> {
    let mut order: Vec<usize> = (0..records.len()).collect();
    order.par_sort_unstable_by(|&left, &right| {
        let left = &records[left];
        let right = &records[right];
        (left.id(), left.doc_type()).cmp(&(right.id(), right.doc_type()))
    });
    let mut ranks = vec![0u64; records.len()];
    for (rank, record_index) in order.into_iter().enumerate() {
        ranks[record_index] = rank as u64;
    }
    ranks
}

struct DocumentBuilder<'a> {
    fields: &'a CatalogSchema,
    analyzer: &'a Analyzer,
    anchors: &'a HashMap<&'a str, &'a Anchor>,
}

impl<'a> DocumentBuilder<'a> {
    fn new(
        fields: &'a CatalogSchema,
        analyzer: &'a Analyzer,
        anchors: &'a HashMap<&'a str, &'a Anchor>,
    ) -> Self {
        DocumentBuilder {
            fields,
            analyzer,
            anchors,
        }
    }

    /// The document of `record`, with the words of its title or caption
    /// for suggestion mining (none for anchors, whose names are curated).
    fn document(&self, record: &Record<'_>, id_rank: u64) -> (CatalogDocument, Option<TextWords>) {
        let fields = self.fields;
        let mut title_words = None;
        let doc_type = record.doc_type();
        let mut document = CatalogDocument::default();
        document.add_text(fields.doc_type, doc_type.as_str());
        document.add_u64(fields.doc_type_code, doc_type.code());
        document.add_text(fields.id, record.id());
        document.add_u64(fields.id_rank, id_rank);
        match record {
            Record::Product(product) => {
                title_words = Some(self.add_title(&mut document, &product.title));
                if let Some(brand) = &product.brand {
                    self.add_analyzed(&mut document, fields.brand, brand);
                    document.add_text(fields.brand_text, brand);
                }
                if let Some(category) = &product.category {
                    self.add_analyzed(&mut document, fields.category, category);
                    document.add_text(fields.category_text, category);
                    // Category intent: the product a category names (手机配件
                    // names 配件, not 手机) counts as a head of the product.
                    let tagged = self.analyzer.analyze_tagged(category);
                    let heads = self.analyzer.title_heads(category, &tagged);
                    document.add_pre_tokenized(fields.title_heads, category, heads);
                }
                let product_anchors: Vec<&Anchor> = product
                    .anchor_ids
                    .iter()
                    .filter_map(|id| self.anchors.get(id.as_str()).copied())
                    .collect();
                for anchor in &product_anchors {
                    self.add_analyzed(&mut document, fields.anchor_name, &anchor.name);
                }
                for anchor in &product_anchors {
                    document.add_text(fields.anchor_ids, &anchor.anchor_id);
                }
                if let Some(primary) = product_anchors.first() {
                    document.add_text(fields.anchor_id, &primary.anchor_id);
                    document.add_text(fields.anchor_name_text, &primary.name);
                }
                let followers = product_anchors.iter().map(|anchor| anchor.followers).max();
                document.add_u64(fields.followers, followers.unwrap_or(0));
                document.add_u64(fields.sales, product.sales);
                document.add_u64(fields.likes, 0);
                document.add_u64(fields.views, 0);
                if let Some(price) = product.price_cents {
                    document.add_u64(fields.price_cents, price);
                }
            }
            Record::Video(video) => {
                title_words = Some(self.add_title(&mut document, &video.caption));
                let anchor = self.anchors.get(video.anchor_id.as_str());
                if let Some(anchor) = anchor {
                    self.add_analyzed(&mut document, fields.anchor_name, &anchor.name);
                    document.add_text(fields.anchor_name_text, &anchor.name);
                }
                document.add_text(fields.anchor_id, &video.anchor_id);
                document.add_text(fields.anchor_ids, &video.anchor_id);
                document.add_u64(
                    fields.followers,
                    anchor.map_or(0, |anchor| anchor.followers),
                );
                document.add_u64(fields.sales, 0);
                document.add_u64(fields.likes, video.likes);
                document.add_u64(fields.views, video.views);
                // Absent, not 0, when unknown: `published_after` and `newest`
                // must not take an unknown time for 1970.
                if let Some(published_at) = video.published_at {
                    document.add_i64(fields.published_at, published_at);
                }
            }
            Record::Anchor(anchor) => {
                self.add_title(&mut document, &anchor.name);
                self.add_analyzed(&mut document, fields.anchor_name, &anchor.name);
                document.add_text(fields.anchor_name_text, &anchor.name);
                document.add_text(fields.anchor_id, &anchor.anchor_id);
                document.add_text(fields.anchor_ids, &anchor.anchor_id);
                document.add_u64(fields.followers, anchor.followers);
                document.add_u64(fields.sales, 0);
                document.add_u64(fields.likes, 0);
                document.add_u64(fields.views, 0);
            }
        }
        (document, title_words)
    }

    /// The title feeds three fields from one segmentation: every token into
    /// `title`, the precise words only into `title_words`, the words naming
    /// what it sells into `title_heads`; returns the precise words (what
    /// [`Analyzer::words`] gives) for suggestion mining.
    fn add_title(&self, document: &mut CatalogDocument, title: &str) -> TextWords {
        document.add_text(self.fields.title_text, title);
        let tagged = self.analyzer.analyze_tagged(title);
        let words: Vec<Token> = tagged
            .iter()
            .filter(|token| !token.is_subword)
            .map(|token| token.token.clone())
            .collect();
        let mined_words: TextWords = words.iter().map(|token| token.text.as_str()).collect();
        let heads = self.analyzer.title_heads(title, &tagged);
        let all = tagged.into_iter().map(|token| token.token).collect();
        document.add_pre_tokenized(self.fields.title, title, all);
        document.add_pre_tokenized(self.fields.title_words, title, words);
        document.add_pre_tokenized(self.fields.title_heads, title, heads);
        mined_words
    }

    fn add_analyzed(
        &self,
        document: &mut CatalogDocument,
        field: tantivy::schema::Field,
        text: &str,
    ) {
        let mut tokens = Vec::new();
        self.analyzer
            .analyze_into(text, crate::analysis::AnalyzerMode::Index, &mut tokens);
        document.add_pre_tokenized(field, text, tokens);
    }
}
