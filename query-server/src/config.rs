//! Server configuration: defaults, then a TOML file (strict: an unknown key
//! is an error naming it), then `QS_*` environment variables and flags (see
//! `main.rs`), validated once on read.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use livesearch::search::RankingConfig;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub server: ServerSettings,
    pub limits: Limits,
    pub ranking: RankingConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    pub addr: SocketAddr,
    /// Requests taking longer are answered 504.
    pub request_timeout_ms: u64,
    /// Requests served at once; beyond it the server sheds load with 503.
    pub max_concurrency: usize,
    pub max_body_bytes: usize,
    /// How often CURRENT is checked for a new generation.
    pub watch_interval_ms: u64,
    /// `serve --source`: how often the store's CURRENT is read, plus a
    /// random 0..=`source_poll_jitter_ms` so replicas do not poll in step.
    pub source_poll_interval_ms: u64,
    pub source_poll_jitter_ms: u64,
    /// A connection must send a whole request head within this time (from
    /// its accept, or from the first byte of a later request).
    pub header_read_timeout_ms: u64,
    /// A connection with no bytes either way for this long is closed.
    pub idle_timeout_ms: u64,
    /// Connections open at once; beyond it new ones wait in the backlog.
    /// Absent: the file-descriptor limit less a reserve for the index files.
    pub max_connections: Option<usize>,
    /// When set, `/admin/*` needs `Authorization: Bearer <token>`; else loopback only.
    #[serde(skip_serializing)]
    pub admin_token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    pub max_query_chars: usize,
    pub max_limit: usize,
    pub max_offset: usize,
    pub max_suggest_query_chars: usize,
    pub max_suggest_limit: usize,
}

impl Limits {
    /// Checks every limit, naming the exact key of the first one out of range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let max_suggest = livesearch::suggest::index::MAX_LIMIT;
        let checks = [
            (
                "limits.max_query_chars",
                self.max_query_chars,
                1,
                usize::MAX,
            ),
            ("limits.max_limit", self.max_limit, 1, usize::MAX),
            (
                "limits.max_suggest_query_chars",
                self.max_suggest_query_chars,
                1,
                usize::MAX,
            ),
            // The suggestion index keeps at most this many ids per prefix.
            (
                "limits.max_suggest_limit",
                self.max_suggest_limit,
                1,
                max_suggest,
            ),
        ];
        for (setting, value, low, high) in checks {
            if value < low {
                return Err(ConfigError::Invalid {
                    setting: setting.to_string(),
                    reason: format!("must be at least {low}, got {value}"),
                });
            }
            if value > high {
                return Err(ConfigError::Invalid {
                    setting: setting.to_string(),
                    reason: format!("must be at most {high} (what the suggestion index keeps per prefix), got {value}"),
                });
            }
        }
        Ok(())
    }
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            request_timeout_ms: 2_000,
            max_concurrency: 256,
            max_body_bytes: 16 * 1024,
            watch_interval_ms: 1_000,
            source_poll_interval_ms: 10_000,
            source_poll_jitter_ms: 2_000,
            header_read_timeout_ms: 10_000,
            idle_timeout_ms: 60_000,
            max_connections: None,
            admin_token: None,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_query_chars: 256,
            max_limit: 100,
            max_offset: 10_000,
            max_suggest_query_chars: 64,
            max_suggest_limit: 20,
        }
    }
}

/// File descriptors kept out of the connection cap: tantivy's segment
/// files, CURRENT, manifests and logs need them while connections pile up.
pub const RESERVED_FILE_DESCRIPTORS: u64 = 256;

/// Hits on a search page when the request names no `limit`.
pub const DEFAULT_SEARCH_LIMIT: usize = 10;
/// Suggestions in a drop-down when the request names no `limit`.
pub const DEFAULT_SUGGEST_LIMIT: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("bad config {path}: {message}")]
    Parse { path: String, message: String },
    #[error("invalid setting {setting}: {reason}")]
    Invalid { setting: String, reason: String },
}

impl ServerConfig {
    pub fn from_toml_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_toml(&text).map_err(|error| match error {
            ConfigError::Parse { message, .. } => ConfigError::Parse {
                path: path.display().to_string(),
                message,
            },
            other => other,
        })
    }

    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let config: ServerConfig = toml::from_str(text).map_err(|error| ConfigError::Parse {
            path: "<text>".to_string(),
            message: error.message().to_string(),
        })?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |setting: &'static str, reason: &str| {
            Err(ConfigError::Invalid {
                setting: setting.to_string(),
                reason: reason.to_string(),
            })
        };
        if self.server.max_concurrency == 0 {
            return invalid("server.max_concurrency", "must be at least 1");
        }
        if self.server.request_timeout_ms == 0 {
            return invalid("server.request_timeout_ms", "must be at least 1");
        }
        if self.server.watch_interval_ms < 50 {
            return invalid("server.watch_interval_ms", "must be at least 50");
        }
        if self.server.source_poll_interval_ms < 100 {
            return invalid("server.source_poll_interval_ms", "must be at least 100");
        }
        if self.server.source_poll_jitter_ms > self.server.source_poll_interval_ms {
            return invalid(
                "server.source_poll_jitter_ms",
                "must be at most server.source_poll_interval_ms",
            );
        }
        if self.server.header_read_timeout_ms == 0 {
            return invalid("server.header_read_timeout_ms", "must be at least 1");
        }
        if self.server.idle_timeout_ms <= self.server.request_timeout_ms {
            // Else a request still being answered could be cut as idle.
            return invalid(
                "server.idle_timeout_ms",
                "must be longer than server.request_timeout_ms",
            );
        }
        if let Some(max_connections) = self.server.max_connections {
            if max_connections == 0 {
                return invalid("server.max_connections", "must be at least 1");
            }
            if let Some(limit) = crate::connections::file_descriptor_limit() {
                let usable = limit.saturating_sub(RESERVED_FILE_DESCRIPTORS);
                if max_connections as u64 > usable {
                    return Err(ConfigError::Invalid {
                        setting: "server.max_connections".to_string(),
                        reason: format!(
                            "must be at most {usable}: the file-descriptor limit is {limit} and {RESERVED_FILE_DESCRIPTORS} are kept for index files, CURRENT and logs"
                        ),
                    });
                }
            }
        }
        self.limits.validate()?;
        if self
            .server
            .admin_token
            .as_deref()
            .is_some_and(|token| token.len() < 16)
        {
            return invalid("server.admin_token", "must be at least 16 characters");
        }
        // The ranking section checks itself, naming the key (`ranking.…`).
        if let Err(error) = self.ranking.validate() {
            return Err(match error {
                livesearch::Error::InvalidOption { option, reason } => ConfigError::Invalid {
                    setting: option,
                    reason,
                },
                other => ConfigError::Invalid {
                    setting: "ranking".to_string(),
                    reason: other.to_string(),
                },
            });
        }
        Ok(())
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.server.request_timeout_ms)
    }

    /// The connection cap: as configured, else the file-descriptor limit
    /// less the reserve (1024 when the limit is unknown).
    pub fn max_connections(&self) -> usize {
        if let Some(max_connections) = self.server.max_connections {
            return max_connections;
        }
        crate::connections::file_descriptor_limit().map_or(1024, |limit| {
            limit
                .saturating_sub(RESERVED_FILE_DESCRIPTORS)
                .clamp(1, 1 << 20) as usize
        })
    }

    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_millis(self.server.header_read_timeout_ms)
    }

    pub fn idle_timeout(&self) -> Duration {
        Duration::from_millis(self.server.idle_timeout_ms)
    }

    pub fn watch_interval(&self) -> Duration {
        Duration::from_millis(self.server.watch_interval_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_limit_is_checked_by_its_own_key() {
        for (toml, key) in [
            ("[limits]\nmax_limit = 0\n", "limits.max_limit"),
            (
                "[limits]\nmax_suggest_limit = 0\n",
                "limits.max_suggest_limit",
            ),
            (
                "[limits]\nmax_suggest_limit = 21\n",
                "limits.max_suggest_limit",
            ),
            ("[limits]\nmax_query_chars = 0\n", "limits.max_query_chars"),
            (
                "[limits]\nmax_suggest_query_chars = 0\n",
                "limits.max_suggest_query_chars",
            ),
            (
                "[server]\nsource_poll_interval_ms = 99\n",
                "server.source_poll_interval_ms",
            ),
            (
                "[server]\nsource_poll_interval_ms = 1000\nsource_poll_jitter_ms = 1001\n",
                "server.source_poll_jitter_ms",
            ),
        ] {
            let message = ServerConfig::from_toml(toml).unwrap_err().to_string();
            assert!(message.contains(key), "{toml}: {message}");
        }
        assert!(ServerConfig::from_toml("[limits]\nmax_suggest_limit = 20\n").is_ok());
    }

    #[test]
    fn empty_file_gives_defaults() {
        assert_eq!(
            ServerConfig::from_toml("").unwrap(),
            ServerConfig::default()
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused_by_name() {
        for (toml, named) in [
            ("[ranking]\nsales_wieght = 2.0\n", &["sales_wieght"][..]),
            ("[sever]\naddr = \"127.0.0.1:1\"\n", &["sever"]),
            ("[ranking]\nsales_pivot = 0.0\n", &["sales_pivot"]),
            (
                "[server]\nmax_connections = 100000000\n",
                &["server.max_connections", "file-descriptor limit"],
            ),
            ("[server]\nidle_timeout_ms = 1000\n", &["idle_timeout_ms"]),
        ] {
            let message = ServerConfig::from_toml(toml).unwrap_err().to_string();
            for name in named {
                assert!(message.contains(name), "{toml}: {message}");
            }
        }
    }

    #[test]
    fn valid_values_are_read() {
        let config = ServerConfig::from_toml(
            "[ranking]\nsales_weight = 2.5\n[server]\nmax_concurrency = 8\n",
        )
        .unwrap();
        assert_eq!(config.ranking.sales_weight, 2.5);
        assert_eq!(config.server.max_concurrency, 8);
    }

    #[test]
    fn valid_connection_limits_are_read() {
        let config = ServerConfig::from_toml(
            "[server]\nmax_connections = 64\nheader_read_timeout_ms = 500\n",
        )
        .unwrap();
        assert_eq!(config.max_connections(), 64);
        assert_eq!(config.header_read_timeout(), Duration::from_millis(500));
        assert!(ServerConfig::default().max_connections() >= 1);
    }
}
