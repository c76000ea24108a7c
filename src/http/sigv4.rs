//! AWS Signature Version 4: the canonical request, the string to sign and the signature of
//! one request, as AWS's own test vectors (aws-sig-v4-test-suite) expect them. Pure: the
//! sender gives the request as it goes on the wire and the time; `sign` gives the headers
//! to add (`X-Amz-Date`, `X-Amz-Security-Token`, `X-Amz-Content-Sha256`, `Authorization`).

use hmac::{Hmac, Mac as _};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha2::{Digest as _, Sha256};

use crate::http::builder::{SigV4Keys, Signing};

/// Everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`) is encoded.
const STRICT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// The same, keeping the `/` between path segments.
const PATH: &AsciiSet = &STRICT.remove(b'/');

/// One request as it goes on the wire.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub method: &'a str,
    /// The path as sent (percent-encoded, or raw in a test vector).
    pub path: &'a str,
    /// The query string as sent, without `?` (empty for none).
    pub query: &'a str,
    /// The headers to sign, `Host` among them.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// How to sign.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub time: jiff::Timestamp,
    /// S3's rules: the path is neither normalised nor encoded a second time.
    pub s3_paths: bool,
    /// Send (and sign) the payload's hash as `X-Amz-Content-Sha256` (S3 requires it).
    pub content_sha256_header: bool,
}

/// The signature and the steps to it (the steps for tests and `-vv` debugging).
#[derive(Debug, Clone)]
pub struct Signed {
    pub canonical_request: String,
    pub string_to_sign: String,
    pub signature: String,
    /// The headers to send besides the request's own, `Authorization` last.
    pub headers: Vec<(String, String)>,
}

/// Sign a request.
pub fn sign(req: &Request, keys: &SigV4Keys, opts: Options) -> Signed {
    let amz_date = opts.time.strftime("%Y%m%dT%H%M%SZ").to_string();
    let date = &amz_date[..8];
    let payload = hex(&Sha256::digest(req.body));
    let mut added = vec![("X-Amz-Date".to_string(), amz_date.clone())];
    if let Some(t) = &keys.session_token {
        added.push(("X-Amz-Security-Token".into(), t.clone()));
    }
    if opts.content_sha256_header {
        added.push(("X-Amz-Content-Sha256".into(), payload.clone()));
    }
    let mut all: Vec<(String, String)> = req.headers.to_vec();
    all.extend(added.iter().cloned());
    let (canonical_headers, signed_headers) = canonical_headers(&all);
    let canonical_request = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{payload}",
        req.method,
        canonical_uri(req.path, opts.s3_paths),
        canonical_query(req.query),
    );
    let scope = format!("{date}/{}/{}/aws4_request", keys.region, keys.service);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let mut key = hmac(
        format!("AWS4{}", keys.secret_access_key).as_bytes(),
        date.as_bytes(),
    );
    for part in [keys.region.as_str(), keys.service.as_str(), "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    let signature = hex(&hmac(&key, string_to_sign.as_bytes()));
    added.push((
        "Authorization".into(),
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
            keys.access_key_id
        ),
    ));
    Signed {
        canonical_request,
        string_to_sign,
        signature,
        headers: added,
    }
}

/// The headers a hop sends (`sent`) with SigV4's added (`X-Amz-Date`, ..., `Authorization`),
/// signed over the request's own headers (`own`) and `Host`; unchanged for other auth.
pub(super) fn sign_hop(
    mut sent: Vec<(String, String)>,
    signing: Option<&Signing>,
    method: &str,
    url: &url::Url,
    own: &[(String, String)],
    body: &[u8],
) -> Vec<(String, String)> {
    let Some(Signing::SigV4(keys)) = signing else {
        return sent;
    };
    let host = super::host_header(url);
    let added = [
        "authorization",
        "x-amz-date",
        "x-amz-security-token",
        "x-amz-content-sha256",
    ];
    let mine = |k: &str| added.iter().any(|a| k.eq_ignore_ascii_case(a));
    sent.retain(|(k, _)| !mine(k));
    let mut to_sign: Vec<(String, String)> = vec![("Host".into(), host)];
    to_sign.extend(own.iter().filter(|(k, _)| !mine(k)).cloned());
    let s3 = keys.service.eq_ignore_ascii_case("s3");
    let request = Request {
        method,
        path: url.path(),
        query: url.query().unwrap_or_default(),
        headers: &to_sign,
        body,
    };
    let options = Options {
        time: jiff::Timestamp::now(),
        s3_paths: s3,
        content_sha256_header: s3,
    };
    sent.extend(sign(&request, keys, options).headers);
    sent
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // An HMAC takes a key of any length: `new_from_slice` cannot fail here.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The path: normalised (dot segments and empty segments gone) and encoded once more, or
/// for S3 decoded and encoded once.
fn canonical_uri(path: &str, s3: bool) -> String {
    let path = if path.is_empty() { "/" } else { path };
    if s3 {
        let raw = percent_decode_str(path).decode_utf8_lossy();
        return utf8_percent_encode(&raw, PATH).to_string();
    }
    let mut segments: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = String::from("/");
    out.push_str(&segments.join("/"));
    if path.ends_with('/') && !segments.is_empty() {
        out.push('/');
    }
    // Raw bytes (a test vector's UTF-8) are encoded as their UTF-8 bytes too.
    utf8_percent_encode(&out, PATH).to_string()
}

/// Parameters decoded, encoded strictly, sorted by name then value.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let enc = |s: &str| {
                let decoded = percent_decode_str(&s.replace('+', "%20"))
                    .decode_utf8_lossy()
                    .into_owned();
                utf8_percent_encode(&decoded, STRICT).to_string()
            };
            (enc(k), enc(v))
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// `name:value` lines (names lowercased and sorted, values trimmed with inner runs of spaces
/// made one, a repeated header's values joined with `,`) and the `;`-joined names.
fn canonical_headers(headers: &[(String, String)]) -> (String, String) {
    let mut merged: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (k, v) in headers {
        let value = v.split_whitespace().collect::<Vec<_>>().join(" ");
        merged
            .entry(k.to_ascii_lowercase())
            .or_default()
            .push(value);
    }
    let lines: String = merged
        .iter()
        .map(|(k, v)| format!("{k}:{}\n", v.join(",")))
        .collect();
    let names = merged.keys().cloned().collect::<Vec<_>>().join(";");
    (lines, names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_and_path_rules() {
        assert_eq!(
            canonical_query("Param-3=Value3&Param=Value2&%E1%88%B4=Value1"),
            "%E1%88%B4=Value1&Param=Value2&Param-3=Value3"
        );
        assert_eq!(canonical_uri("//example//", false), "/example/");
        assert_eq!(canonical_uri("/a/b/../..", false), "/");
        assert_eq!(
            canonical_uri("/example%20space/", false),
            "/example%2520space/"
        );
        assert_eq!(
            canonical_uri("/example%20space/", true),
            "/example%20space/"
        );
    }
}
