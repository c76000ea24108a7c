//! Sending HTTP requests: the only code that talks to reqwest. One client (one connection
//! pool) serves the whole run. baton follows redirects itself, so every hop is seen: its
//! cookies go into the jar, credentials are dropped when a hop leaves the origin, and `-vv`
//! can show each one. Bodies are decoded here (gzip, deflate, br, zstd) while the headers
//! stay as the server sent them, and a body is kept only up to `max_body` bytes.

pub mod builder;
pub mod oauth2;
pub mod response;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use async_compression::tokio::bufread::{BrotliDecoder, GzipDecoder, ZlibDecoder, ZstdDecoder};
use futures_util::TryStreamExt as _;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::io::{AsyncRead, AsyncReadExt as _};

use crate::http::builder::{Built, BuiltBody, BuiltPart};
use crate::http::response::Response;

/// TLS and proxy settings from the command line.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    pub insecure: bool,
    pub cacert: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub proxy: Option<String>,
}

pub const USER_AGENT: &str = concat!("baton/", env!("CARGO_PKG_VERSION"));
pub const ACCEPT_ENCODING: &str = "gzip, deflate, br, zstd";
const MAX_REDIRECTS: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The request cannot be made as written (a header value with a newline, a missing file).
    #[error("{0}")]
    Setup(String),
    /// The request could not complete (connect, TLS, timeout, redirects, a broken body).
    #[error("{0}")]
    Send(String),
}

/// The run's HTTP client.
pub struct Http {
    client: reqwest::Client,
}

/// A built request made concrete: URL parsed with its query, body encoded.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub method: String,
    pub url: url::Url,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    /// The body as `-vv` shows it (files and binary data summarised).
    pub body_display: Option<String>,
    pub timeout: Duration,
    pub follow_redirects: bool,
    /// Headers to drop on a cross-origin redirect besides the standard credential ones.
    pub credential_headers: Vec<String>,
}

/// What was sent and what came back, hop by hop.
#[derive(Debug)]
pub struct Exchange {
    pub response: Response,
    /// Every request that went out, the last one first answered with `response`.
    pub hops: Vec<Hop>,
}

/// One request on the wire and the status it got.
#[derive(Debug, Clone)]
pub struct Hop {
    pub method: String,
    pub url: String,
    /// Every header sent, including the ones baton and the HTTP stack add.
    pub headers: Vec<(String, String)>,
    pub status: u16,
    /// The redirect target, for a hop that was followed.
    pub location: Option<String>,
    /// The response headers of a redirect hop (the final response has its own).
    pub response_headers: Vec<(String, String)>,
}

/// A URL that does not parse, with the reason.
#[derive(Debug, thiserror::Error)]
#[error("`{url}` is not a valid URL: {reason} (write it with a scheme: https://...)")]
pub struct UrlError {
    pub url: String,
    pub reason: String,
}

/// Parse the URL, append the query, encode the body (reading files).
pub fn prepare(b: &Built, default_timeout: Duration) -> Result<Prepared, PrepareError> {
    let mut url = url::Url::parse(b.url.trim()).map_err(|e| {
        PrepareError::Url(UrlError {
            url: b.url.clone(),
            reason: e.to_string(),
        })
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(PrepareError::Url(UrlError {
            url: b.url.clone(),
            reason: format!("the scheme is `{}`", url.scheme()),
        }));
    }
    if !b.query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in &b.query {
            pairs.append_pair(k, v);
        }
    }
    let mut headers = b.headers.clone();
    let read = |p: &PathBuf| {
        std::fs::read(p)
            .map_err(|e| PrepareError::File(format!("cannot read {}: {e}", p.display())))
    };
    let (body, body_display) = match &b.body {
        BuiltBody::None => (None, None),
        BuiltBody::Json(v) => {
            let text = serde_json::to_string(v).unwrap_or_default();
            (Some(text.clone().into_bytes()), Some(text))
        }
        BuiltBody::Form(pairs) => {
            let text = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish();
            (Some(text.clone().into_bytes()), Some(text))
        }
        BuiltBody::Text(t) => (Some(t.clone().into_bytes()), Some(t.clone())),
        BuiltBody::File(p) => {
            let bytes = read(p)?;
            let shown = format!("<{} bytes from {}>", bytes.len(), p.display());
            (Some(bytes), Some(shown))
        }
        BuiltBody::Multipart(parts) => {
            let boundary = format!("baton-{}", uuid::Uuid::new_v4().simple());
            let mut bytes = Vec::new();
            let mut shown = Vec::new();
            for (name, part) in parts {
                bytes.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
                match part {
                    BuiltPart::Text(t) => {
                        bytes.extend_from_slice(
                            format!(
                                "Content-Disposition: form-data; name=\"{}\"\r\n\r\n",
                                quoted(name)
                            )
                            .as_bytes(),
                        );
                        bytes.extend_from_slice(t.as_bytes());
                        shown.push(format!("{name}={t}"));
                    }
                    BuiltPart::File { path, content_type } => {
                        let data = read(path)?;
                        let file_name = path
                            .file_name()
                            .map(|f| f.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        let ct = content_type.clone().unwrap_or_else(|| guess_type(path));
                        bytes.extend_from_slice(
                            format!(
                                "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {ct}\r\n\r\n",
                                quoted(name),
                                quoted(&file_name)
                            )
                            .as_bytes(),
                        );
                        shown.push(format!("{name}=@{file_name} ({} bytes, {ct})", data.len()));
                        bytes.extend_from_slice(&data);
                    }
                }
                bytes.extend_from_slice(b"\r\n");
            }
            bytes.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
            if !headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            {
                headers.push((
                    "Content-Type".into(),
                    format!("multipart/form-data; boundary={boundary}"),
                ));
            }
            (Some(bytes), Some(shown.join("\n")))
        }
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
    })
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

impl Http {
    pub fn new(options: &ClientOptions) -> Result<Self, HttpError> {
        Ok(Self {
            client: build_client(options)?,
        })
    }

    /// The client for side requests such as OAuth2 token calls.
    pub fn raw(&self) -> &reqwest::Client {
        &self.client
    }

    /// Send, following redirects if asked. Cookies from `jar` go out on every hop and every
    /// hop's `Set-Cookie` comes back into it. At most `max_body` decoded bytes are kept.
    pub async fn send(
        &self,
        p: &Prepared,
        jar: Option<&Jar>,
        max_body: u64,
    ) -> Result<Exchange, HttpError> {
        let start = Instant::now();
        match tokio::time::timeout(p.timeout, self.exchange(p, jar, max_body, start)).await {
            Ok(r) => r,
            Err(_) => Err(HttpError::Send(format!(
                "{} {}: timed out after {}",
                p.method,
                p.url,
                crate::duration::human(p.timeout)
            ))),
        }
    }

    async fn exchange(
        &self,
        p: &Prepared,
        jar: Option<&Jar>,
        max_body: u64,
        start: Instant,
    ) -> Result<Exchange, HttpError> {
        let mut method = p.method.clone();
        let mut url = p.url.clone();
        let mut headers = p.headers.clone();
        let mut body = p.body.clone();
        let mut hops: Vec<Hop> = Vec::new();
        let origin = url.origin();
        let mut cross_origin = false;
        loop {
            let mut sent = headers.clone();
            add_default(&mut sent, "User-Agent", USER_AGENT);
            add_default(&mut sent, "Accept", "*/*");
            add_default(&mut sent, "Accept-Encoding", ACCEPT_ENCODING);
            if let Some(jar) = jar
                && !sent.iter().any(|(k, _)| k.eq_ignore_ascii_case("cookie"))
                && let Some(c) = jar.cookies(&url)
            {
                sent.push((
                    "Cookie".into(),
                    String::from_utf8_lossy(c.as_bytes()).into_owned(),
                ));
            }
            let resp = self.once(&method, &url, &sent, body.as_ref(), p).await?;
            let status = resp.status().as_u16();
            if let Some(jar) = jar {
                let mut set = resp.headers().get_all(reqwest::header::SET_COOKIE).iter();
                jar.set_cookies(&mut set, &url);
            }
            let response_headers = header_list(resp.headers());
            // What went out, as the wire had it: plus Host and Content-Length.
            let mut wire = vec![("Host".to_string(), host_header(&url))];
            wire.extend(sent.iter().cloned());
            if let Some(b) = &body
                && !wire
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            {
                wire.push(("Content-Length".into(), b.len().to_string()));
            }
            let location = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            let redirect = p.follow_redirects
                && matches!(status, 301 | 302 | 303 | 307 | 308)
                && location.is_some();
            hops.push(Hop {
                method: method.clone(),
                url: url.to_string(),
                headers: wire,
                status,
                location: location.clone().filter(|_| redirect),
                response_headers: if redirect {
                    response_headers.clone()
                } else {
                    Vec::new()
                },
            });
            if !redirect {
                let resp_body = read_body(resp, &response_headers, max_body)
                    .await
                    .map_err(|e| HttpError::Send(format!("{method} {url}: {e}")))?;
                let response = match resp_body {
                    Body::Kept(b) => Response::new(status, response_headers, b, start.elapsed()),
                    Body::Counted(n) => {
                        Response::new(status, response_headers, Vec::new(), start.elapsed())
                            .over_limit(n, max_body)
                    }
                };
                return Ok(Exchange { response, hops });
            }
            if hops.len() > MAX_REDIRECTS {
                return Err(HttpError::Send(format!(
                    "{} {}: too many redirects (more than {MAX_REDIRECTS})",
                    p.method, p.url
                )));
            }
            drain(resp).await;
            let target = location.unwrap_or_default();
            let next = url.join(&target).map_err(|e| {
                HttpError::Send(format!(
                    "{method} {url}: redirect to `{target}` is not a valid URL: {e}"
                ))
            })?;
            if next.origin() != origin {
                cross_origin = true;
            }
            if cross_origin {
                // Every credential baton added or was given stays with its origin.
                headers.retain(|(k, _)| {
                    !crate::secret::is_secret_header(k)
                        && !p
                            .credential_headers
                            .iter()
                            .any(|c| c.eq_ignore_ascii_case(k))
                });
            }
            if status == 303 || (matches!(status, 301 | 302) && method == "POST") {
                method = "GET".into();
                body = None;
                headers.retain(|(k, _)| {
                    !k.eq_ignore_ascii_case("content-type")
                        && !k.eq_ignore_ascii_case("content-length")
                });
            }
            url = next;
        }
    }

    async fn once(
        &self,
        method: &str,
        url: &url::Url,
        headers: &[(String, String)],
        body: Option<&Vec<u8>>,
        p: &Prepared,
    ) -> Result<reqwest::Response, HttpError> {
        let m = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|_| HttpError::Setup(format!("`{method}` is not an HTTP method")))?;
        let mut map = HeaderMap::with_capacity(headers.len());
        for (k, v) in headers {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| HttpError::Setup(format!("`{k}` is not a valid header name")))?;
            let value = HeaderValue::from_str(v).map_err(|_| {
                HttpError::Setup(format!(
                    "header `{k}`: the value is not valid in a header (control characters or non-ASCII?)"
                ))
            })?;
            map.append(name, value);
        }
        let mut rb = self.client.request(m, url.clone()).headers(map);
        if let Some(b) = body {
            rb = rb.body(b.clone());
        }
        rb.send()
            .await
            .map_err(|e| HttpError::Send(describe(&e, p)))
    }
}

fn add_default(headers: &mut Vec<(String, String)>, name: &str, value: &str) {
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name)) {
        headers.push((name.to_string(), value.to_string()));
    }
}

fn host_header(url: &url::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => String::new(),
    }
}

fn header_list(h: &HeaderMap) -> Vec<(String, String)> {
    h.iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// The most of a redirect's body read (and dropped) so its connection can be reused; a
/// longer one is not read at all: its connection is closed instead.
const DRAIN_LIMIT: usize = 64 * 1024;

async fn drain(mut resp: reqwest::Response) {
    let mut read = 0;
    while read <= DRAIN_LIMIT {
        match resp.chunk().await {
            Ok(Some(chunk)) => read += chunk.len(),
            Ok(None) | Err(_) => return,
        }
    }
}

enum Body {
    Kept(Vec<u8>),
    /// Larger than the limit: this many decoded bytes were read and dropped.
    Counted(u64),
}

/// Read the body to its end, decoded per `Content-Encoding`, keeping at most `max` bytes.
async fn read_body(
    resp: reqwest::Response,
    headers: &[(String, String)],
    max: u64,
) -> Result<Body, String> {
    let encoding = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-encoding"))
        .map(|(_, v)| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let stream = resp
        .bytes_stream()
        .map_err(|e| std::io::Error::other(root_cause(&e)));
    let raw = tokio_util::io::StreamReader::new(stream);
    let mut reader: Box<dyn AsyncRead + Unpin + Send> = match encoding.as_str() {
        "gzip" | "x-gzip" => Box::new(GzipDecoder::new(raw)),
        "deflate" => Box::new(ZlibDecoder::new(raw)),
        "br" => Box::new(BrotliDecoder::new(raw)),
        "zstd" => Box::new(ZstdDecoder::new(raw)),
        _ => Box::new(raw),
    };
    let mut kept: Vec<u8> = Vec::new();
    let mut total: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = reader.read(&mut buf).await.map_err(|e| {
            if encoding.is_empty() || encoding == "identity" {
                format!("reading the body: {e}")
            } else {
                format!("decoding the {encoding} body: {e}")
            }
        })?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total <= max {
            kept.extend_from_slice(&buf[..n]);
        } else if !kept.is_empty() {
            kept = Vec::new();
        }
    }
    Ok(if total > max {
        Body::Counted(total)
    } else {
        Body::Kept(kept)
    })
}

fn build_client(o: &ClientOptions) -> Result<reqwest::Client, HttpError> {
    let mut b = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .tcp_nodelay(true)
        .redirect(reqwest::redirect::Policy::none());
    if o.insecure {
        b = b.danger_accept_invalid_certs(true);
    }
    if let Some(path) = &o.cacert {
        let pem = crate::problem::read_bounded(path)
            .map_err(|e| HttpError::Setup(format!("--cacert {}: {e}", path.display())))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            HttpError::Setup(format!(
                "--cacert {}: not a PEM certificate: {e}",
                path.display()
            ))
        })?;
        for c in certs {
            b = b.add_root_certificate(c);
        }
    }
    match (&o.cert, &o.key) {
        (Some(cert), key) => {
            let mut pem = std::fs::read(cert)
                .map_err(|e| HttpError::Setup(format!("--cert {}: {e}", cert.display())))?;
            if let Some(key) = key {
                pem.push(b'\n');
                pem.extend(
                    std::fs::read(key)
                        .map_err(|e| HttpError::Setup(format!("--key {}: {e}", key.display())))?,
                );
            }
            let id = reqwest::Identity::from_pem(&pem).map_err(|e| {
                HttpError::Setup(format!("--cert/--key: not a PEM certificate and key: {e}"))
            })?;
            b = b.identity(id);
        }
        (None, Some(_)) => return Err(HttpError::Setup("--key needs --cert".into())),
        (None, None) => {}
    }
    if let Some(p) = &o.proxy {
        let proxy =
            reqwest::Proxy::all(p).map_err(|e| HttpError::Setup(format!("--proxy {p}: {e}")))?;
        b = b.proxy(proxy);
    } else {
        b = b.no_proxy();
    }
    b.build()
        .map_err(|e| HttpError::Setup(format!("cannot set up the HTTP client: {e}")))
}

fn describe(e: &reqwest::Error, p: &Prepared) -> String {
    let target = format!("{} {}", p.method, p.url);
    let what = if e.is_timeout() {
        format!("timed out after {}", crate::duration::human(p.timeout))
    } else if e.is_connect() {
        format!("could not connect: {}", root_cause(e))
    } else {
        root_cause(e)
    };
    format!("{target}: {what}")
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}
