//! Target `postman`: Postman test and pre-request scripts through `baton import postman`
//! (the JavaScript parser and the symbolic walk: chai chains, conditions as schemas, header
//! cuts, cookie-jar checks), each script in a collection of three requests (as the test of
//! the first, the pre-request of the second, the folder's test around the third).
//!
//! Properties besides "no panic, no hang": the import of a well-formed collection never
//! fails, and every file it writes loads as a collection (what `check` reads first).

use rand::Rng as _;
use rand::seq::IndexedRandom as _;

use super::engine::{Rng, Target, Worker, sig};
use super::mutate;
use super::seeds;

pub struct Postman;

/// What a script may be made of.
const TOKENS: &[&str] = &[
    "pm.test('t', function () { ",
    " });",
    "pm.expect(",
    ").to.",
    "be.",
    "not.",
    "have.",
    "property('a', 1)",
    "eql({a: [1]})",
    "above(0)",
    "include('x')",
    "lengthOf(2)",
    "a('string')",
    "true",
    "undefined",
    "null",
    "pm.response.json()",
    "JSON.parse(responseBody)",
    "responseBody",
    "responseCode.code",
    "pm.response.code",
    "pm.response.to.have.status(200);",
    "pm.response.headers.get('Set-Cookie')",
    "postman.getResponseHeader('WWW-Authenticate')",
    ".indexOf('\"')",
    ".indexOf('realm', ",
    ".slice(",
    ".substring(",
    " + 1",
    "pm.cookies.toObject()",
    "pm.cookies.get('sid')",
    "postman.getResponseCookie('sid').value",
    "pm.environment.set('v', ",
    "pm.environment.get('v')",
    "environment.flag",
    "tests['x'] = ",
    "if (",
    ") {",
    "} else {",
    "}",
    "var d = ",
    "d.items[0]",
    "d.items.length",
    "d.user || {}",
    "Array.isArray(",
    "Number.isInteger(",
    ".hasOwnProperty('id')",
    "'id' in ",
    " === ",
    " !== ",
    " && ",
    " || ",
    "!",
    "[99999999999]",
    "['a-b']",
    "[*]",
    "$",
    "{{v}}",
    "/^\\d+$/.test(",
    ".forEach(function (x) { ",
    "try { ",
    "} catch (e) { tests['f'] = false; }",
    "return;",
];

impl Target for Postman {
    type Input = String;
    type Worker = Runner;
    const NAME: &'static str = "postman";
    const ITERATIONS: u64 = 1_500;

    fn seeds() -> Vec<String> {
        let mut out = corpus_scripts();
        out.extend(
            seeds::corpus(Self::NAME)
                .into_iter()
                .map(|(_, b)| String::from_utf8_lossy(&b).into_owned()),
        );
        out
    }

    fn mutate(rng: &mut Rng, input: &String, corpus: &[String]) -> String {
        let others: Vec<&str> = (0..3)
            .map(|_| corpus.choose(rng).map_or("", String::as_str))
            .collect();
        let mut s = mutate::text(rng, input, &others, TOKENS);
        if rng.random_bool(0.05) {
            s = s.repeat(3);
        }
        s
    }

    fn encode(input: &String) -> Vec<u8> {
        input.as_bytes().to_vec()
    }

    fn decode(bytes: &[u8]) -> Result<String, String> {
        Ok(String::from_utf8_lossy(bytes).into_owned())
    }

    fn shrink(input: &String) -> Vec<String> {
        mutate::shrink_text(input)
    }
}

/// Every script of the Postman corpus, each a seed.
fn corpus_scripts() -> Vec<String> {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/postman-corpus");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        collect_scripts(&json, &mut out);
    }
    out
}

fn collect_scripts(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(exec) = m.get("exec") {
                let text = match exec {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Array(lines) => lines
                        .iter()
                        .filter_map(|l| l.as_str())
                        .collect::<Vec<_>>()
                        .join("\n"),
                    _ => String::new(),
                };
                if !text.trim().is_empty() {
                    out.push(text);
                }
            }
            m.values().for_each(|x| collect_scripts(x, out));
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_scripts(x, out)),
        _ => {}
    }
}

pub struct Runner;

impl Worker<String> for Runner {
    fn new() -> Self {
        Runner
    }

    fn run(&mut self, script: &String) -> Result<u64, String> {
        let event = |listen: &str| serde_json::json!([{ "listen": listen, "script": { "exec": script.lines().collect::<Vec<_>>() } }]);
        let request = |name: &str, ev: serde_json::Value| {
            serde_json::json!({ "name": name, "event": ev,
                "request": { "method": "GET", "url": "http://127.0.0.1:9/get?a={{v}}" } })
        };
        let collection = serde_json::json!({
            "info": { "name": "fuzz", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json" },
            "item": [
                request("first", event("test")),
                request("second", event("prerequest")),
                { "name": "folder", "event": event("test"), "item": [request("third", serde_json::json!([]))] }
            ]
        });
        let imported = baton::convert::postman(&collection.to_string(), false)
            .map_err(|e| format!("the import of a well-formed collection failed: {e}"))?;
        let mut shape = Vec::new();
        for (path, yaml) in &imported.files {
            if let Err(e) = baton::format::load_str(path, yaml.clone()) {
                let first = e.0.first().map(|d| d.message.clone()).unwrap_or_default();
                return Err(format!(
                    "the import wrote a collection that does not load: {first}\n{yaml}"
                ));
            }
            shape.push(
                yaml.matches("schema:").count().min(2)
                    + yaml.matches("capture:").count().min(2) * 3,
            );
        }
        shape.push(imported.warnings.len().min(4) * 10);
        Ok(sig(&shape))
    }
}
