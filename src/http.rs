//! Building and sending HTTP requests: the only code that talks to reqwest.
//! One client (one connection pool) serves the whole run, across collections and jobs.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::response::Response;

/// TLS and proxy settings from the command line.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    pub insecure: bool,
    pub cacert: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub proxy: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{0}")]
    Setup(String),
    /// The request could not complete (connect, TLS, timeout, redirects).
    #[error("{0}")]
    Send(String),
}

/// The run's HTTP clients: one that follows redirects and one that does not, sharing settings.
pub struct Http {
    options: ClientOptions,
    follow: reqwest::Client,
    no_follow: OnceLock<reqwest::Client>,
}

/// A request with every template rendered, ready to send (and to send again on retry).
#[derive(Debug, Clone)]
pub struct Prepared {
    pub method: String,
    pub url: url::Url,
    pub headers: Vec<(String, String)>,
    pub body: PreparedBody,
    pub timeout: Duration,
    pub follow_redirects: bool,
}

#[derive(Debug, Clone)]
pub enum PreparedBody {
    None,
    Bytes(Vec<u8>),
    Multipart(Vec<MultipartPart>),
}

#[derive(Debug, Clone)]
pub struct MultipartPart {
    pub name: String,
    pub value: MultipartValue,
}

#[derive(Debug, Clone)]
pub enum MultipartValue {
    Text(String),
    File {
        file_name: String,
        bytes: Arc<Vec<u8>>,
        content_type: Option<String>,
    },
}

impl PreparedBody {
    /// The body as verbose output and reports show it.
    pub fn display(&self) -> Option<String> {
        match self {
            PreparedBody::None => None,
            PreparedBody::Bytes(b) => Some(match std::str::from_utf8(b) {
                Ok(s) => s.to_string(),
                Err(_) => format!("<{} bytes of binary data>", b.len()),
            }),
            PreparedBody::Multipart(parts) => Some(
                parts
                    .iter()
                    .map(|p| match &p.value {
                        MultipartValue::Text(t) => format!("{}={t}", p.name),
                        MultipartValue::File {
                            file_name, bytes, ..
                        } => {
                            format!("{}=@{file_name} ({} bytes)", p.name, bytes.len())
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
        }
    }
}

impl Http {
    pub fn new(options: ClientOptions) -> Result<Self, HttpError> {
        let follow = build_client(&options, true)?;
        Ok(Self {
            options,
            follow,
            no_follow: OnceLock::new(),
        })
    }

    fn client(&self, follow: bool) -> Result<&reqwest::Client, HttpError> {
        if follow {
            return Ok(&self.follow);
        }
        if let Some(c) = self.no_follow.get() {
            return Ok(c);
        }
        let c = build_client(&self.options, false)?;
        Ok(self.no_follow.get_or_init(|| c))
    }

    /// The client for side requests such as OAuth2 token calls.
    pub fn raw(&self) -> &reqwest::Client {
        &self.follow
    }

    /// Send once. Cookies from `jar` go out and the response's `Set-Cookie`s come back into it.
    pub async fn send(&self, p: &Prepared, jar: Option<&Jar>) -> Result<Response, HttpError> {
        let client = self.client(p.follow_redirects)?;
        let method = reqwest::Method::from_bytes(p.method.as_bytes())
            .map_err(|_| HttpError::Setup(format!("`{}` is not an HTTP method", p.method)))?;
        let mut headers = HeaderMap::with_capacity(p.headers.len() + 1);
        for (k, v) in &p.headers {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| HttpError::Setup(format!("`{k}` is not a valid header name")))?;
            let value = HeaderValue::from_str(v)
                .map_err(|_| HttpError::Setup(format!("header `{k}`: the value is not valid in a header (control characters or non-ASCII?)")))?;
            headers.append(name, value);
        }
        if let Some(jar) = jar
            && !headers.contains_key(reqwest::header::COOKIE)
            && let Some(c) = jar.cookies(&p.url)
        {
            headers.insert(reqwest::header::COOKIE, c);
        }
        let mut rb = client
            .request(method, p.url.clone())
            .headers(headers)
            .timeout(p.timeout);
        rb = match &p.body {
            PreparedBody::None => rb,
            PreparedBody::Bytes(b) => rb.body(b.clone()),
            PreparedBody::Multipart(parts) => rb.multipart(multipart_form(parts)?),
        };
        let start = Instant::now();
        let resp = rb
            .send()
            .await
            .map_err(|e| HttpError::Send(describe(&e, p)))?;
        let status = resp.status().as_u16();
        if let Some(jar) = jar {
            let mut set = resp.headers().get_all(reqwest::header::SET_COOKIE).iter();
            jar.set_cookies(&mut set, resp.url());
        }
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = resp
            .bytes()
            .await
            .map_err(|e| HttpError::Send(describe(&e, p)))?;
        Ok(Response::new(
            status,
            headers,
            body.to_vec(),
            start.elapsed(),
        ))
    }
}

fn multipart_form(parts: &[MultipartPart]) -> Result<reqwest::multipart::Form, HttpError> {
    let mut form = reqwest::multipart::Form::new();
    for p in parts {
        form = match &p.value {
            MultipartValue::Text(t) => form.text(p.name.clone(), t.clone()),
            MultipartValue::File {
                file_name,
                bytes,
                content_type,
            } => {
                let mut part = reqwest::multipart::Part::bytes(bytes.as_ref().clone())
                    .file_name(file_name.clone());
                if let Some(ct) = content_type {
                    part = part.mime_str(ct).map_err(|_| {
                        HttpError::Setup(format!("`{ct}` is not a valid content type"))
                    })?;
                }
                form.part(p.name.clone(), part)
            }
        };
    }
    Ok(form)
}

fn build_client(o: &ClientOptions, follow: bool) -> Result<reqwest::Client, HttpError> {
    let mut b = reqwest::Client::builder()
        .user_agent(concat!("baton/", env!("CARGO_PKG_VERSION")))
        .pool_max_idle_per_host(64)
        .tcp_nodelay(true)
        .redirect(if follow {
            reqwest::redirect::Policy::limited(10)
        } else {
            reqwest::redirect::Policy::none()
        });
    if o.insecure {
        b = b.danger_accept_invalid_certs(true);
    }
    if let Some(path) = &o.cacert {
        let pem = std::fs::read(path)
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
    let target = format!("{} {}", p.method, crate::secret::redact(p.url.as_str()));
    let what = if e.is_timeout() {
        format!("timed out after {}", crate::duration::human(p.timeout))
    } else if e.is_redirect() {
        "too many redirects (more than 10)".to_string()
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
    crate::secret::redact(&cur.to_string())
}
