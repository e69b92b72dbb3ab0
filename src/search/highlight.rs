//! Highlights: where a hit's title holds the query's words, as character
//! offsets into the title as returned.
//!
//! The title is analysed as it was indexed (index mode, with the dictionary
//! words inside longer words), so a span is exactly what matched: 卫衣
//! inside 连帽卫衣, ＮＩＫＥ for nike (the analyzer folds full-width text one
//! character to one character and keeps offsets into the original). A
//! variant of several tokens (a synonym, the parts of a split word) is
//! highlighted only where its tokens stand side by side, as the phrase
//! query matched them.

use serde::Serialize;
use tantivy::tokenizer::Token;

use super::plan::QueryWord;
use crate::analysis::{Analyzer, AnalyzerMode};

/// A highlighted part of a title: character offsets (Unicode scalar
/// values), `end` excluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Span {
    /// First character of the span.
    pub start: usize,
    /// The character after the span.
    pub end: usize,
}

/// The spans of `title` that hold one of `words` (any variant), in order;
/// overlapping or touching spans are merged.
pub fn highlight(analyzer: &Analyzer, title: &str, words: &[QueryWord]) -> Vec<Span> {
    let mut tokens: Vec<Token> = Vec::new();
    analyzer.analyze_into(title, AnalyzerMode::Index, &mut tokens);
    let mut byte_spans: Vec<(usize, usize)> = Vec::new();
    for variant in words.iter().flat_map(|word| &word.variants) {
        let Some(first) = variant.first() else {
            continue;
        };
        for start in tokens.iter().filter(|token| &token.text == first) {
            let mut matched = vec![start];
            for (step, text) in variant.iter().enumerate().skip(1) {
                let position = start.position + step;
                match tokens
                    .iter()
                    .find(|token| token.position == position && &token.text == text)
                {
                    Some(token) => matched.push(token),
                    None => break,
                }
            }
            if matched.len() == variant.len() {
                byte_spans.extend(
                    matched
                        .iter()
                        .map(|token| (token.offset_from, token.offset_to)),
                );
            }
        }
    }
    merge(char_spans(title, byte_spans))
}

/// Byte spans of `text` as character spans.
fn char_spans(text: &str, byte_spans: Vec<(usize, usize)>) -> Vec<Span> {
    let char_index = |byte: usize| text.get(..byte).map_or(0, |prefix| prefix.chars().count());
    byte_spans
        .into_iter()
        .filter(|(from, to)| from < to)
        .map(|(from, to)| Span {
            start: char_index(from),
            end: char_index(to),
        })
        .collect()
}

fn merge(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort_unstable();
    let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    merged
}
