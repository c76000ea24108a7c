//! The run's secret values and masking them as `***` in everything baton prints or writes.
//!
//! Secrets come from `secret()`, `secret: true` captures, auth credentials and tokens.
//! The registry is process-wide: a secret found in one collection is masked in every report.

use std::sync::RwLock;

use base64::Engine as _;

static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Headers whose whole value is always masked.
pub const SECRET_HEADERS: [&str; 4] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

pub const MASK: &str = "***";

/// Mark a value secret: it, its base64 and its URL-encoded forms are masked from now on.
pub fn register(value: &str) {
    // Masking a one- or two-character value would shred every report and hide nothing.
    if value.chars().count() < 3 {
        return;
    }
    // The same token is registered again on every request that sends it: keep that cheap.
    if SECRETS
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .any(|s| s == value)
    {
        return;
    }
    let mut forms = vec![value.to_string()];
    forms.push(base64::engine::general_purpose::STANDARD.encode(value));
    // URL-encoded as query strings and forms write it, and as strict percent-encoding does.
    const COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    forms.push(percent_encoding::utf8_percent_encode(value, COMPONENT).to_string());
    forms.push(
        percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC)
            .to_string(),
    );
    forms.push(url::form_urlencoded::byte_serialize(value.as_bytes()).collect());
    let mut list = SECRETS.write().unwrap_or_else(|e| e.into_inner());
    for f in forms {
        if !list.contains(&f) {
            list.push(f);
        }
    }
    // Longest first, so a secret that contains another is masked whole.
    list.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// Every registered secret form replaced by `***`.
pub fn redact(text: &str) -> String {
    let list = SECRETS.read().unwrap_or_else(|e| e.into_inner());
    let mut out: Option<String> = None;
    for s in list.iter() {
        let cur = out.as_deref().unwrap_or(text);
        if cur.contains(s.as_str()) {
            out = Some(cur.replace(s.as_str(), MASK));
        }
    }
    out.unwrap_or_else(|| text.to_string())
}

/// A header value as it may be shown: masked whole for credential headers, redacted otherwise.
pub fn redact_header(name: &str, value: &str) -> String {
    if is_secret_header(name) {
        MASK.to_string()
    } else {
        redact(value)
    }
}

pub fn is_secret_header(name: &str) -> bool {
    SECRET_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
}

/// Redact every string inside a JSON value.
pub fn redact_json(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::String(s) => Value::String(redact(s)),
        Value::Array(a) => Value::Array(a.iter().map(redact_json).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), redact_json(v))).collect())
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_plain_base64_and_url_forms() {
        register("s3cr3t/value+x");
        assert_eq!(redact("token=s3cr3t/value+x;"), "token=***;");
        let b64 = base64::engine::general_purpose::STANDARD.encode("s3cr3t/value+x");
        assert_eq!(redact(&format!("Basic {b64}")), "Basic ***");
        assert_eq!(redact("q=s3cr3t%2Fvalue%2Bx"), "q=***");
        assert_eq!(redact_header("AUTHORIZATION", "Bearer abc"), "***");
    }
}
