//! The committed JSON Schema is what `baton schema` prints, and every collection in the
//! repository (examples, benchmarks) both validates against it and loads.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn committed_schema_is_fresh() {
    let out = crate::support::run(&root(), &["schema"]);
    assert_eq!(out.code, 0);
    let committed = std::fs::read_to_string(root().join("schema/baton.schema.json")).unwrap();
    assert!(
        out.stdout == committed,
        "schema/baton.schema.json is stale: run `cargo run -- schema > schema/baton.schema.json`"
    );
}

#[test]
fn schema_report_prints_the_committed_report_schema() {
    let out = crate::support::run(&root(), &["schema", "--report"]);
    assert_eq!(out.code, 0);
    let committed = std::fs::read_to_string(root().join("schema/report.schema.json")).unwrap();
    assert_eq!(out.stdout, committed);
}

fn collections(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            collections(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            let text = std::fs::read_to_string(&p).unwrap();
            if baton::format::yaml::parse(&text).is_ok_and(|n| n.get("requests").is_some()) {
                out.push(p);
            }
        }
    }
}

#[test]
fn repository_collections_match_the_schema_and_load() {
    let schema = baton::format::raw::schema();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let mut files = Vec::new();
    for d in [
        "collections",
        "bench/collections",
        "tests/fixtures/valid",
        "tests/interop",
    ] {
        if root().join(d).is_dir() {
            collections(&root().join(d), &mut files);
        }
    }
    assert!(!files.is_empty());
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let json = baton::format::yaml::parse(&text).unwrap().to_json();
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{} does not match the schema: {errors:#?}",
            f.display()
        );
        serde_json::from_value::<baton::format::raw::RawCollection>(json)
            .unwrap_or_else(|e| panic!("{}: raw types reject it: {e}", f.display()));
        baton::format::load::load(&f).unwrap_or_else(|e| panic!("{}: {}", f.display(), e.render()));
    }
}

#[test]
fn schema_rejects_typos() {
    let schema = baton::format::raw::schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let bad =
        baton::format::yaml::parse("requests:\n  - name: a\n    methd: GET\n    url: http://x/\n")
            .unwrap()
            .to_json();
    assert!(!validator.is_valid(&bad));
    let good =
        baton::format::yaml::parse("requests:\n  - name: a\n    url: http://x/\n    auth: none\n")
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

/// The properties the schema gives an object definition, by the type's name.
fn properties(schema: &serde_json::Value, def: &str) -> std::collections::BTreeSet<String> {
    let defs = schema
        .get("definitions")
        .or_else(|| schema.get("$defs"))
        .expect("definitions");
    let obj = if def == "RawCollection" {
        schema
    } else {
        defs.get(def)
            .unwrap_or_else(|| panic!("no definition {def}"))
    };
    obj["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("{def} has no properties"))
        .keys()
        .cloned()
        .collect()
}

fn set(keys: &[&str]) -> std::collections::BTreeSet<String> {
    keys.iter().map(|k| k.to_string()).collect()
}

/// The loader's key lists (collection::keys) and the JSON Schema name the same keys, so a
/// key the loader rejects is one an editor flags, and the other way round.
#[test]
fn the_schema_and_the_loader_know_the_same_keys() {
    use baton::format::keys;
    let schema = baton::format::raw::schema();
    let p = |d: &str| properties(&schema, d);
    assert_eq!(p("RawCollection"), set(keys::TOP));
    assert_eq!(p("RawDefaults"), set(keys::DEFAULTS));
    let mut request = p("RawRequest");
    request.extend(p("RawReceiveStep"));
    request.extend(p("RawInclude"));
    assert_eq!(request, set(keys::REQUEST));
    let not_in_receive = set(keys::NOT_IN_RECEIVE);
    let receive_step: std::collections::BTreeSet<String> = set(keys::REQUEST)
        .into_iter()
        .filter(|k| !not_in_receive.contains(k) && k != "include")
        .collect();
    assert_eq!(p("RawReceiveStep"), receive_step);
    assert_eq!(p("RawBasic"), set(keys::BASIC));
    assert_eq!(p("RawApiKey"), set(keys::API_KEY));
    assert_eq!(p("RawOAuth2"), set(keys::OAUTH2));
    assert_eq!(p("RawDigest"), set(keys::DIGEST));
    assert_eq!(p("RawAwsSigV4"), set(keys::AWS_SIGV4));
    assert_eq!(p("RawGraphql"), set(keys::GRAPHQL));
    assert_eq!(p("RawRetry"), set(keys::RETRY));
    assert_eq!(p("RawReceive"), set(keys::RECEIVE));
    assert_eq!(p("RawRespond"), set(keys::RECEIVE_RESPOND));
    assert_eq!(p("RawFilePart"), set(keys::MULTIPART_FILE));
    assert_eq!(p("RawBodyFile"), set(keys::BODY_FILE));
    let mut expect = set(keys::EXPECT);
    expect.extend(set(keys::EXPECT_IN_RECEIVE));
    assert_eq!(p("RawExpect"), expect);
    assert_eq!(p("RawSnapshotIgnore"), set(keys::SNAPSHOT));
    assert_eq!(p("RawPredicates"), set(keys::PREDICATES));
    assert_eq!(p("RawJwt"), set(keys::JWT));
    let mut capture = set(keys::CAPTURE_SOURCES);
    capture.extend(set(keys::CAPTURE_OPTIONS));
    assert_eq!(p("RawCaptureFull"), capture);
}

/// Every broken fixture is refused by the loader, and by the schema too unless what is wrong
/// is beyond what a JSON Schema can say (listed here with the reason).
#[test]
fn invalid_fixtures_are_refused_by_the_loader_and_the_schema() {
    const BEYOND_A_SCHEMA: [(&str, &str); 8] = [
        ("bad-jsonpath.yaml", "JSONPath syntax"),
        ("bad-regex.yaml", "regular expression syntax"),
        ("duplicate-key.yaml", "YAML keys given twice"),
        ("duplicate-names.yaml", "request names unique in a file"),
        ("missing-file.yaml", "files on disk"),
        ("missing-include.yaml", "files on disk"),
        ("self-include.yaml", "include cycles"),
        ("unclosed-template.yaml", "template syntax"),
    ];
    let schema = baton::format::raw::schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let dir = root().join("tests/fixtures/invalid");
    let mut seen = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        seen += 1;
        assert!(
            baton::format::load(&path).is_err(),
            "{name}: the loader accepts it"
        );
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue; // not UTF-8: no editor reads it as YAML either
        };
        let Ok(doc) = baton::format::yaml::parse(&text) else {
            continue; // a YAML syntax error: refused before any schema
        };
        let valid = validator.is_valid(&doc.to_json());
        match BEYOND_A_SCHEMA.iter().find(|(f, _)| *f == name) {
            Some((_, why)) => assert!(
                valid,
                "{name} is listed as beyond a schema ({why}) but the schema refuses it: take it off the list"
            ),
            None => assert!(
                !valid,
                "{name}: the loader refuses it, the schema accepts it"
            ),
        }
    }
    assert!(seen >= 20, "{seen} fixtures");
}
