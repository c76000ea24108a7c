//! Target `mock`: a mock file through `mock::load` (from a temporary file, as `--mock` and
//! `baton mock` read it), then each route matched against requests made from its own
//! description and answered: `next_response`, its header and callback templates rendered.
//!
//! Property besides "no panic, no hang": every error names its place, a line >= 1 when the
//! input is not empty.

use std::sync::LazyLock;

use axum::http::{HeaderMap, HeaderValue};
use baton::template::{Host, Vars};
use regex::Regex;
use serde_json::{Value as Json, json};

use super::engine::{Rng, Target, Worker, sig};
use super::mutate::{self, Dict};
use super::seeds;

pub struct Mock;

static DICT: LazyLock<Dict> = LazyLock::new(|| {
    let mut values = mutate::odd_values();
    values.extend(
        [
            "/api/v1/{id}",
            "/{a}/{a}",
            "/{}",
            "/",
            "//",
            "/x/",
            "\"/{{ x }}\"",
            "\"{{ path.id }}\"",
            "\"{{ json.a }}\"",
            "\"{{ headers.authorization }}\"",
            "\"{{ query.q }}\"",
            "\"{{ vars.callback_url }}/x\"",
            "\"{{ body }}\"",
            "[{ status: 202 }, { status: 200 }]",
            "{ url: \"{{ vars.callback_url }}/cb\", delay: 1ms }",
            "DELETE",
            "get",
            "\"G E T\"",
            "600",
            "99",
            "emnify_url",
            "1base",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    Dict {
        keys: mutate::mock_keys(),
        values,
    }
});

impl Target for Mock {
    type Input = Vec<u8>;
    type Worker = Runner;
    const NAME: &'static str = "mock";
    const ITERATIONS: u64 = 1_500;

    fn seeds() -> Vec<Vec<u8>> {
        let mut s = seeds::repository_yaml(true);
        s.extend(seeds::corpus(Self::NAME).into_iter().map(|(_, b)| b));
        s
    }

    fn mutate(rng: &mut Rng, input: &Vec<u8>, corpus: &[Vec<u8>]) -> Vec<u8> {
        mutate::yaml(rng, input, corpus, &DICT)
    }

    fn encode(input: &Vec<u8>) -> Vec<u8> {
        input.clone()
    }

    fn decode(bytes: &[u8]) -> Result<Vec<u8>, String> {
        Ok(bytes.to_vec())
    }

    fn shrink(input: &Vec<u8>) -> Vec<Vec<u8>> {
        mutate::shrink_bytes(input)
    }
}

pub struct Runner {
    dir: tempfile::TempDir,
}

impl Worker<Vec<u8>> for Runner {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("a temporary directory"),
        }
    }

    fn run(&mut self, input: &Vec<u8>) -> Result<u64, String> {
        static PLACE: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r"--> .*:(\d+):(\d+)").unwrap());
        let path = self.dir.path().join("mock.yaml");
        std::fs::write(&path, input).map_err(|e| format!("cannot write the input: {e}"))?;
        let mock = match baton::mock::load(&path) {
            Ok(m) => m,
            Err(rendered) => {
                let places: Vec<(u32, u32)> = PLACE
                    .captures_iter(&rendered)
                    .map(|c| (c[1].parse().unwrap_or(0), c[2].parse().unwrap_or(0)))
                    .collect();
                if !input.is_empty() {
                    if places.is_empty() {
                        return Err(format!("an error without its place:\n{rendered}"));
                    }
                    if let Some((l, c)) = places.iter().find(|(l, c)| *l < 1 || *c < 1) {
                        return Err(format!("an error at line {l}, column {c}:\n{rendered}"));
                    }
                }
                let shape: Vec<String> = rendered
                    .lines()
                    .filter_map(|l| l.strip_prefix("error: "))
                    .map(seeds::shape)
                    .collect();
                return Ok(sig(&shape));
            }
        };
        let mut shape: Vec<String> = vec![format!("ok {}", mock.routes.len().min(4))];
        let mut headers = HeaderMap::new();
        headers.insert("authorization", HeaderValue::from_static("Bearer demo"));
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        let body = json!({"a": 1, "application_token": "demo-application-token"});
        let host = Host::default();
        for route in &mock.routes {
            let described = route.describe();
            let (method, path) = described.split_once(' ').unwrap_or(("*", "*"));
            let method = if method == "*" { "GET" } else { method };
            let path = if path == "*" {
                "/anything".to_string()
            } else {
                path.split('/')
                    .map(|s| {
                        if s.starts_with('{') && s.ends_with('}') {
                            "p1"
                        } else {
                            s
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("/")
            };
            let params = route.matches(method, &path, &[], &headers, Some(&body));
            let _ = route.matches(
                method,
                "/",
                &[("q".into(), "1".into())],
                &HeaderMap::new(),
                None,
            );
            let _ = route.matches("PURGE", "/a/b/c/%ff/%", &[], &headers, Some(&Json::Null));
            shape.push(format!("{described} matched {}", params.is_some()));
            let Some(respond) = route.next_response() else {
                return Err(format!("route `{described}` has no response"));
            };
            let _ = route.next_response();
            let mut vars = Vars::with_host(host.clone());
            let p: serde_json::Map<String, Json> = params
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (k, Json::String(v)))
                .collect();
            vars.set("path", &Json::Object(p));
            vars.set("query", &json!({"q": "1"}));
            vars.set("headers", &json!({"authorization": "Bearer demo"}));
            vars.set("json", &body);
            vars.set("body", &Json::String(body.to_string()));
            vars.set("vars", &json!({"callback_url": "http://127.0.0.1:9"}));
            for (_, t) in &respond.headers {
                shape.push(format!("header {}", outcome(&t.render_string(&vars))));
            }
            if let Some(cb) = &respond.callback {
                shape.push(format!(
                    "callback {}",
                    outcome(&cb.url.render_string(&vars))
                ));
                for (_, t) in &cb.headers {
                    let _ = t.render_string(&vars);
                }
            }
            shape.push(format!("status {}", respond.status / 100));
        }
        shape.sort();
        shape.dedup();
        Ok(sig(&shape))
    }
}

fn outcome<T, E: std::fmt::Display>(r: &Result<T, E>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(e) => seeds::shape(&e.to_string()),
    }
}
