//! Ranking settings and the popularity blend.

use serde::{Deserialize, Serialize};

/// Field boosts, relaxation, proximity and signal weights; every value has a
/// default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RankingConfig {
    /// Weight of a match in the title.
    pub title_boost: f32,
    /// Extra weight when a query word is a whole word of the title.
    pub title_words_boost: f32,
    /// Weight of a match in the brand.
    pub brand_boost: f32,
    /// Weight of a match in the anchor's name.
    pub anchor_name_boost: f32,
    /// Weight of a match in the category.
    pub category_boost: f32,
    /// Weight of a synonym or variant relative to the word as typed.
    pub synonym_boost: f32,
    /// Text score factor when every pair of neighbouring query words stands
    /// side by side, in order, in the title (1 + this; pro rata for fewer).
    pub proximity_weight: f32,
    /// When fewer documents than this match every word, the least important
    /// words are dropped one by one until this many match (never the
    /// product word while another word is left).
    pub relax_min_hits: usize,
    /// Weight of sales in the popularity multiplier.
    pub sales_weight: f32,
    /// Sales at which their share is half its weight.
    pub sales_pivot: f32,
    /// Weight of followers in the popularity multiplier.
    pub followers_weight: f32,
    /// Followers at which their share is half its weight.
    pub followers_pivot: f32,
    /// Weight of likes in the popularity multiplier.
    pub likes_weight: f32,
    /// Likes at which their share is half its weight.
    pub likes_pivot: f32,
    /// Added to the multiplier of a live stream.
    pub live_boost: f32,
}

impl Default for RankingConfig {
    fn default() -> Self {
        RankingConfig {
            title_boost: 2.0,
            title_words_boost: 1.0,
            brand_boost: 1.2,
            anchor_name_boost: 1.2,
            category_boost: 0.6,
            synonym_boost: 0.8,
            proximity_weight: 0.3,
            relax_min_hits: 10,
            sales_weight: 0.2,
            sales_pivot: 1_000.0,
            followers_weight: 0.15,
            followers_pivot: 100_000.0,
            likes_weight: 0.1,
            likes_pivot: 1_000.0,
            live_boost: 0.1,
        }
    }
}

/// Popularity signals of one document.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Signals {
    /// Units sold (products).
    pub sales: u64,
    /// Followers of the anchor.
    pub followers: u64,
    /// Likes (videos and lives).
    pub likes: u64,
}

impl RankingConfig {
    /// Checks every setting: boosts and weights finite and not negative,
    /// pivots finite and positive, `relax_min_hits` at least 1. The error
    /// names the key at fault (`ranking.sales_pivot`, ...).
    pub fn validate(&self) -> crate::Result<()> {
        use crate::error::{Bound, Error};
        let not_negative = [
            ("title_boost", self.title_boost),
            ("title_words_boost", self.title_words_boost),
            ("brand_boost", self.brand_boost),
            ("anchor_name_boost", self.anchor_name_boost),
            ("category_boost", self.category_boost),
            ("synonym_boost", self.synonym_boost),
            ("proximity_weight", self.proximity_weight),
            ("sales_weight", self.sales_weight),
            ("followers_weight", self.followers_weight),
            ("likes_weight", self.likes_weight),
            ("live_boost", self.live_boost),
        ];
        Error::check_each("ranking", &not_negative, Bound::NotNegative)?;
        let pivots = [
            ("sales_pivot", self.sales_pivot),
            ("followers_pivot", self.followers_pivot),
            ("likes_pivot", self.likes_pivot),
        ];
        Error::check_each("ranking", &pivots, Bound::Positive)?;
        if self.relax_min_hits == 0 {
            return Err(Error::invalid_option(
                "ranking.relax_min_hits",
                "must be at least 1",
            ));
        }
        Ok(())
    }

    /// The factor the text score is multiplied by.
    pub fn popularity_multiplier(&self, signals: Signals, is_live: bool) -> f32 {
        let saturate = |value: u64, pivot: f32| {
            let value = value as f32;
            value / (value + pivot.max(f32::MIN_POSITIVE))
        };
        let live = if is_live { self.live_boost } else { 0.0 };
        1.0 + self.sales_weight * saturate(signals.sales, self.sales_pivot)
            + self.followers_weight * saturate(signals.followers, self.followers_pivot)
            + self.likes_weight * saturate(signals.likes, self.likes_pivot)
            + live
    }

    /// The largest factor [`RankingConfig::popularity_multiplier`] can give
    /// (every signal saturated, live).
    pub fn max_popularity_multiplier(&self) -> f32 {
        1.0 + self.sales_weight.max(0.0)
            + self.followers_weight.max(0.0)
            + self.likes_weight.max(0.0)
            + self.live_boost.max(0.0)
    }

    /// The blend as a formula, for `explain`.
    pub fn formula(&self) -> String {
        format!(
            "sort by (words matched, product-word tier, text × proximity × popularity); \
             popularity = 1 + {}·sales/(sales+{}) + {}·followers/(followers+{}) + {}·likes/(likes+{}) + {}·is_live",
            self.sales_weight,
            self.sales_pivot,
            self.followers_weight,
            self.followers_pivot,
            self.likes_weight,
            self.likes_pivot,
            self.live_boost
        )
    }
}
