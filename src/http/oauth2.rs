//! OAuth2 client credentials (RFC 6749 4.4) and the run-wide token cache.
//!
//! One cache serves the whole run (all collections, all jobs). Concurrent requests that need
//! the same token share one fetch; a token is refreshed shortly before `expires_in` runs out,
//! and dropped on a 401 so the next use fetches a new one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value as Json;

use crate::format::model::ClientAuth;
use crate::http::builder::TokenSpec;
use crate::http::response::cut;
use crate::secret::Secrets;

/// A token request with every template already rendered.
pub type TokenRequest = TokenSpec;

fn key(r: &TokenRequest) -> Key {
    (
        r.token_url.clone(),
        r.client_id.clone(),
        r.scope.clone().unwrap_or_default(),
    )
}

/// The longest lifetime a token is trusted for, whatever `expires_in` says.
const MAX_LIFETIME: Duration = Duration::from_secs(366 * 24 * 3600);

/// (token_url, client_id, scope): what a cached token is for.
type Key = (String, String, String);
/// One slot per key; its async lock makes concurrent callers share one fetch.
type Slot = Arc<tokio::sync::Mutex<Option<Cached>>>;

#[derive(Clone, Default)]
pub struct TokenCache {
    slots: Arc<Mutex<HashMap<Key, Slot>>>,
}

#[derive(Clone)]
struct Cached {
    value: String,
    /// When to stop using it (already shortened by the refresh margin).
    refresh_at: Option<Instant>,
}

pub struct Token {
    pub value: String,
    /// Set when this call fetched the token (for verbose output).
    pub fetched: Option<FetchInfo>,
}

/// The token exchange as it went over the wire (not yet redacted: the runner masks it).
#[derive(Debug, Clone)]
pub struct FetchInfo {
    pub url: String,
    pub status: u16,
    pub duration: Duration,
    pub request_headers: Vec<(String, String)>,
    pub request_body: String,
    pub response_headers: Vec<(String, String)>,
    pub response_body: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("token request to {url} failed: {reason}")]
    Failed { url: String, reason: String },
}

impl TokenCache {
    /// A valid token for `req`: cached, or fetched now (once for all concurrent callers).
    /// The request is bounded by `timeout`; the caller cancels it by dropping the future.
    pub async fn token(
        &self,
        client: &reqwest::Client,
        req: &TokenRequest,
        secrets: &Secrets,
        timeout: Duration,
    ) -> Result<Token, TokenError> {
        secrets.register(&req.client_secret);
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(slots.entry(key(req)).or_default())
        };
        let mut guard = slot.lock().await;
        if let Some(c) = guard.as_ref()
            && c.refresh_at.is_none_or(|t| Instant::now() < t)
        {
            return Ok(Token {
                value: c.value.clone(),
                fetched: None,
            });
        }
        let (cached, info) = fetch(client, req, secrets, timeout).await?;
        let value = cached.value.clone();
        *guard = Some(cached);
        Ok(Token {
            value,
            fetched: Some(info),
        })
    }

    /// After a 401 with `token`: forget it so the next `token()` fetches a new one.
    pub fn invalidate(&self, req: &TokenRequest, token: &str) {
        let slot = {
            let slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            slots.get(&key(req)).cloned()
        };
        if let Some(slot) = slot
            && let Ok(mut guard) = slot.try_lock()
            && guard.as_ref().is_some_and(|c| c.value == token)
        {
            *guard = None;
        }
    }
}

async fn fetch(
    client: &reqwest::Client,
    req: &TokenRequest,
    secrets: &Secrets,
    timeout: Duration,
) -> Result<(Cached, FetchInfo), TokenError> {
    let url = secrets.redact(&req.token_url);
    // Masked whole before anything is cut, so no prefix of a secret survives.
    let fail = |reason: String| TokenError::Failed {
        url: url.clone(),
        reason: cut(&secrets.redact(&reason), 300),
    };
    let (headers, body) = token_request(req, secrets);
    let mut rb = client.post(&req.token_url).timeout(timeout);
    for (k, v) in &headers {
        rb = rb.header(k, v);
    }
    let started = Instant::now();
    // The timeout covers the whole exchange, a body that stops coming included.
    let failed = |e: reqwest::Error| {
        if e.is_timeout() {
            fail(format!(
                "timed out after {}",
                crate::duration::human(timeout)
            ))
        } else {
            fail(root_cause(&e))
        }
    };
    let resp = rb.body(body.clone()).send().await.map_err(failed)?;
    let status = resp.status();
    let response_headers = header_pairs(resp.headers());
    let text = read_limited(resp, 1 << 20).await.map_err(failed)?;
    let duration = started.elapsed();
    let json: Option<Json> = serde_json::from_str(&text).ok();
    register_tokens(secrets, json.as_ref(), &response_headers);
    if !status.is_success() {
        return Err(fail(format!(
            "{status}{}",
            error_detail(json.as_ref(), &text)
        )));
    }
    let Some(json) = json else {
        return Err(fail(format!(
            "{status}, but the response is not JSON: {}",
            cut(&secrets.redact(&text).replace('\n', " "), 80)
        )));
    };
    let Some(token) = json.get("access_token").and_then(Json::as_str) else {
        return Err(fail(format!(
            "{status}, but the response has no `access_token`{}",
            error_detail(Some(&json), &text)
        )));
    };
    let refresh_at = lifetime(json.get("expires_in")).map(|lifetime| {
        // Refresh a little early: 10% of the lifetime, at most 30 s.
        let margin = (lifetime / 10).min(Duration::from_secs(30));
        started + lifetime - margin
    });
    Ok((
        Cached {
            value: token.to_string(),
            refresh_at,
        },
        FetchInfo {
            url: req.token_url.clone(),
            status: status.as_u16(),
            duration,
            request_headers: wire_headers(&req.token_url, headers, body.len()),
            request_body: body,
            response_headers,
            response_body: text,
        },
    ))
}

/// The token request's headers and form body (RFC 6749 4.4.2), with the client credentials
/// as HTTP Basic (registered as a secret) or in the body.
fn token_request(req: &TokenRequest, secrets: &Secrets) -> (Vec<(String, String)>, String) {
    let mut form: Vec<(&str, &str)> = vec![("grant_type", "client_credentials")];
    if let Some(s) = &req.scope {
        form.push(("scope", s));
    }
    for (k, v) in &req.params {
        form.push((k, v));
    }
    let mut headers: Vec<(String, String)> = vec![
        ("User-Agent".into(), crate::http::USER_AGENT.into()),
        ("Accept".into(), "application/json".into()),
        (
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        ),
    ];
    match req.client_auth {
        ClientAuth::Basic => {
            // As curl -u and most providers do: `id:secret`, not form-encoded first.
            let basic = base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{}", req.client_id, req.client_secret));
            secrets.register(&basic);
            headers.push(("Authorization".into(), format!("Basic {basic}")));
        }
        ClientAuth::Body => {
            form.push(("client_id", &req.client_id));
            form.push(("client_secret", &req.client_secret));
        }
    }
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    (headers, body)
}

fn header_pairs(h: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    h.iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// The token request's headers as they went out: with `Host` and `Content-Length`, which
/// the HTTP stack adds, as `-vv` shows them for every other request.
fn wire_headers(
    token_url: &str,
    headers: Vec<(String, String)>,
    body_len: usize,
) -> Vec<(String, String)> {
    let host = url::Url::parse(token_url)
        .ok()
        .and_then(|u| {
            let h = u.host_str()?.to_string();
            Some(u.port().map_or(h.clone(), |p| format!("{h}:{p}")))
        })
        .unwrap_or_default();
    let mut wire = vec![("Host".to_string(), host)];
    wire.extend(headers);
    wire.push(("Content-Length".into(), body_len.to_string()));
    wire
}

/// `expires_in` as a lifetime: a number or numeric string of seconds; nonsense (negative,
/// not a number, infinite, `1e300`) is no promise at all, and huge values are capped.
fn lifetime(v: Option<&Json>) -> Option<Duration> {
    let secs = v.and_then(|v| {
        v.as_f64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse::<f64>().ok()))
    })?;
    if !secs.is_finite() || secs < 0.0 {
        return None;
    }
    Some(Duration::try_from_secs_f64(secs).map_or(MAX_LIFETIME, |d| d.min(MAX_LIFETIME)))
}

/// The body as text, at most `limit` bytes of it kept.
async fn read_limited(mut resp: reqwest::Response, limit: usize) -> Result<String, reqwest::Error> {
    let mut buf = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        if buf.len() < limit {
            let room = limit - buf.len();
            buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        }
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// `: invalid_client: description` from an RFC 6749 5.2 error body, or the body itself.
fn error_detail(json: Option<&Json>, text: &str) -> String {
    if let Some(j) = json {
        let error = j.get("error");
        if let Some(code) = error.and_then(Json::as_str) {
            let desc = j.get("error_description").and_then(Json::as_str);
            return match desc {
                Some(d) => format!(": {code}: {d}"),
                None => format!(": {code}"),
            };
        }
        return format!(": {}", serde_json::to_string(j).unwrap_or_default());
    }
    if text.trim().is_empty() {
        String::new()
    } else {
        format!(": {}", text.trim())
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// Every token a token endpoint hands out is a secret, whatever happens next: the access,
/// refresh and ID tokens of the body, and the parameters of a `WWW-Authenticate` challenge
/// that are not its well-known descriptive ones (a server may echo the credential there).
fn register_tokens(secrets: &Secrets, json: Option<&Json>, headers: &[(String, String)]) {
    for key in ["access_token", "refresh_token", "id_token"] {
        if let Some(t) = json.and_then(|j| j.get(key)).and_then(Json::as_str) {
            secrets.register(t);
        }
    }
    const PLAIN: [&str; 8] = [
        "realm",
        "error",
        "error_description",
        "error_uri",
        "scope",
        "charset",
        "algorithm",
        "stale",
    ];
    for (_, v) in headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("www-authenticate"))
    {
        // `Bearer realm="x", token="..."`, or a bare credential after the scheme.
        let params = v.trim().split_once(' ').map_or("", |(_, p)| p);
        for part in params.split(',') {
            match part.split_once('=') {
                Some((k, val)) if !PLAIN.contains(&k.trim().to_ascii_lowercase().as_str()) => {
                    secrets.register(val.trim().trim_matches('"'));
                }
                None => secrets.register(part.trim()),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::Router;
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::IntoResponse;
    use axum::routing::post;

    struct Server {
        url: String,
        calls: Arc<AtomicUsize>,
        last: Arc<Mutex<(String, String)>>,
    }

    async fn server(expires_in: u64, fail: bool) -> Server {
        let calls = Arc::new(AtomicUsize::new(0));
        let last = Arc::new(Mutex::new((String::new(), String::new())));
        let (c, l) = (calls.clone(), last.clone());
        let app = Router::new().route(
            "/token",
            post(move |headers: HeaderMap, body: String| {
                let (c, l) = (c.clone(), l.clone());
                async move {
                    let n = c.fetch_add(1, Ordering::SeqCst) + 1;
                    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
                    *l.lock().unwrap() = (auth, body);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    if fail {
                        return (StatusCode::UNAUTHORIZED, axum::Json(serde_json::json!({"error": "invalid_client", "error_description": "bad client credentials"})))
                            .into_response();
                    }
                    axum::Json(serde_json::json!({"access_token": format!("tok-{n}-abcdef"), "expires_in": expires_in, "token_type": "Bearer"}))
                        .into_response()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/token", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Server { url, calls, last }
    }

    fn req(url: &str, client_auth: ClientAuth) -> TokenRequest {
        TokenRequest {
            token_url: url.to_string(),
            client_id: "client-1".into(),
            client_secret: "very-secret-value".into(),
            scope: Some("sms groups".into()),
            client_auth,
            params: vec![("audience".into(), "https://api.example".into())],
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_fetch_for_many_concurrent_callers() {
        let s = server(3600, false).await;
        let cache = TokenCache::default();
        let client = reqwest::Client::new();
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let (cache, client, r) = (
                cache.clone(),
                client.clone(),
                req(&s.url, ClientAuth::Basic),
            );
            tasks.push(tokio::spawn(async move {
                cache
                    .token(&client, &r, &Secrets::new(), Duration::from_secs(30))
                    .await
                    .map(|t| t.value)
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap(), "tok-1-abcdef");
        }
        assert_eq!(s.calls.load(Ordering::SeqCst), 1);
        let (auth, body) = s.last.lock().unwrap().clone();
        let expected =
            base64::engine::general_purpose::STANDARD.encode("client-1:very-secret-value");
        assert_eq!(auth, format!("Basic {expected}"));
        assert_eq!(
            body,
            "grant_type=client_credentials&scope=sms+groups&audience=https%3A%2F%2Fapi.example"
        );
    }

    #[tokio::test]
    async fn refetch_after_expiry_and_after_invalidate() {
        let s = server(1, false).await;
        let cache = TokenCache::default();
        let client = reqwest::Client::new();
        let r = req(&s.url, ClientAuth::Body);
        let t1 = cache
            .token(&client, &r, &Secrets::new(), Duration::from_secs(30))
            .await
            .unwrap();
        assert!(t1.fetched.is_some());
        let (auth, body) = s.last.lock().unwrap().clone();
        assert_eq!(auth, "");
        assert!(
            body.contains("client_id=client-1") && body.contains("client_secret=very-secret-value")
        );
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let t2 = cache
            .token(&client, &r, &Secrets::new(), Duration::from_secs(30))
            .await
            .unwrap();
        assert_ne!(t1.value, t2.value);
        assert_eq!(s.calls.load(Ordering::SeqCst), 2);
        cache.invalidate(&r, &t2.value);
        let t3 = cache
            .token(&client, &r, &Secrets::new(), Duration::from_secs(30))
            .await
            .unwrap();
        assert_eq!(s.calls.load(Ordering::SeqCst), 3);
        assert_eq!(t3.value, "tok-3-abcdef");
    }

    #[tokio::test]
    async fn failure_names_the_error_but_never_the_secret() {
        let s = server(60, true).await;
        let cache = TokenCache::default();
        let e = cache
            .token(
                &reqwest::Client::new(),
                &req(&s.url, ClientAuth::Basic),
                &Secrets::new(),
                Duration::from_secs(30),
            )
            .await
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("401 Unauthorized: invalid_client: bad client credentials"),
            "{e}"
        );
        assert!(!e.contains("very-secret-value"), "{e}");
    }

    #[test]
    fn nonsense_lifetimes_never_panic() {
        use serde_json::json;
        assert_eq!(lifetime(Some(&json!(60))), Some(Duration::from_secs(60)));
        assert_eq!(lifetime(Some(&json!("60"))), Some(Duration::from_secs(60)));
        assert_eq!(lifetime(Some(&json!(1e300))), Some(MAX_LIFETIME));
        assert_eq!(lifetime(Some(&json!(1e19))), Some(MAX_LIFETIME));
        assert_eq!(lifetime(Some(&json!("inf"))), None);
        assert_eq!(lifetime(Some(&json!(-5))), None);
        assert_eq!(lifetime(Some(&json!("soon"))), None);
        assert_eq!(lifetime(None), None);
    }
}
