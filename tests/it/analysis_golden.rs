//! Golden tokens for titles and captions written the way shops and anchors
//! write them. Query-mode tokens are pinned exactly; index mode must add the
//! dictionary words found inside longer words.

use livesearch::analysis::{Analyzer, AnalyzerMode};
use livesearch::dictionaries::Dictionaries;

fn analyzer() -> Analyzer {
    Analyzer::new(&Dictionaries::embedded())
}

/// Asserts that `word` comes out of `text` whole, as one of its tokens.
fn assert_one_token_is(analyzer: &Analyzer, text: &str, mode: AnalyzerMode, word: &str) {
    let tokens = analyzer.token_texts(text, mode);
    assert!(
        tokens.iter().any(|token| token == word),
        "{text}: {word} is not one of {tokens:?}"
    );
}

const GOLDEN_QUERY_TOKENS: &[(&str, &[&str])] = &[
    (
        "美特斯邦威卫衣男2026秋冬新款连帽加绒宽松潮牌上衣",
        &[
            "美特斯邦威",
            "卫衣",
            "男",
            "2026",
            "秋冬",
            "新款",
            "连帽",
            "加绒",
            "宽松",
            "潮牌",
            "上衣",
        ],
    ),
    ("ＩＰＨＯＮＥ１５手机壳", &["iphone", "15", "手机壳"]),
    (
        "三只松鼠每日坚果大礼包零食整箱",
        &["三只松鼠", "每日坚果", "大礼包", "零食", "整箱"],
    ),
    (
        "珀莱雅双抗精华液保湿补水官方旗舰店正品",
        &[
            "珀莱雅",
            "双抗",
            "精华液",
            "保湿",
            "补水",
            "官方旗舰店",
            "正品",
        ],
    ),
    (
        "热水袋充电防爆暖手宝",
        &["热水袋", "充电", "防爆", "暖手宝"],
    ),
    (
        "家人们冲！这款羽绒服直播间秒杀价199包邮",
        &[
            "家人们",
            "冲",
            "款",
            "羽绒服",
            "直播间",
            "秒杀",
            "价",
            "199",
            "包邮",
        ],
    ),
    (
        "好欢螺螺蛳粉400g*3袋广西柳州特产",
        &[
            "好欢螺",
            "螺蛳粉",
            "400",
            "g",
            "3",
            "袋",
            "广西",
            "柳州",
            "特产",
        ],
    ),
    (
        "蓝牙耳机降噪无线入耳式超长续航",
        &["蓝牙耳机", "降噪", "无线", "入耳式", "超长", "续航"],
    ),
];

#[test]
fn query_tokens_match_the_golden_table() {
    let analyzer = analyzer();
    for (text, expected) in GOLDEN_QUERY_TOKENS {
        let tokens = analyzer.token_texts(text, AnalyzerMode::Query);
        assert_eq!(&tokens, expected, "query tokens of {text}");
    }
}

#[test]
fn index_mode_adds_words_inside_longer_words() {
    let analyzer = analyzer();
    let cases: &[(&str, &[&str])] = &[
        ("连帽卫衣男", &["连帽卫衣", "卫衣"]),
        ("珀莱雅精华液", &["精华液", "精华"]),
        ("直播间秒杀", &["直播间", "直播"]),
        ("官方旗舰店", &["官方旗舰店", "官方", "旗舰店"]),
        ("安装简单的置物架", &["安装简单", "简单", "置物架"]),
        ("家用熨烫机", &["熨烫机", "熨烫"]),
    ];
    for (text, expected) in cases {
        for word in *expected {
            assert_one_token_is(&analyzer, text, AnalyzerMode::Index, word);
        }
    }
}

#[test]
fn listed_brands_are_never_split() {
    let analyzer = analyzer();
    for brand in [
        "美特斯邦威",
        "鸿星尔克",
        "三只松鼠",
        "花西子",
        "认养一头牛",
        "波司登",
    ] {
        for text in [
            brand.to_string(),
            format!("{brand}新款"),
            format!("正品{brand}旗舰店同款"),
        ] {
            assert_one_token_is(&analyzer, &text, AnalyzerMode::Query, brand);
        }
    }
}

#[test]
fn offsets_fall_on_char_boundaries_of_the_original() {
    let analyzer = analyzer();
    for (text, _) in GOLDEN_QUERY_TOKENS {
        let mut tokens = Vec::new();
        analyzer.analyze_into(text, AnalyzerMode::Index, &mut tokens);
        for token in tokens {
            assert!(
                text.is_char_boundary(token.offset_from) && text.is_char_boundary(token.offset_to)
            );
            assert_eq!(
                livesearch::text::normalize(&text[token.offset_from..token.offset_to]),
                token.text
            );
        }
    }
}
