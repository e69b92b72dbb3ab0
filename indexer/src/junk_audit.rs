//! The junk audit of `indexer eval-suggest`: of the top 10 shown for the
//! most common one- and two-character prefixes of real queries, the share
//! that breaks a hygiene rule, judged from the suggestion, the index and the
//! training log alone (so a build without the rules is judged alike).

use livesearch::analysis::Analyzer;
use livesearch::suggest::index::DROP_DOWN_LEN;
use livesearch::suggest::mine::hygiene::{
    canonical_model_spacing, has_stray_latin, QueryEvidence, ShapeLimits,
};
use livesearch::suggest::{HygieneRule, SuggestIndex};

/// Share of a suggestion's evidence a longer candidate shown under it must
/// hold for it to count as a fragment (the miner's rule).
const FRAGMENT_SHARE: f64 = 0.8;

pub struct JunkAudit<'a> {
    pub analyzer: &'a Analyzer,
    pub shape: ShapeLimits,
    pub evidence: QueryEvidence,
}

#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct AuditResult {
    pub prefixes: usize,
    pub shown: usize,
    pub junk: usize,
    pub by_rule: Vec<(HygieneRule, usize)>,
}

impl AuditResult {
    pub fn share(&self) -> f64 {
        self.junk as f64 / self.shown.max(1) as f64
    }
}

impl JunkAudit<'_> {
    /// The rule `text`, shown by `index`, breaks, if any. Logged queries
    /// break none: they are what people typed.
    pub fn broken_rule(&self, index: &SuggestIndex, text: &str) -> Option<HygieneRule> {
        let (_, candidate) = index.find(text)?;
        if candidate.components.queried {
            return None;
        }
        if canonical_model_spacing(text, false) != text {
            return Some(HygieneRule::ModelNumberSpacing);
        }
        if has_stray_latin(text) {
            return Some(HygieneRule::StrayLatin);
        }
        if self.shape.is_run_on(text, self.analyzer.words(text).len()) {
            return Some(HygieneRule::RunOn);
        }
        let curated = candidate.components.curated;
        if !curated && !self.evidence.appears_in_log(text) && !self.analyzer.is_product_word(text) {
            return Some(HygieneRule::NotQueryLike);
        }
        let evidence = |components: &livesearch::suggest::Components| {
            components.documents as f64 + f64::from(components.recent_search)
        };
        let own = evidence(&candidate.components);
        let fragment = !curated
            && index.suggest(text, 20).iter().any(|longer| {
                longer.text.len() > text.len()
                    && longer.text.starts_with(text)
                    && index.find(&longer.text).is_some_and(|(_, longer)| {
                        evidence(&longer.components) >= FRAGMENT_SHARE * own
                    })
            });
        fragment.then_some(HygieneRule::PrefixFragment)
    }

    pub fn run(&self, index: &SuggestIndex, prefixes: &[String]) -> AuditResult {
        let mut result = AuditResult {
            prefixes: prefixes.len(),
            ..AuditResult::default()
        };
        for prefix in prefixes {
            for suggestion in index.suggest(prefix, DROP_DOWN_LEN) {
                result.shown += 1;
                if let Some(rule) = self.broken_rule(index, &suggestion.text) {
                    result.junk += 1;
                    match result.by_rule.iter_mut().find(|(each, _)| *each == rule) {
                        Some((_, count)) => *count += 1,
                        None => result.by_rule.push((rule, 1)),
                    }
                }
            }
        }
        result
    }
}

/// The `count` most common first one and first two characters of `queries`.
pub fn common_prefixes(queries: &[String], count: usize) -> Vec<String> {
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for query in queries {
        let chars: Vec<char> = query.chars().collect();
        for length in 1..=2.min(chars.len()) {
            *counts.entry(chars[..length].iter().collect()).or_default() += 1;
        }
    }
    let mut ranked: Vec<(String, usize)> = counts.into_iter().collect();
    ranked.sort_by(|left, right| right.1.cmp(&left.1).then(left.0.cmp(&right.0)));
    ranked
        .into_iter()
        .take(count)
        .map(|(prefix, _)| prefix)
        .collect()
}
