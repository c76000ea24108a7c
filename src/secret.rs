//! The run's secret values, and masking them as `***` in everything baton prints or writes.
//!
//! Secrets come from `secret()`, `secret: true` captures, auth credentials, tokens and the
//! values of credential headers. Each run owns its `Secrets` (a cheap handle, shared by its
//! collections and jobs); nothing here is process-wide.
//!
//! A value is masked in every form it takes on the way out: as is, base64-encoded,
//! percent-encoded (any encode set, any hex case, `+` for a space), JSON-escaped (`\"`,
//! `\\`, `\/`, `\n`, `\uXXXX`) and any mix of these, because one pattern per secret accepts
//! each of its characters in each of those spellings. Callers mask whole texts before they
//! cut, split or diff them, so no part of a secret survives a cut.

use std::fmt::Write as _;
use std::sync::{Arc, RwLock};

use base64::Engine as _;
use regex::Regex;

pub const MASK: &str = "***";

/// Headers whose value is a credential: always masked, and their values are secrets.
pub const SECRET_HEADERS: [&str; 4] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

/// The run's secrets. Clones share one registry.
#[derive(Clone, Default)]
pub struct Secrets {
    inner: Arc<RwLock<Inner>>,
}

#[derive(Default)]
struct Inner {
    values: Vec<String>,
    matcher: Option<Regex>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the values themselves.
        write!(f, "Secrets({} values)", self.read().values.len())
    }
}

impl Secrets {
    pub fn new() -> Self {
        Self::default()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Mark a value secret: it is masked, in all its forms, from now on.
    pub fn register(&self, value: &str) {
        let mut new: Vec<&str> = Vec::new();
        // Masking a one- or two-character value would shred every report and hide nothing.
        if value.chars().count() >= 3 {
            new.push(value);
        }
        // A multi-line secret (a PEM key) may also be shown a line at a time.
        if value.contains('\n') {
            new.extend(
                value
                    .lines()
                    .map(str::trim)
                    .filter(|l| l.chars().count() >= 8),
            );
        }
        if new.is_empty() {
            return;
        }
        // The same token is registered again on every request that sends it: keep that cheap.
        {
            let inner = self.read();
            if new.iter().all(|n| inner.values.iter().any(|v| v == n)) {
                return;
            }
        }
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        for n in new {
            if !inner.values.iter().any(|v| v == n) {
                inner.values.push(n.to_string());
            }
        }
        // Longest first, so a secret that contains another is masked whole.
        inner
            .values
            .sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
        inner.matcher = build(&inner.values);
    }

    /// A credential header's value: the whole value, and the part after an auth scheme.
    pub fn register_header(&self, name: &str, value: &str) {
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "authorization" | "proxy-authorization" => {
                self.register(value);
                if let Some((_, cred)) = value.trim().split_once(' ') {
                    self.register(cred.trim());
                }
            }
            "cookie" => {
                for pair in value.split(';') {
                    if let Some((_, v)) = pair.split_once('=') {
                        self.register(v.trim());
                    }
                }
            }
            "set-cookie" => {
                if let Some((_, v)) = value.split(';').next().and_then(|p| p.split_once('=')) {
                    self.register(v.trim());
                }
            }
            _ => {}
        }
    }

    pub fn is_empty(&self) -> bool {
        self.read().values.is_empty()
    }

    /// Every form of every secret replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        let inner = self.read();
        match &inner.matcher {
            Some(re) if !text.is_empty() => re.replace_all(text, MASK).into_owned(),
            _ => text.to_string(),
        }
    }

    /// A header value as it may be shown: credential headers masked (cookie names and
    /// attributes stay readable), every other value redacted.
    pub fn redact_header(&self, name: &str, value: &str) -> String {
        match name.to_ascii_lowercase().as_str() {
            "authorization" | "proxy-authorization" => MASK.to_string(),
            "cookie" => value
                .split(';')
                .map(|pair| match pair.split_once('=') {
                    Some((k, _)) => format!("{}={MASK}", k.trim()),
                    None => MASK.to_string(),
                })
                .collect::<Vec<_>>()
                .join("; "),
            "set-cookie" => {
                let mut parts = value.splitn(2, ';');
                let first = parts.next().unwrap_or_default();
                let name = first.split_once('=').map_or("", |(k, _)| k.trim());
                match parts.next() {
                    Some(attrs) => format!("{name}={MASK};{}", self.redact(attrs)),
                    None => format!("{name}={MASK}"),
                }
            }
            _ => self.redact(value),
        }
    }

    /// Redact every string inside a JSON value (keys too).
    pub fn redact_json(&self, v: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match v {
            Value::String(s) => Value::String(self.redact(s)),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.redact_json(x)).collect()),
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| (self.redact(k), self.redact_json(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

pub fn is_secret_header(name: &str) -> bool {
    SECRET_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
}

/// One pattern for all secrets, longest first. `None` if it cannot be built (then the
/// values are still masked literally, see `literal`).
fn build(values: &[String]) -> Option<Regex> {
    let mut alts: Vec<String> = Vec::new();
    for v in values {
        alts.push(spellings(v));
        let b64 = base64::engine::general_purpose::STANDARD.encode(v);
        let b64url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        alts.push(regex::escape(&b64));
        // The padding may be cut off, or the URL-safe alphabet used (JWT parts).
        alts.push(regex::escape(b64.trim_end_matches('=')));
        alts.push(regex::escape(&b64url));
    }
    regex::RegexBuilder::new(&alts.join("|"))
        .size_limit(256 << 20)
        .dfa_size_limit(64 << 20)
        .build()
        .ok()
        .or_else(|| literal(values))
}

/// The fallback: the values as they are.
fn literal(values: &[String]) -> Option<Regex> {
    let alts: Vec<String> = values.iter().map(|v| regex::escape(v)).collect();
    Regex::new(&alts.join("|")).ok()
}

/// A pattern matching `value` with each character in any of the spellings it takes in a
/// URL, a form or a JSON string.
fn spellings(value: &str) -> String {
    let mut out = String::new();
    for c in value.chars() {
        // Longest spelling first: where a shorter reading also matches (`\\` read as two
        // backslashes), the match still covers the whole of the secret's spelling.
        let mut alts = Vec::new();
        // `\uXXXX`; above the BMP a surrogate pair (`\uD83D\uDE00`), as ASCII-only JSON
        // writers (Python's default) spell it.
        let mut u = String::new();
        for unit in c.encode_utf16(&mut [0; 2]) {
            u.push_str(r"\\u");
            for digit in format!("{unit:04X}").chars() {
                if digit.is_ascii_alphabetic() {
                    let _ = write!(u, "[{}{}]", digit, digit.to_ascii_lowercase());
                } else {
                    u.push(digit);
                }
            }
        }
        alts.push(u);
        let mut pct = String::new();
        for b in c.encode_utf8(&mut [0; 4]).bytes() {
            pct.push('%');
            for digit in format!("{b:02X}").chars() {
                if digit.is_ascii_alphabetic() {
                    let _ = write!(pct, "[{}{}]", digit, digit.to_ascii_lowercase());
                } else {
                    pct.push(digit);
                }
            }
        }
        alts.push(pct);
        match c {
            ' ' => alts.push(r"\+".into()),
            '"' => alts.push(r#"\\""#.into()),
            '\\' => alts.push(r"\\\\".into()),
            '/' => alts.push(r"\\/".into()),
            '\n' => alts.push(r"\\n".into()),
            '\r' => alts.push(r"\\r".into()),
            '\t' => alts.push(r"\\t".into()),
            '\u{8}' => alts.push(r"\\b".into()),
            '\u{c}' => alts.push(r"\\f".into()),
            _ => {}
        }
        alts.push(regex::escape(c.encode_utf8(&mut [0; 4])));
        let _ = write!(out, "(?:{})", alts.join("|"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(values: &[&str]) -> Secrets {
        let s = Secrets::new();
        for v in values {
            s.register(v);
        }
        s
    }

    #[test]
    fn masks_plain_base64_and_url_forms() {
        let s = secrets(&["s3cr3t/value+x"]);
        assert_eq!(s.redact("token=s3cr3t/value+x;"), "token=***;");
        let b64 = base64::engine::general_purpose::STANDARD.encode("s3cr3t/value+x");
        assert_eq!(s.redact(&format!("Basic {b64}")), "Basic ***");
        assert_eq!(s.redact("q=s3cr3t%2Fvalue%2Bx"), "q=***");
        assert_eq!(s.redact("q=s3cr3t%2fvalue%2bx"), "q=***");
        assert_eq!(s.redact_header("AUTHORIZATION", "Bearer abc"), "***");
    }

    #[test]
    fn masks_escaped_and_encoded_spellings() {
        let s = secrets(&[
            "pa\"ss-w0rd",
            "a/b-token",
            "with space!",
            "line one\nline two",
        ]);
        assert_eq!(
            s.redact(r#"{"password":"pa\"ss-w0rd"}"#),
            r#"{"password":"***"}"#
        );
        assert_eq!(s.redact(r#"{"t":"a\/b-token"}"#), r#"{"t":"***"}"#);
        assert_eq!(s.redact("/x/with%20space%21/y"), "/x/***/y");
        assert_eq!(s.redact("q=with+space%21"), "q=***");
        assert_eq!(s.redact(r#""line one\nline two""#), r#""***""#);
        assert_eq!(s.redact(r#""\u0070a\"ss-w0rd""#), r#""***""#);
        // A line of a multi-line secret on its own.
        assert_eq!(s.redact("-line one\n+line two"), "-***\n+***");
    }

    #[test]
    fn masks_the_whole_spelling_of_backslashes() {
        // `\\` is one backslash JSON-escaped, or two raw ones: the longer reading wins.
        let s = secrets(&["ab\\\\\\"]);
        assert_eq!(s.redact(r#""ab\\\u005C%5C""#), r#""***""#);
        let b = secrets(&["tab\u{8}form\u{c}feed"]);
        assert_eq!(b.redact(r#""tab\bform\ffeed""#), r#""***""#);
    }

    #[test]
    fn masks_ascii_only_json_above_the_bmp() {
        // Python's json.dumps writes an emoji as a surrogate pair.
        let s = secrets(&["key-\u{1F600}-value"]);
        assert_eq!(s.redact(r#""key-\ud83d\ude00-value""#), r#""***""#);
        assert_eq!(s.redact(r#""key-\uD83D\uDE00-value""#), r#""***""#);
    }

    #[test]
    fn cookie_names_stay_readable() {
        let s = Secrets::new();
        assert_eq!(
            s.redact_header("Set-Cookie", "sid=abc123; Path=/; HttpOnly"),
            "sid=***; Path=/; HttpOnly"
        );
        assert_eq!(s.redact_header("cookie", "a=1; b=2"), "a=***; b=***");
        s.register_header("Set-Cookie", "sid=abc123; Path=/");
        assert_eq!(s.redact("{\"sid\":\"abc123\"}"), "{\"sid\":\"***\"}");
    }

    #[test]
    fn two_runs_do_not_share_secrets() {
        let a = secrets(&["only-in-a"]);
        let b = Secrets::new();
        assert_eq!(a.redact("only-in-a"), "***");
        assert_eq!(b.redact("only-in-a"), "only-in-a");
    }

    #[test]
    fn short_values_are_not_masked() {
        let s = secrets(&["ab"]);
        assert_eq!(s.redact("abc"), "abc");
        assert!(s.is_empty());
    }
}
