//! Durations as collections write them: `250ms`, `10s`, `1m`, `1m30s` (jiff's friendly format).

use std::time::Duration;

/// Parse a duration; the error says what forms are accepted.
pub fn parse(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let signed: jiff::SignedDuration = t
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (write e.g. 250ms, 10s, 1m)"))?;
    Duration::try_from(signed).map_err(|_| format!("`{text}` is negative"))
}

/// A duration for people: `12ms`, `1.20s`.
pub fn human(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 1000.0 {
        format!("{}ms", ms.round() as u64)
    } else {
        format!("{:.2}s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(parse("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse("10s").unwrap(), Duration::from_secs(10));
        assert_eq!(parse("1m").unwrap(), Duration::from_secs(60));
        assert_eq!(parse("1m30s").unwrap(), Duration::from_secs(90));
        assert!(parse("soon").is_err());
        assert!(parse("10").is_err());
    }
}
