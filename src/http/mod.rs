//! Sending HTTP requests: the only code that talks to reqwest. One client (one connection
//! pool) serves the whole run. baton follows redirects itself, so every hop is seen: its
//! cookies go into the jar, credentials are dropped when a hop leaves the origin, and `-vv`
//! can show each one. Bodies are decoded here (gzip, deflate, br, zstd) while the headers
//! stay as the server sent them, and a body is kept only up to `max_body` bytes.

pub mod builder;
pub mod digest;
pub mod jsondoc;
pub mod oauth2;
mod prepared;
pub mod response;

pub use prepared::{PrepareError, UrlError, prepare};
pub mod sigv4;

use std::borrow::Cow;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use async_compression::tokio::bufread::{BrotliDecoder, GzipDecoder, ZlibDecoder, ZstdDecoder};
use futures_util::TryStreamExt as _;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::io::{AsyncRead, AsyncReadExt as _};

use crate::http::builder::Signing;
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
    /// Digest or SigV4: applied hop by hop while sending, within the origin only.
    pub signing: Option<Signing>,
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

/// One hop of an exchange: what goes out next. The first hop borrows the prepared
/// request's headers and body; a hop that changes them has its own.
struct Next<'p> {
    method: String,
    url: url::Url,
    headers: Cow<'p, [(String, String)]>,
    body: Option<Cow<'p, [u8]>>,
}

impl<'p> Next<'p> {
    /// The hop a redirect leads to: 303 (and 301/302 after a POST) turn into a GET
    /// without a body.
    fn redirected(&self, status: u16, target: &str) -> Result<Next<'p>, HttpError> {
        let url = self.url.join(target).map_err(|e| {
            HttpError::Send(format!(
                "{} {}: redirect to `{target}` is not a valid URL: {e}",
                self.method, self.url
            ))
        })?;
        let mut next = Next {
            method: self.method.clone(),
            url,
            headers: self.headers.clone(),
            body: self.body.clone(),
        };
        if status == 303 || (matches!(status, 301 | 302) && self.method == "POST") {
            next.method = "GET".into();
            next.body = None;
            next.headers.to_mut().retain(|(k, _)| {
                !k.eq_ignore_ascii_case("content-type") && !k.eq_ignore_ascii_case("content-length")
            });
        }
        Ok(next)
    }
}

impl Next<'_> {
    fn drop_credentials(&mut self, credential_headers: &[String]) {
        self.headers.to_mut().retain(|(k, _)| {
            !crate::secret::is_secret_header(k)
                && !credential_headers.iter().any(|c| c.eq_ignore_ascii_case(k))
        });
    }
}

/// A hop's response headers and `Location`; its cookies go into the jar.
fn arrived(
    resp: &reqwest::Response,
    jar: Option<&Jar>,
    url: &url::Url,
) -> (Vec<(String, String)>, Option<String>) {
    if let Some(jar) = jar {
        let mut set = resp.headers().get_all(reqwest::header::SET_COOKIE).iter();
        jar.set_cookies(&mut set, url);
    }
    let location = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    (header_list(resp.headers()), location)
}

/// The headers a hop sends: the request's, baton's defaults, and the jar's cookies.
fn outgoing(
    headers: &[(String, String)],
    jar: Option<&Jar>,
    url: &url::Url,
) -> Vec<(String, String)> {
    let mut sent = headers.to_vec();
    add_default(&mut sent, "User-Agent", USER_AGENT);
    add_default(&mut sent, "Accept", "*/*");
    add_default(&mut sent, "Accept-Encoding", ACCEPT_ENCODING);
    if let Some(jar) = jar
        && !sent.iter().any(|(k, _)| k.eq_ignore_ascii_case("cookie"))
        && let Some(c) = jar.cookies(url)
    {
        sent.push((
            "Cookie".into(),
            String::from_utf8_lossy(c.as_bytes()).into_owned(),
        ));
    }
    sent
}

/// What went out, as the wire had it: plus Host and Content-Length.
fn wire(hop: &Next<'_>, sent: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut wire = vec![("Host".to_string(), host_header(&hop.url))];
    wire.extend(sent);
    if let Some(b) = &hop.body
        && !wire
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-length"))
    {
        wire.push(("Content-Length".into(), b.len().to_string()));
    }
    wire
}

/// The final response, its body decoded and kept up to `max_body`.
async fn received(
    resp: reqwest::Response,
    hop: &Next<'_>,
    status: u16,
    headers: Vec<(String, String)>,
    max_body: u64,
    start: Instant,
) -> Result<Response, HttpError> {
    let body = read_body(resp, &headers, max_body)
        .await
        .map_err(|e| HttpError::Send(format!("{} {}: {e}", hop.method, hop.url)))?;
    Ok(match body {
        Body::Kept(b) => Response::new(status, headers, b, start.elapsed()),
        Body::Counted(n) => {
            Response::new(status, headers, Vec::new(), start.elapsed()).over_limit(n, max_body)
        }
    })
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
        let mut hop = Next {
            method: p.method.clone(),
            url: p.url.clone(),
            headers: Cow::Borrowed(&p.headers),
            body: p.body.as_deref().map(Cow::Borrowed),
        };
        let mut hops: Vec<Hop> = Vec::new();
        let origin = p.url.origin();
        let mut cross_origin = false;
        let mut digest_answered = false;
        loop {
            let signing = p.signing.as_ref().filter(|_| !cross_origin);
            let sent = sigv4::sign_hop(
                outgoing(&hop.headers, jar, &hop.url),
                signing,
                &hop.method,
                &hop.url,
                &hop.headers,
                hop.body.as_deref().unwrap_or_default(),
            );
            let resp = (self.once(&hop.method, &hop.url, &sent, hop.body.as_deref(), p)).await?;
            let status = resp.status().as_u16();
            let (response_headers, location) = arrived(&resp, jar, &hop.url);
            let redirect = p.follow_redirects
                && matches!(status, 301 | 302 | 303 | 307 | 308)
                && location.is_some();
            let answer = (status == 401 && !digest_answered)
                .then(|| digest::answer(signing, &hop.method, &hop.url, &response_headers))
                .flatten();
            hops.push(Hop {
                method: hop.method.clone(),
                url: hop.url.to_string(),
                headers: wire(&hop, sent),
                status,
                location: location.clone().filter(|_| redirect),
                response_headers: if redirect || answer.is_some() {
                    response_headers.clone()
                } else {
                    Vec::new()
                },
            });
            // The challenge and its answer are one step: the same request again, answered.
            if let Some(authorization) = answer {
                digest_answered = true;
                drain(resp).await;
                let headers = hop.headers.to_mut();
                headers.retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
                headers.push(("Authorization".into(), authorization));
                continue;
            }
            if !redirect {
                let response =
                    received(resp, &hop, status, response_headers, max_body, start).await?;
                return Ok(Exchange { response, hops });
            }
            if hops.len() > MAX_REDIRECTS {
                return Err(HttpError::Send(format!(
                    "{} {}: too many redirects (more than {MAX_REDIRECTS})",
                    p.method, p.url
                )));
            }
            drain(resp).await;
            let next = hop.redirected(status, &location.unwrap_or_default())?;
            cross_origin |= next.url.origin() != origin;
            hop = next;
            if cross_origin {
                // Every credential baton added or was given stays with its origin.
                hop.drop_credentials(&p.credential_headers);
            }
        }
    }

    async fn once(
        &self,
        method: &str,
        url: &url::Url,
        headers: &[(String, String)],
        body: Option<&[u8]>,
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
            rb = rb.body(b.to_vec());
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

pub(crate) fn host_header(url: &url::Url) -> String {
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
    // Sized once from Content-Length (never beyond --max-body): a large body grows without
    // reallocation, which would hold it twice for a moment.
    let plain = encoding.is_empty() || encoding == "identity";
    let expected = headers
        .iter()
        .find(|(k, _)| plain && k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<u64>().ok())
        .filter(|n| *n <= max)
        .unwrap_or(0);
    let mut kept = Kept {
        max,
        total: 0,
        bytes: Vec::with_capacity(usize::try_from(expected).unwrap_or(0)),
    };
    if plain {
        return read_plain(resp, kept).await;
    }
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
        kept.push(&buf[..n]);
    }
    Ok(kept.body())
}

/// A body's bytes as they come: kept up to `max`, past it only counted (and what was kept
/// let go).
struct Kept {
    max: u64,
    total: u64,
    bytes: Vec<u8>,
}

impl Kept {
    fn push(&mut self, chunk: &[u8]) {
        self.total += chunk.len() as u64;
        if self.total <= self.max {
            self.bytes.extend_from_slice(chunk);
        } else if !self.bytes.is_empty() {
            self.bytes = Vec::new();
        }
    }

    fn body(self) -> Body {
        if self.total > self.max {
            Body::Counted(self.total)
        } else {
            Body::Kept(self.bytes)
        }
    }
}

/// A body sent as is: its chunks go straight into `kept` (no decoder, no read buffer).
async fn read_plain(mut resp: reqwest::Response, mut kept: Kept) -> Result<Body, String> {
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| format!("reading the body: {}", root_cause(&e)))?
    {
        kept.push(&chunk);
    }
    Ok(kept.body())
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
            let mut pem = crate::problem::read_bounded(cert)
                .map_err(|e| HttpError::Setup(format!("--cert {}: {e}", cert.display())))?;
            if let Some(key) = key {
                pem.push(b'\n');
                pem.extend(
                    crate::problem::read_bounded(key)
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
