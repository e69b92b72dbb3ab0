//! Query understanding from the catalog itself: the words of a query, their
//! variants, how rare each is (IDF), which one names the product (中心词),
//! and which words a relaxed search may drop.

use serde::Serialize;
use tantivy::query::{BooleanQuery, EnableScoring, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocSet, Searcher, Term, TERMINATED};

use super::query::{required_query, word_query};
use super::SearchContext;
use crate::analysis::AnalyzerMode;
use crate::error::Result;
use crate::schema::DocType;
use crate::text::is_han;

/// Words of a query that take part in a search: the rarest ones and the
/// product word when a query has more (every word costs a scorer per
/// document it might match).
const MAX_QUERY_WORDS: usize = 16;

/// With no word required, words held by more than this share of the
/// documents only count for hits that other words retrieved.
const ANY_WORD_MAX_SHARE: f64 = 0.02;

/// A word held by at most this many documents always retrieves: in a small
/// catalog every word is cheap.
const ANY_WORD_MIN_LIMIT: u64 = 1_000;

/// What a word does in the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WordRole {
    /// The word naming what is bought (钱包 in 真皮钱包), a word the
    /// dictionaries know as a product: dropped last.
    Product,
    /// The product word guessed as the last plain noun of the query (总成 in
    /// 节气门总成 is not known to name a product): it sets the product-word
    /// tier, but relaxation drops it by IDF like any other word.
    GuessedProduct,
    /// A brand or another word the product must have.
    Attribute,
}

/// One word of the query with its variants and statistics.
#[derive(Debug, Clone)]
pub struct QueryWord {
    /// The word as analysed (normalised).
    pub text: String,
    /// The word as typed, then its parts (小米手环 → 小米 手环) when a
    /// dictionary splits it, then its synonyms; each as query-mode tokens (a
    /// variant of several tokens must match them side by side).
    pub variants: Vec<Vec<String>>,
    /// Documents holding the word or a variant in some field (an upper bound:
    /// the largest count over fields and variants).
    pub document_frequency: u64,
    /// BM25's inverse document frequency of that count.
    pub idf: f32,
    /// What the word is to the query.
    pub role: WordRole,
}

/// The words of a query and the subset every hit must match.
#[derive(Debug, Clone)]
pub struct QueryPlan {
    /// The query's words in order.
    pub words: Vec<QueryWord>,
    /// Index into `words` of the product word, if the query names one.
    pub product_word: Option<usize>,
    /// Indexes of the words every hit matches (all words unless relaxed;
    /// none when even the most important word alone matched too few
    /// documents, and then a hit matches any present word).
    pub required: Vec<usize>,
    /// Indexes of the words dropped by relaxation, in the order dropped.
    pub dropped: Vec<usize>,
    /// When no word is required: the words whose documents are retrieved.
    pub any_word: Vec<usize>,
}

impl QueryPlan {
    /// Analyses `text`, looks up every word's statistics and relaxes the
    /// required words until enough documents of `doc_type` match.
    pub fn new(context: &SearchContext<'_>, text: &str, doc_type: Option<DocType>) -> Result<Self> {
        let analyzer = context.analyzer;
        let searcher = context.searcher;
        let mut tokens = analyzer.token_texts(text, AnalyzerMode::Query);
        tokens.dedup();
        let tokens = join_single_characters(context, tokens)?;
        let total_documents = searcher.num_docs().max(1);
        let mut words = Vec::new();
        let mut index = 0;
        while index < tokens.len() {
            // A synonym may span several query words (手提 电脑 → 手提电脑).
            let joined = (2..=3)
                .rev()
                .filter(|span| index + span <= tokens.len())
                .map(|span| (span, tokens[index..index + span].concat()))
                .find(|(_, joined)| !analyzer.synonyms_of(joined).is_empty());
            let (span, word) = joined.unwrap_or_else(|| (1, tokens[index].clone()));
            index += span;
            if words.iter().any(|known: &QueryWord| known.text == word) {
                continue;
            }
            let query_word = query_word(context, word, span, total_documents)?;
            // A word no title holds, written as parts some titles do hold
            // (助力带 → 助力 带; 小米 手环 joined for a synonym), is searched
            // as its parts, each a word of its own, rather than dropped whole.
            let parts = match (query_word.document_frequency, span) {
                (0, 1) => match analyzer.subword_tiling(&query_word.text) {
                    Some(tiling) => Some(tiling),
                    None => held_parts(context, &query_word.text)?,
                },
                (0, _) => Some(tokens[index - span..index].to_vec()),
                _ => None,
            };
            let Some(parts) = parts else {
                words.push(query_word);
                continue;
            };
            for part in parts {
                if !words.iter().any(|known| known.text == part) {
                    words.push(self::query_word(context, part, 1, total_documents)?);
                }
            }
        }
        if words.len() > MAX_QUERY_WORDS {
            words = rarest_words(context, words);
        }
        let product_word = product_word(context, &words);
        if let Some(product) = product_word {
            words[product].role = if names_product(context, &words[product]) {
                WordRole::Product
            } else {
                WordRole::GuessedProduct
            };
        }
        let mut plan = QueryPlan {
            required: (0..words.len()).collect(),
            dropped: Vec::new(),
            any_word: Vec::new(),
            words,
            product_word,
        };
        plan.relax(context, doc_type)?;
        Ok(plan)
    }

    /// Whether some word of the query occurs in the catalog at all.
    pub fn matches_anything(&self) -> bool {
        self.words.iter().any(|word| word.document_frequency > 0)
    }

    /// Drops words that match nothing, then the least important words, as
    /// few as needed for `relax_min_hits` documents to match every word
    /// kept (one word at the least); then, when the most important word alone
    /// finds too few, any word retrieves (see [`QueryPlan::any_word`]).
    fn relax(&mut self, context: &SearchContext<'_>, doc_type: Option<DocType>) -> Result<()> {
        let absent: Vec<usize> = self
            .required
            .iter()
            .copied()
            .filter(|&word| self.words[word].document_frequency == 0)
            .collect();
        for word in absent {
            self.drop_word(word);
        }
        let wanted = context.config.relax_min_hits;
        // Least important first; of equal importance the earlier word (the
        // head of a Chinese noun phrase comes last).
        let mut order = self.required.clone();
        order.sort_by(|&left, &right| {
            self.importance(left)
                .total_cmp(&self.importance(right))
                .then(left.cmp(&right))
        });
        // Dropping more words never matches fewer documents, so the fewest
        // drops that reach `wanted` are found by bisection: a long query
        // costs a few counts, not one per word.
        let enough = |plan: &mut QueryPlan, dropped: usize| -> Result<bool> {
            plan.required = order[dropped..].to_vec();
            plan.required.sort_unstable();
            let query = required_query(context, plan, doc_type);
            matches_at_least(context.searcher, query.as_ref(), wanted)
        };
        let (mut low, mut high) = (0, order.len().saturating_sub(1));
        if !order.is_empty() && !enough(self, 0)? {
            // `low` drops are too few, `high` drops (one word left) may do;
            // whether they do is known once a count has said so.
            let mut high_enough = None;
            while high - low > 1 {
                let middle = (low + high) / 2;
                if enough(self, middle)? {
                    high = middle;
                    high_enough = Some(true);
                } else {
                    low = middle;
                }
            }
            let last_only_enough = match high_enough {
                Some(known) => known,
                None => enough(self, high)?,
            };
            for &word in &order[..high] {
                self.dropped.push(word);
            }
            self.required = order[high..].to_vec();
            self.required.sort_unstable();
            if !last_only_enough {
                self.retrieve_any_word(context, doc_type)?;
            }
        } else {
            self.required = order;
            self.required.sort_unstable();
        }
        Ok(())
    }

    /// Even the most important word alone finds too few documents: any word
    /// retrieves. Common words (held by more than [`ANY_WORD_MAX_SHARE`] of
    /// the documents and more than [`ANY_WORD_MIN_LIMIT`]) only count for
    /// documents other words retrieve, since merging their long posting
    /// lists is what makes such a search slow and a hit of a common word
    /// alone is a poor hit; the most important word always retrieves, and
    /// when the chosen words find nothing of the wanted type, every present
    /// word does.
    fn retrieve_any_word(
        &mut self,
        context: &SearchContext<'_>,
        doc_type: Option<DocType>,
    ) -> Result<()> {
        let [last] = self.required[..] else {
            return Ok(());
        };
        let present = self.present_words();
        if present.len() < 2 {
            return Ok(());
        }
        self.drop_word(last);
        let total_documents = context.searcher.num_docs();
        let limit =
            ((total_documents as f64 * ANY_WORD_MAX_SHARE).ceil() as u64).max(ANY_WORD_MIN_LIMIT);
        self.any_word = present
            .iter()
            .copied()
            .filter(|&word| word == last || self.words[word].document_frequency <= limit)
            .collect();
        let query = required_query(context, self, doc_type);
        if !matches_at_least(context.searcher, query.as_ref(), 1)? {
            self.any_word = present;
        }
        Ok(())
    }

    /// The word that sets the product-word tier: the product word, unless
    /// it is only guessed (no dictionary names a product with it) and
    /// relaxation dropped it. Then nothing says it names what is bought
    /// (讯飞有声: 有声 is no product), and hits of the other words would
    /// rank below every hit of it.
    pub fn tier_word(&self) -> Option<usize> {
        self.product_word.filter(|&word| {
            self.words[word].role == WordRole::Product || !self.dropped.contains(&word)
        })
    }

    /// Indexes of the words that can match (some document holds them).
    pub fn present_words(&self) -> Vec<usize> {
        (0..self.words.len())
            .filter(|&word| self.words[word].document_frequency > 0)
            .collect()
    }

    fn drop_word(&mut self, word: usize) {
        self.required.retain(|&required| required != word);
        self.dropped.push(word);
    }

    /// How much a hit needs the word: its IDF, a dictionary product word far
    /// above every other.
    fn importance(&self, word: usize) -> f32 {
        let word = &self.words[word];
        match word.role {
            WordRole::Product => 1_000.0 + word.idf,
            WordRole::GuessedProduct | WordRole::Attribute => word.idf,
        }
    }

    /// The texts of the dropped words.
    pub fn dropped_texts(&self) -> Vec<String> {
        self.dropped
            .iter()
            .map(|&word| self.words[word].text.clone())
            .collect()
    }
}

/// The word `word` of the query (made of `span` query tokens) with its
/// variants (as typed, its dictionary parts, its synonyms) and how many
/// documents hold one of them.
fn query_word(
    context: &SearchContext<'_>,
    word: String,
    span: usize,
    total_documents: u64,
) -> Result<QueryWord> {
    let analyzer = context.analyzer;
    let tiling = (span == 1)
        .then(|| analyzer.subword_tiling(&word))
        .flatten();
    let brands = brand_variants(context, &word)?;
    let variants: Vec<Vec<String>> = std::iter::once(split_word(context, &word, span))
        .chain(tiling)
        .chain(
            analyzer
                .synonyms_of(&word)
                .iter()
                .chain(brands)
                .map(|variant| analyzer.token_texts(variant, AnalyzerMode::Query))
                .filter(|tokens| !tokens.is_empty()),
        )
        .collect();
    let (estimate, estimate_is_exact) = document_frequency(context, &variants)?;
    let mut query_word = QueryWord {
        idf: idf(estimate, total_documents),
        role: WordRole::Attribute,
        text: word,
        variants,
        document_frequency: estimate,
    };
    // The estimate of a variant of several tokens is its rarest token's count,
    // though the tokens may never stand side by side: when only such variants
    // count, count the documents they really match, so that a word matching
    // nothing is dropped (or split) instead of emptying the page.
    if estimate > 0 && !estimate_is_exact {
        let matched = context.searcher.search(
            word_query(context, &query_word).as_ref(),
            &tantivy::collector::Count,
        )? as u64;
        query_word.document_frequency = matched;
        query_word.idf = idf(matched, total_documents);
    }
    Ok(query_word)
}

/// The brands `word` is a short form of (讯飞 → 科大讯飞), when no title
/// holds `word` itself as a word: a short form that titles hold is a word
/// of its own (之家, 良品), and searching it as a brand would be a guess.
fn brand_variants<'a>(context: &SearchContext<'a>, word: &str) -> Result<&'a [String]> {
    let brands = context.analyzer.brands_short_for(word);
    if brands.is_empty() {
        return Ok(brands);
    }
    let term = Term::from_field_text(context.fields.title, word);
    Ok(if context.searcher.doc_freq(&term)? == 0 {
        brands
    } else {
        &[]
    })
}

/// The share of the query's other words (those titles hold) that some title
/// must hold beside a homophone reading for it to be taken.
const HOMOPHONE_BESIDE_SHARE: f64 = 1.0;

/// Fewest characters of a stretch of the query read for a typing mistake:
/// two-character words are so many that most names the catalog lacks are
/// one sound away from one (国网 → 国王, 小脸 → 笑脸).
const MIN_HOMOPHONE_SPAN_CHARS: usize = 3;

/// Longest characters of a stretch of the query read for a typing mistake.
const MAX_HOMOPHONE_SPAN_CHARS: usize = 4;

/// The query with each word that would otherwise be dropped whole read as
/// its closest homophone the catalog holds (地扳革 → 地板革): a Chinese
/// word of two characters or more that no dictionary knows and no title
/// holds, that is no synonym or brand short form, and that neither the
/// dictionaries nor the titles' words split, together with the single
/// characters jieba left beside it (地|扳革; the widest stretch of
/// [`MIN_HOMOPHONE_SPAN_CHARS`] to [`MAX_HOMOPHONE_SPAN_CHARS`] characters
/// that gives a reading), with one character replaced by another of the
/// same pinyin (tones aside), when the result is a dictionary word whose
/// words titles hold side by side, beside the query's other words (see
/// [`closest_homophone`]); of several, the one the most such titles hold.
/// `None` when nothing changed.
pub(crate) fn homophone_correction(
    context: &SearchContext<'_>,
    text: &str,
) -> Result<Option<String>> {
    let analyzer = context.analyzer;
    let mut tokens = Vec::new();
    analyzer.analyze_into(text, AnalyzerMode::Query, &mut tokens);
    let is_han_word = |word: &str| !word.is_empty() && word.chars().all(is_han);
    let is_single_han = |word: &str| is_han_word(word) && word.chars().count() == 1;
    // A word that could be a slip: Han, short, known to no dictionary. Most
    // queries have none, and then no term is looked up at all.
    let could_be_a_slip = |word: &str| {
        is_han_word(word)
            && (2..=MAX_HOMOPHONE_SPAN_CHARS).contains(&word.chars().count())
            && !analyzer.is_dictionary_word(word)
            && analyzer.synonyms_of(word).is_empty()
            && analyzer.brands_short_for(word).is_empty()
    };
    if !tokens.iter().any(|token| could_be_a_slip(&token.text)) {
        return Ok(None);
    }
    let held = tokens
        .iter()
        .map(|token| Ok(title_frequency(context, &token.text)? > 0))
        .collect::<Result<Vec<bool>>>()?;
    let mut corrected = text.to_string();
    let mut changed = false;
    // Right to left, so a replaced stretch leaves the offsets before it valid.
    let mut limit = text.len();
    for index in (0..tokens.len()).rev() {
        let word = tokens[index].text.as_str();
        // A longer word cannot sit in a stretch short enough to be read.
        if !could_be_a_slip(word) || tokens[index].offset_to > limit {
            continue;
        }
        // Held by any searched field (a brand or category only some
        // products name is no slip), or searchable as its parts.
        if held[index]
            || held_anywhere(context, word)?
            || analyzer.subword_tiling(word).is_some()
            || held_parts(context, word)?.is_some()
        {
            continue;
        }
        let (mut first, mut last) = (index, index);
        while first > 0
            && is_single_han(&tokens[first - 1].text)
            && tokens[first - 1].offset_to == tokens[first].offset_from
        {
            first -= 1;
        }
        while last + 1 < tokens.len()
            && is_single_han(&tokens[last + 1].text)
            && tokens[last + 1].offset_from == tokens[last].offset_to
            && tokens[last + 1].offset_to <= limit
        {
            last += 1;
        }
        // The widest stretch first: 地扳革 is the word, not 扳革.
        let mut stretches: Vec<(usize, usize)> = (first..=index)
            .flat_map(|from| (index..=last).map(move |to| (from, to)))
            .map(|(from, to)| (tokens[from].offset_from, tokens[to].offset_to))
            .collect();
        stretches.sort_by_key(|&(start, end)| (std::cmp::Reverse(end - start), start));
        for (start, end) in stretches {
            let Some(span) = text.get(start..end) else {
                continue;
            };
            let span_chars = span.chars().count();
            if !(MIN_HOMOPHONE_SPAN_CHARS..=MAX_HOMOPHONE_SPAN_CHARS).contains(&span_chars) {
                continue;
            }
            let beside: Vec<String> = tokens
                .iter()
                .zip(&held)
                .filter(|(token, &held)| {
                    held && (token.offset_to <= start || token.offset_from >= end)
                })
                .map(|(token, _)| token.text.clone())
                .collect();
            if let Some(best) = closest_homophone(context, span, &beside)? {
                corrected.replace_range(start..end, &best);
                changed = true;
                limit = start;
                break;
            }
        }
    }
    Ok(changed.then_some(corrected))
}

/// Documents whose title holds `word`.
/// Whether any field a query searches holds `word`.
fn held_anywhere(context: &SearchContext<'_>, word: &str) -> Result<bool> {
    for field in context.fields.searched_text_fields() {
        if context
            .searcher
            .doc_freq(&Term::from_field_text(field, word))?
            > 0
        {
            return Ok(true);
        }
    }
    Ok(false)
}

fn title_frequency(context: &SearchContext<'_>, word: &str) -> Result<u64> {
    let term = Term::from_field_text(context.fields.title, word);
    Ok(context.searcher.doc_freq(&term)?)
}

/// `span` with one character replaced by a homophone, such that the most
/// titles hold its words side by side, beside [`HOMOPHONE_BESIDE_SHARE`]
/// of `beside` (the query's other words titles hold): the reading must
/// make sense with the rest of the query as the catalog's titles write it
/// (国网充电桩 is not 国王 充电桩). At least one title must.
fn closest_homophone(
    context: &SearchContext<'_>,
    span: &str,
    beside: &[String],
) -> Result<Option<String>> {
    let title_term = |word: &String| Term::from_field_text(context.fields.title, word);
    let beside_query: Option<Box<dyn Query>> = (!beside.is_empty()).then(|| {
        let clauses: Vec<(Occur, Box<dyn Query>)> = beside
            .iter()
            .map(|word| {
                let query: Box<dyn Query> =
                    Box::new(TermQuery::new(title_term(word), IndexRecordOption::Basic));
                (Occur::Should, query)
            })
            .collect();
        let wanted = ((beside.len() as f64 * HOMOPHONE_BESIDE_SHARE).ceil() as usize).max(1);
        Box::new(BooleanQuery::with_minimum_required_clauses(clauses, wanted)) as Box<dyn Query>
    });
    let chars: Vec<char> = span.chars().collect();
    let mut best: Option<(usize, String)> = None;
    for position in 0..chars.len() {
        for other in crate::suggest::keys::homophones(chars[position]) {
            if other == chars[position] {
                continue;
            }
            let mut candidate = chars.clone();
            candidate[position] = other;
            let candidate: String = candidate.into_iter().collect();
            if !context.analyzer.is_dictionary_word(&candidate) {
                continue;
            }
            let words = context
                .analyzer
                .token_texts(&candidate, AnalyzerMode::Query);
            // No character may be lost as a stopword.
            let mut all_held = words.concat() == candidate;
            let mut rarest = u64::MAX;
            for word in &words {
                let count = title_frequency(context, word)?;
                rarest = rarest.min(count);
                if count == 0 {
                    all_held = false;
                    break;
                }
            }
            // The rarest word's count bounds every count below.
            if !all_held
                || best
                    .as_ref()
                    .is_some_and(|(count, _)| rarest as usize <= *count)
            {
                continue;
            }
            let reading: Box<dyn Query> = match &words[..] {
                [word] => Box::new(TermQuery::new(title_term(word), IndexRecordOption::Basic)),
                _ => Box::new(PhraseQuery::new(words.iter().map(title_term).collect())),
            };
            let query: Box<dyn Query> = match &beside_query {
                None => reading,
                Some(beside) => Box::new(BooleanQuery::new(vec![
                    (Occur::Must, reading),
                    (Occur::Must, beside.box_clone()),
                ])),
            };
            let count = context
                .searcher
                .search(query.as_ref(), &tantivy::collector::Count)?;
            if count > 0 && best.as_ref().is_none_or(|(most, _)| count > *most) {
                best = Some((count, candidate));
            }
        }
    }
    Ok(best.map(|(_, candidate)| candidate))
}

/// Longest words a word splits into, left to right, that titles hold (南瓜饼
/// → 南瓜 饼 where jieba keeps 南瓜饼 whole and no title has it), when one
/// of them has two characters or more; for a word no title holds and the
/// dictionaries cannot split.
fn held_parts(context: &SearchContext<'_>, word: &str) -> Result<Option<Vec<String>>> {
    /// Longer words are phrases jieba could not split; not worth the lookups.
    const MAX_CHARS: usize = 12;
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    if chars.len() < 2 || chars.len() > MAX_CHARS || !chars.iter().all(|&(_, c)| is_han(c)) {
        return Ok(None);
    }
    let held = |text: &str| -> Result<bool> {
        let term = Term::from_field_text(context.fields.title, text);
        Ok(context.searcher.doc_freq(&term)? > 0)
    };
    let mut parts = Vec::new();
    let mut start = 0;
    while start < chars.len() {
        let from = chars[start].0;
        let mut found = None;
        // The longest piece first, never the whole word (titles lack it).
        let longest = if start == 0 {
            chars.len() - 1
        } else {
            chars.len() - start
        };
        for length in (1..=longest).rev() {
            let to = chars
                .get(start + length)
                .map_or(word.len(), |&(offset, _)| offset);
            if held(&word[from..to])? {
                found = Some((length, &word[from..to]));
                break;
            }
        }
        let Some((length, piece)) = found else {
            return Ok(None);
        };
        parts.push(piece.to_string());
        start += length;
    }
    let has_a_word = parts.iter().any(|part| part.chars().count() >= 2);
    Ok(has_a_word.then_some(parts))
}

/// Joins runs of single Chinese characters that jieba left apart in a short
/// query (讯|飞|有声) into the word the catalog holds, or into the short
/// form of a brand (讯飞 of 科大讯飞).
fn join_single_characters(context: &SearchContext<'_>, tokens: Vec<String>) -> Result<Vec<String>> {
    let is_single_han = |token: &String| {
        let mut chars = token.chars();
        matches!((chars.next(), chars.next()), (Some(c), None) if is_han(c))
    };
    let mut joined = Vec::with_capacity(tokens.len());
    let mut index = 0;
    while index < tokens.len() {
        let run = tokens[index..]
            .iter()
            .take_while(|token| is_single_han(token))
            .count()
            .min(4);
        let mut taken = 1;
        for length in (2..=run).rev() {
            let word = tokens[index..index + length].concat();
            let term = Term::from_field_text(context.fields.title, &word);
            // A brand's short form is searched as the brand (see
            // `query_word`).
            if context.searcher.doc_freq(&term)? > 0
                || !context.analyzer.brands_short_for(&word).is_empty()
            {
                taken = length;
                break;
            }
        }
        joined.push(tokens[index..index + taken].concat());
        index += taken;
    }
    Ok(joined)
}

/// The [`MAX_QUERY_WORDS`] words of `words` to search with: the product
/// word and the rarest others, in query order.
fn rarest_words(context: &SearchContext<'_>, words: Vec<QueryWord>) -> Vec<QueryWord> {
    let product = product_word(context, &words);
    let mut by_rarity: Vec<usize> = (0..words.len())
        .filter(|&word| Some(word) != product)
        .collect();
    by_rarity.sort_by(|&left, &right| words[right].idf.total_cmp(&words[left].idf));
    let mut kept: Vec<usize> = by_rarity
        .into_iter()
        .take(MAX_QUERY_WORDS - usize::from(product.is_some()))
        .chain(product)
        .collect();
    kept.sort_unstable();
    let mut words: Vec<Option<QueryWord>> = words.into_iter().map(Some).collect();
    kept.into_iter()
        .filter_map(|word| words[word].take())
        .collect()
}

/// Whether at least `wanted` live documents match `query`: stops counting
/// there, so a common word costs no more than a rare one.
fn matches_at_least(searcher: &Searcher, query: &dyn Query, wanted: usize) -> Result<bool> {
    let weight = query.weight(EnableScoring::disabled_from_searcher(searcher))?;
    let mut found = 0;
    for segment in searcher.segment_readers() {
        let mut scorer = weight.scorer(segment, 1.0)?;
        let alive = segment.alive_bitset();
        let mut doc = scorer.doc();
        while doc != TERMINATED {
            if alive.is_none_or(|alive| alive.is_alive(doc)) {
                found += 1;
                if found >= wanted {
                    return Ok(true);
                }
            }
            doc = scorer.advance();
        }
    }
    Ok(found >= wanted)
}

/// A word joined from several query tokens keeps them as its first variant
/// (the catalog may hold them apart); otherwise the word itself.
fn split_word(context: &SearchContext<'_>, word: &str, span: usize) -> Vec<String> {
    if span == 1 {
        return vec![word.to_string()];
    }
    context.analyzer.token_texts(word, AnalyzerMode::Query)
}

/// The largest document count of any variant in any searched field (a
/// variant of several tokens counts as its rarest token), and whether a
/// variant of one token is held, which makes that count exact rather than
/// an upper bound.
fn document_frequency(
    context: &SearchContext<'_>,
    variants: &[Vec<String>],
) -> Result<(u64, bool)> {
    let mut largest = 0;
    let mut single_token_held = false;
    for variant in variants {
        let mut rarest = u64::MAX;
        for token in variant {
            let mut token_count = 0;
            for field in context.fields.searched_text_fields() {
                token_count = token_count.max(
                    context
                        .searcher
                        .doc_freq(&Term::from_field_text(field, token))?,
                );
            }
            rarest = rarest.min(token_count);
        }
        if rarest != u64::MAX {
            largest = largest.max(rarest);
            single_token_held |= variant.len() == 1 && rarest > 0;
        }
    }
    Ok((largest, single_token_held))
}

/// BM25's IDF (as tantivy computes it).
fn idf(document_frequency: u64, total_documents: u64) -> f32 {
    let df = document_frequency.min(total_documents) as f32;
    let total = total_documents as f32;
    (1.0 + (total - df + 0.5) / (df + 0.5)).ln()
}

/// The product word: the last word (Chinese noun phrases are head-final)
/// that names a kind of product; else the last Chinese word of two or more
/// characters that is not an attribute (brand, material, audience, …).
fn product_word(context: &SearchContext<'_>, words: &[QueryWord]) -> Option<usize> {
    let analyzer = context.analyzer;
    let present = |word: &QueryWord| word.document_frequency > 0;
    let plain_noun = |word: &QueryWord| {
        !analyzer.is_attribute_word(&word.text)
            && word.text.chars().filter(|&c| is_han(c)).count() >= 2
    };
    words
        .iter()
        .rposition(|word| present(word) && names_product(context, word))
        .or_else(|| {
            words
                .iter()
                .rposition(|word| present(word) && plain_noun(word))
        })
}

/// Whether the dictionaries know `word` (or a one-word variant) as a
/// product word.
fn names_product(context: &SearchContext<'_>, word: &QueryWord) -> bool {
    let analyzer = context.analyzer;
    analyzer.is_product_word(&word.text)
        || word
            .variants
            .iter()
            .any(|variant| variant.len() == 1 && analyzer.is_product_word(&variant[0]))
}
