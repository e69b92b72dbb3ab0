//! Lookup keys of a suggestion candidate: its normalised text, its full
//! pinyin (连衣裙 → lianyiqun) and its initials (lyq), with every reading of
//! polyphonic characters up to [`MAX_READINGS`] combinations per candidate.

use pinyin::ToPinyinMulti;

use crate::text::{is_han, normalize};

/// Readings kept per candidate: enough for the common polyphones of a
/// phrase (长, 行, 重 ...), bounded so a long phrase cannot explode.
pub const MAX_READINGS: usize = 4;

/// Plain readings of one character, deduplicated, ü written as v (as typed).
pub fn char_readings(c: char) -> Vec<String> {
    readings_of(c)
        .iter()
        .map(|reading| reading.to_string())
        .collect()
}

/// The first (primary) reading of `c`, when it is a Han character with
/// one: [`char_readings`]' first, without copying the list.
pub fn first_reading(c: char) -> Option<&'static str> {
    readings_of(c).first().map(|reading| &**reading)
}

/// [`char_readings`] of every Han character, computed once: a build asks
/// for the readings of millions of characters, a few thousand distinct.
fn readings_of(c: char) -> &'static [Box<str>] {
    static TABLE: std::sync::OnceLock<Vec<Box<[Box<str>]>>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        HAN_RANGES
            .iter()
            .flat_map(|range| range.clone())
            .map(|code| char::from_u32(code).map_or_else(Default::default, compute_readings))
            .collect()
    });
    let mut before = 0;
    for range in &HAN_RANGES {
        if range.contains(&(c as u32)) {
            return &table[before + (c as u32 - range.start()) as usize];
        }
        before += (range.end() - range.start() + 1) as usize;
    }
    &[]
}

/// Whether `letters` is the toneless reading of some Han character
/// (qian, xiang, v for ü): a whole syllable as typed.
pub fn is_syllable(letters: &str) -> bool {
    static SYLLABLES: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    SYLLABLES
        .get_or_init(|| {
            HAN_RANGES
                .iter()
                .flat_map(|range| range.clone())
                .filter_map(char::from_u32)
                .flat_map(|c| readings_of(c).iter().map(|reading| &**reading))
                .collect()
        })
        .contains(letters)
}

/// The code points [`is_han`] accepts, the ranges of the readings table.
const HAN_RANGES: [std::ops::RangeInclusive<u32>; 3] =
    [0x4E00..=0x9FFF, 0x3400..=0x4DBF, 0xF900..=0xFAFF];

fn compute_readings(c: char) -> Box<[Box<str>]> {
    let Some(multi) = c.to_pinyin_multi() else {
        return Box::default();
    };
    let mut readings: Vec<Box<str>> = Vec::with_capacity(multi.count());
    for reading in multi {
        let plain: Box<str> = reading.plain().replace('ü', "v").into_boxed_str();
        if !plain.is_empty() && !readings.contains(&plain) {
            readings.push(plain);
        }
    }
    readings.into_boxed_slice()
}

/// The Chinese characters (CJK Unified Ideographs) read like `c`, without
/// tones, in code point order (`c` among them): the characters a buyer's
/// pinyin input method offers for the same syllable, where most typing
/// mistakes in Chinese queries come from (地扳革 for 地板革).
pub fn homophones(c: char) -> Vec<char> {
    static BY_READING: std::sync::OnceLock<std::collections::HashMap<String, Vec<char>>> =
        std::sync::OnceLock::new();
    let by_reading = BY_READING.get_or_init(|| {
        let mut by_reading: std::collections::HashMap<String, Vec<char>> =
            std::collections::HashMap::new();
        for other in '\u{4e00}'..='\u{9fff}' {
            for reading in char_readings(other) {
                by_reading.entry(reading).or_default().push(other);
            }
        }
        by_reading
    });
    let mut found: Vec<char> = char_readings(c)
        .iter()
        .filter_map(|reading| by_reading.get(reading))
        .flatten()
        .copied()
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}

/// One unit of a text for key building: a Han character with its readings,
/// or a run of other characters typed as they are.
#[derive(Debug, Clone, PartialEq)]
enum Unit<'a> {
    Han(&'static [Box<str>]),
    Literal(&'a str),
}

fn units<'a>(text: &'a str) -> Vec<Unit<'a>> {
    let mut units = Vec::new();
    // Byte range of the alphanumeric run being read.
    let mut literal: Option<(usize, usize)> = None;
    let flush = |literal: &mut Option<(usize, usize)>, units: &mut Vec<Unit<'a>>| {
        if let Some((from, to)) = literal.take() {
            units.push(Unit::Literal(&text[from..to]));
        }
    };
    for (offset, c) in text.char_indices() {
        if is_han(c) {
            flush(&mut literal, &mut units);
            let readings = readings_of(c);
            if readings.is_empty() {
                units.push(Unit::Literal(&text[offset..offset + c.len_utf8()]));
            } else {
                units.push(Unit::Han(readings));
            }
        } else if c.is_alphanumeric() {
            let end = offset + c.len_utf8();
            literal = Some(literal.map_or((offset, end), |(from, _)| (from, end)));
        } else {
            flush(&mut literal, &mut units);
        }
    }
    flush(&mut literal, &mut units);
    units
}

/// The reading combinations of `units`: the first reading of every
/// character first, then alternatives, at most [`MAX_READINGS`].
fn reading_combinations<'a>(units: &[Unit<'a>]) -> Vec<Vec<&'a str>> {
    let mut combinations: Vec<Vec<&str>> = vec![Vec::with_capacity(units.len())];
    for unit in units {
        let choices: &[Box<str>] = match unit {
            Unit::Han(readings) => readings,
            Unit::Literal(text) => {
                for combination in &mut combinations {
                    combination.push(text);
                }
                continue;
            }
        };
        if choices.len() == 1 {
            for combination in &mut combinations {
                combination.push(&choices[0]);
            }
            continue;
        }
        let mut next = Vec::with_capacity(combinations.len() * choices.len());
        for (choice_index, choice) in choices.iter().enumerate() {
            for combination in &combinations {
                if choice_index > 0 && next.len() >= MAX_READINGS {
                    break;
                }
                let mut extended = combination.clone();
                extended.push(&**choice);
                next.push(extended);
            }
        }
        next.truncate(MAX_READINGS);
        combinations = next;
    }
    combinations
}

/// Full-pinyin and initials keys of a normalised text, deduplicated, the
/// primary reading (every character's first reading) first. Texts without
/// Han characters have none (their text key already serves).
pub fn pinyin_keys(text: &str) -> (Vec<String>, Vec<String>) {
    pinyin_keys_of_units(&units(text))
}

fn pinyin_keys_of_units(units: &[Unit<'_>]) -> (Vec<String>, Vec<String>) {
    if !units.iter().any(|unit| matches!(unit, Unit::Han(_))) {
        return (Vec::new(), Vec::new());
    }
    let mut full = Vec::new();
    let mut initials = Vec::new();
    for combination in reading_combinations(units) {
        let spelled: String = combination.concat();
        let mut initial = String::with_capacity(units.len());
        for (unit, reading) in units.iter().zip(&combination) {
            match unit {
                Unit::Han(_) => initial.extend(reading.chars().next()),
                Unit::Literal(text) => initial.push_str(text),
            }
        }
        if !full.contains(&spelled) {
            full.push(spelled);
        }
        if !initials.contains(&initial) {
            initials.push(initial);
        }
    }
    (full, initials)
}

/// The primary reading of `text`: every Han character's first reading,
/// letters and digits as they are, anything else left out (for text with
/// Han characters, the first of [`pinyin_keys`]' full keys).
pub fn primary_reading(text: &str) -> String {
    primary_prefixes(text, |reading| reading)
        .pop()
        .unwrap_or_default()
}

/// The initials of `text`'s primary reading (lyq for 连衣裙): the last of
/// [`initials_prefixes`], and the first of [`pinyin_keys`]' initials keys
/// for text with Han characters.
pub fn primary_initials(text: &str) -> String {
    initials_prefixes(text).pop().unwrap_or_default()
}

/// Syllable boundaries of the primary reading: the full-pinyin prefixes a
/// user types on the way to `text` (lian, lianyi, lianyiqun).
pub fn syllable_prefixes(text: &str) -> Vec<String> {
    primary_prefixes(text, |reading| reading)
}

/// Initials prefixes of the primary reading (l, ly, lyq).
pub fn initials_prefixes(text: &str) -> Vec<String> {
    primary_prefixes(text, |reading| reading.get(..1).unwrap_or(reading))
}

/// The prefixes of `text`'s primary reading, unit by unit: each Han
/// character written as `spell` of its first reading, letters and digits as
/// they are.
fn primary_prefixes(text: &str, spell: fn(&str) -> &str) -> Vec<String> {
    let mut prefixes = Vec::new();
    let mut spelled = String::new();
    for unit in units(text) {
        match unit {
            Unit::Han(readings) => spelled.push_str(spell(&readings[0])),
            Unit::Literal(literal) => spelled.push_str(literal),
        }
        prefixes.push(spelled.clone());
    }
    prefixes
}

/// Keys for mixed typing (hanzi, then pinyin): the first character as
/// written, then the primary full pinyin, and the primary initials, of the
/// rest (连衣裙 → 连yiqun, 连yq). None when the text does not start with a
/// Han character.
pub fn mixed_keys(text: &str) -> Option<(String, String)> {
    let first = text.chars().next().filter(|c| is_han(*c))?;
    Some(mixed_keys_of_units(
        first,
        &units(&text[first.len_utf8()..]),
    ))
}

fn mixed_keys_of_units(first: char, rest: &[Unit<'_>]) -> (String, String) {
    let mut full = first.to_string();
    let mut initials = first.to_string();
    for unit in rest {
        match unit {
            Unit::Han(readings) => {
                full.push_str(&readings[0]);
                initials.extend(readings[0].chars().next());
            }
            Unit::Literal(literal) => {
                full.push_str(literal);
                initials.push_str(literal);
            }
        }
    }
    (full, initials)
}

/// The full-pinyin keys, initials keys and mixed keys of a candidate's
/// text ([`pinyin_keys`] and [`mixed_keys`] from one reading of it).
pub fn candidate_key_texts(text: &str) -> (Vec<String>, Vec<String>, Option<(String, String)>) {
    let units = units(text);
    let (full, initials) = pinyin_keys_of_units(&units);
    // A text starting with a Han character starts with its unit: the rest's
    // units are the units after it.
    let mixed = text
        .chars()
        .next()
        .filter(|c| is_han(*c))
        .map(|first| mixed_keys_of_units(first, &units[1..]));
    (full, initials, mixed)
}

/// How a typed prefix reads, once normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypedPrefix {
    /// Nothing typed: the hot list.
    Empty,
    /// Han characters only, or Han then other non-Latin text.
    Hanzi(String),
    /// Han characters then Latin letters: 连yi, 连衣q.
    Mixed {
        /// The Han characters typed first.
        hanzi: String,
        /// The letters typed after them.
        latin: String,
    },
    /// No Han characters: Latin letters, digits (pinyin, initials, brands).
    Latin(String),
}

/// Normalises and classifies what the user typed; model numbers are
/// spaced as candidates are (华为p 3 → 华为p3, mate2 → mate 2).
pub fn classify(typed: &str) -> TypedPrefix {
    let normalized = normalize(typed);
    let normalized = super::mine::hygiene::canonical_model_spacing(&normalized, true).into_owned();
    if normalized.is_empty() {
        return TypedPrefix::Empty;
    }
    if !normalized.chars().any(is_han) {
        return TypedPrefix::Latin(normalized);
    }
    let trailing_latin: String = normalized
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphabetic() || *c == ' ' || *c == '\'')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let latin: String = trailing_latin
        .chars()
        .filter(char::is_ascii_alphabetic)
        .collect();
    if latin.is_empty() {
        return TypedPrefix::Hanzi(normalized);
    }
    let hanzi = normalized[..normalized.len() - trailing_latin.len()]
        .trim_end()
        .to_string();
    TypedPrefix::Mixed { hanzi, latin }
}

/// The confusions of fuzzy pinyin, as input methods offer them; each can be
/// switched off in the suggestion config (`[fuzzy]`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    bincode::Encode,
    bincode::Decode,
)]
#[serde(deny_unknown_fields, default)]
pub struct FuzzyRules {
    /// z and zh.
    pub z_zh: bool,
    /// c and ch.
    pub c_ch: bool,
    /// s and sh.
    pub s_sh: bool,
    /// n and l.
    pub n_l: bool,
    /// an and ang (ian/iang, uan/uang too).
    pub an_ang: bool,
    /// en and eng.
    pub en_eng: bool,
    /// in and ing.
    pub in_ing: bool,
    /// One typo (an inserted, missing, wrong or swapped letter) in pinyin
    /// of four to 24 letters.
    pub one_typo: bool,
}

impl Default for FuzzyRules {
    fn default() -> Self {
        FuzzyRules {
            z_zh: true,
            c_ch: true,
            s_sh: true,
            n_l: true,
            an_ang: true,
            en_eng: true,
            in_ing: true,
            one_typo: true,
        }
    }
}

impl FuzzyRules {
    /// No confusion at all.
    pub fn none() -> Self {
        FuzzyRules {
            z_zh: false,
            c_ch: false,
            s_sh: false,
            n_l: false,
            an_ang: false,
            en_eng: false,
            in_ing: false,
            one_typo: false,
        }
    }

    /// Whether any of the sound confusions (not the typo) is on.
    pub fn any_sound(&self) -> bool {
        self.z_zh || self.c_ch || self.s_sh || self.n_l || self.an_ang || self.en_eng || self.in_ing
    }

    /// Folds pinyin so that confusable spellings become one: the h of
    /// zh/ch/sh dropped, l written n, the g of ang/eng/ing dropped (each as
    /// switched on). Each letter's fate depends only on the letters before
    /// it, so a prefix folds to a prefix of the fold: typed prefixes and
    /// candidate keys can be folded apart and still compared by prefix.
    pub fn fold(&self, pinyin: &str) -> String {
        let bytes = pinyin.as_bytes();
        let mut folded = String::with_capacity(pinyin.len());
        for (index, &byte) in bytes.iter().enumerate() {
            let previous = index.checked_sub(1).map(|at| bytes[at]);
            let before_previous = index.checked_sub(2).map(|at| bytes[at]);
            let drop = match byte {
                b'h' => match previous {
                    Some(b'z') => self.z_zh,
                    Some(b'c') => self.c_ch,
                    Some(b's') => self.s_sh,
                    _ => false,
                },
                b'g' if previous == Some(b'n') => match before_previous {
                    Some(b'a') => self.an_ang,
                    Some(b'e') => self.en_eng,
                    Some(b'i') => self.in_ing,
                    _ => false,
                },
                _ => false,
            };
            if drop {
                continue;
            }
            if byte == b'l' && self.n_l {
                folded.push('n');
            } else {
                folded.push(byte as char);
            }
        }
        folded
    }
}

/// Every spelling one typo away from `typed` (letters a–z): one letter
/// deleted, inserted, replaced, or two neighbours swapped; `typed` itself
/// excluded, deduplicated.
pub fn one_typo_variants(typed: &str) -> Vec<String> {
    let bytes = typed.as_bytes();
    let mut variants: Vec<String> = Vec::with_capacity(bytes.len() * 54 + 26);
    let mut push = |candidate: Vec<u8>| {
        if let Ok(text) = String::from_utf8(candidate) {
            variants.push(text);
        }
    };
    for index in 0..bytes.len() {
        let mut deleted = bytes.to_vec();
        deleted.remove(index);
        push(deleted);
        if index + 1 < bytes.len() && bytes[index] != bytes[index + 1] {
            let mut swapped = bytes.to_vec();
            swapped.swap(index, index + 1);
            push(swapped);
        }
        for letter in b'a'..=b'z' {
            if letter != bytes[index] {
                let mut replaced = bytes.to_vec();
                replaced[index] = letter;
                push(replaced);
            }
        }
    }
    for index in 0..=bytes.len() {
        for letter in b'a'..=b'z' {
            let mut inserted = bytes.to_vec();
            inserted.insert(index, letter);
            push(inserted);
        }
    }
    variants.sort_unstable();
    variants.dedup();
    variants.retain(|variant| variant != typed);
    variants
}

/// Pinyin as typed: lowercase letters, separators (spaces, apostrophes) dropped.
pub fn compact_pinyin(latin: &str) -> String {
    latin
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_primary_reading_is_the_first_full_key() {
        for text in ["连衣裙", "长城 wifi", "iphone 15手机壳", "豐田"] {
            assert_eq!(primary_reading(text), pinyin_keys(text).0[0], "{text}");
            assert_eq!(primary_initials(text), pinyin_keys(text).1[0], "{text}");
        }
        assert_eq!(first_reading('长'), Some("zhang"));
        assert_eq!(first_reading('a'), None);
        assert_eq!(
            primary_reading("长城"),
            "zhangcheng",
            "each character's first reading"
        );
        assert_eq!(
            primary_reading("p30 pro"),
            "p30pro",
            "punctuation and spaces left out"
        );
    }

    #[test]
    fn the_readings_table_holds_every_han_characters_readings() {
        for code in HAN_RANGES.iter().flat_map(|range| range.clone()) {
            let c = char::from_u32(code).unwrap();
            assert!(is_han(c));
            assert_eq!(readings_of(c), &*compute_readings(c), "{c}");
        }
        assert!(readings_of('a').is_empty());
        assert_eq!(readings_of('长')[..2], ["zhang".into(), "chang".into()][..]);
    }

    #[test]
    fn one_reading_of_a_text_gives_the_same_keys_as_each_function() {
        for text in [
            "连衣裙",
            "iphone 15手机壳",
            "长城 wifi",
            "绿色",
            "a",
            "豐田",
        ] {
            let (full, initials, mixed) = candidate_key_texts(text);
            assert_eq!((full, initials), pinyin_keys(text), "{text}");
            assert_eq!(mixed, mixed_keys(text), "{text}");
        }
    }

    use super::*;

    #[test]
    fn full_pinyin_and_initials() {
        let (full, initials) = pinyin_keys("连衣裙");
        assert_eq!(full, ["lianyiqun"]);
        assert_eq!(initials, ["lyq"]);
    }

    #[test]
    fn polyphones_yield_every_reading() {
        let (full, initials) = pinyin_keys("长裙");
        assert!(full.contains(&"changqun".to_string()), "{full:?}");
        assert!(full.contains(&"zhangqun".to_string()), "{full:?}");
        assert!(initials.contains(&"cq".to_string()) && initials.contains(&"zq".to_string()));
        let (full, _) = pinyin_keys("银行卡");
        assert!(full.contains(&"yinhangka".to_string()), "{full:?}");
        assert!(full.contains(&"yinxingka".to_string()), "{full:?}");
    }

    #[test]
    fn readings_are_bounded() {
        let (full, initials) = pinyin_keys("长行重长行重长行");
        assert!(full.len() <= MAX_READINGS && initials.len() <= MAX_READINGS);
        assert!(!full.is_empty());
    }

    #[test]
    fn latin_runs_stay_literal_and_u_umlaut_is_v() {
        let (full, initials) = pinyin_keys("iphone 15手机壳");
        assert_eq!(full[0], "iphone15shoujike", "primary reading first");
        assert_eq!(initials[0], "iphone15sjk");
        assert!(char_readings('绿').contains(&"lv".to_string()));
        assert_eq!(pinyin_keys("iphone 15"), (Vec::new(), Vec::new()));
    }

    #[test]
    fn typed_prefixes_are_classified() {
        assert_eq!(classify("  "), TypedPrefix::Empty);
        assert_eq!(classify("连衣"), TypedPrefix::Hanzi("连衣".into()));
        assert_eq!(classify("LianYi"), TypedPrefix::Latin("lianyi".into()));
        assert_eq!(classify("ｌｙｑ"), TypedPrefix::Latin("lyq".into()));
        assert_eq!(
            classify("连yi"),
            TypedPrefix::Mixed {
                hanzi: "连".into(),
                latin: "yi".into()
            }
        );
        assert_eq!(
            classify("连衣 q"),
            TypedPrefix::Mixed {
                hanzi: "连衣".into(),
                latin: "q".into()
            }
        );
        assert_eq!(compact_pinyin("lian yi'qun"), "lianyiqun");
    }

    #[test]
    fn every_character_with_a_reading_gives_keys_without_panicking() {
        // Plain readings can be non-ASCII (欸 → ê): initials take a char, not a byte.
        for code in 0x4E00u32..=0x9FFF {
            let c = char::from_u32(code).unwrap();
            let text: String = [c, '衣', c].iter().collect();
            let (full, initials) = pinyin_keys(&text);
            assert!(!full.is_empty() && !initials.is_empty(), "{c}");
            let _ = initials_prefixes(&text);
            let _ = syllable_prefixes(&text);
            let _ = mixed_keys(&text);
        }
    }

    #[test]
    fn mixed_keys_keep_the_first_character() {
        assert_eq!(
            mixed_keys("连衣裙"),
            Some(("连yiqun".to_string(), "连yq".to_string()))
        );
        assert_eq!(mixed_keys("iphone 15"), None);
    }

    #[test]
    fn fuzzy_folds_each_confusion_and_keeps_prefixes() {
        let all = FuzzyRules::default();
        assert_eq!(all.fold("zhang"), all.fold("zan"));
        assert_eq!(all.fold("chun"), all.fold("cun"));
        assert_eq!(all.fold("shi"), all.fold("si"));
        assert_eq!(all.fold("lian"), all.fold("nian"));
        assert_eq!(all.fold("feng"), all.fold("fen"));
        assert_eq!(all.fold("xing"), all.fold("xin"));
        assert_ne!(all.fold("hong"), all.fold("hon"), "ong is no confusion");
        let only_z = FuzzyRules {
            z_zh: true,
            ..FuzzyRules::none()
        };
        assert_eq!(only_z.fold("zhang"), "zang");
        assert_eq!(only_z.fold("chang"), "chang", "c/ch is off");
        // A prefix folds to a prefix of the fold.
        let word = "zhuangshishangliang";
        for end in 0..=word.len() {
            assert!(all.fold(word).starts_with(&all.fold(&word[..end])), "{end}");
        }
    }

    #[test]
    fn one_typo_variants_cover_every_edit() {
        let variants = one_typo_variants("lianyi");
        for expected in ["lanyi", "lainyi", "lianyii", "lianyu", "ilanyi"] {
            assert!(variants.contains(&expected.to_string()), "{expected}");
        }
        assert!(!variants.contains(&"lianyi".to_string()));
        assert!(!variants.contains(&"lanyu".to_string()), "two edits");
    }

    #[test]
    fn prefixes_along_the_way() {
        assert_eq!(syllable_prefixes("连衣裙"), ["lian", "lianyi", "lianyiqun"]);
        assert_eq!(initials_prefixes("连衣裙"), ["l", "ly", "lyq"]);
    }
}
