//! Generations in S3-compatible object storage, for replicas on other machines.
//!
//! ```text
//! PREFIX/
//!   CURRENT                               name of the published generation (replaced last)
//!   generations/<id>/<file>               every file the manifest lists, with its CRC-32
//!                                         as user metadata `crc32`
//!   generations/<id>/manifest.crc32       the manifest's CRC-32
//!   generations/<id>/manifest.json        uploaded after every other file: a generation
//!                                         without it is incomplete and never pulled
//! ```
//!
//! [`publish()`] uploads the generation a local `CURRENT` names and then
//! replaces the store's `CURRENT`; [`pull()`] downloads the generation the
//! store's `CURRENT` names into a replica's cache folder (an [`IndexRoot`]),
//! verifies and opens it. Everything read from the store is untrusted: sizes
//! are bounded, names are checked, every byte is CRC-checked before a
//! generation is opened.
//!
//! Credentials, region and endpoint come from the standard `AWS_*`
//! environment variables (read by `object_store`, never printed).
//!
//! [`IndexRoot`]: crate::generation::IndexRoot

pub mod publish;
pub mod pull;

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use object_store::aws::AmazonS3ConfigKey;
use object_store::path::Path as ObjectPath;
use object_store::{ClientConfigKey, ObjectStore, ObjectStoreExt, RetryConfig};

use crate::error::{Error, Result};
use crate::generation::{check_generation_name, MAX_CURRENT_BYTES};

pub use publish::{publish, PublishOptions, PublishReport};
pub use pull::{pull, pull_generation, PullOptions, PullOutcome, PullReport};

/// The user metadata key holding an object's CRC-32 (hex), set at upload.
pub const CRC32_METADATA: &str = "crc32";

/// A prefix in an object store that holds generations.
#[derive(Debug, Clone)]
pub struct RemoteStore {
    store: Arc<dyn ObjectStore>,
    prefix: ObjectPath,
    url: String,
}

impl RemoteStore {
    /// The store a URL names: `s3://bucket/prefix` (or `s3a://`). The bucket
    /// and prefix come from the URL; credentials, region, endpoint
    /// (`AWS_ENDPOINT_URL` / `AWS_ENDPOINT`) and `AWS_ALLOW_HTTP` from the
    /// environment. Nothing is contacted yet.
    pub fn from_url(url: &str) -> Result<Self> {
        let bad = |reason: String| Error::StoreUrl {
            url: shown_url(url),
            reason,
        };
        let parsed = url::Url::parse(url).map_err(|error| bad(error.to_string()))?;
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(bad(
                "holds credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead"
                    .to_string(),
            ));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(bad(
                "has a query or fragment; give s3://bucket/prefix".to_string()
            ));
        }
        match parsed.scheme() {
            "s3" | "s3a" => {}
            other => {
                return Err(bad(format!(
                    "scheme `{}` is not supported; give s3://bucket/prefix",
                    other.escape_default()
                )))
            }
        }
        let bucket = parsed.host_str().unwrap_or_default();
        if bucket.is_empty() {
            return Err(bad("names no bucket; give s3://bucket/prefix".to_string()));
        }
        let prefix = ObjectPath::parse(parsed.path().trim_matches('/'))
            .map_err(|error| bad(format!("has an unusable prefix: {error}")))?;
        let mut builder = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_retry(RetryConfig {
                // The default retries for minutes: a replica would not
                // notice for that long that its store is unreachable.
                max_retries: 3,
                retry_timeout: Duration::from_secs(20),
                ..RetryConfig::default()
            });
        // A whole request may take minutes (a large index file); a connection
        // that stops sending fails sooner.
        for (key, value) in [
            (ClientConfigKey::ConnectTimeout, "5s"),
            (ClientConfigKey::ReadTimeout, "30s"),
            (ClientConfigKey::Timeout, "30m"),
        ] {
            builder = builder.with_config(AmazonS3ConfigKey::Client(key), value);
        }
        let store = builder.build().map_err(|error| bad(error.to_string()))?;
        Ok(RemoteStore {
            store: Arc::new(store),
            prefix,
            url: format!("s3://{bucket}/{}", parsed.path().trim_matches('/')),
        })
    }

    /// Any `object_store` store (tests use `object_store::memory::InMemory`)
    /// with generations under `prefix`; `url` is how it is shown.
    pub fn new(store: Arc<dyn ObjectStore>, prefix: &str, url: impl Into<String>) -> Result<Self> {
        let url = url.into();
        let prefix =
            ObjectPath::parse(prefix.trim_matches('/')).map_err(|error| Error::StoreUrl {
                url: shown_url(&url),
                reason: format!("has an unusable prefix: {error}"),
            })?;
        Ok(RemoteStore { store, prefix, url })
    }

    /// The store as shown to operators: `s3://bucket/prefix`, no credentials.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The underlying store.
    pub fn object_store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// `PREFIX/CURRENT`.
    pub fn current_object(&self) -> ObjectPath {
        self.prefix.clone().join("CURRENT")
    }

    /// `PREFIX/generations/`.
    pub fn generations_prefix(&self) -> ObjectPath {
        self.prefix.clone().join("generations")
    }

    /// `PREFIX/generations/<generation>/`.
    pub fn generation_prefix(&self, generation: &str) -> ObjectPath {
        self.generations_prefix().join(generation)
    }

    /// The object of `relative` (a checked manifest path) in `generation`.
    pub fn file_object(&self, generation: &str, relative: &str) -> ObjectPath {
        relative
            .split('/')
            .fold(self.generation_prefix(generation), |path, part| {
                path.join(part)
            })
    }

    /// The generation the store's `CURRENT` names, if any. `CURRENT` is
    /// untrusted: at most [`MAX_CURRENT_BYTES`], UTF-8, a plain generation name.
    pub async fn current(&self) -> Result<Option<String>> {
        let location = self.current_object();
        let Some(bytes) = self
            .read_bounded(&location, MAX_CURRENT_BYTES, "CURRENT")
            .await?
        else {
            return Ok(None);
        };
        let bad = |reason: String| Error::BadCurrent {
            reason: format!("in {}: {reason}", self.url),
        };
        crate::generation::current_name(bytes, bad)
    }

    /// Reads a whole object of at most `limit` bytes; `None` when it does not
    /// exist. A bigger object is refused before its body is read past the limit.
    pub(crate) async fn read_bounded(
        &self,
        location: &ObjectPath,
        limit: u64,
        shown_as: &str,
    ) -> Result<Option<Vec<u8>>> {
        let result = match self.store.get(location).await {
            Ok(result) => result,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(error) => return Err(self.error("read", location, &error)),
        };
        let too_big = |size: u64| Error::Store {
            store: self.url.clone(),
            operation: "read",
            object: location.to_string(),
            reason: format!("{shown_as} has {size} bytes, over the limit of {limit}"),
        };
        if result.meta.size > limit {
            return Err(too_big(result.meta.size));
        }
        let mut bytes = Vec::new();
        let mut stream = result.into_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|error| self.error("read", location, &error))?;
            bytes.extend_from_slice(&chunk);
            if bytes.len() as u64 > limit {
                return Err(too_big(bytes.len() as u64));
            }
        }
        Ok(Some(bytes))
    }

    /// Whether an object exists.
    pub(crate) async fn exists(&self, location: &ObjectPath) -> Result<bool> {
        match self.store.head(location).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(error) => Err(self.error("inspect", location, &error)),
        }
    }

    /// The generations with a folder in the store, complete or not, oldest
    /// first (ids sort by creation time); names that are not generation
    /// names are left alone.
    pub async fn generations(&self) -> Result<Vec<String>> {
        let prefix = self.generations_prefix();
        let listed = self
            .store
            .list_with_delimiter(Some(&prefix))
            .await
            .map_err(|error| self.error("list", &prefix, &error))?;
        let mut names: Vec<String> = listed
            .common_prefixes
            .iter()
            .filter_map(|path| path.filename().map(str::to_string))
            .filter(|name| check_generation_name(name).is_ok())
            .collect();
        names.sort();
        Ok(names)
    }

    /// Whether a generation in the store is complete (its manifest is there).
    pub async fn is_complete(&self, generation: &str) -> Result<bool> {
        self.exists(&self.file_object(generation, crate::generation::MANIFEST_FILE))
            .await
    }

    /// An [`Error::Store`] for `operation` on `location`.
    pub(crate) fn error(
        &self,
        operation: &'static str,
        location: &ObjectPath,
        error: &object_store::Error,
    ) -> Error {
        Error::Store {
            store: self.url.clone(),
            operation,
            object: location.to_string(),
            reason: error.to_string(),
        }
    }
}

/// A URL as shown in an error: without user information or query (where
/// credentials could hide), at most 200 characters.
fn shown_url(url: &str) -> String {
    let shown = match url::Url::parse(url) {
        Ok(mut parsed) => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.set_query(None);
            parsed.set_fragment(None);
            parsed.to_string()
        }
        Err(_) => url.split(['@', '?']).next().unwrap_or_default().to_string(),
    };
    shown
        .chars()
        .take(200)
        .collect::<String>()
        .escape_default()
        .to_string()
}

/// CRC-32 as written in metadata and `manifest.crc32`: 8 lowercase hex digits.
pub(crate) fn crc32_hex(crc32: u32) -> String {
    format!("{crc32:08x}")
}

#[cfg(test)]
mod tests;
