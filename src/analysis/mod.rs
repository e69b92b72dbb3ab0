//! Chinese analysis: jieba segmentation over normalised text, as tantivy
//! tokenizers.
//!
//! Two modes share one segmentation:
//! - [`AnalyzerMode::Query`] keeps queries precise: jieba's words (dictionary
//!   words whole), Latin and digit runs split apart so `iphone15` and
//!   `iphone 15` meet, stopwords and punctuation dropped.
//! - [`AnalyzerMode::Index`] adds, at the same position, the dictionary words
//!   found inside longer words (连帽卫衣 also yields 连帽 and 卫衣), so a query
//!   for a short word finds titles that wrote it inside a longer one.
//!
//! Positions count the precise words, so the sub-words of a word share its
//! position and phrase queries over query-mode tokens keep working.
//!
//! [`register_analyzers`] is the one place that registers them; the indexer
//! and the query server both call it.

mod heads;

use std::collections::{HashMap, HashSet};

use rustc_hash::FxHashSet;
use std::sync::Arc;

use jieba_rs::Jieba;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::dictionaries::Dictionaries;
use crate::text::{is_han, is_token_char, Normalized};

/// Bumped whenever a change to this module changes the tokens produced for
/// some text, or `heads` changes which words name a title's product;
/// generations built by another version are refused by the server.
pub const ANALYZER_VERSION: &str = "zh-jieba-1-heads-1";

/// Tokenizer name of the index-mode analyzer in tantivy's registry.
pub const INDEX_TOKENIZER: &str = "zh_index";
/// Tokenizer name of the query-mode analyzer in tantivy's registry.
pub const QUERY_TOKENIZER: &str = "zh_query";

/// Which tokens the analyzer emits; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalyzerMode {
    /// Precise words and the dictionary words inside them, for indexing.
    Index,
    /// Precise words only, for queries.
    Query,
}

/// Jieba with the project's dictionaries plus stopwords. Cheap to clone: the
/// dictionary is loaded once and shared behind an `Arc`, because tantivy
/// clones a tokenizer every time it fetches one.
#[derive(Clone)]
pub struct Analyzer {
    shared: Arc<SharedAnalyzer>,
}

struct SharedAnalyzer {
    jieba: Jieba,
    /// Looked up for every word of every title: a fast hash.
    stopwords: FxHashSet<String>,
    product_words: HashSet<String>,
    attribute_words: HashSet<String>,
    /// Query-time variants of a normalised term (`synonyms.txt`).
    synonyms: HashMap<String, Vec<String>>,
    /// Brands of `brands.dict` by their short forms (讯飞 → 科大讯飞).
    brand_short_forms: HashMap<String, Vec<String>>,
    dictionary_checksum: String,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("dictionary_checksum", &self.shared.dictionary_checksum)
            .finish()
    }
}

/// A token with whether it is a precise word or a sub-word of one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyzedToken {
    /// The token: text, offsets, position.
    pub token: Token,
    /// Whether it is a dictionary word inside a longer precise word.
    pub is_subword: bool,
}

impl Analyzer {
    /// Loads jieba's default dictionary and adds every user dictionary entry.
    /// Entries are given at least the frequency jieba needs to keep them
    /// whole, so a listed brand such as 美特斯邦威 is never split.
    pub fn new(dictionaries: &Dictionaries) -> Self {
        let mut jieba = Jieba::new();
        for entry in dictionaries.entries() {
            let needed = jieba.suggest_freq(&entry.word);
            let freq = entry.freq.unwrap_or(0).max(needed);
            jieba.add_word(&entry.word, Some(freq), entry.tag.as_deref());
        }
        let mut synonyms: HashMap<String, Vec<String>> = HashMap::new();
        for rule in dictionaries.synonyms() {
            for from in &rule.from {
                let variants = synonyms.entry(from.clone()).or_default();
                for to in &rule.to {
                    if to != from && !variants.contains(to) {
                        variants.push(to.clone());
                    }
                }
            }
        }
        Analyzer {
            shared: Arc::new(SharedAnalyzer {
                jieba,
                stopwords: dictionaries.stopwords().iter().cloned().collect(),
                product_words: dictionaries.product_words().clone(),
                attribute_words: dictionaries.attribute_words().clone(),
                synonyms,
                brand_short_forms: brand_short_forms(dictionaries.brand_words()),
                dictionary_checksum: dictionaries.checksum(),
            }),
        }
    }

    /// The query-time variants of normalised `term` from `synonyms.txt`.
    pub fn synonyms_of(&self, term: &str) -> &[String] {
        self.shared
            .synonyms
            .get(term)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The brands of `brands.dict` that normalised `word` is a short form
    /// of (讯飞 → 科大讯飞), as `brand_short_forms` reads them from the dictionary.
    pub fn brands_short_for(&self, word: &str) -> &[String] {
        self.shared
            .brand_short_forms
            .get(word)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The checksum of the dictionaries this analyzer was built from.
    pub fn dictionary_checksum(&self) -> &str {
        &self.shared.dictionary_checksum
    }

    /// Whether `word` (normalised) is an entry of jieba's dictionary or ours:
    /// used to tell a phrase that starts or ends inside a word.
    pub fn is_dictionary_word(&self, word: &str) -> bool {
        self.shared.jieba.has_word(word)
    }

    /// Whether `word` (normalised) is a stopword.
    pub fn is_stopword(&self, word: &str) -> bool {
        self.shared.stopwords.contains(word)
    }

    /// Analyses `text`, appending tokens (offsets into `text`) to `out`.
    pub fn analyze_into(&self, text: &str, mode: AnalyzerMode, out: &mut Vec<Token>) {
        self.analyze_each(text, mode, |token, _| out.push(token));
    }

    /// Analyses `text` in index mode, telling precise words from sub-words, so
    /// one segmentation feeds both the sub-word and the whole-word fields.
    pub fn analyze_tagged(&self, text: &str) -> Vec<AnalyzedToken> {
        let mut tokens = Vec::new();
        self.analyze_each(text, AnalyzerMode::Index, |token, is_subword| {
            tokens.push(AnalyzedToken { token, is_subword })
        });
        tokens
    }

    /// Dictionary words that together spell `word` exactly, left to right
    /// (小米手环 → 小米 手环), when `word` is one word of two or more parts:
    /// a title may write the parts apart where a query writes them together.
    pub fn subword_tiling(&self, word: &str) -> Option<Vec<String>> {
        let tagged = self.analyze_tagged(word);
        let [.., last] = tagged.as_slice() else {
            return None;
        };
        let whole = tagged.len() > 1
            && !last.is_subword
            && last.token.offset_from == 0
            && last.token.offset_to == word.len();
        if !whole {
            return None;
        }
        // Longest parts first, so the tiling has as few parts as possible.
        let mut parts: Vec<&Token> = tagged[..tagged.len() - 1]
            .iter()
            .map(|subword| &subword.token)
            .collect();
        parts.sort_by_key(|part| std::cmp::Reverse(part.offset_to - part.offset_from));
        let mut tiling = Vec::new();
        let mut at = 0;
        while at < word.len() {
            let part = parts.iter().find(|part| part.offset_from == at)?;
            tiling.push(part.text.clone());
            at = part.offset_to;
        }
        Some(tiling)
    }

    /// The token texts of `text`, for tests and diagnostics.
    pub fn token_texts(&self, text: &str, mode: AnalyzerMode) -> Vec<String> {
        let mut tokens = Vec::new();
        self.analyze_into(text, mode, &mut tokens);
        tokens.into_iter().map(|token| token.text).collect()
    }

    /// Precise jieba words of normalised `text` (stopwords and punctuation
    /// kept out, Latin and digit runs split): the units suggestion phrases
    /// are built from.
    pub fn words(&self, text: &str) -> Vec<String> {
        self.token_texts(text, AnalyzerMode::Query)
    }

    fn analyze_each(&self, text: &str, mode: AnalyzerMode, mut emit: impl FnMut(Token, bool)) {
        let normalized = Normalized::new(text);
        let folded = normalized.as_str();
        let jieba = &self.shared.jieba;
        let mut position = 0usize;
        let make_token = |folded_from: usize, folded_to: usize, position: usize| Token {
            offset_from: normalized.original_offset(folded_from),
            offset_to: normalized.original_offset(folded_to),
            position,
            text: folded[folded_from..folded_to].to_string(),
            position_length: 1,
        };
        let words = jieba.cut(folded, true);
        // Reused across words: the character boundaries of the current one.
        let mut char_offsets: Vec<usize> = Vec::new();
        let mut index = 0;
        while index < words.len() {
            let word = &words[index];
            index += 1;
            if !word.word.chars().any(is_token_char) {
                continue;
            }
            if !word.word.chars().any(is_han) {
                for (run_from, run_to) in alphanumeric_runs(word.word) {
                    let run = &word.word[run_from..run_to];
                    if self.is_stopword(run) {
                        continue;
                    }
                    let from = word.byte_start + run_from;
                    emit(make_token(from, from + run.len(), position), false);
                    position += 1;
                }
                continue;
            }
            if self.is_stopword(word.word) {
                continue;
            }
            // Join a product head character jieba left alone to the word
            // before it (熨烫|机 → 熨烫机, 表演|服 → 表演服): shop titles build
            // product nouns this way far more often than dictionaries list them.
            let mut word_end = word.byte_end;
            let mut head_end = None;
            if let Some(next) = words.get(index) {
                let next_is_head_char = next.end - next.start == 1
                    && next.word.chars().next().is_some_and(is_product_head_char);
                if next_is_head_char
                    && word.end - word.start >= 2
                    && next.byte_start == word.byte_end
                {
                    head_end = Some(word.byte_end);
                    word_end = next.byte_end;
                    index += 1;
                }
            }
            let span = &folded[word.byte_start..word_end];
            if mode == AnalyzerMode::Index {
                let mut subwords: Vec<(usize, usize)> = Vec::new();
                char_offsets.clear();
                char_offsets.extend(span.char_indices().map(|(offset, _)| offset));
                char_offsets.push(span.len());
                let char_count = char_offsets.len() - 1;
                for gram_len in [2usize, 3] {
                    if char_count <= gram_len {
                        continue;
                    }
                    for first in 0..=char_count - gram_len {
                        let gram = (char_offsets[first], char_offsets[first + gram_len]);
                        if jieba.has_word(&span[gram.0..gram.1]) {
                            subwords.push(gram);
                        }
                    }
                }
                if let Some(head_end) = head_end {
                    let head_len = head_end - word.byte_start;
                    subwords.push((0, head_len));
                    subwords.push((head_len, span.len()));
                }
                subwords.sort_unstable();
                subwords.dedup();
                for (from, to) in subwords {
                    if !self.is_stopword(&span[from..to]) {
                        let from = word.byte_start + from;
                        emit(make_token(from, word.byte_start + to, position), true);
                    }
                }
            }
            emit(make_token(word.byte_start, word_end, position), false);
            position += 1;
        }
    }
}

/// Buyers shorten a Chinese brand to its first or last characters (科大讯飞
/// → 讯飞, 美特斯邦威 → 邦威): every proper prefix and suffix of two
/// characters or more of a brand of three or more Chinese characters, to
/// the brands it shortens (in dictionary order), except short forms that
/// are brands themselves. The search only uses a short form that no title
/// holds as a word, so the many short forms that are common words (之家
/// of 海澜之家) change nothing.
fn brand_short_forms(brands: &HashSet<String>) -> HashMap<String, Vec<String>> {
    let mut sorted: Vec<&String> = brands.iter().collect();
    sorted.sort();
    let mut short_forms: HashMap<String, Vec<String>> = HashMap::new();
    for brand in sorted {
        let chars: Vec<char> = brand.chars().collect();
        if chars.len() < 3 || !chars.iter().all(|&c| is_han(c)) {
            continue;
        }
        for length in 2..chars.len() {
            let prefix: String = chars[..length].iter().collect();
            let suffix: String = chars[chars.len() - length..].iter().collect();
            for short in [prefix, suffix] {
                if brands.contains(&short) {
                    continue;
                }
                let shortened = short_forms.entry(short).or_default();
                if !shortened.contains(brand) {
                    shortened.push(brand.clone());
                }
            }
        }
    }
    short_forms
}

/// Characters that end product nouns (机, 器, 包, 裤, ...): joined to the
/// word before them when jieba leaves them alone.
fn is_product_head_char(c: char) -> bool {
    const HEADS: &str = "机器仪包袋衣裤鞋服被枕垫贴柜镜秤灯扇带杯架盒箱锅壶棒绳罩套膜霜液乳膏裙衫帽巾袜靴椅桌床毯帘盆桶瓶碗盘勺刀剪夹扣链梳刷笔球拍杆竿伞篮筐钩炉灶铛";
    HEADS.contains(c)
}

/// Byte ranges of the maximal runs of letters or of digits in a non-Han
/// word; a `.` between digits stays inside the number (15.6寸).
fn alphanumeric_runs(word: &str) -> Vec<(usize, usize)> {
    #[derive(PartialEq, Clone, Copy)]
    enum Class {
        Letter,
        Digit,
    }
    let class_of = |c: char| {
        if c.is_numeric() {
            Some(Class::Digit)
        } else if c.is_alphanumeric() {
            Some(Class::Letter)
        } else {
            None
        }
    };
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    let mut runs = Vec::new();
    let mut current: Option<(usize, Class)> = None;
    for (index, &(offset, c)) in chars.iter().enumerate() {
        let mut class = class_of(c);
        if c == '.' {
            let digit_before = index > 0 && chars[index - 1].1.is_ascii_digit();
            let digit_after = chars
                .get(index + 1)
                .is_some_and(|(_, next)| next.is_ascii_digit());
            if digit_before && digit_after {
                class = Some(Class::Digit);
            }
        }
        match (current, class) {
            (Some((_, running)), Some(class)) if running == class => {}
            (Some((start, _)), next) => {
                runs.push((start, offset));
                current = next.map(|class| (offset, class));
            }
            (None, next) => current = next.map(|class| (offset, class)),
        }
    }
    if let Some((start, _)) = current {
        runs.push((start, word.len()));
    }
    runs
}

/// An [`Analyzer`] in one mode, as a tantivy tokenizer.
#[derive(Clone)]
pub struct JiebaTokenizer {
    analyzer: Analyzer,
    mode: AnalyzerMode,
    tokens: Vec<Token>,
}

impl JiebaTokenizer {
    /// A tokenizer running `analyzer` in `mode`.
    pub fn new(analyzer: Analyzer, mode: AnalyzerMode) -> Self {
        JiebaTokenizer {
            analyzer,
            mode,
            tokens: Vec::new(),
        }
    }
}

/// Walks the tokens an analyzer produced into the tokenizer's buffer.
pub struct JiebaTokenStream<'a> {
    tokens: &'a mut [Token],
    next_index: usize,
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = JiebaTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> JiebaTokenStream<'a> {
        self.tokens.clear();
        self.analyzer
            .analyze_into(text, self.mode, &mut self.tokens);
        JiebaTokenStream {
            tokens: &mut self.tokens,
            next_index: 0,
        }
    }
}

impl TokenStream for JiebaTokenStream<'_> {
    fn advance(&mut self) -> bool {
        if self.next_index >= self.tokens.len() {
            return false;
        }
        self.next_index += 1;
        true
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next_index - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next_index - 1]
    }
}

/// Registers every analyzer the schema names in `index`'s tokenizer manager.
/// The indexer and the query server both call this, so they cannot drift.
pub fn register_analyzers(index: &tantivy::Index, analyzer: &Analyzer) {
    let tokenizers = index.tokenizers();
    tokenizers.register(
        INDEX_TOKENIZER,
        JiebaTokenizer::new(analyzer.clone(), AnalyzerMode::Index),
    );
    tokenizers.register(
        QUERY_TOKENIZER,
        JiebaTokenizer::new(analyzer.clone(), AnalyzerMode::Query),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn analyzer() -> &'static Analyzer {
        static ANALYZER: OnceLock<Analyzer> = OnceLock::new();
        ANALYZER.get_or_init(|| Analyzer::new(&Dictionaries::embedded()))
    }

    #[test]
    fn brand_short_forms_are_the_first_and_last_characters_of_a_brand() {
        let brands: HashSet<String> = ["科大讯飞", "海澜之家", "太平鸟", "小米"]
            .map(String::from)
            .into();
        let short_forms = brand_short_forms(&brands);
        assert_eq!(short_forms["讯飞"], ["科大讯飞"]);
        assert_eq!(short_forms["科大"], ["科大讯飞"]);
        assert_eq!(short_forms["科大讯"], ["科大讯飞"]);
        assert_eq!(short_forms["太平"], ["太平鸟"]);
        // Not a middle, not a brand itself, not from a two-character brand.
        assert!(!short_forms.contains_key("大讯"));
        assert!(!short_forms.contains_key("科大讯飞"));
        assert!(!short_forms.contains_key("小"));
        // The embedded dictionaries give the analyzer the same map.
        assert_eq!(analyzer().brands_short_for("讯飞"), ["科大讯飞"]);
        assert!(analyzer().brands_short_for("连衣裙").is_empty());
    }

    #[test]
    fn latin_and_digits_meet_across_spellings() {
        let query = |text| analyzer().token_texts(text, AnalyzerMode::Query);
        assert_eq!(query("iPhone15"), ["iphone", "15"]);
        assert_eq!(query("ＩＰＨＯＮＥ１５"), ["iphone", "15"]);
        assert_eq!(query("iphone 15"), ["iphone", "15"]);
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let text = "ＩＰＨＯＮＥ１５ 手机壳";
        let mut tokens = Vec::new();
        analyzer().analyze_into(text, AnalyzerMode::Index, &mut tokens);
        assert!(!tokens.is_empty());
        for token in tokens {
            let slice = &text[token.offset_from..token.offset_to];
            assert_eq!(crate::text::normalize(slice), token.text);
        }
    }

    #[test]
    fn subwords_share_the_position_of_their_word() {
        let tokens = analyzer().analyze_tagged("连帽卫衣");
        let whole = tokens.iter().find(|t| t.token.text == "连帽卫衣").unwrap();
        let part = tokens.iter().find(|t| t.token.text == "卫衣").unwrap();
        assert!(!whole.is_subword);
        assert!(part.is_subword);
        assert_eq!(whole.token.position, part.token.position);
    }

    /// Text drawn from what titles are made of: hanzi, full-width and
    /// ASCII letters and digits, punctuation, emoji, combining marks.
    fn shop_text() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::string::string_regex(
            "[\\u{4e00}-\\u{4e80}连衣裙卫衣手机壳李宁iPhone１５ＡＢ a-zA-Z0-9.,!#【】（）\\u{1F600}\\u{0301}\\u{00A0}]{0,40}",
        )
        .unwrap()
    }

    proptest::proptest! {
        #[test]
        fn offsets_fall_on_char_boundaries_inside_the_text(
            text in proptest::prop_oneof![shop_text(), proptest::arbitrary::any::<String>()]
        ) {
            for mode in [AnalyzerMode::Index, AnalyzerMode::Query] {
                let mut tokens = Vec::new();
                analyzer().analyze_into(&text, mode, &mut tokens);
                for token in &tokens {
                    proptest::prop_assert!(token.offset_from <= token.offset_to);
                    proptest::prop_assert!(token.offset_to <= text.len());
                    proptest::prop_assert!(text.is_char_boundary(token.offset_from));
                    proptest::prop_assert!(text.is_char_boundary(token.offset_to));
                    proptest::prop_assert!(!token.text.is_empty());
                }
            }
        }
    }

    #[test]
    fn decimals_stay_whole() {
        assert_eq!(alphanumeric_runs("15.6"), [(0, 4)]);
        assert_eq!(alphanumeric_runs("x200"), [(0, 1), (1, 4)]);
        assert_eq!(alphanumeric_runs("wes-5.4"), [(0, 3), (4, 7)]);
    }
}
