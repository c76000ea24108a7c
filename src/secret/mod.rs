//! The run's secret values, and masking them as `***` in everything baton prints or writes.
//!
//! Secrets come from `secret()`, `secret: true` captures, auth credentials, tokens and the
//! values of credential headers. Each run owns its `Secrets` (a cheap handle, shared by its
//! collections and jobs); nothing here is process-wide.
//!
//! A value is masked in every form it takes on the way out: as is, base64-encoded,
//! percent-encoded (any encode set, any hex case, `+` for a space), JSON-escaped (`\"`,
//! `\\`, `\/`, `\n`, `\uXXXX`, and escaped again as JSON text inside a JSON string is), as
//! HTML entities, as the URL parser leaves it in a path (a backslash made a slash, line breaks
//! dropped), and any mix of these, because one pattern per secret accepts each of its
//! characters in each of those spellings. Base64 forms are matched the same way. Callers mask
//! whole texts before they cut, split or diff them, so no part of a secret survives a cut.

mod redacted;

pub use redacted::{Maskable, Redacted};

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

/// The secrets longest first (so one that contains another is masked whole), each with its
/// own pattern: registering one more compiles one pattern, not all of them again. Patterns
/// are compiled when first needed: text without `%`, a backslash or `&` can only hold a secret as
/// written (or base64, or `+` for its spaces), which plain substring search finds, so a run
/// that never shows an escaped text never pays for the patterns.
#[derive(Default)]
struct Inner {
    values: Vec<String>,
    /// Per value: the spellings plain search finds; empty when only the pattern can.
    plain: Vec<Vec<String>>,
    matchers: Vec<Option<Regex>>,
}

/// The spellings of `value` a text without `%`, a backslash or `&` can hold: as is, with `+` for
/// its spaces, and base64 (padded first, so the padding goes too). Empty when the value has
/// characters a URL or JSON text always writes escaped or changes (then the pattern decides).
fn plain_forms(value: &str) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    if value.contains(['\\', '\n', '\r', '\t', '"', '%', '&', '<', '>', '\'']) {
        return Vec::new();
    }
    let mut out = vec![value.to_string()];
    if value.contains(' ') {
        out.push(value.replace(' ', "+"));
    }
    for b in [
        STANDARD.encode(value),
        STANDARD_NO_PAD.encode(value),
        URL_SAFE_NO_PAD.encode(value),
    ] {
        if !out.contains(&b) {
            out.push(b);
        }
    }
    out
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
            let plain = plain_forms(n);
            // A value plain search cannot find alone gets its pattern now.
            let re = if plain.is_empty() {
                match matcher(n) {
                    Some(re) => Some(re),
                    None => continue,
                }
            } else {
                None
            };
            let len = n.chars().count();
            let at = inner
                .values
                .iter()
                .position(|v| v.chars().count() < len)
                .unwrap_or(inner.values.len());
            inner.values.insert(at, n.to_string());
            inner.plain.insert(at, plain);
            inner.matchers.insert(at, re);
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

    /// The read lock, every pattern compiled first when `text` may hold escaped spellings.
    fn ready_for(&self, text: &str) -> std::sync::RwLockReadGuard<'_, Inner> {
        let escaped = text.contains(['%', '\\', '&']);
        if escaped {
            let missing = self.read().matchers.iter().any(Option::is_none);
            if missing {
                let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
                let Inner {
                    values, matchers, ..
                } = &mut *inner;
                for (v, m) in values.iter().zip(matchers.iter_mut()) {
                    if m.is_none() {
                        *m = matcher(v);
                    }
                }
            }
        }
        self.read()
    }

    /// Every form of every secret replaced by what `with` gives for the text found.
    ///
    /// Every secret is looked for in the text as given, and the places found are joined where
    /// they overlap before anything is replaced: masking one secret first could eat a
    /// character of a neighbour's spelling (base64 padding, an escaping backslash) or a
    /// secret that is a piece of another's base64, and leave the rest of it showing.
    pub fn replace_each(&self, text: &str, with: &mut dyn FnMut(&str) -> String) -> String {
        if text.is_empty() {
            return String::new();
        }
        let escaped = text.contains(['%', '\\', '&']);
        let inner = self.ready_for(text);
        let mut found: Vec<(usize, usize)> = Vec::new();
        for (i, re) in inner.matchers.iter().enumerate() {
            match re {
                // The pattern finds every spelling; use it when it is there and needed.
                Some(re) if escaped || inner.plain[i].is_empty() => {
                    // Overlapping matches too: a shorter reading can start a character early
                    // (a plain `"` before `\"`) or end inside the next occurrence (padding,
                    // a backslash), so each search starts just after the last match's start.
                    let mut at = 0;
                    while let Some(m) = re.find_at(text, at) {
                        if !m.is_empty() {
                            found.push((m.start(), m.end()));
                        }
                        at = m.start() + 1;
                        while !text.is_char_boundary(at) {
                            at += 1;
                        }
                        if at >= text.len() {
                            break;
                        }
                    }
                }
                _ => {
                    for form in &inner.plain[i] {
                        found.extend(
                            text.match_indices(form.as_str())
                                .map(|(at, f)| (at, at + f.len())),
                        );
                    }
                }
            }
        }
        if found.is_empty() {
            return text.to_string();
        }
        found.sort_unstable();
        let mut out = String::with_capacity(text.len());
        let mut done = 0;
        let mut i = 0;
        while i < found.len() {
            let (start, mut end) = found[i];
            i += 1;
            while i < found.len() && found[i].0 < end {
                end = end.max(found[i].1);
                i += 1;
            }
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

/// The pattern of one secret: its spellings, and those of its base64 forms. When that
/// cannot be built (far too long), the value as it is.
fn matcher(value: &str) -> Option<Regex> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    // The padding may be cut off, or the URL-safe alphabet used (JWT parts); in a URL or a
    // JSON string a base64 text is escaped like any other (`%2B`, `\/`).
    let pattern = [
        spellings(value),
        // Exactly its own padding, or none: a `=` that follows belongs to the next text.
        format!(
            "{}(?:(?:=|%3[dD]){{{}}})?",
            base64_spellings(&STANDARD_NO_PAD.encode(value)),
            (3 - value.len() % 3) % 3
        ),
        base64_spellings(&URL_SAFE_NO_PAD.encode(value)),
    ]
    .join("|");
    regex::RegexBuilder::new(&pattern)
        .size_limit(64 << 20)
        .build()
        .or_else(|_| Regex::new(&regex::escape(value)))
        .ok()
}

/// Base64 text: letters and digits as they are, `+`, `/` and `-`, `_` in every spelling.
fn base64_spellings(b64: &str) -> String {
    let mut out = String::new();
    for c in b64.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else {
            let _ = write!(out, "(?:{})", char_spellings(c).join("|"));
        }
    }
    out
}

/// A pattern matching `value` with each character in any of the spellings it takes in a
/// URL, a form, a JSON string or HTML.
fn spellings(value: &str) -> String {
    let dropped = |c: char| matches!(c, '\n' | '\r' | '\t');
    // A value of nothing but those would match the empty text everywhere (and hide its base64).
    let droppable = value.chars().any(|c| !dropped(c));
    let mut out = String::new();
    for c in value.chars() {
        let mut alts = char_spellings(c);
        match c {
            // The URL parser turns a backslash into a slash in an http(s) path...
            '\\' => alts.extend(char_spellings('/')),
            // ...and drops line breaks and tabs.
            c if dropped(c) && droppable => alts.push(String::new()),
            _ => {}
        }
        let _ = write!(out, "(?:{})", alts.join("|"));
    }
    out
}

/// The spellings of one character: percent-encoded (either hex case), `+` for a space, JSON
/// escapes (`\"`, `\\`, `\/`, `\n`, `\b`, `\f`, `\uXXXX` and surrogate pairs above the
/// BMP, also escaped again, as JSON text inside a JSON string is: `\\\"`), HTML entities,
/// and itself. Longest first: where a shorter reading also matches (`\\` read as two raw
/// backslashes), the match still covers the whole of the secret's spelling.
fn char_spellings(c: char) -> Vec<String> {
    let mut alts = Vec::new();
    // `\uXXXX`, one per UTF-16 unit: above the BMP a surrogate pair (`\uD83D\uDE00`), as
    // ASCII-only JSON writers (Python's default) spell it.
    let mut u = String::new();
    for unit in c.encode_utf16(&mut [0; 2]) {
        u.push_str(r"\\+u");
        push_hex(&mut u, &format!("{unit:04X}"));
    }
    alts.push(u);
    let mut pct = String::new();
    for b in c.encode_utf8(&mut [0; 4]).bytes() {
        pct.push('%');
        push_hex(&mut pct, &format!("{b:02X}"));
    }
    alts.push(pct);
    // `\\+`: one backslash per level of JSON escaping (1, 3, 7, ...), any number accepted.
    let extra: &[&str] = match c {
        ' ' => &[r"\+"],
        '"' => &[r#"\\+""#, "&quot;", "&#34;", "&#[xX]22;"],
        // An exact count per level (2, 4, 8): one run of backslashes read greedily would take
        // the first backslash of an escape that follows (`\\` + `\b`).
        '\\' => &[r"\\{8}", r"\\{4}", r"\\{2}"],
        '/' => &[r"\\+/", "&#47;", "&#[xX]2[fF];"],
        '\n' => &[r"\\+n"],
        '\r' => &[r"\\+r"],
        '\t' => &[r"\\+t"],
        '\u{8}' => &[r"\\+b"],
        '\u{c}' => &[r"\\+f"],
        '&' => &["&amp;", "&#38;", "&#[xX]26;"],
        '<' => &["&lt;", "&#60;", "&#[xX]3[cC];"],
        '>' => &["&gt;", "&#62;", "&#[xX]3[eE];"],
        '\'' => &["&#39;", "&apos;", "&#[xX]27;"],
        _ => &[],
    };
    alts.extend(extra.iter().map(|s| s.to_string()));
    alts.push(regex::escape(c.encode_utf8(&mut [0; 4])));
    alts
}

/// Hex digits matching either case.
fn push_hex(out: &mut String, hex: &str) {
    for digit in hex.chars() {
        if digit.is_ascii_alphabetic() {
            let _ = write!(out, "[{}{}]", digit, digit.to_ascii_lowercase());
        } else {
            out.push(digit);
        }
    }
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
        // A secret ending in a backslash, JSON-escaped twice in a row (`\\` + `\b`): a reading
        // that starts in the first runs through the second, so they go as one.
        let s = secrets(&["\u{8}\r+\n/\"\\"]);
        let once = r#"\b\r+\n\/\"\\"#;
        assert_eq!(s.redact(&format!("{once}{once}")), "***");
        // A shorter reading that starts a character early (the plain `"` before `\"`, line
        // breaks dropped as in a URL) does not hide the whole spelling after it.
        let s = secrets(&["\"\r\\\"\r\r"]);
        assert_eq!(s.redact(r#"x:y+"\"\r\\\"\r\r"#), "x:y+***");
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
