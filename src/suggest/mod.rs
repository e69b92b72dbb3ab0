//! Drop-down suggestions (下拉联想词): candidates mined by the indexer
//! ([`mine`]), their pinyin and initials keys ([`keys`]), and the stored
//! structures with the lookup the server runs on every keystroke ([`index`]),
//! related searches ([`related`]), and the words that follow a word
//! ([`next_words`]), for completing rare prefixes.

pub mod index;
pub mod keys;
pub mod mine;
pub mod next_words;
#[cfg(test)]
mod properties;
pub mod related;

pub use index::{MatchKind, Probe, SuggestIndex, Suggestion};
pub use keys::FuzzyRules;
pub use mine::hygiene::{HygieneReport, HygieneRule};
pub use mine::signals::DocumentSignals;
pub use mine::words::{CatalogWords, TextWords};
pub use mine::{
    mine_candidates, mine_candidates_from, Candidate, Components, Mined, MiningInput, SuggestConfig,
};
