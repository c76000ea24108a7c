//! Target `expect`: a request whose `expect` and `capture` come from the fuzzer, loaded as a
//! collection, then `expect::check`, `expect::status_holds` and `capture::run` against a
//! fuzzed response (status, headers, body bytes, duration, inbound query) and scope.
//!
//! Property besides "no panic, no hang": the response and the scope carry a secret (registered
//! as the runner registers it); no assertion result, capture error or body preview shows it,
//! nor any 8-character piece of it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::LazyLock;
use std::time::Duration;

use base64::Engine as _;
use baton::http::response::Response;
use baton::secret::Secrets;
use baton::template::{Host, Vars};
use rand::Rng as _;
use rand::seq::IndexedRandom as _;
use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json, json};

use super::engine::{Rng, Target, Worker, sig};
use super::mutate::{self, Dict};
use super::seeds;
use super::template::odd_json;

pub struct Expect;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Input {
    /// The request's keys besides `name` and `url`: `expect`, `capture`, ...
    pub request: String,
    #[serde(default = "ok")]
    pub status: u16,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// The body, when it is UTF-8 text.
    #[serde(default)]
    pub body: String,
    /// The body's bytes in base64, when it is not (then `body` is not used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_base64: Option<String>,
    /// An inbound request's query (for `receive` steps).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub query: Vec<(String, String)>,
    #[serde(default)]
    pub vars: Map<String, Json>,
    #[serde(default)]
    pub millis: u64,
    /// Registered as the run would (a `secret()` value, a token); must never be shown.
    pub secret: String,
}

fn ok() -> u16 {
    200
}

impl Input {
    fn body_bytes(&self) -> Vec<u8> {
        match &self.body_base64 {
            Some(b) => base64::engine::general_purpose::STANDARD
                .decode(b)
                .unwrap_or_default(),
            None => self.body.clone().into_bytes(),
        }
    }

    fn set_body(&mut self, bytes: Vec<u8>) {
        match String::from_utf8(bytes) {
            Ok(s) => {
                self.body = s;
                self.body_base64 = None;
            }
            Err(e) => {
                self.body = String::new();
                self.body_base64 =
                    Some(base64::engine::general_purpose::STANDARD.encode(e.as_bytes()));
            }
        }
    }
}

static DICT: LazyLock<Dict> = LazyLock::new(|| {
    use baton::format::keys::*;
    let mut keys: Vec<&'static str> = Vec::new();
    for l in [
        EXPECT,
        PREDICATES,
        CAPTURE_SOURCES,
        CAPTURE_OPTIONS,
        JWT,
        SNAPSHOT,
        &[
            "expect",
            "capture",
            "receive",
            "$.a",
            "$.data[0].id",
            "$..id",
            "Content-Type",
        ][..],
    ] {
        keys.extend_from_slice(l);
    }
    let mut values = mutate::odd_values();
    values.extend(TYPES.iter().map(|t| t.to_string()));
    values.extend(JWT_ALGS.iter().map(|t| t.to_string()));
    Dict { keys, values }
});

/// A response body that gives these JSONPaths something to select.
fn body_for_paths(rng: &mut Rng, request: &str, secret: &str) -> Json {
    static PATH: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"\$(?:\.[A-Za-z_][\w-]*|\[\d+\]|\['[^']*'\])+"#).unwrap());
    static SEG: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"\.([A-Za-z_][\w-]*)|\[(\d+)\]|\['([^']*)'\]"#).unwrap());
    let mut root = json!({});
    for m in PATH.find_iter(request) {
        let segs: Vec<Result<String, usize>> = SEG
            .captures_iter(m.as_str())
            .map(|c| match (c.get(1).or(c.get(3)), c.get(2)) {
                (Some(k), _) => Ok(k.as_str().to_string()),
                (None, Some(i)) => Err(i.as_str().parse::<usize>().unwrap_or(0).min(5)),
                _ => Ok("x".to_string()),
            })
            .collect();
        let leaf = match rng.random_range(0..4) {
            0 => Json::String(secret.to_string()),
            1 => odd_json(rng, 0),
            _ => json!(rng.random_range(0..300)),
        };
        set_path(&mut root, &segs, leaf);
    }
    root
}

fn set_path(node: &mut Json, segs: &[Result<String, usize>], leaf: Json) {
    let Some((first, rest)) = segs.split_first() else {
        *node = leaf;
        return;
    };
    match first {
        Ok(k) => {
            if !node.is_object() {
                *node = json!({});
            }
            let child = node
                .as_object_mut()
                .unwrap()
                .entry(k.clone())
                .or_insert(Json::Null);
            set_path(child, rest, leaf);
        }
        Err(i) => {
            if !node.is_array() {
                *node = json!([]);
            }
            let a = node.as_array_mut().unwrap();
            while a.len() <= *i {
                a.push(Json::Null);
            }
            set_path(&mut a[*i], rest, leaf);
        }
    }
}

/// A JSON text in one of the ways servers write it.
fn serialise(rng: &mut Rng, v: &Json) -> Vec<u8> {
    let s = match rng.random_range(0..4) {
        0 => serde_json::to_string_pretty(v).unwrap_or_default(),
        1 => serde_json::to_string(v)
            .unwrap_or_default()
            .replace('/', "\\/"),
        2 => ascii_json(&serde_json::to_string(v).unwrap_or_default()),
        _ => serde_json::to_string(v).unwrap_or_default(),
    };
    s.into_bytes()
}

/// `\uXXXX` for everything outside ASCII (surrogate pairs above the BMP), as Python writes JSON.
pub fn ascii_json(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u16; 2];
            for u in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    out
}

/// A random secret of the kinds the run registers.
pub fn random_secret(rng: &mut Rng) -> String {
    let alphabets: [&str; 5] = [
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        "abcdefghijklmnopqrstuvwxyz0123456789+/=-_.",
        "abcdefghij0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
        "abcXYZ019éü中😀\u{2028}",
        "ab\n\t\r\"\\/%+\u{8}\u{c}",
    ];
    let alphabet: Vec<char> = alphabets.choose(rng).unwrap().chars().collect();
    let len = *[6usize, 8, 12, 16, 24, 40, 64].choose(rng).unwrap();
    (0..len).map(|_| *alphabet.choose(rng).unwrap()).collect()
}

impl Target for Expect {
    type Input = Input;
    type Worker = Runner;
    const NAME: &'static str = "expect";
    const ITERATIONS: u64 = 2_000;

    fn seeds() -> Vec<Input> {
        let mut rng = <Rng as rand::SeedableRng>::seed_from_u64(1);
        let mut out = Vec::new();
        for text in seeds::repository_yaml(false) {
            let Ok(text) = String::from_utf8(text) else {
                continue;
            };
            let Ok(node) = baton::format::yaml::parse(&text) else {
                continue;
            };
            let Some(Json::Array(reqs)) = node.to_json().get("requests").cloned() else {
                continue;
            };
            for r in reqs {
                let mut parts = Vec::new();
                for key in ["expect", "capture", "receive"] {
                    if let Some(v) = r.get(key) {
                        parts.push(format!("{key}: {}", serde_json::to_string(v).unwrap()));
                    }
                }
                if parts.is_empty() || parts.len() == 1 && r.get("receive").is_some() {
                    continue;
                }
                let request = parts.join("\n");
                let secret = random_secret(&mut rng);
                let body = body_for_paths(&mut rng, &request, &secret);
                let mut input = Input {
                    request,
                    status: 200,
                    headers: vec![
                        ("Content-Type".into(), "application/json".into()),
                        ("Set-Cookie".into(), "sid=s-0123456789; Path=/".into()),
                        ("X-Token".into(), secret.clone()),
                    ],
                    body: String::new(),
                    body_base64: None,
                    query: Vec::new(),
                    vars: super::template::default_vars(),
                    millis: 12,
                    secret,
                };
                input.set_body(serialise(&mut rng, &body));
                out.push(input);
            }
        }
        for (p, b) in seeds::corpus(Self::NAME) {
            out.push(Self::decode(&b).unwrap_or_else(|e| panic!("{}: {e}", p.display())));
        }
        out
    }

    fn mutate(rng: &mut Rng, input: &Input, corpus: &[Input]) -> Input {
        let mut out = input.clone();
        for _ in 0..1 + rng.random_range(0..2) {
            match rng.random_range(0..14) {
                0..=3 => {
                    let others: Vec<Vec<u8>> = (0..3)
                        .map(|_| corpus.choose(rng).unwrap().request.clone().into_bytes())
                        .collect();
                    let b = mutate::yaml(rng, out.request.as_bytes(), &others, &DICT);
                    out.request = String::from_utf8_lossy(&b).into_owned();
                }
                4 => {
                    let body = body_for_paths(rng, &out.request, &out.secret);
                    out.set_body(serialise(rng, &body));
                }
                5 => {
                    // Mutate the body's JSON as a tree, or its bytes.
                    let bytes = out.body_bytes();
                    match serde_json::from_slice::<Json>(&bytes) {
                        Ok(mut v) if rng.random_bool(0.7) => {
                            mutate_json(rng, &mut v, &out.secret);
                            out.set_body(serialise(rng, &v));
                        }
                        _ => {
                            let others = vec![bytes.clone()];
                            let dict = Dict {
                                keys: vec!["\"a\"", "\"id\""],
                                values: vec![
                                    "null".into(),
                                    format!("\"{}\"", out.secret),
                                    "1e999".into(),
                                    "[".into(),
                                ],
                            };
                            out.set_body(mutate::yaml(rng, &bytes, &others, &dict));
                        }
                    }
                }
                6 => {
                    // Headers: the secret in one, credential headers, odd content types.
                    let names = [
                        "Content-Type",
                        "content-type",
                        "Set-Cookie",
                        "Authorization",
                        "X-Token",
                        "Location",
                        "",
                        "X-Empty",
                        "Cookie",
                    ];
                    let values = [
                        "application/json",
                        "text/plain; charset=utf-8",
                        "image/png",
                        "application/octet-stream",
                        "sid=abc123456789; Path=/",
                        "sid=",
                        "=x",
                        ";;",
                        "",
                        "Bearer abc.def.ghi",
                        "é😀",
                        "\u{1b}[31mred",
                    ];
                    let name = names.choose(rng).unwrap().to_string();
                    let value = if rng.random_bool(0.3) {
                        match rng.random_range(0..3) {
                            0 => out.secret.clone(),
                            1 => format!("Bearer {}", out.secret),
                            _ => format!("sid={}; Path=/", out.secret),
                        }
                    } else {
                        values.choose(rng).unwrap().to_string()
                    };
                    if rng.random_bool(0.2) && !out.headers.is_empty() {
                        let i = rng.random_range(0..out.headers.len());
                        out.headers.remove(i);
                    } else {
                        out.headers.push((name, value));
                    }
                }
                7 => {
                    out.status = *[
                        0u16,
                        100,
                        200,
                        201,
                        204,
                        301,
                        401,
                        404,
                        500,
                        599,
                        999,
                        u16::MAX,
                    ]
                    .choose(rng)
                    .unwrap();
                }
                8 => {
                    out.millis = *[
                        0u64,
                        1,
                        499,
                        500,
                        501,
                        30_000,
                        u32::MAX as u64,
                        u64::MAX / 2,
                    ]
                    .choose(rng)
                    .unwrap();
                }
                9 => {
                    let k = ["x", "n", "id", "token", "secret_var", "item", "list"]
                        .choose(rng)
                        .unwrap()
                        .to_string();
                    let v = if rng.random_bool(0.3) {
                        Json::String(out.secret.clone())
                    } else {
                        odd_json(rng, 0)
                    };
                    out.vars.insert(k, v);
                }
                10 => {
                    out.secret = random_secret(rng);
                    // Plant it where the response shows it.
                    let body = body_for_paths(rng, &out.request, &out.secret);
                    out.set_body(serialise(rng, &body));
                    out.vars
                        .insert("secret_var".into(), Json::String(out.secret.clone()));
                }
                11 => {
                    let other = corpus.choose(rng).unwrap();
                    if rng.random_bool(0.5) {
                        out.request = other.request.clone();
                    } else {
                        out.body = other.body.clone();
                        out.body_base64 = other.body_base64.clone();
                        out.headers = other.headers.clone();
                    }
                }
                12 => {
                    let k = ["a", "id", "q", "", "é"].choose(rng).unwrap().to_string();
                    let v = if rng.random_bool(0.3) {
                        out.secret.clone()
                    } else {
                        ["1", "", "x y", "%41"].choose(rng).unwrap().to_string()
                    };
                    out.query.push((k, v));
                }
                _ => {
                    // A plain-text or binary body.
                    let bodies: [Vec<u8>; 6] = [
                        b"<html>ok</html>".to_vec(),
                        vec![0x89, b'P', b'N', b'G', 0, 0xff],
                        format!("token={}&x=1", out.secret).into_bytes(),
                        format!("line 1\n{}\nline 3", out.secret).into_bytes(),
                        Vec::new(),
                        format!("{}{}", "x".repeat(300), out.secret).into_bytes(),
                    ];
                    out.set_body(bodies.choose(rng).unwrap().clone());
                }
            }
        }
        out
    }

    fn encode(input: &Input) -> Vec<u8> {
        seeds::encode(input)
    }

    fn decode(bytes: &[u8]) -> Result<Input, String> {
        seeds::decode(bytes)
    }

    fn shrink(input: &Input) -> Vec<Input> {
        let mut out: Vec<Input> = mutate::shrink_text(&input.request)
            .into_iter()
            .map(|r| Input {
                request: r,
                ..input.clone()
            })
            .collect();
        for i in 0..input.headers.len() {
            let mut c = input.clone();
            c.headers.remove(i);
            out.push(c);
        }
        if !input.vars.is_empty() {
            out.push(Input {
                vars: Map::new(),
                ..input.clone()
            });
        }
        for b in mutate::shrink_text(&input.body).into_iter().take(200) {
            out.push(Input {
                body: b,
                ..input.clone()
            });
        }
        out
    }
}

fn mutate_json(rng: &mut Rng, v: &mut Json, secret: &str) {
    // Walk to a random node (as a JSON pointer), then change it.
    let mut pointer = String::new();
    let mut node: &Json = v;
    for _ in 0..rng.random_range(0..6) {
        let (key, next) = match node {
            Json::Array(a) if !a.is_empty() => {
                let i = rng.random_range(0..a.len());
                (i.to_string(), &a[i])
            }
            Json::Object(o) if !o.is_empty() => {
                let i = rng.random_range(0..o.len());
                let (k, n) = o.iter().nth(i).unwrap();
                (k.clone(), n)
            }
            _ => break,
        };
        pointer.push('/');
        pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
        node = next;
    }
    let old = node.clone();
    let new = match rng.random_range(0..5) {
        0 => Json::String(secret.to_string()),
        1 => Json::String(format!("prefix {secret} suffix")),
        2 => json!([old.clone(), old]),
        3 => json!({ "a": old, secret: 1 }),
        _ => odd_json(rng, 0),
    };
    if let Some(slot) = v.pointer_mut(&pointer) {
        *slot = new;
    }
}

pub struct Runner {
    dir: tempfile::TempDir,
}

impl Worker<Input> for Runner {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::write(
            dir.path().join("schema.json"),
            r#"{"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string", "maxLength": 3}}, "required": ["id"]}"#,
        )
        .expect("write schema.json");
        Self { dir }
    }

    fn run(&mut self, input: &Input) -> Result<u64, String> {
        let indented: String = input
            .request
            .lines()
            .map(|l| format!("    {l}\n"))
            .collect();
        let text = format!("requests:\n  - name: t\n    url: http://x/\n{indented}");
        let path: PathBuf = self.dir.path().join("e.yaml");
        let c = match baton::format::load_str(&path, text) {
            Ok(c) => c,
            Err(e) => {
                let _ = e.render();
                let shape: Vec<String> = e.0.iter().map(|d| seeds::shape(&d.message)).collect();
                return Ok(sig(&shape));
            }
        };
        // Collections load on the main thread; expectations and captures run on the
        // runtime's worker threads, whose stacks are 2 MiB.
        super::engine::on_thread(2 << 20, || evaluate(input, &c))
    }
}

fn evaluate(input: &Input, c: &baton::format::model::Collection) -> Result<u64, String> {
    {
        let mut shape: Vec<String> = vec!["loaded".into()];
        let secrets = Secrets::new();
        secrets.register(&input.secret);
        for (k, v) in &input.headers {
            secrets.register_header(k, v);
        }
        let mut env = BTreeMap::new();
        env.insert("FUZZ_SECRET".to_string(), input.secret.clone());
        let mut vars = Vars::with_host(Host::new(env, secrets.clone()));
        for (k, v) in &input.vars {
            vars.set(k.clone(), v);
        }
        let mut response = Response::new(
            input.status,
            input.headers.clone(),
            input.body_bytes(),
            Duration::from_millis(input.millis),
        );
        response.query = input.query.clone();
        let mut shown: Vec<String> =
            vec![response.preview(&secrets), response.shown_body(&secrets)];
        for r in c.requests() {
            let results = baton::verdict::expectation::check(&r.expect, &response, &vars, &secrets);
            let _ = baton::verdict::expectation::status_holds(&r.expect, input.status, &vars);
            for a in &results {
                shape.push(format!(
                    "{} {} {}",
                    a.predicate,
                    a.passed,
                    a.message.as_deref().map(seeds::shape).unwrap_or_default()
                ));
                shown.extend([
                    a.subject.clone(),
                    a.expected.clone(),
                    a.actual.clone(),
                    a.message.clone().unwrap_or_default(),
                    a.diff.clone().unwrap_or_default(),
                ]);
            }
            for cap in &r.captures {
                match baton::verdict::capture::run(cap, &response, &secrets) {
                    Ok(_) => shape.push(format!("capture ok {}", cap.var.len().min(3))),
                    Err(e) => {
                        shape.push(format!("capture {}", seeds::shape(&e)));
                        shown.push(e);
                    }
                }
            }
        }
        no_leak(input, &shown)?;
        shape.sort();
        shape.dedup();
        Ok(sig(&shape))
    }
}

/// No shown text holds the secret, or an 8-character piece of it that the response did not
/// also carry outside the secret's own occurrences.
fn no_leak(input: &Input, shown: &[String]) -> Result<(), String> {
    let secret = &input.secret;
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < 3 || input.request.contains(secret.as_str()) {
        return Ok(());
    }
    for s in shown {
        if s.contains(secret.as_str()) {
            return Err(format!("a result shows the secret {secret:?}: {s}"));
        }
    }
    // A template that transforms the secret (`secret('X') | format()`, `secret_var[2:]`)
    // makes a new value, with pieces of the secret in it that no masking can know.
    if chars.len() < 8 || derives_from_secret(&input.request) {
        return Ok(());
    }
    // Text the response carried besides the secret itself: pieces of it there are fair to show.
    let bytes = input.body_bytes();
    let body = String::from_utf8_lossy(&bytes).into_owned();
    let mut innocent = vec![
        body.replace(secret.as_str(), "\u{0}"),
        input.request.clone(),
    ];
    // The body's strings as they read once decoded (`\u00e9` is `é`).
    if let Ok(doc) = serde_json::from_slice::<Json>(&bytes) {
        let mut strings = Vec::new();
        json_strings(&doc, &mut strings);
        innocent.extend(
            strings
                .into_iter()
                .map(|t| t.replace(secret.as_str(), "\u{0}")),
        );
    }
    // Results quote values as JSON: an escape's last letter next to a piece of text
    // (`\n` + `c-lask1`) can spell a piece of the secret that was never there.
    let quoted: Vec<String> = innocent
        .iter()
        .map(|t| serde_json::to_string(t).unwrap_or_default())
        .collect();
    innocent.extend(quoted);
    for (k, v) in input.headers.iter().chain(&input.query) {
        innocent.push(format!("{k}\u{0}{}", v.replace(secret.as_str(), "\u{0}")));
    }
    innocent.push(
        serde_json::to_string(&input.vars)
            .unwrap_or_default()
            .replace(secret.as_str(), "\u{0}"),
    );
    for w in chars.windows(8) {
        let w: String = w.iter().collect();
        // A piece across a line break can be made up by a diff's own `\n+` and `\n-`; the
        // lines themselves are checked piece by piece.
        if w.contains(['\n', '\r']) || innocent.iter().any(|t| t.contains(&w)) {
            continue;
        }
        for s in shown {
            if s.contains(&w) {
                return Err(format!(
                    "a result shows {w:?}, a piece of the secret {secret:?}: {s}"
                ));
            }
        }
    }
    Ok(())
}

fn json_strings(v: &Json, out: &mut Vec<String>) {
    match v {
        Json::String(s) => out.push(s.clone()),
        Json::Array(a) => a.iter().for_each(|x| json_strings(x, out)),
        Json::Object(o) => o.iter().for_each(|(k, x)| {
            out.push(k.clone());
            json_strings(x, out);
        }),
        _ => {}
    }
}

/// Whether a template in the request does more with the secret than insert it.
fn derives_from_secret(request: &str) -> bool {
    static TAG: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?s)\{[{%](.*?)(?:[}%]\}|$)").unwrap());
    static CALL: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"secret\(\s*['"]FUZZ_SECRET['"]\s*\)"#).unwrap());
    TAG.captures_iter(request).any(|c| {
        let inner = &c[1];
        inner.contains("secret")
            && CALL
                .replace_all(inner, "")
                .contains(['|', '[', '~', '+', '*', '%', '.', '(', '/'])
    })
}
