//! The run's secret values, and masking them as `***` in everything baton prints or writes.
//!
//! Secrets come from `secret()`, `secret: true` captures, auth credentials, tokens and the
//! values of credential headers. Each run owns its `Secrets` (a cheap handle, shared by its
//! collections and jobs); nothing here is process-wide.
//!
//! A value is masked in every form it takes on the way out: as is, base64-encoded (alone or
//! inside a longer base64 text, `base64("user:" + secret)`), percent-encoded (any encode set,
//! any hex case, `+` for a space), JSON-escaped (`\"`, `\\`, `\/`, `\n`, `\uXXXX`, and escaped
//! again as JSON text inside a JSON string is), as HTML character references (named, `&#39;`,
//! `&#x53;`), as the URL parser leaves it in a path (a backslash made a slash, line breaks
//! dropped), and any mix of these. All secrets are found in one pass whatever their number:
//! one automaton over every spelling of every secret runs over the text as given and over its
//! canonical reading (`canon`), in which every spelling of a value reads the same. Callers
//! mask whole texts before they cut, split or diff them, so no part of a secret survives a cut.

mod canon;
mod search;

mod redacted;

pub use redacted::{Maskable, Redacted};

use std::sync::{Arc, RwLock};

use aho_corasick::AhoCorasick;

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

/// The secrets, the spellings of each, and the automaton over all of them, built when first
/// needed after a secret was added.
#[derive(Default)]
struct Inner {
    values: Vec<String>,
    patterns: Vec<Vec<u8>>,
    automaton: Option<Arc<AhoCorasick>>,
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
            if inner.values.iter().any(|v| v == n) {
                continue;
            }
            inner.values.push(n.to_string());
            search::patterns(n, &mut inner.patterns);
            inner.automaton = None;
        }
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
        self.replace_each(text, &mut |_| MASK.to_string())
    }

    /// The automaton over every spelling of every secret, built again after one was added.
    fn automaton(&self) -> Option<Arc<AhoCorasick>> {
        if let Some(ac) = &self.read().automaton {
            return Some(ac.clone());
        }
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if inner.automaton.is_none() && !inner.values.is_empty() {
            let mut patterns = inner.patterns.clone();
            patterns.sort_unstable();
            patterns.dedup();
            inner.automaton = search::automaton(&patterns).map(Arc::new);
        }
        inner.automaton.clone()
    }

    /// Every form of every secret replaced by what `with` gives for the text found.
    ///
    /// Every secret is looked for in the text as given, and the places found are joined where
    /// they overlap before anything is replaced: masking one secret first could eat a
    /// character of a neighbour's spelling (base64 padding, an escaping backslash) or a
    /// secret that is a piece of another's base64, and leave the rest of it showing.
    pub fn replace_each(&self, text: &str, with: &mut dyn FnMut(&str) -> String) -> String {
        let found = match self.automaton() {
            Some(ac) if !text.is_empty() => search::find(&ac, text),
            _ => Vec::new(),
        };
        let mut out = String::with_capacity(text.len());
        let mut done = 0;
        for (start, end) in found {
            // A match cut inside a character (a percent-decoded byte): widen to whole ones.
            let start = floor_char(text, start).max(done);
            let end = ceil_char(text, end);
            out.push_str(&text[done..start]);
            out.push_str(&with(&text[start..end]));
            done = end;
        }
        out.push_str(&text[done..]);
        out
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

fn floor_char(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_char(text: &str, mut at: usize) -> usize {
    while at < text.len() && !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

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
    fn masks_nested_escapes_html_and_what_the_url_parser_makes() {
        let s = secrets(&["pa\"ss/w\\0rd\nline-two-x"]);
        // JSON text inside a JSON string: every escape escaped again.
        assert_eq!(
            s.redact(r#"{"payload":"{\"p\":\"pa\\\"ss\\/w\\\\0rd\\nline-two-x\"}"}"#),
            r#"{"payload":"{\"p\":\"***\"}"}"#
        );
        assert_eq!(
            s.redact("<input value=\"pa&quot;ss&#x2F;w\\0rd\nline-two-x\">"),
            "<input value=\"***\">"
        );
        // In an http URL path a backslash becomes a slash and a line break is dropped.
        assert_eq!(s.redact("/x/pa%22ss/w/0rdline-two-x"), "/x/***");
        // Base64 seen through a URL or a JSON string.
        let b64 = base64::engine::general_purpose::STANDARD.encode("??>>??>>");
        assert!(b64.contains('/') && b64.contains('+'), "{b64}");
        let s = secrets(&["??>>??>>"]);
        assert_eq!(s.redact(&b64.replace('/', "\\/")), "***");
        assert_eq!(
            s.redact(&b64.replace('/', "%2F").replace('+', "%2b")),
            "***"
        );
    }

    #[test]
    fn a_secret_that_contains_another_is_masked_whole() {
        let s = secrets(&["abc-123", "xx-abc-123-yy", "zz"]);
        s.register("abc-123");
        assert_eq!(s.redact("xx-abc-123-yy and abc-123"), "*** and ***");
        let b64 = base64::engine::general_purpose::STANDARD.encode("xx-abc-123-yy");
        assert_eq!(s.redact(&b64), "***");
        assert_eq!(format!("{s:?}"), "Secrets(2 values)");
    }

    #[test]
    fn masks_the_whole_spelling_of_backslashes() {
        // `\\` is one backslash JSON-escaped, or two raw ones: the longer reading wins.
        let s = secrets(&["ab\\\\\\cd"]);
        assert_eq!(s.redact(r#""ab\\\u005C%5Ccd""#), r#""***""#);
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
    fn neighbours_are_masked_whole() {
        use base64::engine::general_purpose::STANDARD;
        // A secret inside another's base64: masking it first used to break the other's match.
        // (The piece is the longer value, so it used to be masked first.)
        let b64 = STANDARD.encode("90Z9Z-c0x");
        let inner = &b64[1..11];
        let s = secrets(&["90Z9Z-c0x", inner]);
        assert_eq!(s.redact(&b64), "***");
        // Base64 padding followed by a secret that starts with `=`.
        let s = secrets(&["ab", "=2:d\"9$d+=c]", "11Yb-xx"]);
        let text = format!("{}{}", STANDARD.encode("11Yb-xx"), r#"=2:d\"9$d+=c]"#);
        assert_eq!(s.redact(&text), "******");
        // A secret ending in a backslash, JSON-escaped twice in a row (`\\` + `\b`): each is
        // masked whole, its last backslash too.
        let s = secrets(&["\u{8}\r+\n/\"\\"]);
        let once = r#"\b\r+\n\/\"\\"#;
        assert_eq!(s.redact(&format!("{once}{once}")), "******");
        // A plain `"` before the spelling (`\"`) is not taken for part of it.
        let s = secrets(&["\"\r\\\"\r\r"]);
        assert_eq!(s.redact(r#"x:y+"\"\r\\\"\r\r"#), "x:y+\"***");
    }

    #[test]
    fn a_secret_of_line_breaks_and_tabs_is_masked_in_base64() {
        let s = secrets(&["\n\r\r\t\t\r"]);
        let b64 = base64::engine::general_purpose::STANDARD.encode("\n\r\r\t\t\r");
        assert_eq!(s.redact(&format!("x {b64} y")), "x *** y");
        assert_eq!(s.redact("no secret here"), "no secret here");
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
