//! Contract checks through the library API the runner calls: one test per kind of
//! violation, with the exact text the report shows after `openapi: `, and real-world
//! documents (Swagger Petstore 3, GitHub's pulls API) imported, checked and validated.

use std::path::{Path, PathBuf};
use std::time::Instant;

use baton::openapi::{Contract, Violation, ViolationKind};
use serde_json::json;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/openapi")
        .join(name)
}

fn pets() -> Contract {
    Contract::load(&fixture("pets-3.0.yaml")).unwrap()
}

const JSON: &str = "application/json";

/// Checks a response; `headers` always get a Content-Type of `ct` when it is not empty.
fn check(
    c: &Contract,
    method: &str,
    url: &str,
    status: u16,
    ct: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Vec<Violation> {
    let url = url::Url::parse(url).unwrap();
    let mut h: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    if !ct.is_empty() {
        h.push(("content-type".into(), ct.into()));
    }
    c.check(method, &url, status, &h, Some(body.as_bytes()))
}

fn messages(v: &[Violation]) -> Vec<&str> {
    v.iter().map(|v| v.message.as_str()).collect()
}

const PET: &str = r#"{"id": 7, "name": "Rex", "species": "dog", "tag": null}"#;

#[test]
fn a_conforming_response_has_no_violations() {
    let c = pets();
    let v = check(
        &c,
        "GET",
        "http://127.0.0.1:9/v1/pets?limit=1",
        200,
        "application/json; charset=utf-8",
        &[("X-Total-Count", "1")],
        &format!("[{PET}]"),
    );
    assert_eq!(messages(&v), Vec::<&str>::new());
}

#[test]
fn schema_violations_name_the_json_path() {
    let c = pets();
    let v = check(
        &c,
        "GET",
        "http://127.0.0.1:9/v1/pets",
        200,
        JSON,
        &[("x-total-count", "1")],
        r#"[{"id": "x", "name": "Rex", "species": "dog"}]"#,
    );
    assert_eq!(
        messages(&v),
        [r#"GET /pets 200: $[0].id: "x" is not of type "integer""#]
    );
    assert_eq!(v[0].kind, ViolationKind::Schema);

    // Several problems are all reported; keys that are not identifiers are quoted.
    let v = check(
        &c,
        "GET",
        "http://127.0.0.1:9/v1/pets/7",
        200,
        JSON,
        &[],
        r#"{"id": 7, "species": "fish", "age": 0}"#,
    );
    let m = messages(&v);
    assert_eq!(m.len(), 3, "{m:#?}");
    assert!(
        m.contains(&r#"GET /pets/{petId} 200: $: "name" is a required property"#),
        "{m:#?}"
    );
    assert!(
        m.iter()
            .any(|s| s.starts_with(r#"GET /pets/{petId} 200: $.species: "fish" is not one of"#)),
        "{m:#?}"
    );
    // 3.0 `exclusiveMinimum: true` with `minimum: 0`: 0 itself is out.
    assert!(
        m.iter().any(|s| s.starts_with(
            "GET /pets/{petId} 200: $.age: 0 is less than or equal to the minimum of 0"
        )),
        "{m:#?}"
    );
}

#[test]
fn nullable_in_openapi_30_allows_null_and_only_null() {
    let c = pets();
    let ok = check(&c, "GET", "http://h/v1/pets/7", 200, JSON, &[], PET);
    assert!(ok.is_empty(), "{ok:?}");
    let v = check(
        &c,
        "GET",
        "http://h/v1/pets/7",
        200,
        JSON,
        &[],
        r#"{"id": 7, "name": "Rex", "species": "dog", "tag": 5}"#,
    );
    assert_eq!(v.len(), 1, "{v:?}");
    assert!(
        v[0].message
            .starts_with("GET /pets/{petId} 200: $.tag: 5 is not of type"),
        "{v:?}"
    );
}

#[test]
fn an_undocumented_status_is_a_violation_unless_there_is_a_default() {
    let c = pets();
    let v = check(&c, "GET", "http://h/v1/pets/7", 500, JSON, &[], "{}");
    assert_eq!(
        messages(&v),
        ["GET /pets/{petId} 500: status 500 is not documented (documented: 200, 404)"]
    );
    assert_eq!(v[0].kind, ViolationKind::Status);

    // listPets has `default`, whose schema lives in another file (common.yaml).
    let ok = check(
        &c,
        "GET",
        "http://h/v1/pets",
        500,
        JSON,
        &[],
        r#"{"code": 500, "message": "boom"}"#,
    );
    assert!(ok.is_empty(), "{ok:?}");
    let v = check(
        &c,
        "GET",
        "http://h/v1/pets",
        503,
        JSON,
        &[],
        r#"{"code": "x"}"#,
    );
    let m = messages(&v);
    assert!(
        m.contains(&r#"GET /pets 503: $.code: "x" is not of type "integer""#),
        "{m:#?}"
    );
    assert!(
        m.contains(&r#"GET /pets 503: $: "message" is a required property"#),
        "{m:#?}"
    );
}

#[test]
fn a_request_no_operation_matches_is_a_violation() {
    let c = pets();
    let v = check(&c, "GET", "http://h/v1/nothing", 200, JSON, &[], "{}");
    assert_eq!(
        messages(&v),
        ["no operation for GET /v1/nothing (tried the base path /v1 and the whole path)"]
    );
    assert_eq!(v[0].kind, ViolationKind::NoOperation);
    // A documented path with an undocumented method.
    let v = check(&c, "PATCH", "http://h/v1/pets/7", 200, JSON, &[], "{}");
    assert_eq!(
        messages(&v),
        ["no operation for PATCH /v1/pets/7 (tried the base path /v1 and the whole path)"]
    );
    // Paths match below the server's base path (/v1), else as a whole (SPEC 5, 2026-12-04).
    let v = check(&c, "GET", "http://h/pets/7", 200, JSON, &[], PET);
    assert!(v.is_empty(), "{v:?}");
    let v = check(&c, "GET", "http://h/v1x/pets/7", 200, JSON, &[], PET);
    assert_eq!(
        messages(&v),
        ["no operation for GET /v1x/pets/7 (tried the base path /v1 and the whole path)"]
    );
    // A trailing slash does not matter; the query never does.
    let v = check(&c, "GET", "http://h/v1/pets/7/?a=b", 200, JSON, &[], PET);
    assert!(v.is_empty(), "{v:?}");
}

#[test]
fn an_undocumented_content_type_is_a_violation() {
    let c = pets();
    let v = check(
        &c,
        "GET",
        "http://h/v1/pets/7",
        200,
        "text/html; charset=utf-8",
        &[],
        "<html></html>",
    );
    assert_eq!(
        messages(&v),
        [
            "GET /pets/{petId} 200: content type text/html is not documented (documented: application/json)"
        ]
    );
    assert_eq!(v[0].kind, ViolationKind::ContentType);

    // A response that documents no content constrains neither type nor body (2026-12-04).
    let v = check(&c, "DELETE", "http://h/v1/pets/7", 204, JSON, &[], "{}");
    assert!(v.is_empty(), "{v:?}");
    // No body, no content: nothing to say.
    let v = check(&c, "DELETE", "http://h/v1/pets/7", 204, "", &[], "");
    assert!(v.is_empty(), "{v:?}");
    // A JSON content type with a body that is not JSON.
    let v = check(&c, "GET", "http://h/v1/pets/7", 200, JSON, &[], "{oops");
    assert_eq!(v.len(), 1);
    assert!(
        v[0].message
            .starts_with("GET /pets/{petId} 200: the body is not JSON ("),
        "{v:?}"
    );
}

#[test]
fn a_missing_required_header_is_a_violation() {
    let c = pets();
    let v = check(&c, "GET", "http://h/v1/pets", 200, JSON, &[], "[]");
    assert_eq!(
        messages(&v),
        ["GET /pets 200: required header X-Total-Count is missing"]
    );
    assert_eq!(v[0].kind, ViolationKind::Header);
}

#[test]
fn a_body_that_was_not_kept_is_not_validated() {
    let c = pets();
    let url = url::Url::parse("http://h/v1/pets/7").unwrap();
    let v = c.check(
        "GET",
        &url,
        200,
        &[("Content-Type".into(), JSON.into())],
        None,
    );
    assert!(v.is_empty(), "{v:?}");
}

#[test]
fn openapi_31_schemas_are_json_schema_2020_12() {
    let c = Contract::load(&fixture("todo-3.1.json")).unwrap();
    let todo = r#"{"id": "0b6e3b3a-1d2c-4a8e-9f10-2a4b6c8d0e1f", "title": "t", "done": false, "due": null}"#;
    assert!(
        check(
            &c,
            "GET",
            "http://h/todos",
            200,
            JSON,
            &[],
            &format!("[{todo}]")
        )
        .is_empty()
    );
    let v = check(
        &c,
        "GET",
        "http://h/todos/1",
        200,
        JSON,
        &[],
        r#"{"id": "1", "title": "t", "done": false, "due": null, "kind": "task", "extra": 1}"#,
    );
    let m = messages(&v);
    // `format: uuid` is asserted (2026-12-04).
    assert_eq!(m.len(), 3, "{m:#?}");
    assert!(
        m.iter()
            .any(|s| s.starts_with(r#"GET /todos/{id} 200: $.kind: "todo" was expected"#)),
        "{m:#?}"
    );
    assert!(
        m.iter()
            .any(|s| s.contains("Additional properties are not allowed ('extra' was unexpected)")),
        "{m:#?}"
    );
    // `application/problem+json` is JSON too, and validated.
    let v = check(
        &c,
        "GET",
        "http://h/todos/1",
        404,
        "application/problem+json",
        &[],
        r#"{"title": "no"}"#,
    );
    assert_eq!(
        messages(&v),
        [r#"GET /todos/{id} 404: $: "status" is a required property"#]
    );
}

#[test]
fn concrete_paths_win_over_templates_and_servers_set_the_base() {
    let doc = r#"
openapi: 3.1.0
info: { title: t, version: "1" }
servers: [{ url: "https://api.example.com/base/" }]
paths:
  /items/{id}:
    get:
      responses: { "200": { description: x, content: { application/json: { schema: { type: integer } } } } }
  /items/mine:
    get:
      responses: { "200": { description: x, content: { application/json: { schema: { type: string } } } } }
  /files/{name}.{ext}:
    get:
      servers: [{ url: "/downloads" }]
      responses: { "2XX": { description: x } }
"#;
    let c = Contract::from_text(doc, Path::new("inline.yaml")).unwrap();
    assert!(
        check(
            &c,
            "GET",
            "http://h/base/items/mine",
            200,
            JSON,
            &[],
            "\"me\""
        )
        .is_empty()
    );
    assert!(check(&c, "GET", "http://h/base/items/3", 200, JSON, &[], "3").is_empty());
    let v = check(&c, "GET", "http://h/base/items/3", 200, JSON, &[], "\"me\"");
    assert_eq!(
        messages(&v),
        [r#"GET /items/{id} 200: $: "me" is not of type "integer""#]
    );
    // An operation's own servers replace the document's; `2XX` covers the range.
    assert!(
        check(
            &c,
            "GET",
            "http://h/downloads/files/a.tar.gz",
            206,
            "",
            &[],
            ""
        )
        .is_empty()
    );
    let v = check(&c, "GET", "http://h/base/files/a.txt", 200, "", &[], "");
    assert_eq!(
        messages(&v),
        [
            "no operation for GET /base/files/a.txt (tried the base paths /base, /downloads and the whole path)"
        ]
    );
}

#[test]
fn remote_refs_are_an_error_when_the_contract_loads() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("api.yaml");
    std::fs::write(
        &doc,
        "openapi: 3.0.3\ninfo: { title: t, version: '1' }\npaths: {}\ncomponents:\n  schemas:\n    A: { $ref: 'http://example.com/a.yaml#/A' }\n",
    )
    .unwrap();
    let e = Contract::load(&doc).unwrap_err().to_string();
    assert!(
        e.starts_with("remote $ref `http://example.com/a.yaml#/A` is not supported\n"),
        "{e}"
    );
    assert!(e.contains("api.yaml:6:16"), "{e}");
}

/// Swagger Petstore 3 and GitHub's pulls API, as published: import, `baton check`, and
/// the contract check of their own examples.
#[test]
fn real_world_documents_import_check_and_validate() {
    let dir = tempfile::tempdir().unwrap();
    for doc in ["petstore3.yaml", "github-pulls.json"] {
        std::fs::copy(fixture(doc), dir.path().join(doc)).unwrap();
        let start = Instant::now();
        let out = crate::support::run(dir.path(), &["import", "openapi", doc, "-o", "out"]);
        assert_eq!(out.code, 0, "{doc}: {}", out.stderr);
        // The imported auth reads secrets, which `check` needs set.
        let check = crate::support::baton(dir.path())
            .args(["check", "out"])
            .envs(crate::support::stand_in_secrets(&dir.path().join("out")))
            .output()
            .unwrap();
        assert_eq!(
            check.status.code(),
            Some(0),
            "{doc}: {}\n{}",
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        );
        eprintln!("{doc}: import + check in {:?}", start.elapsed());
        std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    }

    let petstore = Contract::load(&fixture("petstore3.yaml")).unwrap();
    let pet = json!({ "id": 10, "name": "doggie", "category": { "id": 1, "name": "Dogs" },
        "photoUrls": ["u"], "tags": [{ "id": 1, "name": "t" }], "status": "available" });
    let v = check(
        &petstore,
        "GET",
        "https://petstore3.swagger.io/api/v3/pet/10",
        200,
        JSON,
        &[],
        &pet.to_string(),
    );
    assert!(v.is_empty(), "{v:?}");
    let v = check(
        &petstore,
        "GET",
        "https://petstore3.swagger.io/api/v3/pet/findByStatus?status=sold",
        200,
        JSON,
        &[],
        r#"[{"name": "doggie", "photoUrls": [], "status": "lost"}]"#,
    );
    assert_eq!(v.len(), 1, "{v:?}");
    assert!(
        v[0].message
            .starts_with(r#"GET /pet/findByStatus 200: $[0].status: "lost" is not one of"#),
        "{v:?}"
    );

    // GitHub's document carries examples of its responses: they must pass its own schemas.
    let github = Contract::load(&fixture("github-pulls.json")).unwrap();
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("github-pulls.json")).unwrap())
            .unwrap();
    let example = |name: &str| doc["components"]["examples"][name]["value"].to_string();
    let cases = [
        ("/", "root"),
        (
            "/repos/octocat/Hello-World/pulls",
            "pull-request-simple-items",
        ),
        ("/repos/octocat/Hello-World/pulls/1347", "pull-request"),
    ];
    for (path, ex) in cases {
        let v = check(
            &github,
            "GET",
            &format!("https://api.github.com{path}"),
            200,
            "application/json; charset=utf-8",
            &[],
            &example(ex),
        );
        assert!(v.is_empty(), "{path}: {v:#?}");
    }
    // A pull request whose `user` is a string breaks the nested schema.
    let mut bad: serde_json::Value = serde_json::from_str(&example("pull-request")).unwrap();
    bad["user"] = json!("octocat");
    let v = check(
        &github,
        "GET",
        "https://api.github.com/repos/o/r/pulls/1",
        200,
        JSON,
        &[],
        &bad.to_string(),
    );
    assert_eq!(
        messages(&v),
        [
            r#"GET /repos/{owner}/{repo}/pulls/{pull_number} 200: $.user: "octocat" is not of type "object""#
        ]
    );
}
