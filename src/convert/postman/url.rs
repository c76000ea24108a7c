//! A Postman URL as Newman sends it: built from its parts (`host`, `path`, `query`) when
//! it has them, whatever `raw` says, and percent-encoded where Newman's encoder
//! (postman-url-encoder) differs from the WHATWG parser that sends baton's requests.

use serde_json::Value as Json;

use super::text;

/// What the parts of a URL object give: the URL without its query, and the query list as
/// `(key, value)` with `None` for a value without `=`, and disabled entries apart.
pub(super) struct Parts {
    pub base: String,
    pub query: Option<Vec<QueryItem>>,
}

pub(super) struct QueryItem {
    pub key: String,
    pub value: Option<String>,
    pub disabled: bool,
}

/// The parts of a URL object, when it has any (`host` or `path`): Newman sends these and
/// ignores `raw`.
pub(super) fn from_parts(o: &serde_json::Map<String, Json>) -> Option<Parts> {
    if !o.contains_key("host") && !o.contains_key("path") {
        return None;
    }
    let mut base = String::new();
    // Without a `protocol` part, the scheme `raw` names (Postman writes both; a
    // hand-written collection may not).
    let raw_scheme = o
        .get("raw")
        .and_then(Json::as_str)
        .and_then(|r| r.split_once("://"))
        .map(|(s, _)| s)
        .filter(|s| s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https"));
    if let Some(p) = o.get("protocol").and_then(Json::as_str).or(raw_scheme) {
        base.push_str(p.trim_end_matches("://").trim_end_matches(':'));
        base.push_str("://");
    }
    base.push_str(&match o.get("host") {
        Some(Json::Array(a)) => a.iter().map(text).collect::<Vec<_>>().join("."),
        Some(v) => text(v),
        None => String::new(),
    });
    if let Some(port) = o.get("port").map(text).filter(|p| !p.is_empty()) {
        base.push(':');
        base.push_str(&port);
    }
    let segments: Vec<String> = match o.get("path") {
        Some(Json::Array(a)) => a.iter().map(text).collect(),
        Some(Json::String(s)) => s
            .trim_start_matches('/')
            .split('/')
            .map(String::from)
            .collect(),
        _ => Vec::new(),
    };
    if !segments.is_empty() {
        let encoded: Vec<String> = segments.iter().map(|s| encode(s, PATH)).collect();
        base.push('/');
        base.push_str(&encoded.join("/"));
    }
    let query = o.get("query").and_then(Json::as_array).map(|list| {
        list.iter()
            .filter(|q| q.is_object())
            .map(|q| QueryItem {
                key: encode(&q.get("key").map(text).unwrap_or_default(), QUERY),
                value: q
                    .get("value")
                    .filter(|v| !v.is_null())
                    .map(|v| encode(&text(v), QUERY)),
                disabled: super::disabled(q),
            })
            .collect()
    });
    Some(Parts { base, query })
}

/// Characters Newman encodes in a path segment and the WHATWG parser would read as
/// structure or drop (control characters: the parser removes tabs and newlines).
const PATH: &[char] = &['#', '?'];
/// The same for a query key or value: `&` and `#` end it.
const QUERY: &[char] = &['#', '&'];

/// Percent-encodes control characters and `set`, outside `{{...}}` variables (Newman
/// encodes after it replaces them).
pub(super) fn encode(s: &str, set: &[char]) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while !rest.is_empty() {
        if rest.starts_with("{{")
            && let Some(end) = rest[2..].find("}}")
        {
            out.push_str(&rest[..end + 4]);
            rest = &rest[end + 4..];
            continue;
        }
        let c = rest.chars().next().unwrap_or_default();
        if c.is_ascii_control() || set.contains(&c) {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Control characters of a raw URL, encoded as Newman sends them.
pub(super) fn encode_controls(s: &str) -> String {
    encode(s, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_what_newman_encodes_outside_variables() {
        assert_eq!(encode("\nbar\n", QUERY), "%0Abar%0A");
        assert_eq!(encode("b#a&r", QUERY), "b%23a%26r");
        assert_eq!(encode("{{a&b}}&", QUERY), "{{a&b}}%26");
        assert_eq!(encode("a?b#", PATH), "a%3Fb%23");
        assert_eq!(encode("%23x", QUERY), "%23x");
    }

    #[test]
    fn parts_win_over_raw() {
        let o = serde_json::json!({
            "raw": "https:\\\\h:1/get",
            "protocol": "http", "host": ["h"], "port": "1", "path": ["get"],
            "query": [{"key": null, "value": null}, {"key": "foo", "value": null}]
        });
        let p = from_parts(o.as_object().unwrap()).unwrap();
        assert_eq!(p.base, "http://h:1/get");
        let q = p.query.unwrap();
        assert_eq!((q[0].key.as_str(), q[0].value.is_none()), ("", true));
        assert_eq!(q[1].key, "foo");
        let o = serde_json::json!({ "raw": "https://h/x", "host": ["h"], "path": ["x"] });
        assert_eq!(
            from_parts(o.as_object().unwrap()).unwrap().base,
            "https://h/x"
        );
    }
}
