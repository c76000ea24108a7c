//! Target `openapi`: an OpenAPI document through the document loader, as `baton import
//! openapi` (generating a collection) and a collection's `openapi:` (the contract) read it,
//! from a file in a directory of its own, so relative `$ref`s resolve there.
//!
//! Property besides "no panic, no hang": every error names the document.
//!
//! Found by this target and left to the OpenAPI reader: an error about a document that is
//! not YAML shows the offending line with its control characters raw (`\u{19}`, `\0`
//! reach the terminal through `baton import openapi`); once that is fixed, "no raw control
//! character in an error" belongs among the properties.

use std::sync::LazyLock;

use super::engine::{Rng, Target, Worker, sig};
use super::mutate::{self, Dict};
use super::seeds;

pub struct OpenApi;

static DICT: LazyLock<Dict> = LazyLock::new(|| {
    let mut values = mutate::odd_values();
    values.extend(
        [
            "\"#/components/schemas/Pet\"",
            "\"#/components/schemas\"",
            "\"#\"",
            "\"#/paths/~1pets/get\"",
            "\"other.yaml#/Pet\"",
            "\"./other.yaml\"",
            "\"/proc/self/environ#/x\"",
            "\"../../../etc/passwd\"",
            "\"3.0.3\"",
            "\"3.1.0\"",
            "{ $ref: \"#/components/schemas/Pet\" }",
            "{ type: array, items: { $ref: \"#\" } }",
            "{ allOf: [{ $ref: \"#/components/schemas/Pet\" }] }",
            "[{ name: id, in: path, required: true, schema: { type: integer } }]",
            "{ \"200\": { description: ok } }",
            "\"\\e]0;title\\a\"",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    Dict {
        keys: vec![
            "openapi",
            "info",
            "title",
            "version",
            "paths",
            "components",
            "schemas",
            "$ref",
            "get",
            "post",
            "parameters",
            "requestBody",
            "responses",
            "content",
            "application/json",
            "schema",
            "type",
            "properties",
            "items",
            "required",
            "allOf",
            "oneOf",
            "anyOf",
            "nullable",
            "servers",
            "url",
            "security",
            "securitySchemes",
            "example",
            "enum",
            "format",
            "/pets/{id}",
        ],
        values,
    }
});

impl Target for OpenApi {
    type Input = Vec<u8>;
    type Worker = Runner;
    const NAME: &'static str = "openapi";
    const ITERATIONS: u64 = 600;

    fn seeds() -> Vec<Vec<u8>> {
        let mut s: Vec<Vec<u8>> = std::fs::read_dir(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/openapi"),
        )
        .map(|d| {
            d.filter_map(|e| std::fs::read(e.ok()?.path()).ok())
                .collect()
        })
        .unwrap_or_default();
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
        let dir = tempfile::tempdir().expect("a temporary directory");
        // A neighbour for relative `$ref`s.
        let _ = std::fs::write(
            dir.path().join("other.yaml"),
            "Pet: { type: object, properties: { id: { type: integer } } }\n",
        );
        Self { dir }
    }

    fn run(&mut self, input: &Vec<u8>) -> Result<u64, String> {
        let text = String::from_utf8_lossy(input);
        let path = self.dir.path().join("doc.yaml");
        let imported = baton::openapi::import(&text, &path, "doc.yaml", false);
        let contract = baton::openapi::Contract::from_text(&text, &path);
        let mut outcome = Vec::new();
        for e in [
            imported.err().map(|e| e.to_string()),
            contract.err().map(|e| e.to_string()),
        ]
        .into_iter()
        .flatten()
        {
            if !e.contains("doc.yaml") && !e.contains("other.yaml") {
                return Err(format!("an error that does not name the document: {e:?}"));
            }
            outcome.push(
                e.lines()
                    .next()
                    .unwrap_or_default()
                    .chars()
                    .take(30)
                    .collect::<String>(),
            );
        }
        Ok(sig(&outcome))
    }
}
