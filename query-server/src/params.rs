//! Strict query-string parsing: a bad percent-encoding or invalid UTF-8
//! names the parameter it was found in, instead of being replaced silently.

use crate::error::ApiError;

/// Decoded `name=value` pairs in order.
pub fn parse_query_string(raw: &str) -> Result<Vec<(String, String)>, ApiError> {
    let mut pairs = Vec::new();
    for piece in raw.split('&').filter(|piece| !piece.is_empty()) {
        let (raw_name, raw_value) = piece.split_once('=').unwrap_or((piece, ""));
        let name = decode_component(raw_name).map_err(|reason| {
            ApiError::invalid(&truncate(raw_name), format!("parameter name {reason}"))
        })?;
        let value =
            decode_component(raw_value).map_err(|reason| ApiError::invalid(&name, reason))?;
        pairs.push((name, value));
    }
    Ok(pairs)
}

/// Percent-decodes one component (`+` is a space) into UTF-8.
pub fn decode_component(raw: &str) -> Result<String, String> {
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' => {
                let hex = bytes
                    .get(index + 1..index + 3)
                    .ok_or("has a truncated percent-encoding")?;
                let high = hex_value(hex[0]).ok_or("has a bad percent-encoding")?;
                let low = hex_value(hex[1]).ok_or("has a bad percent-encoding")?;
                decoded.push(high << 4 | low);
                index += 3;
            }
            b'+' => {
                decoded.push(b' ');
                index += 1;
            }
            byte => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8(decoded).map_err(|_| "is not valid UTF-8".to_string())
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Parameters of one request, looked up by name; every name must be known.
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Parses `raw` and refuses names outside `known` (names starting with
    /// `_` are left to caches and ignored) and repeated names.
    pub fn parse(raw: Option<&str>, known: &[&str]) -> Result<Self, ApiError> {
        Self::parse_with_lists(raw, known, &[])
    }

    /// As [`Params::parse`], but the names in `lists` may be repeated (read
    /// them with [`Params::list`]).
    pub fn parse_with_lists(
        raw: Option<&str>,
        known: &[&str],
        lists: &[&str],
    ) -> Result<Self, ApiError> {
        let pairs = parse_query_string(raw.unwrap_or(""))?;
        let mut seen: Vec<&str> = Vec::new();
        for (name, _) in &pairs {
            if name.starts_with('_') {
                continue;
            }
            if !known.contains(&name.as_str()) {
                // A client's name is echoed, so only its start.
                return Err(ApiError::invalid(
                    &truncate(name),
                    format!("unknown parameter; expected one of {}", known.join(", ")),
                ));
            }
            if seen.contains(&name.as_str()) && !lists.contains(&name.as_str()) {
                return Err(ApiError::invalid(name, "given more than once"));
            }
            seen.push(name);
        }
        Ok(Params { pairs })
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// How many times `name` is given (`brand=&brand=a` gives it twice).
    pub fn occurrences(&self, name: &str) -> usize {
        self.pairs.iter().filter(|(key, _)| key == name).count()
    }

    /// Every value of a list parameter, given repeated or comma-separated
    /// (`brand=a&brand=b` or `brand=a,b`), trimmed; empty pieces are skipped.
    pub fn list<'a>(&'a self, name: &'a str) -> Vec<&'a str> {
        self.list_pieces(name)
            .filter(|piece| !piece.is_empty())
            .collect()
    }

    /// Every comma-separated piece of every value of `name`, trimmed, the
    /// empty ones too (for a list whose values are checked one by one).
    pub fn list_pieces<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(key, _)| key == name)
            .flat_map(|(_, value)| value.split(','))
            .map(str::trim)
    }

    /// A whole number of at most `max`, when given.
    pub fn optional_number(&self, name: &str, max: u64) -> Result<Option<u64>, ApiError> {
        let Some(raw) = self.get(name) else {
            return Ok(None);
        };
        match raw.trim().parse::<u64>() {
            Ok(value) if value <= max => Ok(Some(value)),
            Ok(value) => Err(ApiError::invalid(
                name,
                format!("must be at most {max}, got {value}"),
            )),
            Err(_) => Err(ApiError::invalid(
                name,
                format!("must be a whole number, got `{}`", truncate(raw)),
            )),
        }
    }

    /// An integer in `range`, or `default` when absent.
    pub fn integer(
        &self,
        name: &str,
        default: usize,
        range: std::ops::RangeInclusive<usize>,
    ) -> Result<usize, ApiError> {
        let Some(raw) = self.get(name) else {
            return Ok(default);
        };
        let value: usize = raw.trim().parse().map_err(|_| {
            ApiError::invalid(
                name,
                format!("must be a whole number, got `{}`", truncate(raw)),
            )
        })?;
        if !range.contains(&value) {
            return Err(ApiError::invalid(
                name,
                format!(
                    "must be between {} and {}, got {value}",
                    range.start(),
                    range.end()
                ),
            ));
        }
        Ok(value)
    }

    pub fn boolean(&self, name: &str, default: bool) -> Result<bool, ApiError> {
        match self.get(name) {
            None => Ok(default),
            Some("true" | "1") => Ok(true),
            Some("false" | "0") => Ok(false),
            Some(other) => Err(ApiError::invalid(
                name,
                format!("must be true or false, got `{}`", truncate(other)),
            )),
        }
    }
}

/// Echoes at most 40 characters of client input back in messages.
pub fn truncate(text: &str) -> String {
    text.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_and_plus() {
        let pairs = parse_query_string("q=%E8%BF%9E%E8%A1%A3%E8%A3%99+%E5%A4%8F&limit=5").unwrap();
        assert_eq!(
            pairs,
            [
                ("q".to_string(), "连衣裙 夏".to_string()),
                ("limit".to_string(), "5".to_string())
            ]
        );
    }

    #[test]
    fn bad_encodings_name_the_parameter() {
        let error = parse_query_string("limit=5&q=%ZZ").unwrap_err();
        assert_eq!(error.parameter.as_deref(), Some("q"));
        let error = parse_query_string("q=%E8%BF").unwrap_err();
        assert!(error.message.contains("UTF-8"));
        let error = parse_query_string("q=%E").unwrap_err();
        assert!(error.message.contains("truncated"));
    }

    #[test]
    fn unknown_and_repeated_parameters_are_refused() {
        assert_eq!(
            Params::parse(Some("q=a&limt=3"), &["q", "limit"])
                .err()
                .unwrap()
                .parameter
                .as_deref(),
            Some("limt")
        );
        assert!(Params::parse(Some("q=a&q=b"), &["q"]).is_err());
        let long_name = "x".repeat(10_000);
        let error = Params::parse(Some(&format!("{long_name}=1")), &["q"])
            .err()
            .unwrap();
        assert_eq!(error.parameter.as_deref(), Some(&long_name[..40]));
        assert!(Params::parse(Some("q=a&_=123"), &["q"]).is_ok());
    }

    #[test]
    fn list_parameters_may_repeat_and_split_on_commas() {
        let params = Params::parse_with_lists(
            Some("q=a&brand=x,+y&brand=z&brand=,"),
            &["q", "brand"],
            &["brand"],
        )
        .unwrap();
        assert_eq!(params.list("brand"), ["x", "y", "z"]);
        assert!(params.list("q") == ["a"]);
        assert!(Params::parse_with_lists(Some("q=a&q=b"), &["q", "brand"], &["brand"]).is_err());
    }

    #[test]
    fn optional_numbers_are_whole_and_bounded() {
        let params = Params::parse(Some("a=12&b=-1&c=99"), &["a", "b", "c"]).unwrap();
        assert_eq!(params.optional_number("a", 20).unwrap(), Some(12));
        assert_eq!(params.optional_number("absent", 20).unwrap(), None);
        let negative = params.optional_number("b", 20).unwrap_err();
        assert_eq!(negative.parameter.as_deref(), Some("b"));
        assert!(params
            .optional_number("c", 20)
            .unwrap_err()
            .message
            .contains("at most 20"));
    }

    #[test]
    fn integers_are_range_checked() {
        let params = Params::parse(Some("limit=0&offset=x"), &["limit", "offset"]).unwrap();
        assert!(params
            .integer("limit", 10, 1..=100)
            .unwrap_err()
            .message
            .contains("between 1 and 100"));
        assert!(params
            .integer("offset", 0, 0..=10)
            .unwrap_err()
            .message
            .contains("whole number"));
        assert_eq!(params.integer("absent", 7, 1..=10).unwrap(), 7);
    }
}
