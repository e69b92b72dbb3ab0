//! Property tests over a suggestion index mined from the shipped fixtures,
//! with popular records that carry blocklisted terms added: whatever is
//! typed, a list is bounded by `limit`, has no repeated text, and never
//! shows a blocklisted term.

use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;

use crate::analysis::Analyzer;
use crate::catalog::{read_catalog, Catalog, LoggedQuery, Product};
use crate::dictionaries::Dictionaries;
use crate::suggest::index::{write_suggest_index_with, SuggestIndex, MAX_LIMIT};
use crate::suggest::keys::{initials_prefixes, syllable_prefixes};
use crate::suggest::{mine_candidates, SuggestConfig};

struct Fixture {
    _dir: tempfile::TempDir,
    analyzer: Analyzer,
    /// The fixtures plus the popular records carrying blocklisted terms.
    catalog: Catalog,
    index: SuggestIndex,
    blocklist: Vec<String>,
    /// Texts a user could be typing towards: candidates and the injected
    /// blocklisted records.
    targets: Vec<String>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dictionaries = Dictionaries::embedded();
        let analyzer = Analyzer::new(&dictionaries);
        let blocklist = dictionaries.blocklist().to_vec();
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut catalog = read_catalog(&fixtures).expect("fixtures read");
        let anchor = catalog.anchors[0].anchor_id.clone();
        let mut targets = Vec::new();
        for (number, term) in blocklist.iter().enumerate() {
            let title = format!("{term}耐克运动鞋男款");
            let query = format!("{term}连衣裙");
            catalog.products.push(Product {
                product_id: format!("blocked-{number}"),
                title: title.clone(),
                brand: Some(format!("{term}牌")),
                category: Some(term.clone()),
                price_cents: None,
                sales: 50_000_000,
                anchor_ids: vec![anchor.clone()],
            });
            catalog.queries.push(LoggedQuery {
                query: query.clone(),
                count: 10_000_000,
                date: None,
            });
            targets.extend([title, query, term.clone()]);
        }
        let config = SuggestConfig::default();
        let mined = mine_candidates(&catalog, &analyzer, &blocklist, &config, None);
        let (candidates, extras) = mined.into_index_parts(config.fuzzy, &blocklist);
        targets.extend(candidates.iter().map(|candidate| candidate.text.clone()));
        let dir = tempfile::tempdir().unwrap();
        write_suggest_index_with(dir.path(), candidates, extras).unwrap();
        // As served: completions keep typed text, so they are under test too.
        let index = SuggestIndex::open(dir.path())
            .unwrap()
            .with_completions(&analyzer);
        Fixture {
            _dir: dir,
            analyzer,
            catalog,
            index,
            blocklist,
            targets,
        }
    })
}

/// What a user types on the way to a target: a hanzi prefix, a pinyin or
/// initials prefix, a mixed prefix, or any string at all.
fn typed_prefix() -> impl Strategy<Value = String> {
    let count = fixture().targets.len();
    let toward_target = (0..count, 0usize..8, 0usize..4).prop_map(|(target, cut, form)| {
        let text = &fixture().targets[target];
        let chars: Vec<char> = text.chars().collect();
        let hanzi: String = chars[..cut.min(chars.len())].iter().collect();
        match form {
            0 => hanzi,
            1 => syllable_prefixes(text)
                .get(cut)
                .cloned()
                .unwrap_or_default(),
            2 => initials_prefixes(text)
                .get(cut)
                .cloned()
                .unwrap_or_default(),
            _ => {
                let rest = syllable_prefixes(&chars.iter().skip(1).collect::<String>());
                let first = chars.first().map(char::to_string).unwrap_or_default();
                format!("{first}{}", rest.first().cloned().unwrap_or_default())
            }
        }
    });
    prop_oneof![
        3 => toward_target,
        1 => "[a-zA-Z ]{0,6}",
        1 => any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn lists_are_bounded_unique_and_never_blocked(typed in typed_prefix(), limit in 1usize..=MAX_LIMIT) {
        let fixture = fixture();
        let suggestions = fixture.index.suggest(&typed, limit);
        prop_assert!(suggestions.len() <= limit, "{} > {limit} for {typed:?}", suggestions.len());
        let mut seen = HashSet::new();
        for suggestion in &suggestions {
            prop_assert!(seen.insert(suggestion.text.clone()), "{:?} repeated for {typed:?}", suggestion.text);
            for term in &fixture.blocklist {
                prop_assert!(
                    !suggestion.text.contains(term.as_str()),
                    "{:?} contains blocklisted {term:?} for {typed:?}",
                    suggestion.text
                );
            }
        }
    }
}

#[test]
fn the_injected_records_would_have_been_suggested_if_not_blocked() {
    // Guards the property above against passing vacuously: mined without
    // the blocklist, the same catalog yields candidates carrying every
    // blocklisted term, so the index under test had them to drop.
    let fixture = fixture();
    assert!(fixture.blocklist.len() >= 10);
    let unfiltered = mine_candidates(
        &fixture.catalog,
        &fixture.analyzer,
        &[],
        &SuggestConfig::default(),
        None,
    )
    .candidates;
    for term in &fixture.blocklist {
        assert!(
            unfiltered
                .iter()
                .any(|candidate| candidate.text.contains(term.as_str())),
            "no candidate would carry {term:?} even without the blocklist"
        );
    }
    let shown: Vec<String> = fixture
        .index
        .suggest("连衣", MAX_LIMIT)
        .into_iter()
        .map(|suggestion| suggestion.text)
        .collect();
    assert!(
        shown.iter().any(|text| text.starts_with("连衣裙")),
        "{shown:?}"
    );
}
