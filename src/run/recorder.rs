//! `--record FILE`: a run's exchanges written as a mock file (SPEC section 3), so a run
//! recorded once against a live API replays offline with `--mock FILE` to the same results.
//!
//! One route per distinct method, path and query, in order of first appearance; a route
//! whose responses differed answers them as a `respond` list. Bodies are served verbatim
//! (never rendered as templates). Every secret value in what is recorded becomes a
//! placeholder `recorded-secret-N`: no secret literal is ever written.
//!
//! A replay's mock serves the variable that held the first request's base URL, at its own
//! origin: when that value had a path (`http://host/api/v1`), routes under it are recorded
//! without it, as the replay will ask for them.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::{Map, Value as Json, json};

use crate::http::response::Response;
use crate::secret::Secrets;

/// Response headers that describe the connection or the encoding, not the answer.
const DROPPED: [&str; 5] = [
    "date",
    "content-length",
    "transfer-encoding",
    "connection",
    // Bodies are recorded decoded.
    "content-encoding",
];

#[derive(Debug, Clone)]
struct Exchange {
    method: String,
    /// `http://host:port`
    origin: String,
    path: String,
    /// The query as sent: secrets are masked in it before it is split into parameters, so
    /// a secret holding `&` or `+` is never recorded in pieces or decoded.
    query: String,
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
}

#[derive(Debug, Clone, PartialEq)]
enum Body {
    None,
    /// JSON text, parsed only when the file is written (a parsed body takes several times
    /// its size).
    Json(String),
    Text(String),
    /// Not text: only its size is known to the file.
    Binary(u64),
    /// Over `--max-body`, or past what the recording keeps in all: a note with its size.
    Dropped(u64),
}

/// What a secret becomes in the file, numbered.
const PLACEHOLDER: &str = "recorded-secret-";

/// The most bytes of bodies one recording keeps: past that, a body is recorded as a note.
const MAX_RECORDED: usize = 64 << 20;

/// A route being built: method, path, query, and its responses in order.
type Route = (String, String, Vec<(String, String)>, Vec<Json>);

/// The variable a replay's mock serves, and the base URL it held when recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Served {
    pub var: String,
    /// `http://host:port`; empty when no variable held the first request's base.
    pub origin: String,
    /// The base's path without a trailing `/` (`/api/v1`), or empty.
    pub path: String,
}

impl Served {
    /// `path` (of a request to `origin`) as the replay asks for it: without the base's path.
    fn strip(&self, origin: &str, path: &str) -> String {
        if self.path.is_empty() || origin != self.origin {
            return path.to_string();
        }
        match path.strip_prefix(&self.path) {
            Some("") => "/".to_string(),
            Some(rest) if rest.starts_with('/') || rest.starts_with('?') => rest.to_string(),
            _ => path.to_string(),
        }
    }
}

/// Collects a run's exchanges (all collections, all jobs).
#[derive(Debug, Default)]
pub struct Recorder {
    exchanges: Mutex<Vec<Exchange>>,
    /// The bytes of the bodies kept so far.
    kept: std::sync::atomic::AtomicUsize,
    /// The URL of the first request, for `serves`.
    first_url: Mutex<Option<url::Url>>,
}

impl Recorder {
    pub fn new() -> Self {
        Self::default()
    }

    /// One exchange: the request's method and final URL, and the response as received.
    pub fn add(&self, method: &str, url: &url::Url, r: &Response) {
        use std::sync::atomic::Ordering;
        let fits = || {
            let before = self.kept.fetch_add(r.body.len(), Ordering::Relaxed);
            before + r.body.len() <= MAX_RECORDED
        };
        let body = if r.over_limit.is_some() {
            Body::Dropped(r.size)
        } else if !r.is_text() {
            Body::Binary(r.size)
        } else if r.body.is_empty() {
            Body::None
        } else if !fits() {
            Body::Dropped(r.size)
        } else if r.json().is_some() {
            Body::Json(r.text())
        } else {
            Body::Text(r.text())
        };
        self.push(method, url, r.status, &r.headers, body);
    }

    /// A redirect hop, its `Location` made relative when it points back at the recorded
    /// origin (so a replay stays on the mock).
    pub fn add_hop(&self, method: &str, url: &url::Url, status: u16, headers: &[(String, String)]) {
        let origin = url.origin();
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| {
                if k.eq_ignore_ascii_case("location")
                    && let Ok(target) = url.join(v)
                    && target.origin() == origin
                {
                    let mut rel = target.path().to_string();
                    if let Some(q) = target.query() {
                        rel.push('?');
                        rel.push_str(q);
                    }
                    return (k.clone(), rel);
                }
                (k.clone(), v.clone())
            })
            .collect();
        self.push(method, url, status, &headers, Body::None);
    }

    /// An OAuth2 token exchange (so a replay can hand out a token too).
    pub fn add_token(&self, url: &str, status: u16, headers: &[(String, String)], body: &str) {
        let Ok(url) = url::Url::parse(url) else {
            return;
        };
        let body = if body.is_empty() {
            Body::None
        } else if serde_json::from_str::<serde::de::IgnoredAny>(body).is_ok() {
            Body::Json(body.to_string())
        } else {
            Body::Text(body.to_string())
        };
        self.push("POST", &url, status, headers, body);
    }

    fn push(
        &self,
        method: &str,
        url: &url::Url,
        status: u16,
        headers: &[(String, String)],
        body: Body,
    ) {
        {
            let mut first = self.first_url.lock().unwrap_or_else(|e| e.into_inner());
            if first.is_none() {
                *first = Some(url.clone());
            }
        }
        let e = Exchange {
            method: method.to_ascii_uppercase(),
            origin: url.origin().ascii_serialization(),
            path: url.path().to_string(),
            query: url.query().unwrap_or_default().to_string(),
            status,
            headers: headers
                .iter()
                .filter(|(k, _)| !DROPPED.contains(&k.to_ascii_lowercase().as_str()))
                .cloned()
                .collect(),
            body,
        };
        self.exchanges
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(e);
    }

    /// The origin of the first request (`http://host:port`).
    pub fn first_origin(&self) -> Option<String> {
        self.first_url
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|u| u.origin().ascii_serialization())
    }

    /// What a replay's mock serves: the first of `candidates` (variable, initial value) whose
    /// value is the base of the first request's URL (its origin, maybe with a path), as
    /// (variable, base). `base_url` with no base when none is.
    pub fn serves(&self, candidates: &[(String, Json)]) -> Served {
        let first = self.first_url.lock().unwrap_or_else(|e| e.into_inner());
        let found = first.as_ref().and_then(|first| {
            candidates.iter().find_map(|(name, value)| {
                let base = url::Url::parse(value.as_str()?.trim_end_matches('/')).ok()?;
                let path = base.path().trim_end_matches('/');
                let under = first.path() == path
                    || first.path().starts_with(&format!("{path}/"))
                    || path.is_empty();
                (base.origin() == first.origin() && under).then(|| Served {
                    var: name.clone(),
                    origin: base.origin().ascii_serialization(),
                    path: path.to_string(),
                })
            })
        });
        found.unwrap_or_else(|| Served {
            var: "base_url".into(),
            origin: String::new(),
            path: String::new(),
        })
    }

    /// The mock file, every secret replaced by its placeholder.
    pub fn mock_file(&self, served: &Served, secrets: &Secrets) -> String {
        let exchanges = self.exchanges.lock().unwrap_or_else(|e| e.into_inner());
        let mut placeholders: HashMap<String, usize> = HashMap::new();
        let mut hide = |text: &str| {
            secrets.replace_each(text, &mut |found: &str| {
                let n = placeholders.len() + 1;
                let n = *placeholders.entry(found.to_string()).or_insert(n);
                format!("{PLACEHOLDER}{n}")
            })
        };
        // Routes in order of first appearance, each with its responses in order.
        let mut routes: Vec<Route> = Vec::new();
        for e in exchanges.iter() {
            let respond = respond(e, served, &mut hide);
            // A parameter that carries a secret (an api_key in the query) is left out of
            // the match: a replay sends the real value, never the placeholder.
            let query: Vec<(String, String)> =
                url::form_urlencoded::parse(hide(&e.query).as_bytes())
                    .into_owned()
                    .filter(|(k, v)| !k.contains(PLACEHOLDER) && !v.contains(PLACEHOLDER))
                    .collect();
            let path = hide(&served.strip(&e.origin, &e.path));
            match routes
                .iter_mut()
                .find(|(m, p, q, _)| *m == e.method && *p == path && *q == query)
            {
                Some(r) => r.3.push(respond),
                None => routes.push((e.method.clone(), path, query, vec![respond])),
            }
        }
        let routes: Vec<Json> = routes
            .into_iter()
            .map(|(method, path, query, mut responds)| {
                let mut when = Map::new();
                when.insert("method".into(), Json::String(method));
                when.insert("path".into(), Json::String(path));
                if !query.is_empty() {
                    when.insert(
                        "query".into(),
                        Json::Object(
                            query
                                .into_iter()
                                .map(|(k, v)| (k, Json::String(v)))
                                .collect(),
                        ),
                    );
                }
                // Answered the same way every time: one response, not a list.
                let respond = if responds.windows(2).all(|w| w[0] == w[1]) {
                    responds.swap_remove(0)
                } else {
                    Json::Array(responds)
                };
                json!({ "when": when, "respond": respond })
            })
            .collect();
        let doc = json!({ "serves": served.var, "routes": routes });
        let mut out = String::from(
            "# Recorded by `baton run --record`: replay with `baton run ... --mock THIS_FILE`.\n# Bodies are served verbatim; secrets were replaced by recorded-secret-N placeholders.\n",
        );
        out.push_str(&serde_saphyr::to_string(&doc).unwrap_or_default());
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out
    }
}

fn respond(e: &Exchange, served: &Served, hide: &mut impl FnMut(&str) -> String) -> Json {
    let mut r = Map::new();
    r.insert("status".into(), Json::from(e.status));
    if !e.headers.is_empty() {
        r.insert(
            "headers".into(),
            Json::Object(
                e.headers
                    .iter()
                    .map(|(k, v)| {
                        // A redirect back to the origin, made relative: under the base too.
                        let v = if k.eq_ignore_ascii_case("location") && v.starts_with('/') {
                            served.strip(&e.origin, v)
                        } else {
                            v.clone()
                        };
                        (k.clone(), Json::String(hide(&v)))
                    })
                    .collect(),
            ),
        );
    }
    match &e.body {
        Body::None => {}
        Body::Json(text) => {
            let j = serde_json::from_str::<Json>(text).unwrap_or(Json::Null);
            if big_integer(&j) {
                // An integer past 64 bits would be written back as a float: served as text.
                r.insert("body".into(), Json::String(hide(text)));
            } else {
                r.insert("json".into(), hide_json(&j, hide));
            }
        }
        Body::Dropped(n) => {
            r.insert(
                "body".into(),
                Json::String(format!(
                    "(a {n}-byte body was not recorded: over --max-body, or past the {} MiB a recording keeps)",
                    MAX_RECORDED >> 20
                )),
            );
        }
        Body::Text(t) => {
            r.insert("body".into(), Json::String(hide(t)));
        }
        Body::Binary(n) => {
            r.insert(
                "body".into(),
                Json::String(format!(
                    "(a {n}-byte body that is not text was not recorded)"
                )),
            );
        }
    }
    r.insert("verbatim".into(), Json::Bool(true));
    Json::Object(r)
}

/// Whether `v` holds an integer too big for 64 bits (parsed as a float).
fn big_integer(v: &Json) -> bool {
    match v {
        Json::Number(n) => n
            .as_f64()
            .is_some_and(|f| n.is_f64() && f.fract() == 0.0 && f.abs() >= 9.2e18),
        Json::Array(a) => a.iter().any(big_integer),
        Json::Object(o) => o.values().any(big_integer),
        _ => false,
    }
}

fn hide_json(v: &Json, hide: &mut impl FnMut(&str) -> String) -> Json {
    match v {
        Json::String(s) => Json::String(hide(s)),
        Json::Array(a) => Json::Array(a.iter().map(|x| hide_json(x, hide)).collect()),
        Json::Object(o) => Json::Object(
            o.iter()
                .map(|(k, v)| (hide(k), hide_json(v, hide)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn routes_lists_and_placeholders() {
        let rec = Recorder::new();
        let secrets = Secrets::new();
        secrets.register("tok-SECRET-1234");
        let u = |s: &str| url::Url::parse(s).unwrap();
        let resp = |status: u16, body: &str| {
            Response::new(
                status,
                vec![
                    ("Content-Type".into(), "application/json".into()),
                    ("Date".into(), "x".into()),
                ],
                body.as_bytes().to_vec(),
                Duration::ZERO,
            )
        };
        rec.add(
            "POST",
            &u("http://h:1/login"),
            &resp(200, r#"{"token":"tok-SECRET-1234"}"#),
        );
        rec.add(
            "GET",
            &u("http://h:1/job?id=1"),
            &resp(202, r#"{"state":"busy"}"#),
        );
        rec.add(
            "GET",
            &u("http://h:1/job?id=1"),
            &resp(200, r#"{"state":"{{ done }}"}"#),
        );
        let served = rec.serves(&[("base_url".into(), json!("http://h:1"))]);
        let text = rec.mock_file(&served, &secrets);
        assert!(!text.contains("tok-SECRET"), "{text}");
        assert!(text.contains("recorded-secret-1"), "{text}");
        assert!(!text.contains("Date"), "{text}");
        let m = crate::format::yaml::parse(&text).unwrap().to_json();
        assert_eq!(m["serves"], "base_url");
        assert_eq!(m["routes"].as_array().unwrap().len(), 2);
        assert_eq!(m["routes"][1]["respond"][0]["status"], 202);
        assert_eq!(m["routes"][1]["respond"][1]["json"]["state"], "{{ done }}");
        assert_eq!(rec.first_origin().as_deref(), Some("http://h:1"));
    }

    #[test]
    fn a_base_url_with_a_path_is_served_at_the_mock_origin() {
        let rec = Recorder::new();
        let u = |s: &str| url::Url::parse(s).unwrap();
        let ok = Response::new(200, Vec::new(), b"{}".to_vec(), Duration::ZERO);
        rec.add("GET", &u("http://h:1/api/v1/users?x=1"), &ok);
        rec.add_hop(
            "GET",
            &u("http://h:1/api/v1/old"),
            301,
            &[("Location".into(), "http://h:1/api/v1/new".into())],
        );
        rec.add("POST", &u("http://h:1/oauth/token"), &ok);
        rec.add("GET", &u("http://other:2/api/v1/users"), &ok);
        let served = rec.serves(&[
            ("auth_url".into(), json!("http://h:1")),
            ("base_url".into(), json!("http://h:1/api/v1/")),
            ("n".into(), json!(3)),
        ]);
        // The first candidate that fits wins (the caller puts `base_url` first).
        assert_eq!(served.var, "auth_url");
        let served = rec.serves(&[
            ("base_url".into(), json!("http://h:1/api/v1/")),
            ("auth_url".into(), json!("http://h:1")),
        ]);
        assert_eq!(
            served,
            Served {
                var: "base_url".into(),
                origin: "http://h:1".into(),
                path: "/api/v1".into()
            }
        );
        let m = crate::format::yaml::parse(&rec.mock_file(&served, &Secrets::new()))
            .unwrap()
            .to_json();
        let paths: Vec<&str> = m["routes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["when"]["path"].as_str().unwrap())
            .collect();
        // Outside the base (another path, another origin): as they were.
        assert_eq!(paths, ["/users", "/old", "/oauth/token", "/api/v1/users"]);
        assert_eq!(m["routes"][1]["respond"]["headers"]["Location"], "/new");
        assert_eq!(
            rec.serves(&[("x".into(), json!("http://h:1/apx"))]).var,
            "base_url"
        );
        assert_eq!(rec.serves(&[]).var, "base_url");
    }
}
