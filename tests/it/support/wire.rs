//! An in-process server for the wire tests: compressed bodies with their headers as sent,
//! a login that sets its cookie on a redirect, binary bodies, an OAuth2 token endpoint that
//! records its form, and an API that answers 401 without a valid token.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use base64::Engine as _;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt as _;

pub const SID: &str = "sid-value-5f3a9c";
pub const CLIENT_ID: &str = "wire-client-4711";
pub const CLIENT_SECRET: &str = "wire-client-secret-c0ffee";
pub const ACCESS_TOKEN: &str = "wire-access-token-d00dfeed";
pub const PNG_SIZE: usize = 8192;

/// The JSON every compressed route sends, before compression.
pub fn payload(encoding: &str) -> Value {
    json!({ "encoding": encoding, "id": 1, "items": ["a", "b"] })
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<Seen>>>);

impl Log {
    pub fn all(&self) -> Vec<Seen> {
        self.0.lock().unwrap().clone()
    }

    pub fn path(&self, path: &str) -> Vec<Seen> {
        self.all().into_iter().filter(|s| s.path == path).collect()
    }
}

pub struct WireServer {
    pub url: String,
    pub log: Log,
    _rt: tokio::runtime::Runtime,
}

pub fn start() -> WireServer {
    let log = Log::default();
    let (url, rt) = super::serve(router(log.clone()));
    WireServer { url, log, _rt: rt }
}

fn router(log: Log) -> Router {
    Router::new()
        .route("/compressed/{encoding}", get(compressed))
        .route("/bomb", get(bomb))
        .route("/login", post(login))
        .route("/home", get(home))
        .route("/png", get(png))
        .route("/bytes", get(raw_bytes))
        .route("/user", get(user))
        .route("/echo", any(echo))
        .route("/headers", get(headers_echo))
        .route("/oauth/token", post(token))
        .route("/api/me", get(me))
        .route(
            "/api/admin",
            get(|| async {
                (
                    StatusCode::UNAUTHORIZED,
                    axum::Json(json!({ "error": "not an admin" })),
                )
            }),
        )
        .layer(axum::middleware::from_fn_with_state(log, record))
}

async fn record(
    axum::extract::State(log): axum::extract::State<Log>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    log.0.lock().unwrap().push(Seen {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: String::from_utf8_lossy(&bytes).into_owned(),
    });
    next.run(axum::extract::Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Compress with the codec the path names; the headers say what was sent on the wire.
async fn compressed(axum::extract::Path(encoding): axum::extract::Path<String>) -> Response {
    let plain = serde_json::to_vec(&payload(&encoding)).unwrap();
    let bytes = encode(&encoding, &plain).await;
    Response::builder()
        .header("Content-Type", "application/json")
        .header("Content-Encoding", encoding.as_str())
        .header("Content-Length", bytes.len().to_string())
        .header("X-Plain-Length", plain.len().to_string())
        .body(Body::from(bytes))
        .unwrap()
}

pub const BOMB_SIZE: usize = 4 << 20;

/// 4 MiB of spaces gzipped to a few kilobytes: small on the wire, large decoded.
async fn bomb() -> Response {
    let bytes = encode("gzip", &vec![b' '; BOMB_SIZE]).await;
    Response::builder()
        .header("Content-Type", "application/json")
        .header("Content-Encoding", "gzip")
        .body(Body::from(bytes))
        .unwrap()
}

pub async fn encode(encoding: &str, plain: &[u8]) -> Vec<u8> {
    use async_compression::tokio::write::{BrotliEncoder, GzipEncoder, ZlibEncoder, ZstdEncoder};
    let mut out = Vec::new();
    match encoding {
        "gzip" => {
            let mut e = GzipEncoder::new(&mut out);
            e.write_all(plain).await.unwrap();
            e.shutdown().await.unwrap();
        }
        "deflate" => {
            let mut e = ZlibEncoder::new(&mut out);
            e.write_all(plain).await.unwrap();
            e.shutdown().await.unwrap();
        }
        "br" => {
            let mut e = BrotliEncoder::new(&mut out);
            e.write_all(plain).await.unwrap();
            e.shutdown().await.unwrap();
        }
        "zstd" => {
            let mut e = ZstdEncoder::new(&mut out);
            e.write_all(plain).await.unwrap();
            e.shutdown().await.unwrap();
        }
        other => panic!("no encoder for {other}"),
    }
    out
}

/// `POST /login` -> 302 to `/home`, setting the session cookie on the redirect itself.
async fn login() -> Response {
    (
        StatusCode::FOUND,
        [
            ("Location", "/home".to_string()),
            ("Set-Cookie", format!("sid={SID}; Path=/")),
        ],
    )
        .into_response()
}

async fn home(headers: HeaderMap) -> Response {
    let cookie = headers
        .get("cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    axum::Json(json!({ "cookie": cookie, "logged_in": cookie.contains(SID) })).into_response()
}

/// A PNG signature and header followed by filler: 8 KB of binary image data.
pub fn png_bytes() -> Vec<u8> {
    let mut b = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    b.extend_from_slice(&[0, 0, 0, 0x0d, b'I', b'H', b'D', b'R']);
    while b.len() < PNG_SIZE {
        b.push((b.len() % 251) as u8 | 0x80);
    }
    b
}

async fn png() -> Response {
    ([("Content-Type", "image/png")], png_bytes()).into_response()
}

/// Bytes that are not UTF-8, without any content type.
async fn raw_bytes() -> Response {
    let mut bytes = b"PK\x03\x04".to_vec();
    bytes.extend((0..60u8).map(|i| 0xc0 | (i % 4)));
    Response::builder().body(Body::from(bytes)).unwrap()
}

async fn user() -> Response {
    axum::Json(json!({
        "id": 1, "code": "007", "one": "1", "active": true, "deleted": false,
        "manager": null, "tags": ["a", "b"],
        "headers": { "Content-Type": "application/json", "X-Trace": "t-1" }
    }))
    .into_response()
}

async fn echo(uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    axum::Json(json!({
        "path": uri.path(),
        "query": uri.query(),
        "content_type": headers.get("content-type").and_then(|v| v.to_str().ok()),
        "body": String::from_utf8_lossy(&body),
    }))
    .into_response()
}

/// As httpbin's `/headers`: the request headers under `headers`, names in title case.
async fn headers_echo(headers: HeaderMap) -> Response {
    let title = |name: &str| {
        name.split('-')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("-")
    };
    let map: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(k, v)| {
            (
                title(k.as_str()),
                Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()),
            )
        })
        .collect();
    axum::Json(json!({ "headers": map })).into_response()
}

/// Client credentials with HTTP Basic; hands out `ACCESS_TOKEN`.
async fn token(headers: HeaderMap, body: String) -> Response {
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if auth != format!("Basic {basic}") || !body.contains("grant_type=client_credentials") {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({ "error": "invalid_client" })),
        )
            .into_response();
    }
    axum::Json(json!({
        "access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 3600
    }))
    .into_response()
}

/// 200 with the right bearer token, 401 otherwise (so an expected 401 is easy to ask for).
async fn me(headers: HeaderMap) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if auth == format!("Bearer {ACCESS_TOKEN}") {
        axum::Json(json!({ "me": "client" })).into_response()
    } else {
        (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({ "error": "unauthorized" })),
        )
            .into_response()
    }
}
