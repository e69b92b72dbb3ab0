//! The tantivy queries of a plan: one per word (any field, any variant),
//! the required words together, the product word among a title's heads, and
//! neighbouring query words side by side in the title.

use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;

use super::plan::{QueryPlan, QueryWord};
use super::SearchContext;
use crate::schema::DocType;

/// Matches `word` or one of its variants in any searched field, scored by
/// BM25 with the configured field boosts; variants weigh `synonym_boost`.
pub(crate) fn word_query(context: &SearchContext<'_>, word: &QueryWord) -> Box<dyn Query> {
    let config = context.config;
    let fields = context.fields;
    let field_boosts = [
        (fields.title, config.title_boost),
        (fields.title_words, config.title_words_boost),
        (fields.brand, config.brand_boost),
        (fields.anchor_name, config.anchor_name_boost),
        (fields.category, config.category_boost),
    ];
    let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for (variant_index, variant) in word.variants.iter().enumerate() {
        let variant_boost = if variant_index == 0 {
            1.0
        } else {
            config.synonym_boost
        };
        for &(field, boost) in &field_boosts {
            if boost <= 0.0 {
                continue;
            }
            // `title_words` has no positions: whole words only.
            if variant.len() > 1 && field == fields.title_words {
                continue;
            }
            // Variants are looked for in the title only: every field a
            // variant is looked for in is one more posting list to merge for
            // every document, and titles are where shops write variants.
            if variant_index > 0 && field != fields.title {
                continue;
            }
            let Some(query) = tokens_query(field, variant) else {
                continue;
            };
            alternatives.push((
                Occur::Should,
                Box::new(BoostQuery::new(query, boost * variant_boost)),
            ));
        }
    }
    Box::new(BooleanQuery::new(alternatives))
}

/// One token as a term query; several as a phrase (side by side, in order).
fn tokens_query(field: Field, tokens: &[String]) -> Option<Box<dyn Query>> {
    match tokens {
        [] => None,
        [token] => Some(Box::new(TermQuery::new(
            Term::from_field_text(field, token),
            IndexRecordOption::WithFreqs,
        ))),
        _ => Some(Box::new(PhraseQuery::new(
            tokens
                .iter()
                .map(|token| Term::from_field_text(field, token))
                .collect(),
        ))),
    }
}

/// Every required word of `plan` (any present word when none is
/// required), and the type filter.
pub(crate) fn required_query(
    context: &SearchContext<'_>,
    plan: &QueryPlan,
    doc_type: Option<DocType>,
) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = if plan.required.is_empty() {
        let any_word: Vec<(Occur, Box<dyn Query>)> = plan
            .any_word
            .iter()
            .copied()
            .map(|word| (Occur::Should, word_query(context, &plan.words[word])))
            .collect();
        vec![(Occur::Must, Box::new(BooleanQuery::new(any_word)))]
    } else {
        plan.required
            .iter()
            .map(|&word| (Occur::Must, word_query(context, &plan.words[word])))
            .collect()
    };
    if let Some(doc_type) = doc_type {
        let type_filter = TermQuery::new(
            Term::from_field_text(context.fields.doc_type, doc_type.as_str()),
            IndexRecordOption::Basic,
        );
        // A filter: it must match but adds nothing to the score.
        clauses.push((
            Occur::Must,
            Box::new(ConstScoreQuery::new(Box::new(type_filter), 0.0)),
        ));
    }
    Box::new(BooleanQuery::new(clauses))
}

/// The word, or the last word of a variant, among the heads of the title
/// (and of the product's category, where the catalog has one).
pub(crate) fn head_query(context: &SearchContext<'_>, word: &QueryWord) -> Box<dyn Query> {
    let fields = context.fields;
    let clauses: Vec<(Occur, Box<dyn Query>)> = word
        .variants
        .iter()
        // The head of a variant of several words is its last word (小米 手环
        // sells a 手环).
        .filter_map(|variant| variant.last())
        .filter_map(|head| tokens_query(fields.title_heads, std::slice::from_ref(head)))
        .map(|query| (Occur::Should, query))
        .collect();
    Box::new(BooleanQuery::new(clauses))
}

/// Neighbouring query words side by side, in order, in the title: one
/// phrase per pair of words the catalog holds (a word no document holds
/// does not break its neighbours apart), as typed.
pub(crate) fn neighbour_queries(
    context: &SearchContext<'_>,
    plan: &QueryPlan,
) -> Vec<Box<dyn Query>> {
    let present: Vec<&QueryWord> = plan
        .words
        .iter()
        .filter(|word| word.document_frequency > 0)
        .collect();
    present
        .windows(2)
        .filter_map(|pair| {
            let mut tokens = pair[0].variants[0].clone();
            tokens.extend(pair[1].variants[0].iter().cloned());
            tokens_query(context.fields.title, &tokens)
        })
        .collect()
}
