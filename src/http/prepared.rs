//! Preparing a built request for the wire: the URL parsed and its query appended, the body
//! encoded (files read, multipart with a boundary of its own) and how it is shown.

use std::path::Path;
use std::time::Duration;

use super::Prepared;
use super::builder::{Built, BuiltBody, BuiltPart};

/// A URL that does not parse, with the reason.
#[derive(Debug, thiserror::Error)]
#[error("`{url}` is not a valid URL: {reason} (write it with a scheme: https://...)")]
pub struct UrlError {
    pub url: String,
    pub reason: String,
}

/// Parse the URL, append the query, encode the body (reading files).
pub fn prepare(b: &Built, default_timeout: Duration) -> Result<Prepared, PrepareError> {
    let mut url = parse_url(&b.url)?;
    if !b.query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in &b.query {
            pairs.append_pair(k, v);
        }
    }
    let mut headers = b.headers.clone();
    let (body, body_display) = match encode(&b.body, &mut headers)? {
        Some((bytes, shown)) => (Some(bytes), Some(shown)),
        None => (None, None),
    };
    Ok(Prepared {
        method: b.method.clone(),
        url,
        headers,
        body,
        body_display,
        timeout: b.timeout.unwrap_or(default_timeout),
        follow_redirects: b.follow_redirects,
        credential_headers: b.credential_headers.clone(),
        signing: b.signing.clone(),
    })
}

/// An http(s) URL, or an error that says how to write one.
fn parse_url(raw: &str) -> Result<url::Url, PrepareError> {
    let bad = |reason: String| {
        PrepareError::Url(UrlError {
            url: raw.to_string(),
            reason,
        })
    };
    let url = url::Url::parse(raw.trim()).map_err(|e| bad(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad(format!("the scheme is `{}`", url.scheme())));
    }
    Ok(url)
}

fn read_file(p: &Path) -> Result<Vec<u8>, PrepareError> {
    std::fs::read(p).map_err(|e| PrepareError::File(format!("cannot read {}: {e}", p.display())))
}

/// A body's bytes and how it is shown (`-vv`, reports); `None` for no body.
fn encode(
    body: &BuiltBody,
    headers: &mut Vec<(String, String)>,
) -> Result<Option<(Vec<u8>, String)>, PrepareError> {
    let text = |t: String| Some((t.clone().into_bytes(), t));
    Ok(match body {
        BuiltBody::None => None,
        BuiltBody::Json(v) => text(serde_json::to_string(v).unwrap_or_default()),
        BuiltBody::Form(pairs) => text(
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish(),
        ),
        BuiltBody::Text(t) => text(t.clone()),
        BuiltBody::File(p) => {
            let bytes = read_file(p)?;
            let shown = format!("<{} bytes from {}>", bytes.len(), p.display());
            Some((bytes, shown))
        }
        BuiltBody::Multipart(parts) => Some(multipart(parts, headers)?),
    })
}

/// `multipart/form-data` with a boundary of its own (and the `Content-Type` naming it,
/// unless one was given). It is shown as sent, except that a file's content that is not
/// text is shown as `<N bytes, CONTENT-TYPE>`.
fn multipart(
    parts: &[(String, BuiltPart)],
    headers: &mut Vec<(String, String)>,
) -> Result<(Vec<u8>, String), PrepareError> {
    let boundary = format!("baton-{}", uuid::Uuid::new_v4().simple());
    let mut bytes = Vec::new();
    let mut shown = String::new();
    let mut both = |b: &[u8], s: &str| {
        bytes.extend_from_slice(b);
        shown.push_str(s);
    };
    for (name, part) in parts {
        let open = format!("--{boundary}\r\n");
        both(open.as_bytes(), &open);
        match part {
            BuiltPart::Text(t) => {
                let disposition = format!(
                    "Content-Disposition: form-data; name=\"{}\"\r\n\r\n",
                    quoted(name)
                );
                both(disposition.as_bytes(), &disposition);
                both(t.as_bytes(), t);
            }
            BuiltPart::File { path, content_type } => {
                let data = read_file(path)?;
                let file_name = path
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let ct = content_type.clone().unwrap_or_else(|| guess_type(path));
                let disposition = format!(
                    "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {ct}\r\n\r\n",
                    quoted(name),
                    quoted(&file_name)
                );
                both(disposition.as_bytes(), &disposition);
                let text = std::str::from_utf8(&data)
                    .ok()
                    .filter(|_| is_text_type(&ct))
                    .map(str::to_string);
                let summary = format!("<{} bytes, {ct}>", data.len());
                both(&data, text.as_deref().unwrap_or(&summary));
            }
        }
        both(b"\r\n", "\r\n");
    }
    let close = format!("--{boundary}--\r\n");
    both(close.as_bytes(), &close);
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        headers.push((
            "Content-Type".into(),
            format!("multipart/form-data; boundary={boundary}"),
        ));
    }
    Ok((bytes, shown))
}

/// A content type whose bytes are shown as text.
fn is_text_type(ct: &str) -> bool {
    let ct = ct.to_ascii_lowercase();
    ct.starts_with("text/")
        || ct.contains("json")
        || ct.contains("xml")
        || ct.contains("x-www-form-urlencoded")
}

#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error(transparent)]
    Url(UrlError),
    #[error("{0}")]
    File(String),
}

fn quoted(s: &str) -> String {
    s.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn guess_type(p: &std::path::Path) -> String {
    let ext = p
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "json" => "application/json",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "xml" => "application/xml",
        "html" | "htm" => "text/html",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
    .to_string()
}
