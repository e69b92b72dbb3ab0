//! The words of a title that name what it sells (its product words, 中心词),
//! told apart from words it only mentions.
//!
//! Shop titles are head-final noun phrases strung together: in 蜂蜜洗发水 the
//! product is 洗发水 and 蜂蜜 only describes it; in 鼠标垫 the product is a
//! pad. Titles also mention other products: gifts (面霜送口红), compatible
//! devices (适用于苹果), parts (牙刷头). A word is a head of the title when
//! - it is not immediately followed by another product-like word (a compound
//!   whose last part is the product: 鼠标|垫, 咖啡|机, 蜂蜜|洗发水), and
//! - it does not stand in a mention clause: after a gift marker (送, 赠, …)
//!   that follows a product word, or after a compatibility marker (适用,
//!   兼容, …), up to the next space or punctuation, and
//! - it is not the compatible device before 专用/通用 (苹果专用), nor a
//!   product word right before a part (电动牙刷|替换头, 手环|表带), and
//! - it is not denied (非电动牙刷), nor an extra added with `+` after the
//!   product (吹风机 标配+鼻毛器).
//!
//! A dictionary word inside a head word is a head too when it ends that word
//! (无线鼠标 → 鼠标), and not when it starts it (鼠标垫 → not 鼠标).

use tantivy::tokenizer::Token;

use super::{AnalyzedToken, Analyzer};
use crate::text::is_han;

/// Markers after which the rest of a clause lists gifts.
const GIFT_MARKERS: &[&str] = &[
    "送",
    "赠",
    "赠送",
    "加送",
    "附送",
    "附赠",
    "再送",
    "赠品",
    "买一送一",
    "买二送一",
    "送礼品",
];

/// Markers after which the rest of a clause lists compatible products.
const COMPATIBILITY_MARKERS: &[&str] = &["适用", "适用于", "兼容", "适配"];

/// Words after which the word before them names a compatible device.
const DEVICE_SUFFIXES: &[&str] = &["专用", "通用", "配套"];

/// Product-dictionary words that package a product rather than replace it
/// (洗发水套装 is still shampoo).
const PACKAGING_WORDS: &[&str] = &[
    "套装",
    "礼盒",
    "套盒",
    "两件套",
    "三件套",
    "组合",
    "套餐",
    "礼包",
    "家庭装",
    "旅行装",
];

/// Words that name a part, accessory or consumable of another product. A
/// title holding one (outside a gift or compatibility clause) sells that
/// part: its other words are not its heads (小米手环3代充电器 sells a
/// charger), unless the query asks for the part itself.
const ACCESSORY_WORDS: &[&str] = &[
    "配件",
    "零件",
    "零部件",
    "表带",
    "腕带",
    "手表带",
    "替换带",
    "保护套",
    "保护壳",
    "手机壳",
    "手机套",
    "皮套",
    "贴膜",
    "钢化膜",
    "保护膜",
    "水凝膜",
    "充电器",
    "充电线",
    "数据线",
    "充电头",
    "充电座",
    "刷头",
    "替换头",
    "滤芯",
    "滤网",
    "机芯",
    "支架",
    "挂绳",
    "收纳盒",
    "收纳袋",
    "收纳包",
    "包装袋",
    "包装盒",
    "防尘罩",
    "防尘套",
    "外壳",
    "后盖",
    "镜头盖",
    "耳机套",
    "键帽",
    "表壳",
    "底座",
    "遥控器",
    "电池",
    "吊坠套",
    "硅胶套",
    "手柄",
    "转换器",
    "转接头",
    "适配器",
];

/// A word that names a replacement part when a part character follows it
/// (替换|头, 替换|芯), and packaging otherwise (替换装 is still the product).
const REPLACEMENT_WORD: &str = "替换";

/// Markers that deny the word right after them (非电动牙刷, 非原装).
const NEGATION_MARKERS: &[&str] = &["非", "不是", "不含"];

/// Words ending in 非 that do not deny what follows (南非钻石).
const NOT_NEGATIONS: &[&str] = &[
    "南非", "北非", "东非", "西非", "中非", "是非", "除非", "莫非", "无非",
];

/// Whether `previous`, written right before a word, denies it: a negation
/// marker, or 非 glued by jieba to the character before it (洁牙|机非|电动牙刷).
fn denies_next(previous: &str) -> bool {
    if NEGATION_MARKERS.contains(&previous) {
        return true;
    }
    previous.chars().count() == 2 && previous.ends_with('非') && !NOT_NEGATIONS.contains(&previous)
}

/// Single characters that, written right after a product word, make the
/// compound a part or accessory of it (牙刷|头, 手机|壳).
const PART_CHARS: &str = "头垫套壳膜带盒架贴袋罩芯线圈片托座扣环绳夹刷";

impl Analyzer {
    /// Whether `word` (normalised) names a kind of product: a word of
    /// `products.dict`, or a word of two or more characters ending in a
    /// product head character (熨烫机, 钢琴罩), packaging words excepted.
    pub fn is_product_word(&self, word: &str) -> bool {
        if PACKAGING_WORDS.contains(&word) {
            return false;
        }
        if self.shared.product_words.contains(word) {
            return true;
        }
        // A compound ending in a product word names that product (无线鼠标).
        let suffix_names_product = word
            .char_indices()
            .skip(1)
            .map(|(offset, _)| &word[offset..])
            .any(|suffix| {
                suffix.chars().count() >= 2 && self.shared.product_words.contains(suffix)
            });
        if suffix_names_product {
            return true;
        }
        let mut chars = word.chars();
        let last = chars.next_back();
        let has_more_han = chars.clone().count() >= 1 && chars.all(is_han);
        has_more_han && last.is_some_and(super::is_product_head_char)
    }

    /// Whether `word` (normalised) describes a product without naming one:
    /// a brand, or a selling, audience, season or material word.
    pub fn is_attribute_word(&self, word: &str) -> bool {
        self.shared.attribute_words.contains(word)
    }

    /// Whether `word` written right after another word turns that word into
    /// a modifier (a product word, or a part character on its own).
    fn makes_modifier_of_previous(&self, word: &str) -> bool {
        is_single_part_char(word) || self.is_product_word(word)
    }

    /// Whether the word at `index` of `tagged` (or a dictionary word ending
    /// it) names a part or accessory.
    fn names_accessory(&self, tagged: &[AnalyzedToken], index: usize) -> bool {
        let token = &tagged[index].token;
        if ACCESSORY_WORDS.contains(&token.text.as_str()) {
            return true;
        }
        // The part character after 替换 names the replacement part (替换|头).
        let after_replacement = tagged[..index]
            .iter()
            .rev()
            .find(|previous| !previous.is_subword)
            .is_some_and(|previous| {
                previous.token.text == REPLACEMENT_WORD
                    && previous.token.offset_to == token.offset_from
            });
        if is_single_part_char(&token.text) && after_replacement {
            return true;
        }
        if token.text == REPLACEMENT_WORD {
            return tagged[index + 1..]
                .iter()
                .find(|next| !next.is_subword)
                .is_some_and(|next| {
                    next.token.offset_from == token.offset_to
                        && is_single_part_char(&next.token.text)
                });
        }
        tagged[..index]
            .iter()
            .rev()
            .take_while(|subword| subword.is_subword && subword.token.position == token.position)
            .any(|subword| {
                subword.token.offset_to == token.offset_to
                    && ACCESSORY_WORDS.contains(&subword.token.text.as_str())
            })
    }

    /// The head tokens of an index-mode analysis of `text` (see the module
    /// documentation), in order, with their positions and offsets.
    pub fn title_heads(&self, text: &str, tagged: &[AnalyzedToken]) -> Vec<Token> {
        let words: Vec<usize> = (0..tagged.len())
            .filter(|&index| !tagged[index].is_subword)
            .collect();
        let mut heads = Vec::new();
        let mut accessory_heads = Vec::new();
        let mut in_mention = false;
        // A compatibility clause lists devices until the part it is for
        // (适用苹果15手机壳 sells a 手机壳).
        let mut in_compatibility = false;
        let mut seen_product = false;
        let mut previous_end: Option<usize> = None;
        let mut previous_word: Option<&str> = None;
        let mut in_extras = false;
        for (word_number, &index) in words.iter().enumerate() {
            let token = &tagged[index].token;
            let word = token.text.as_str();
            // What stands between the previous word and this one.
            let gap = previous_end.map(|end| text.get(end..token.offset_from));
            // A space or punctuation ends a clause; a dropped stopword
            // (适用于 → 适用 | 于) does not.
            let separated = gap
                .is_some_and(|gap| gap.is_none_or(|gap| gap.chars().any(|c| !c.is_alphanumeric())));
            if separated {
                // After the product, a `+` that follows no product word adds
                // an extra to it (标配+鼻毛器); between two products it
                // joins a set (手机壳+钢化膜, 上衣+裤子).
                let plus = gap.flatten().is_some_and(|gap| gap.contains(['+', '＋']));
                let after_product =
                    previous_word.is_some_and(|previous| self.is_product_word(previous));
                // Once extras begin, each further `+` adds another.
                in_extras = plus && seen_product && (in_extras || !after_product);
                in_mention = in_extras;
                in_compatibility = false;
            }
            previous_end = Some(token.offset_to);
            previous_word = Some(word);
            if GIFT_MARKERS.contains(&word) {
                in_mention |= seen_product;
                continue;
            }
            if COMPATIBILITY_MARKERS.contains(&word) {
                in_mention = true;
                in_compatibility = true;
                continue;
            }
            if in_compatibility && self.names_accessory(tagged, index) {
                in_mention = false;
                in_compatibility = false;
            }
            let negated = word_number
                .checked_sub(1)
                .map(|previous| &tagged[words[previous]].token)
                .is_some_and(|previous| {
                    previous.offset_to == token.offset_from && denies_next(&previous.text)
                });
            let next_adjacent = words
                .get(word_number + 1)
                .map(|&next| &tagged[next].token)
                .filter(|next| next.offset_from == token.offset_to);
            // A product word right before a part names whose part it is
            // (电动牙刷|替换头, 手环|表带).
            let is_modifier = next_adjacent.is_some_and(|next| {
                DEVICE_SUFFIXES.contains(&next.text.as_str())
                    || self.makes_modifier_of_previous(&next.text)
            }) || (next_adjacent.is_some()
                && self.names_accessory(tagged, words[word_number + 1]));
            let is_number = word.chars().all(|c| c.is_ascii_digit() || c == '.');
            if !in_mention && !is_modifier && !is_number && !negated {
                // Sub-words come right before their word; those ending it are
                // heads too.
                let mut first = index;
                while first > 0
                    && tagged[first - 1].is_subword
                    && tagged[first - 1].token.position == token.position
                {
                    first -= 1;
                }
                let is_accessory = self.names_accessory(tagged, index);
                let found = if is_accessory {
                    &mut accessory_heads
                } else {
                    &mut heads
                };
                for subword in &tagged[first..index] {
                    if subword.token.offset_to == token.offset_to {
                        found.push(subword.token.clone());
                    }
                }
                found.push(token.clone());
            }
            seen_product |= self.is_product_word(word);
        }
        // A title selling a part names its product only through the part.
        if accessory_heads.is_empty() {
            heads
        } else {
            accessory_heads
        }
    }
}

/// Whether `word` is a single part character (头, 壳, 膜 …).
fn is_single_part_char(word: &str) -> bool {
    let mut chars = word.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if PART_CHARS.contains(c))
}

#[cfg(test)]
mod tests {
    use crate::analysis::Analyzer;
    use crate::dictionaries::Dictionaries;

    fn heads(title: &str) -> Vec<String> {
        static ANALYZER: std::sync::OnceLock<Analyzer> = std::sync::OnceLock::new();
        let analyzer = ANALYZER.get_or_init(|| Analyzer::new(&Dictionaries::embedded()));
        let tagged = analyzer.analyze_tagged(title);
        analyzer
            .title_heads(title, &tagged)
            .into_iter()
            .map(|token| token.text)
            .collect()
    }

    /// Asserts that the heads of `title` hold every word of `held` and no
    /// word of `not_held`.
    fn assert_heads(title: &str, held: &[&str], not_held: &[&str]) {
        let found = heads(title);
        for word in held {
            assert!(
                found.contains(&word.to_string()),
                "{title}: {word} is no head in {found:?}"
            );
        }
        for word in not_held {
            assert!(
                !found.contains(&word.to_string()),
                "{title}: {word} is a head in {found:?}"
            );
        }
    }

    #[test]
    fn a_gift_after_the_product_is_not_a_head() {
        assert_heads("保湿面霜送口红一支", &["面霜"], &["口红"]);
        assert_heads("口红 正品", &["口红"], &[]);
    }

    #[test]
    fn a_gift_marker_before_any_product_starts_no_mention() {
        assert_heads("送女友口红礼盒", &["口红"], &[]);
    }

    #[test]
    fn a_modifier_before_the_product_is_not_a_head() {
        assert_heads("蜂蜜洗发水", &["洗发水"], &["蜂蜜"]);
        assert_heads("鼠标垫超大号", &[], &["鼠标"]);
        assert_heads("罗技无线鼠标", &["鼠标"], &[]);
    }

    #[test]
    fn compatible_devices_are_not_heads() {
        assert_heads("钢化膜适用于苹果手机", &[], &["手机", "苹果"]);
        assert_heads("华为专用数据线", &["数据线"], &["华为"]);
    }

    #[test]
    fn a_title_selling_a_part_has_only_the_part_as_head() {
        assert_heads("小米手环3代充电器 磁吸充电线", &["充电器"], &["手环"]);
        assert_heads("小米手环4 送充电器", &["手环"], &["充电器"]);
    }

    #[test]
    fn a_compatibility_clause_ends_at_the_part_it_is_for() {
        assert_heads("适用苹果15手机壳", &["手机壳"], &["苹果"]);
        assert_heads("适用于iPhone15的钢化膜", &["钢化膜"], &[]);
        assert_heads("适合小个子的碎花连衣裙", &["连衣裙"], &[]);
    }

    #[test]
    fn a_case_for_earphones_sells_the_case() {
        // A 蓝牙耳机 query finds this title in the mention tier only.
        assert_heads(
            "华为蓝牙耳机Pro保护套 硅胶",
            &["保护套"],
            &["蓝牙耳机", "耳机"],
        );
    }

    #[test]
    fn packaging_does_not_demote_the_product() {
        assert_heads("洗发水套装", &["洗发水"], &[]);
        assert_heads("洗发水替换装 500ml", &["洗发水"], &[]);
    }

    #[test]
    fn a_denied_word_is_no_head() {
        assert_heads("洁碧冲牙器洁牙机非电动牙刷", &["冲牙器"], &["电动牙刷"]);
        assert_heads("南非钻石 正品", &["钻石"], &[]);
    }

    #[test]
    fn extras_added_with_a_plus_after_the_product_are_no_heads() {
        assert_heads(
            "超人吹风机 标配+鼻毛器+电动牙刷",
            &["吹风机"],
            &["电动牙刷"],
        );
        // Between two products, `+` joins a set.
        assert_heads("手机壳+钢化膜", &["手机壳", "钢化膜"], &[]);
        // A part among the extras does not make the title sell that part.
        assert_heads(
            "智能音乐花盆小型音响+充电器",
            &["花盆", "音响"],
            &["充电器"],
        );
    }

    #[test]
    fn a_product_word_right_before_an_accessory_word_is_its_modifier() {
        assert_heads("松下电动牙刷替换头4个装", &["头"], &["电动牙刷", "牙刷"]);
        // The replacement part is the title's product, written apart or
        // after a compatibility marker.
        assert_heads("电动牙刷 替换头", &["头"], &["电动牙刷", "牙刷"]);
        assert_heads("适用飞利浦电动牙刷替换头", &["头"], &["电动牙刷"]);
        assert_heads("小米手环表带 硅胶", &["表带"], &["手环"]);
    }
}
