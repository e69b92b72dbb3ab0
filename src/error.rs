//! Typed errors of the library core. Each variant carries what a caller needs
//! to act on it (the path, the file and line, the parameter); binaries turn
//! them into messages and exit codes, the server into HTTP statuses.

use std::path::PathBuf;

/// The result of the library's fallible functions.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the library core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder could not be read or written.
    #[error("cannot read or write {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },

    /// A dictionary line is malformed.
    #[error("bad dictionary entry in {file} line {line}: {reason}")]
    Dictionary {
        /// The dictionary file.
        file: String,
        /// The line number, from 1.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },

    /// The catalog folder cannot be built from.
    #[error("catalog {path} is unusable: {reason}")]
    Catalog {
        /// The catalog folder or file.
        path: PathBuf,
        /// Why.
        reason: String,
    },

    #[error(
        "{file}: {rejected} of {total} records rejected ({ratio:.4}), over the allowed ratio {max_ratio}; \
         nothing was published; every reject is listed in {}", rejects_path.display()
    )]
    /// One catalog file has more rejects than allowed; nothing was published.
    RejectRatioExceeded {
        /// The catalog file.
        file: String,
        /// Where every reject is listed.
        rejects_path: PathBuf,
        /// Its rejected records.
        rejected: usize,
        /// All its records.
        total: usize,
        /// `rejected / total`.
        ratio: f64,
        /// The allowed ratio.
        max_ratio: f64,
    },

    /// The new build has far fewer documents of one type (or suggestion
    /// candidates) than the served generation: likely a truncated feed.
    #[error(
        "{what} fell from {previous} to {now} ({shrink_percent:.1}% fewer), more than the allowed {max_shrink_percent:.0}%; \
         nothing was published (report in {}); if the feed really shrank, build again with --allow-shrink",
        report_path.display()
    )]
    ShrinkRefused {
        /// `product documents`, `video documents`, ... or `suggestion candidates`.
        what: String,
        /// The count in the served generation.
        previous: u64,
        /// The count in the new build.
        now: u64,
        /// How much it fell, in percent.
        shrink_percent: f64,
        /// The allowed fall, in percent.
        max_shrink_percent: f64,
        /// Where the report was written.
        report_path: PathBuf,
    },

    /// An option or config value is out of range.
    #[error("invalid option {option}: {reason}")]
    InvalidOption {
        /// The flag or config key (`--keep`, `ranking.sales_pivot`).
        option: String,
        /// What it must be.
        reason: String,
    },

    /// Another build is running on the same index root.
    #[error("another build holds the lock {path}")]
    BuildLocked {
        /// The lock file.
        path: PathBuf,
    },

    /// A generation cannot be served or used.
    #[error("generation {generation} is unusable: {reason}")]
    Generation {
        /// The generation's id.
        generation: String,
        /// Why.
        reason: String,
    },

    /// One file of a generation fails a check; `file` is relative to the
    /// generation folder, `reason` holds no absolute path.
    #[error("generation {generation} is unusable: file {file} {reason}")]
    GenerationFile {
        /// The generation's id.
        generation: String,
        /// The file, relative to the generation folder.
        file: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A generation was built by another version of a part of the program
    /// than this binary has: `what` is `analyzer`, `schema` or
    /// `dictionaries` (their checksum).
    #[error(
        "generation {generation} is unusable: built with {what} {found}, {}",
        if *what == "dictionaries" { "this server analyses with" } else { "this binary has" }
    )]
    VersionMismatch {
        /// The generation's id.
        generation: String,
        /// `analyzer`, `schema` or `dictionaries`.
        what: &'static str,
        /// What this binary has.
        expected: String,
        /// What the generation was built with.
        found: String,
    },

    /// A file of a generation is not the one its build recorded: `file` is
    /// relative to the generation folder, `recorded_in` the file holding the
    /// expected CRC-32.
    #[error(
        "generation {generation} is unusable: file {file} checksum {found:08x} differs from {}",
        if *recorded_in == "manifest.json" {
            format!("the manifest's {expected:08x}: the file changed after the build")
        } else {
            format!("{expected:08x} recorded in {recorded_in}: one of the two changed after the build")
        }
    )]
    ChecksumMismatch {
        /// The generation's id.
        generation: String,
        /// The file, relative to the generation folder.
        file: String,
        /// The file holding the expected checksum.
        recorded_in: &'static str,
        /// The CRC-32 the build recorded.
        expected: u32,
        /// The CRC-32 of the file now.
        found: u32,
    },

    /// `ROOT/CURRENT` is not a small regular file naming a generation.
    #[error("CURRENT {reason}")]
    BadCurrent {
        /// What is wrong with it.
        reason: String,
    },

    /// The index root has no `CURRENT`.
    #[error("no generation is published under {root}")]
    NoCurrentGeneration {
        /// The index root.
        root: PathBuf,
    },

    /// `rollback` when CURRENT already names the oldest complete generation.
    #[error("no generation older than the current one ({current}) to roll back to")]
    NoOlderGeneration {
        /// The generation CURRENT names.
        current: String,
    },

    /// A store URL (`--to`, `--source`) cannot be used.
    #[error("store URL {url} is unusable: {reason}")]
    StoreUrl {
        /// The URL as given, without credentials or query.
        url: String,
        /// Why.
        reason: String,
    },

    /// The object store failed or refused an operation on one object.
    #[error("object store {store}: cannot {operation} {object}: {reason}")]
    Store {
        /// The store, `s3://bucket/prefix`.
        store: String,
        /// `read`, `upload`, `list`, `delete`, `inspect`.
        operation: &'static str,
        /// The object's key (or the listed prefix).
        object: String,
        /// What the store or the client said.
        reason: String,
    },

    /// `publish` would move the store's `CURRENT` back to an older generation.
    #[error(
        "the store's CURRENT names {store_current}, newer than {generation}; nothing was replaced \
         (publish with --allow-older to move it back on purpose)"
    )]
    StoreAhead {
        /// The generation the store's `CURRENT` names.
        store_current: String,
        /// The generation being published.
        generation: String,
    },

    /// tantivy failed.
    #[error("index error: {0}")]
    Index(#[from] tantivy::TantivyError),

    /// A value could not be serialised or deserialised.
    #[error("cannot encode or decode {what}: {reason}")]
    Encoding {
        /// What was being encoded or decoded.
        what: String,
        /// Why it failed.
        reason: String,
    },
}

impl Error {
    /// An [`Error::InvalidOption`]: `option` is the flag or config key at fault.
    pub fn invalid_option(option: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::InvalidOption {
            option: option.into(),
            reason: reason.into(),
        }
    }

    /// Checks every `(key, value)` of a config section: the first value
    /// outside `bound` is an [`Error::InvalidOption`] named `{section}.{key}`.
    pub(crate) fn check_each<T: Copy + Into<f64>>(
        section: &str,
        values: &[(&str, T)],
        bound: Bound,
    ) -> Result<()> {
        match values
            .iter()
            .find(|(_, value)| !bound.holds((*value).into()))
        {
            Some((key, _)) => Err(Error::invalid_option(
                format!("{section}.{key}"),
                bound.reason(),
            )),
            None => Ok(()),
        }
    }

    /// Builds the [`Error::GenerationFile`] of one file of `generation`.
    pub(crate) fn generation_file<'a>(
        generation: &'a str,
        file: &'a str,
    ) -> impl Fn(String) -> Error + 'a {
        move |reason| Error::GenerationFile {
            generation: generation.to_string(),
            file: file.to_string(),
            reason,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }
}

/// What a numeric config value must be, besides finite.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Bound {
    /// Weights and boosts: 0 switches a signal off.
    NotNegative,
    /// Pivots and the like, which divide.
    Positive,
}

impl Bound {
    fn holds(self, value: f64) -> bool {
        value.is_finite()
            && match self {
                Bound::NotNegative => value >= 0.0,
                Bound::Positive => value > 0.0,
            }
    }

    fn reason(self) -> &'static str {
        match self {
            Bound::NotNegative => "must be finite and not negative",
            Bound::Positive => "must be finite and positive",
        }
    }
}
