//! Keystroke-saving evaluation of the drop-down: a simulated user types a
//! held-out query one step at a time, reads the top 10 after each step, takes
//! the query when it is shown, or else takes the longest shown suggestion
//! that is a longer prefix of the query and goes on typing after it.
//!
//! Pinyin typing goes letter by letter through the query's primary reading;
//! after taking a suggestion it continues as a mixed prefix (hanzi taken so
//! far, then the letters typed since).

use livesearch::suggest::index::DROP_DOWN_LEN;
use livesearch::suggest::keys::{classify, first_reading, TypedPrefix};
use livesearch::text::normalize;

/// Something that answers a typed prefix with up to [`DROP_DOWN_LEN`] texts.
pub trait DropDown {
    fn top10(&self, typed: &str) -> Vec<String>;
}

impl DropDown for livesearch::suggest::SuggestIndex {
    fn top10(&self, typed: &str) -> Vec<String> {
        self.suggest(typed, DROP_DOWN_LEN)
            .into_iter()
            .map(|s| s.text)
            .collect()
    }
}

/// A drop-down that prints each prefix it is asked and what it shows (to
/// standard error), for reading a simulated user's steps.
pub struct Traced<'a>(pub &'a dyn DropDown);

impl DropDown for Traced<'_> {
    fn top10(&self, typed: &str) -> Vec<String> {
        let shown = self.0.top10(typed);
        eprintln!("  {typed} → {}", shown.join(" · "));
        shown
    }
}

/// The pieces a pinyin typist types: each Han character's primary reading,
/// other characters as they are.
fn typed_units(query: &str) -> Vec<(char, String)> {
    query
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| {
            let spelled = first_reading(c).map_or_else(|| c.to_string(), str::to_string);
            (c, spelled)
        })
        .collect()
}

/// Outcome of typing one query.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Typed {
    pub steps: usize,
    pub steps_without_suggestions: usize,
    pub completed_by_suggestion: bool,
}

/// Typing `query` in hanzi, one character per step.
pub fn type_hanzi(dropdown: &dyn DropDown, query: &str) -> Typed {
    let chars: Vec<char> = query.chars().collect();
    let mut typed_chars = 0;
    let mut steps = 0;
    while typed_chars < chars.len() {
        typed_chars += 1;
        steps += 1;
        let typed: String = chars[..typed_chars].iter().collect();
        if typed_chars == chars.len() {
            break;
        }
        let shown = dropdown.top10(&typed);
        if shown.iter().any(|text| text == query) {
            return Typed {
                steps: steps + 1,
                steps_without_suggestions: chars.len(),
                completed_by_suggestion: true,
            };
        }
        let best = shown
            .iter()
            .filter(|text| query.starts_with(text.as_str()) && text.chars().count() > typed_chars)
            .max_by_key(|text| text.chars().count());
        if let Some(best) = best {
            steps += 1;
            typed_chars = best.chars().count();
        }
    }
    Typed {
        steps,
        steps_without_suggestions: chars.len(),
        completed_by_suggestion: false,
    }
}

/// Typing `query` in pinyin, one letter per step; taken suggestions become
/// the hanzi part of a mixed prefix.
pub fn type_pinyin(dropdown: &dyn DropDown, query: &str) -> Typed {
    let units = typed_units(query);
    let letters_total: usize = units
        .iter()
        .map(|(_, spelled)| spelled.chars().count())
        .sum();
    let mut committed_units = 0; // units taken as hanzi through a suggestion
    let mut letters: String = String::new(); // letters typed since
    let mut steps = 0;
    let mut unit_index = 0;
    let mut letter_in_unit = 0;
    loop {
        if unit_index >= units.len() {
            break;
        }
        let spelled: Vec<char> = units[unit_index].1.chars().collect();
        letters.push(spelled[letter_in_unit]);
        steps += 1;
        letter_in_unit += 1;
        if letter_in_unit == spelled.len() {
            unit_index += 1;
            letter_in_unit = 0;
        }
        if unit_index >= units.len() {
            break;
        }
        let committed: String = units[..committed_units].iter().map(|(c, _)| *c).collect();
        let typed = format!("{committed}{letters}");
        let shown = dropdown.top10(&typed);
        let query_compact: String = units.iter().map(|(c, _)| *c).collect();
        if shown
            .iter()
            .any(|text| text.replace(' ', "") == query_compact)
        {
            return Typed {
                steps: steps + 1,
                steps_without_suggestions: letters_total,
                completed_by_suggestion: true,
            };
        }
        let best = shown
            .iter()
            .map(|text| text.replace(' ', ""))
            .filter(|text| {
                query_compact.starts_with(text.as_str()) && text.chars().count() > committed_units
            })
            .max_by_key(|text| text.chars().count());
        if let Some(best) = best {
            let taken = best.chars().count();
            if taken >= unit_index + usize::from(letter_in_unit > 0) {
                steps += 1;
                committed_units = taken;
                unit_index = taken;
                letter_in_unit = 0;
                letters.clear();
            }
        }
    }
    Typed {
        steps,
        steps_without_suggestions: letters_total,
        completed_by_suggestion: false,
    }
}

/// Most-popular completion over a query log: the baseline.
pub struct MostPopularCompletion {
    /// (normalised query, primary pinyin of it, count), sorted by query.
    by_text: Vec<(String, u64)>,
    /// (pinyin spelling, query, count), sorted by spelling.
    by_pinyin: Vec<(String, String, u64)>,
}

impl MostPopularCompletion {
    pub fn new(log: impl IntoIterator<Item = (String, u64)>) -> Self {
        let mut counts: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
        for (query, count) in log {
            let query = normalize(&query);
            if !query.is_empty() {
                *counts.entry(query).or_default() += count;
            }
        }
        let mut by_text: Vec<(String, u64)> = counts.into_iter().collect();
        by_text.sort_unstable();
        let mut by_pinyin: Vec<(String, String, u64)> = by_text
            .iter()
            .map(|(query, count)| {
                let spelled: String = typed_units(query).into_iter().map(|(_, s)| s).collect();
                (spelled, query.clone(), *count)
            })
            .collect();
        by_pinyin.sort_unstable();
        MostPopularCompletion { by_text, by_pinyin }
    }

    fn top<'a>(entries: impl Iterator<Item = (&'a String, u64)>) -> Vec<String> {
        let mut matching: Vec<(&String, u64)> = entries.collect();
        matching.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        matching
            .into_iter()
            .take(DROP_DOWN_LEN)
            .map(|(text, _)| text.clone())
            .collect()
    }
}

impl DropDown for MostPopularCompletion {
    fn top10(&self, typed: &str) -> Vec<String> {
        match classify(typed) {
            TypedPrefix::Empty => Vec::new(),
            TypedPrefix::Hanzi(prefix) => {
                let start = self
                    .by_text
                    .partition_point(|(query, _)| query.as_str() < prefix.as_str());
                let range = self.by_text[start..]
                    .iter()
                    .take_while(|(query, _)| query.starts_with(&prefix));
                Self::top(range.map(|(query, count)| (query, *count)))
            }
            TypedPrefix::Latin(letters) => {
                let start = self
                    .by_pinyin
                    .partition_point(|(spelled, _, _)| spelled.as_str() < letters.as_str());
                let range = self.by_pinyin[start..]
                    .iter()
                    .take_while(|(spelled, _, _)| spelled.starts_with(&letters));
                Self::top(range.map(|(_, query, count)| (query, *count)))
            }
            TypedPrefix::Mixed { hanzi, latin } => {
                let hanzi_spelled: String =
                    typed_units(&hanzi).into_iter().map(|(_, s)| s).collect();
                let spelled_prefix = format!("{hanzi_spelled}{latin}");
                let start = self
                    .by_pinyin
                    .partition_point(|(spelled, _, _)| spelled.as_str() < spelled_prefix.as_str());
                let range = self.by_pinyin[start..]
                    .iter()
                    .take_while(|(spelled, _, _)| spelled.starts_with(&spelled_prefix))
                    .filter(|(_, query, _)| query.starts_with(&hanzi));
                Self::top(range.map(|(_, query, count)| (query, *count)))
            }
        }
    }
}

/// Keystroke saving over many queries: 1 − steps taken / steps without suggestions.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Saving {
    pub queries: usize,
    pub steps: usize,
    pub steps_without_suggestions: usize,
    pub completed_by_suggestion: usize,
}

impl Saving {
    pub fn add(&mut self, typed: Typed) {
        self.queries += 1;
        self.steps += typed.steps;
        self.steps_without_suggestions += typed.steps_without_suggestions;
        self.completed_by_suggestion += usize::from(typed.completed_by_suggestion);
    }

    pub fn keystroke_saving(&self) -> f64 {
        1.0 - self.steps as f64 / self.steps_without_suggestions.max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(Vec<&'static str>);

    impl DropDown for Fixed {
        fn top10(&self, typed: &str) -> Vec<String> {
            let typed = normalize(typed);
            self.0
                .iter()
                .filter(|text| {
                    text.starts_with(&typed) || {
                        let spelled: String =
                            typed_units(text).into_iter().map(|(_, s)| s).collect();
                        spelled.starts_with(&typed)
                    }
                })
                .map(|text| text.to_string())
                .collect()
        }
    }

    #[test]
    fn hanzi_typing_takes_the_query_when_shown() {
        let dropdown = Fixed(vec!["连衣裙夏季"]);
        let typed = type_hanzi(&dropdown, "连衣裙夏季");
        assert_eq!(
            typed,
            Typed {
                steps: 2,
                steps_without_suggestions: 5,
                completed_by_suggestion: true
            }
        );
        let nothing = type_hanzi(&Fixed(vec![]), "连衣裙");
        assert_eq!(nothing.steps, 3);
    }

    #[test]
    fn pinyin_typing_counts_letters_and_takes_prefixes() {
        let typed = type_pinyin(&Fixed(vec!["连衣裙"]), "连衣裙");
        assert_eq!(typed.steps_without_suggestions, "lianyiqun".len());
        assert!(typed.completed_by_suggestion);
        assert_eq!(typed.steps, 2, "l, then take 连衣裙");
        let none = type_pinyin(&Fixed(vec![]), "连衣裙");
        assert_eq!(none.steps, 9);
    }

    #[test]
    fn most_popular_completion_ranks_by_count() {
        let mpc = MostPopularCompletion::new(vec![
            ("连衣裙".to_string(), 5),
            ("连衣裙夏".to_string(), 9),
            ("莲花".to_string(), 1),
        ]);
        assert_eq!(mpc.top10("连"), ["连衣裙夏", "连衣裙"]);
        assert_eq!(mpc.top10("lian"), ["连衣裙夏", "连衣裙", "莲花"]);
        assert_eq!(mpc.top10("连yiq"), ["连衣裙夏", "连衣裙"]);
    }
}
