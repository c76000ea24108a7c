//! A received HTTP message as captures and expectations see it: a response, or the inbound
//! request a `receive` step waited for (then `query` is set and `status` is 0).

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value as Json;

use crate::http::jsondoc::{self, Node, NodeRef};
use crate::secret::Secrets;

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// In received order; names as sent; values as sent (no decoding undone).
    pub headers: Vec<(String, String)>,
    /// The decoded body, unless it was larger than the limit (then empty).
    pub body: Vec<u8>,
    /// The decoded body's size in bytes, counted even when it was not kept.
    pub size: u64,
    /// Set when the body was larger than this limit and so was not kept.
    pub over_limit: Option<u64>,
    /// From sending the request to the last byte of the body.
    pub duration: Duration,
    /// The query parameters of an inbound request.
    pub query: Vec<(String, String)>,
    json: OnceLock<Option<Json>>,
    doc: OnceLock<Option<Node>>,
}

impl Response {
    pub fn new(
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        duration: Duration,
    ) -> Self {
        Self {
            status,
            headers,
            size: body.len() as u64,
            body,
            over_limit: None,
            duration,
            query: Vec::new(),
            json: OnceLock::new(),
            doc: OnceLock::new(),
        }
    }

    /// A response whose body of `size` bytes was counted but not kept.
    pub fn over_limit(mut self, size: u64, limit: u64) -> Self {
        self.body = Vec::new();
        self.size = size;
        self.over_limit = Some(limit);
        self
    }

    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of that header (case-insensitive).
    pub fn header_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A cookie the response sets (`Set-Cookie: name=value; ...`).
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.header_all("set-cookie").find_map(|sc| {
            let pair = sc.split(';').next()?;
            let (k, v) = pair.split_once('=')?;
            (k.trim() == name).then(|| v.trim().to_string())
        })
    }

    /// Why body checks cannot run: the body was not kept.
    pub fn body_error(&self) -> Option<String> {
        self.over_limit
            .map(|limit| format!("body exceeds {} (--max-body)", human_size(limit)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON, once; `None` when it is not JSON.
    pub fn json(&self) -> Option<&Json> {
        self.json
            .get_or_init(|| serde_json::from_slice(&self.body).ok())
            .as_ref()
    }

    /// The body parsed as JSON in the compact form JSONPath reads, once; `None` when it is
    /// not JSON. Much smaller than [`Response::json`]'s document for a large body.
    pub fn doc(&self) -> Option<NodeRef<'_>> {
        self.doc
            .get_or_init(|| jsondoc::parse(&self.body))
            .as_ref()
            .map(|node| NodeRef {
                body: &self.body,
                node,
            })
    }

    /// Text a person can read: UTF-8 and not of a binary content type.
    pub fn is_text(&self) -> bool {
        is_text(self.header("content-type"), &self.body)
    }

    /// The body as it may be shown: its text (redacted), or `<N bytes, TYPE>`.
    pub fn shown_body(&self, secrets: &Secrets) -> String {
        if self.over_limit.is_some() || !self.is_text() {
            return self.summary(secrets);
        }
        secrets.redact(&self.text())
    }

    /// The body as it may be shown, at most `max` characters (`...` when cut), redacted before
    /// it is cut. Only the start of a long body is redacted, with [`MASK_WINDOW`] bytes of room
    /// past the cut for a secret that begins before it, so a large body is not copied whole.
    pub fn shown_body_cut(&self, secrets: &Secrets, max: usize) -> String {
        if self.over_limit.is_some() || !self.is_text() {
            return self.summary(secrets);
        }
        let mut end = self
            .body
            .len()
            .min(max.saturating_mul(4).saturating_add(MASK_WINDOW));
        // The body is UTF-8 (is_text): step back to the start of a character.
        while end < self.body.len() && (self.body[end] & 0xC0) == 0x80 {
            end -= 1;
        }
        let text = String::from_utf8_lossy(&self.body[..end]);
        cut(&secrets.redact(&text), max)
    }

    /// `<N bytes, TYPE>`. The content type is the server's text too: masked like the body.
    fn summary(&self, secrets: &Secrets) -> String {
        let ct = self.header("content-type").map(|ct| secrets.redact(ct));
        summary(self.size, ct.as_deref())
    }

    /// The first characters of the body, for messages: redacted before it is cut.
    pub fn preview(&self, secrets: &Secrets) -> String {
        if self.body.is_empty() && self.over_limit.is_none() {
            return "(empty body)".into();
        }
        self.shown_body_cut(secrets, 80).replace('\n', " ")
    }
}

/// How far past a cut a body is still redacted: room for the longest spelling of a secret
/// that begins before the cut.
pub const MASK_WINDOW: usize = 1 << 20;

/// `<8192 bytes, image/png>`
pub fn summary(size: u64, content_type: Option<&str>) -> String {
    match content_type {
        Some(ct) => format!("<{size} bytes, {ct}>"),
        None => format!("<{size} bytes>"),
    }
}

/// Whether bytes of this content type are text to show.
pub fn is_text(content_type: Option<&str>, body: &[u8]) -> bool {
    if std::str::from_utf8(body).is_err() {
        return false;
    }
    let Some(ct) = content_type else { return true };
    let ct = ct.to_ascii_lowercase();
    let binary = ["image/", "audio/", "video/", "font/"]
        .iter()
        .any(|p| ct.starts_with(p))
        || [
            "application/octet-stream",
            "application/pdf",
            "application/zip",
            "application/gzip",
            "application/x-protobuf",
            "application/wasm",
        ]
        .iter()
        .any(|p| ct.starts_with(p));
    !binary
}

/// At most `max` characters, `...` when cut.
pub fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

/// `64 MiB`, `1.5 KiB`, `12 bytes`.
pub fn human_size(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} bytes");
    }
    let mut v = n as f64;
    let mut unit = "";
    for u in UNITS {
        v /= 1024.0;
        unit = u;
        if v < 1024.0 {
            break;
        }
    }
    if v.fract() == 0.0 {
        format!("{} {unit}", v as u64)
    } else {
        format!("{v:.1} {unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_cuts() {
        assert_eq!(human_size(64 << 20), "64 MiB");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(12), "12 bytes");
        assert_eq!(cut("abcdef", 3), "abc...");
        assert_eq!(cut("abc", 3), "abc");
    }

    #[test]
    fn a_cut_body_is_masked_across_the_cut() {
        let secrets = Secrets::new();
        secrets.register("secret-value-42");
        let body = format!("{}secret-value-42{}", "é".repeat(75), "x".repeat(3 << 20));
        let r = Response::new(200, vec![], body.into_bytes(), Duration::ZERO);
        let shown = r.shown_body_cut(&secrets, 80);
        assert_eq!(shown, format!("{}***xx...", "é".repeat(75)));
        assert_eq!(r.preview(&secrets), shown);
    }

    #[test]
    fn binary_bodies_are_summarised() {
        let r = Response::new(
            200,
            vec![("Content-Type".into(), "image/png".into())],
            vec![0x89, b'P', b'N', b'G'],
            Duration::ZERO,
        );
        assert_eq!(r.shown_body(&Secrets::new()), "<4 bytes, image/png>");
        let s = Secrets::new();
        s.register("sid-0123456789");
        let odd = Response::new(
            200,
            vec![("Content-Type".into(), "image/png; x=sid-0123456789".into())],
            vec![0xff],
            Duration::ZERO,
        );
        assert_eq!(odd.shown_body(&s), "<1 bytes, image/png; x=***>");
        let big = Response::new(200, vec![], Vec::new(), Duration::ZERO).over_limit(100, 10);
        assert_eq!(
            big.body_error().as_deref(),
            Some("body exceeds 10 bytes (--max-body)")
        );
    }
}
