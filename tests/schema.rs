//! The committed JSON Schema is what `baton schema` prints, and every collection in the
//! repository (examples, benchmarks) both validates against it and loads.

mod common;

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn committed_schema_is_fresh() {
    let out = common::run(&root(), &["schema"]);
    assert_eq!(out.code, 0);
    let committed = std::fs::read_to_string(root().join("schema/baton.schema.json")).unwrap();
    assert!(
        out.stdout == committed,
        "schema/baton.schema.json is stale: run `cargo run -- schema > schema/baton.schema.json`"
    );
}

fn collections(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            collections(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            let text = std::fs::read_to_string(&p).unwrap();
            if baton::yaml::parse(&text).is_ok_and(|n| n.get("requests").is_some()) {
                out.push(p);
            }
        }
    }
}

#[test]
fn repository_collections_match_the_schema_and_load() {
    let schema = baton::collection::raw::schema();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let mut files = Vec::new();
    for d in ["collections", "bench/collections", "tests/fixtures/valid"] {
        if root().join(d).is_dir() {
            collections(&root().join(d), &mut files);
        }
    }
    assert!(!files.is_empty());
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let json = baton::yaml::parse(&text).unwrap().to_json();
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{} does not match the schema: {errors:#?}",
            f.display()
        );
        serde_json::from_value::<baton::collection::raw::RawCollection>(json)
            .unwrap_or_else(|e| panic!("{}: raw types reject it: {e}", f.display()));
        baton::collection::load::load(&f)
            .unwrap_or_else(|e| panic!("{}: {}", f.display(), e.render()));
    }
}

#[test]
fn schema_rejects_typos() {
    let schema = baton::collection::raw::schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let bad = baton::yaml::parse("requests:\n  - name: a\n    methd: GET\n    url: http://x/\n")
        .unwrap()
        .to_json();
    assert!(!validator.is_valid(&bad));
    let good = baton::yaml::parse("requests:\n  - name: a\n    url: http://x/\n    auth: none\n")
        .unwrap()
        .to_json();
    assert!(
        validator.is_valid(&good),
        "{:?}",
        validator
            .iter_errors(&good)
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
    );
}
