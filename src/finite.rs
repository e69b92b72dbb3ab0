//! Scores as JSON: serde_json writes a NaN or an infinity as `null`, which a
//! client reading a number cannot handle. A score that is not finite (only
//! possible from data that escaped every check) is written as 0.

/// `value`, or 0 when it is not finite.
pub fn finite_or_zero(value: f32) -> f32 {
    if value.is_finite() {
        value
    } else {
        0.0
    }
}

/// Serializes `value`, or 0 when it is not finite.
pub fn f32_or_zero<S: serde::Serializer>(value: &f32, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f32(finite_or_zero(*value))
}

#[cfg(test)]
mod tests {
    #[derive(serde::Serialize)]
    struct Scored {
        #[serde(serialize_with = "super::f32_or_zero")]
        score: f32,
    }

    #[test]
    fn non_finite_scores_are_written_as_zero() {
        for (score, expected) in [
            (f32::NAN, r#"{"score":0.0}"#),
            (f32::INFINITY, r#"{"score":0.0}"#),
            (1.5, r#"{"score":1.5}"#),
        ] {
            assert_eq!(serde_json::to_string(&Scored { score }).unwrap(), expected);
        }
    }
}
