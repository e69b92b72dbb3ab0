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
    /// The word, normalised.
    pub word: String,
    /// Its frequency, when given.
    pub freq: Option<usize>,
    /// Its part-of-speech tag, when given.
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
    product_words: HashSet<String>,
    attribute_words: HashSet<String>,
    brand_words: HashSet<String>,
    stopwords: HashSet<String>,
    blocklist: Vec<String>,
    synonyms: Vec<SynonymRule>,
}

/// One line of `synonyms.txt`: `a,b,c` makes every term a variant of every
/// other; `a => b,c` makes `b` and `c` variants of `a` only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynonymRule {
    /// Terms a query may contain (normalised).
    pub from: Vec<String>,
    /// Terms each of them also matches (normalised).
    pub to: Vec<String>,
}

const STOPWORDS_FILE: &str = "stopwords.txt";
const BLOCKLIST_FILE: &str = "blocklist.txt";
const SYNONYMS_FILE: &str = "synonyms.txt";
/// The user dictionary whose words name products (中心词 candidates).
const PRODUCT_DICT_FILE: &str = "products.dict";
/// User dictionaries whose words describe or sell a product but never name
/// one (brands; selling, audience, season and material words).
const ATTRIBUTE_DICT_FILES: &[&str] = &[BRAND_DICT_FILE, "commerce.dict"];
/// The user dictionary of brand names.
const BRAND_DICT_FILE: &str = "brands.dict";
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
const EMBEDDED_SYNONYMS: &str = include_str!("../dictionaries/synonyms.txt");

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
        let synonyms_file = Some(ListFile {
            name: SYNONYMS_FILE.to_string(),
            text: EMBEDDED_SYNONYMS.to_string(),
        });
        Self::parse(user_dicts, stopwords_file, blocklist_file, synonyms_file)
            .expect("the embedded dictionaries are validated by the test suite")
    }

    /// Jieba's default dictionary alone: no user words, no stopwords. The
    /// baseline the project's dictionaries are measured against.
    pub fn none() -> Self {
        let empty = |name: &str| ListFile {
            name: name.to_string(),
            text: String::new(),
        };
        Self::parse(Vec::new(), empty(STOPWORDS_FILE), None, None).expect("empty lists parse")
    }

    /// The dictionaries of `dir` when one is given ([`Dictionaries::from_dir`]),
    /// else the embedded ones: what a `--dictionaries` flag means in every
    /// binary.
    pub fn from_dir_or_embedded(dir: Option<&Path>) -> Result<Self> {
        dir.map_or_else(|| Ok(Self::embedded()), Self::from_dir)
    }

    /// Loads every `*.dict` file of `dir` (in name order), `stopwords.txt`
    /// (required), `blocklist.txt` and `synonyms.txt` (optional).
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
        let optional = |name: &str| {
            let path = dir.join(name);
            path.exists().then(|| read(path)).transpose()
        };
        let blocklist_file = optional(BLOCKLIST_FILE)?;
        let synonyms_file = optional(SYNONYMS_FILE)?;
        Self::parse(user_dicts, stopwords_file, blocklist_file, synonyms_file)
    }

    fn parse(
        user_dicts: Vec<ListFile>,
        stopwords_file: ListFile,
        blocklist_file: Option<ListFile>,
        synonyms_file: Option<ListFile>,
    ) -> Result<Self> {
        let mut entries = Vec::new();
        let mut product_words = HashSet::new();
        let mut attribute_words = HashSet::new();
        let mut brand_words = HashSet::new();
        for file in &user_dicts {
            for (line_index, line) in file.text.lines().enumerate() {
                if let Some(entry) = parse_dict_line(&file.name, line_index + 1, line)? {
                    if file.name == PRODUCT_DICT_FILE {
                        product_words.insert(entry.word.clone());
                    }
                    if ATTRIBUTE_DICT_FILES.contains(&file.name.as_str()) {
                        attribute_words.insert(entry.word.clone());
                    }
                    if file.name == BRAND_DICT_FILE {
                        brand_words.insert(entry.word.clone());
                    }
                    entries.push(entry);
                }
            }
        }
        let synonyms = match &synonyms_file {
            Some(file) => parse_synonyms(file)?,
            None => Vec::new(),
        };
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
            product_words,
            attribute_words,
            brand_words,
            stopwords,
            blocklist,
            synonyms,
        })
    }

    /// Normalised words of `products.dict`: the words that name what is
    /// bought, from which a query's product word (中心词) is chosen.
    pub fn product_words(&self) -> &HashSet<String> {
        &self.product_words
    }

    /// Normalised words of `brands.dict` and `commerce.dict`: they describe
    /// a product (brand, material, audience, season, selling terms) and are
    /// never a query's product word.
    pub fn attribute_words(&self) -> &HashSet<String> {
        &self.attribute_words
    }

    /// Normalised words of `brands.dict`.
    pub fn brand_words(&self) -> &HashSet<String> {
        &self.brand_words
    }

    /// The rules of `synonyms.txt`, applied at query time only: they are not
    /// part of [`Dictionaries::checksum`], so changing them needs no reindex.
    pub fn synonyms(&self) -> &[SynonymRule] {
        &self.synonyms
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

fn parse_synonyms(file: &ListFile) -> Result<Vec<SynonymRule>> {
    let mut rules = Vec::new();
    for (line_index, line) in file.text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let terms = |side: &str| -> Vec<String> {
            side.split(',')
                .map(normalize)
                .map(|term| term.trim().to_string())
                .filter(|term| !term.is_empty())
                .collect()
        };
        let rule = match line.split_once("=>") {
            Some((from, to)) => SynonymRule {
                from: terms(from),
                to: terms(to),
            },
            None => {
                let all = terms(line);
                SynonymRule {
                    from: all.clone(),
                    to: all,
                }
            }
        };
        let distinct: HashSet<&String> = rule.from.iter().chain(&rule.to).collect();
        if rule.from.is_empty() || rule.to.is_empty() || distinct.len() < 2 {
            return Err(Error::Dictionary {
                file: file.name.clone(),
                line: line_index + 1,
                reason: "expected `a,b[,c…]` or `a[,b…] => c[,d…]` with two different terms"
                    .to_string(),
            });
        }
        rules.push(rule);
    }
    Ok(rules)
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

    /// A folder holding the dictionary `files` (name, text).
    fn dictionary_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            write(&dir, name, text);
        }
        dir
    }

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) {
        std::fs::write(dir.path().join(name), text).unwrap();
    }

    #[test]
    fn checksum_changes_with_content_not_with_blocklist() {
        let dir = dictionary_dir(&[("a.dict", "直播间 100 n\n"), ("stopwords.txt", "的\n")]);
        let first = Dictionaries::from_dir(dir.path()).unwrap().checksum();
        write(&dir, "blocklist.txt", "坏词\n");
        let with_blocklist = Dictionaries::from_dir(dir.path()).unwrap();
        assert_eq!(first, with_blocklist.checksum());
        assert_eq!(with_blocklist.blocklist(), ["坏词"]);
        write(&dir, "a.dict", "直播间 200 n\n");
        assert_ne!(
            first,
            Dictionaries::from_dir(dir.path()).unwrap().checksum()
        );
    }

    #[test]
    fn synonyms_load_from_the_folder_and_change_no_checksum() {
        let dir = dictionary_dir(&[("a.dict", "直播间 100 n\n"), ("stopwords.txt", "的\n")]);
        let without = Dictionaries::from_dir(dir.path()).unwrap();
        assert!(without.synonyms().is_empty());
        write(
            &dir,
            "synonyms.txt",
            "# comment\n番茄,西红柿\nKFC => 肯德基\n",
        );
        let with = Dictionaries::from_dir(dir.path()).unwrap();
        assert_eq!(without.checksum(), with.checksum());
        assert_eq!(with.synonyms().len(), 2);
        assert_eq!(with.synonyms()[0].from, ["番茄", "西红柿"]);
        assert_eq!(with.synonyms()[1].from, ["kfc"], "normalised like queries");
        assert_eq!(with.synonyms()[1].to, ["肯德基"]);
        write(&dir, "synonyms.txt", "番茄\n");
        let message = Dictionaries::from_dir(dir.path()).unwrap_err().to_string();
        assert!(
            message.contains("synonyms.txt") && message.contains("line 1"),
            "{message}"
        );
    }

    #[test]
    fn bad_entry_names_file_and_line() {
        let dir = dictionary_dir(&[
            ("x.dict", "好词 10 n\n坏词 many n\n"),
            ("stopwords.txt", ""),
        ]);
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
