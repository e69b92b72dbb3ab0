//! Outside check of the analyzer on labelled titles: the share of labelled
//! brand and product entities that come out of the index analyzer as whole
//! tokens, and the share a query for the entity would find.

use std::collections::{BTreeMap, HashSet};

use livesearch::analysis::{Analyzer, AnalyzerMode};
use livesearch::text::normalize;

/// Counts for one entity type.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct EntityCoverage {
    /// Entities seen (only those whose text occurs in the title).
    pub entities: usize,
    /// Entities that are a token of the title's index analysis.
    pub whole_tokens: usize,
    /// Entities whose query tokens are all among the title's index tokens.
    pub findable: usize,
}

impl EntityCoverage {
    pub fn whole_token_share(&self) -> f64 {
        self.whole_tokens as f64 / self.entities.max(1) as f64
    }

    pub fn findable_share(&self) -> f64 {
        self.findable as f64 / self.entities.max(1) as f64
    }
}

/// Measures coverage over lines of `text<TAB>entity/TYPE entity/TYPE ...`
/// for the entity types in `types`. Lines without a tab are skipped.
pub fn entity_coverage<'a>(
    analyzer: &Analyzer,
    lines: impl Iterator<Item = &'a str>,
    types: &[&str],
) -> BTreeMap<String, EntityCoverage> {
    let mut coverage: BTreeMap<String, EntityCoverage> = types
        .iter()
        .map(|entity_type| (entity_type.to_string(), EntityCoverage::default()))
        .collect();
    for line in lines {
        let Some((title, labels)) = line.split_once('\t') else {
            continue;
        };
        let normalized_title = normalize(title);
        let title_tokens: HashSet<String> = analyzer
            .token_texts(title, AnalyzerMode::Index)
            .into_iter()
            .collect();
        for label in labels.split(' ') {
            let Some((entity, entity_type)) = label.rsplit_once('/') else {
                continue;
            };
            let Some(counts) = coverage.get_mut(entity_type) else {
                continue;
            };
            let entity = normalize(entity);
            if entity.is_empty() || !normalized_title.contains(&entity) {
                continue;
            }
            counts.entities += 1;
            if title_tokens.contains(&entity) {
                counts.whole_tokens += 1;
            }
            let query_tokens = analyzer.token_texts(&entity, AnalyzerMode::Query);
            if !query_tokens.is_empty()
                && query_tokens
                    .iter()
                    .all(|token| title_tokens.contains(token))
            {
                counts.findable += 1;
            }
        }
    }
    coverage
}

#[cfg(test)]
mod tests {
    use super::*;
    use livesearch::dictionaries::Dictionaries;

    #[test]
    fn counts_whole_tokens_and_findable_entities() {
        let analyzer = Analyzer::new(&Dictionaries::embedded());
        let lines = [
            "美特斯邦威卫衣男连帽加绒\t美特斯邦威/HPPX 卫衣/HCCX",
            "no tab here",
            "羊毛衫\t不在标题里/HCCX",
        ];
        let coverage = entity_coverage(&analyzer, lines.into_iter(), &["HPPX", "HCCX"]);
        assert_eq!(
            coverage["HPPX"],
            EntityCoverage {
                entities: 1,
                whole_tokens: 1,
                findable: 1
            }
        );
        assert_eq!(coverage["HCCX"].entities, 1);
        assert_eq!(coverage["HCCX"].whole_tokens, 1);
    }

    #[test]
    fn the_project_dictionaries_beat_jieba_defaults_on_own_titles() {
        // A small in-repo check of the same kind as `indexer eval-analyzer`
        // runs on the shared labelled data: brands kept whole.
        let lines = [
            "美特斯邦威卫衣男连帽\t美特斯邦威/HPPX 卫衣/HCCX",
            "认养一头牛纯牛奶整箱\t认养一头牛/HPPX 纯牛奶/HCCX",
            "好欢螺螺蛳粉广西柳州\t好欢螺/HPPX 螺蛳粉/HCCX",
            "鸿星尔克运动鞋男透气\t鸿星尔克/HPPX 运动鞋/HCCX",
        ];
        let ours = entity_coverage(
            &Analyzer::new(&Dictionaries::embedded()),
            lines.into_iter(),
            &["HPPX"],
        );
        let default = entity_coverage(
            &Analyzer::new(&Dictionaries::none()),
            lines.into_iter(),
            &["HPPX"],
        );
        assert_eq!(ours["HPPX"].whole_tokens, 4);
        assert!(default["HPPX"].whole_tokens < 4, "{default:?}");
    }
}
