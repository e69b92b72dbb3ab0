//! The project's word lists: user dictionaries for jieba, stopwords and the
//! suggestion blocklist.
//!
//! The lists in the repository's `dictionaries/` folder are compiled into the
//! binaries ([`Dictionaries::embedded`]) so a server always knows which
//! dictionaries it analyses queries with; `--dictionaries DIR` loads another
//! folder of the same layout ([`Dictionaries::from_dir`]). The checksum of the
//! analysis lists is written into every generation and compared by the server,
//! because a query analysed with other dictionaries than the index silently
//! misses documents.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::text::normalize;

/// One entry of a jieba user dictionary (`word [freq [tag]]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DictEntry {
    pub word: String,
    pub freq: Option<usize>,
    pub tag: Option<String>,
}

/// A named word list file, kept as text so it can be checksummed exactly.
#[derive(Debug, Clone)]
struct ListFile {
    name: String,
    text: String,
}

/// Every list the engine reads, parsed and validated.
#[derive(Debug, Clone)]
pub struct Dictionaries {
    user_dicts: Vec<ListFile>,
    stopwords_file: ListFile,
    blocklist_file: Option<ListFile>,
    entries: Vec<DictEntry>,
    stopwords: HashSet<String>,
    blocklist: Vec<String>,
}

const STOPWORDS_FILE: &str = "stopwords.txt";
const BLOCKLIST_FILE: &str = "blocklist.txt";
const USER_DICT_EXTENSION: &str = "dict";

const EMBEDDED_USER_DICTS: &[(&str, &str)] = &[
    ("brands.dict", include_str!("../dictionaries/brands.dict")),
    (
        "commerce.dict",
        include_str!("../dictionaries/commerce.dict"),
    ),
    (
        "products.dict",
        include_str!("../dictionaries/products.dict"),
    ),
];
const EMBEDDED_STOPWORDS: &str = include_str!("../dictionaries/stopwords.txt");
const EMBEDDED_BLOCKLIST: &str = include_str!("../dictionaries/blocklist.txt");

impl Dictionaries {
    /// The lists shipped in the repository's `dictionaries/`, compiled in.
    pub fn embedded() -> Self {
        let user_dicts = EMBEDDED_USER_DICTS
            .iter()
            .map(|(name, text)| ListFile {
                name: (*name).to_string(),
                text: (*text).to_string(),
            })
            .collect();
        let stopwords_file = ListFile {
            name: STOPWORDS_FILE.to_string(),
            text: EMBEDDED_STOPWORDS.to_string(),
        };
        let blocklist_file = Some(ListFile {
            name: BLOCKLIST_FILE.to_string(),
            text: EMBEDDED_BLOCKLIST.to_string(),
        });
        Self::parse(user_dicts, stopwords_file, blocklist_file)
            .expect("the embedded dictionaries are validated by the test suite")
    }

    /// Jieba's default dictionary alone: no user words, no stopwords. The
    /// baseline the project's dictionaries are measured against.
    pub fn none() -> Self {
        let empty = |name: &str| ListFile {
            name: name.to_string(),
            text: String::new(),
        };
        Self::parse(Vec::new(), empty(STOPWORDS_FILE), None).expect("empty lists parse")
    }

    /// Loads every `*.dict` file of `dir` (in name order), `stopwords.txt`
    /// (required) and `blocklist.txt` (optional).
    pub fn from_dir(dir: &Path) -> Result<Self> {
        let read = |path: PathBuf| -> Result<ListFile> {
            let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            let name = path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok(ListFile { name, text })
        };
        let listing = std::fs::read_dir(dir).map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut dict_paths = Vec::new();
        for entry in listing {
            let entry = entry.map_err(|source| Error::Io {
                path: dir.to_path_buf(),
                source,
            })?;
            let path = entry.path();
            if path.extension().and_then(|ext| ext.to_str()) == Some(USER_DICT_EXTENSION) {
                dict_paths.push(path);
            }
        }
        dict_paths.sort();
        let user_dicts = dict_paths
            .into_iter()
            .map(read)
            .collect::<Result<Vec<_>>>()?;
        let stopwords_file = read(dir.join(STOPWORDS_FILE))?;
        let blocklist_path = dir.join(BLOCKLIST_FILE);
        let blocklist_file = if blocklist_path.exists() {
            Some(read(blocklist_path)?)
        } else {
            None
        };
        Self::parse(user_dicts, stopwords_file, blocklist_file)
    }

    fn parse(
        user_dicts: Vec<ListFile>,
        stopwords_file: ListFile,
        blocklist_file: Option<ListFile>,
    ) -> Result<Self> {
        let mut entries = Vec::new();
        for file in &user_dicts {
            for (line_index, line) in file.text.lines().enumerate() {
                if let Some(entry) = parse_dict_line(&file.name, line_index + 1, line)? {
                    entries.push(entry);
                }
            }
        }
        let stopwords = list_lines(&stopwords_file.text).map(normalize).collect();
        let blocklist = blocklist_file
            .as_ref()
            .map(|file| list_lines(&file.text).map(normalize).collect())
            .unwrap_or_default();
        Ok(Dictionaries {
            user_dicts,
            stopwords_file,
            blocklist_file,
            entries,
            stopwords,
            blocklist,
        })
    }

    /// Entries of all user dictionaries, in file then line order.
    pub fn entries(&self) -> &[DictEntry] {
        &self.entries
    }

    /// Normalised stopwords: dropped by the analyzers.
    pub fn stopwords(&self) -> &HashSet<String> {
        &self.stopwords
    }

    /// Normalised terms that must never be suggested.
    pub fn blocklist(&self) -> &[String] {
        &self.blocklist
    }

    /// SHA-256 over the lists that change analysis (user dictionaries and
    /// stopwords), file names included. The blocklist is left out: it changes
    /// suggestions, not tokens.
    pub fn checksum(&self) -> String {
        let mut hasher = Sha256::new();
        for file in self
            .user_dicts
            .iter()
            .chain(std::iter::once(&self.stopwords_file))
        {
            hasher.update(file.name.as_bytes());
            hasher.update([0u8]);
            hasher.update(file.text.as_bytes());
            hasher.update([0u8]);
        }
        hex::encode(hasher.finalize())
    }

    /// SHA-256 of the blocklist, recorded in the manifest for audits.
    pub fn blocklist_checksum(&self) -> String {
        let text = self
            .blocklist_file
            .as_ref()
            .map(|file| file.text.as_str())
            .unwrap_or("");
        hex::encode(Sha256::digest(text.as_bytes()))
    }
}

/// Non-empty lines that are not `#` comments, trimmed.
fn list_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

fn parse_dict_line(file: &str, line: usize, text: &str) -> Result<Option<DictEntry>> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(None);
    }
    let mut fields = trimmed.split_whitespace();
    let word = normalize(fields.next().unwrap_or_default());
    let bad_entry = |reason: String| Error::Dictionary {
        file: file.to_string(),
        line,
        reason,
    };
    let freq = match fields.next() {
        None => None,
        Some(raw) => Some(
            raw.parse::<usize>()
                .map_err(|_| bad_entry(format!("frequency `{raw}` is not a whole number")))?,
        ),
    };
    let tag = fields.next().map(str::to_string);
    if let Some(extra) = fields.next() {
        return Err(bad_entry(format!(
            "unexpected fourth field `{extra}`; expected `word [freq [tag]]`"
        )));
    }
    Ok(Some(DictEntry { word, freq, tag }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_lists_parse_and_hold_the_key_words() {
        let dictionaries = Dictionaries::embedded();
        let has = |word: &str| {
            dictionaries
                .entries()
                .iter()
                .any(|entry| entry.word == word)
        };
        assert!(has("美特斯邦威"));
        assert!(has("直播间"));
        assert!(has("连衣裙"));
        assert!(dictionaries.stopwords().contains("的"));
    }

    #[test]
    fn checksum_changes_with_content_not_with_blocklist() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.dict"), "直播间 100 n\n").unwrap();
        std::fs::write(dir.path().join("stopwords.txt"), "的\n").unwrap();
        let first = Dictionaries::from_dir(dir.path()).unwrap().checksum();
        std::fs::write(dir.path().join("blocklist.txt"), "坏词\n").unwrap();
        let with_blocklist = Dictionaries::from_dir(dir.path()).unwrap();
        assert_eq!(first, with_blocklist.checksum());
        assert_eq!(with_blocklist.blocklist(), ["坏词"]);
        std::fs::write(dir.path().join("a.dict"), "直播间 200 n\n").unwrap();
        assert_ne!(
            first,
            Dictionaries::from_dir(dir.path()).unwrap().checksum()
        );
    }

    #[test]
    fn bad_entry_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.dict"), "好词 10 n\n坏词 many n\n").unwrap();
        std::fs::write(dir.path().join("stopwords.txt"), "").unwrap();
        let error = Dictionaries::from_dir(dir.path()).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("x.dict"), "{message}");
        assert!(message.contains("line 2"), "{message}");
    }

    #[test]
    fn missing_stopwords_is_an_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let message = Dictionaries::from_dir(dir.path()).unwrap_err().to_string();
        assert!(message.contains("stopwords.txt"), "{message}");
    }
}
