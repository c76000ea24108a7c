//! `type: xml`: a body (or any text) that is a well-formed XML document; through the binary
//! against a server that answers XML, HTML and nothing. Also what `baton import postman`
//! makes of the sandbox's `xml2Json(responseBody)`.

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;

use crate::support::{run, serve, write};

const XML: &str =
    "<?xml version=\"1.0\"?>\n<note id=\"1\"><to>Ann</to><body>hi &amp; bye</body></note>";
/// A DTD with an entity of its own.
const DTD: &str =
    "<?xml version=\"1.0\"?>\n<!DOCTYPE note [<!ENTITY who \"Ann\">]>\n<note><to>&who;</to></note>";
/// httpbin's 404 page: HTML, not XML (several root elements, a DOCTYPE without a system id).
const HTML: &str = "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server.</p>\n";

/// Ten levels of ten references each: 10^10 `lol`s if every entity were expanded.
fn laughs() -> String {
    let mut dtd = String::from("<!ENTITY l0 \"lol\">");
    for i in 1..=10 {
        let refs: String = (0..10).map(|_| format!("&l{};", i - 1)).collect();
        dtd.push_str(&format!("<!ENTITY l{i} \"{refs}\">"));
    }
    format!("<?xml version=\"1.0\"?>\n<!DOCTYPE r [{dtd}]>\n<r>&l10;</r>")
}

fn server() -> (String, tokio::runtime::Runtime) {
    let app = Router::new()
        .route(
            "/xml",
            get(|| async { ([(CONTENT_TYPE, "application/xml")], XML) }),
        )
        .route(
            "/html",
            get(|| async { ([(CONTENT_TYPE, "text/html")], HTML) }),
        )
        .route("/dtd", get(|| async { DTD }))
        .route("/laughs", get(|| async { laughs() }))
        .route("/broken", get(|| async { "<a><b></a>" }))
        .route("/empty", get(|| async { "" }))
        .route(
            "/json",
            get(|| async { r#"{"doc": "<r>1</r>", "not": "<r>"}"# }),
        );
    serve(app)
}

#[test]
fn well_formed_xml_passes_and_html_broken_empty_and_entity_bomb_bodies_fail() {
    let (url, _rt) = server();
    let dir = tempfile::tempdir().unwrap();
    let mut text = format!("vars: {{ base: \"{url}\" }}\nrequests:\n");
    for (name, path) in [
        ("xml", "xml"),
        ("dtd", "dtd"),
        ("laughs", "laughs"),
        ("html", "html"),
        ("broken", "broken"),
        ("empty", "empty"),
    ] {
        text.push_str(&format!(
            "  - name: {name}\n    url: \"{{{{ base }}}}/{path}\"\n    expect: {{ body: {{ type: xml }} }}\n"
        ));
    }
    text.push_str("  - name: strings\n    url: \"{{ base }}/json\"\n    expect:\n      json:\n        $.doc: { type: xml }\n        $.not: { not: { type: xml } }\n");
    text.push_str("  - name: negated\n    url: \"{{ base }}/html\"\n    expect: { body: { not: { type: xml } } }\n");
    write(dir.path(), "c.yaml", &text);
    let out = run(dir.path(), &["run", "c.yaml", "--report", "json=r.json"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    let outcomes: Vec<(String, String)> = report["collections"][0]["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        ("xml", "passed"),
        ("dtd", "passed"),
        ("laughs", "failed"),
        ("html", "failed"),
        ("broken", "failed"),
        ("empty", "failed"),
        ("strings", "passed"),
        ("negated", "passed"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(outcomes, expected, "{}", out.stdout);
    assert!(out.stdout.contains("type"), "{}", out.stdout);
}

#[test]
fn a_misspelt_type_names_the_choices() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        "requests:\n  - name: x\n    url: http://127.0.0.1:9/x\n    expect: { body: { type: xmll } }\n",
    );
    let out = run(dir.path(), &["check", "c.yaml"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("--> c.yaml:4:29"), "{}", out.stderr);
    assert!(out.stderr.contains("object, xml"), "{}", out.stderr);
    assert!(out.stderr.contains("did you mean `xml`?"), "{}", out.stderr);
}

#[test]
fn postman_xml2json_of_the_body_becomes_type_xml_and_fails_on_html() {
    let (url, _rt) = server();
    let dir = tempfile::tempdir().unwrap();
    let collection = serde_json::json!({
        "info": { "name": "xml", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json" },
        "item": [
            { "name": "good", "request": { "method": "GET", "url": format!("{url}/xml") },
              "event": [{ "listen": "test", "script": { "exec": [
                  "try {",
                  "    var jsonObject = xml2Json(responseBody);",
                  "    tests[\"xml2Json\"] = !!jsonObject;",
                  "} catch (e) {",
                  "    tests[\"xml2Json\"] = false;",
                  "}"
              ] } }] },
            { "name": "bad", "request": { "method": "GET", "url": format!("{url}/html") },
              "event": [{ "listen": "test", "script": { "exec": [
                  "tests[\"is xml\"] = !!xml2Json(responseBody);"
              ] } }] }
        ]
    });
    write(dir.path(), "p.json", &collection.to_string());
    let import = run(dir.path(), &["import", "postman", "p.json"]);
    assert_eq!(import.code, 0, "{}", import.stderr);
    let yaml = import.stdout;
    write(dir.path(), "p.yaml", &yaml);
    assert_eq!(yaml.matches("body: { type: xml }").count(), 2, "{yaml}");
    let out = run(dir.path(), &["run", "p.yaml"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("1 passed, 1 failed"), "{}", out.stdout);
}
