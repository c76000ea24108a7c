//! `baton import openapi` through the binary: an OpenAPI 3.0 YAML document and a 3.1 JSON
//! document imported (snapshots), each result accepted by `baton check` untouched and run
//! green against an in-process server implementing that API, whose responses also pass the
//! contract check; `-o DIR` splits by tag; bad documents are errors naming file and line.

use std::path::{Path, PathBuf};

use crate::support::{run, write};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use baton::openapi::Contract;
use serde_json::{Value, json};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/openapi")
}

/// The fixtures, copied where the collection will be written (so `openapi:` is relative).
fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    dir
}

fn import(dir: &Path, doc: &str) -> (String, String) {
    let out = run(dir, &["import", "openapi", doc]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    (out.stdout, out.stderr)
}

fn check(dir: &Path, file: &str) {
    // The imported auth reads secrets, which `check` needs set.
    let out = crate::support::baton(dir)
        .args(["check", file])
        .envs(crate::support::stand_in_secrets(&dir.join(file)))
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(0), "{file}:\n{stdout}\n{stderr}");
}

fn json(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn error(status: StatusCode, message: &str) -> Response {
    json(
        status,
        json!({ "code": status.as_u16(), "message": message }),
    )
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

const BEARER: &str = "tok-123";
const BASIC: &str = "Basic dXNlcjpwYXNz"; // user:pass
const API_KEY: &str = "key-1";

/// The Pet Shop API of `pets-3.0.yaml`, under `/v1`; wrong credentials or missing required
/// parameters get the documented error answers.
fn pets_api() -> Router {
    let bearer = |h: &HeaderMap| header(h, "authorization") == format!("Bearer {BEARER}");
    let pet = |id: i64| json!({ "id": id, "name": "Rex", "species": "dog", "tag": null });
    Router::new()
        .route(
            "/v1/pets",
            get(
                move |h: HeaderMap, Query(q): Query<std::collections::HashMap<String, String>>| async move {
                    if !bearer(&h) {
                        return error(StatusCode::UNAUTHORIZED, "bad token");
                    }
                    if header(&h, "x-request-id").is_empty() || q.get("limit").map(String::as_str) != Some("20") {
                        return error(StatusCode::BAD_REQUEST, "limit and X-Request-Id are required");
                    }
                    ([("X-Total-Count", "1")], axum::Json(json!([pet(7)]))).into_response()
                },
            )
            .post(move |h: HeaderMap, body: Bytes| async move {
                let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                if !bearer(&h) {
                    return error(StatusCode::UNAUTHORIZED, "bad token");
                }
                if v["name"] != "Rex" || v["species"] != "dog" {
                    return error(StatusCode::UNPROCESSABLE_ENTITY, "name and species are required");
                }
                json(StatusCode::CREATED, pet(8))
            }),
        )
        .route(
            "/v1/pets/{id}",
            get(move |h: HeaderMap, UrlPath(id): UrlPath<i64>| async move {
                if !bearer(&h) {
                    return error(StatusCode::UNAUTHORIZED, "bad token");
                }
                json(StatusCode::OK, pet(id))
            })
            .delete(|h: HeaderMap| async move {
                if header(&h, "authorization") != BASIC {
                    return error(StatusCode::UNAUTHORIZED, "basic auth needed");
                }
                StatusCode::NO_CONTENT.into_response()
            }),
        )
        .route(
            "/v1/store/inventory",
            get(|h: HeaderMap| async move {
                if header(&h, "x-api-key") != API_KEY {
                    return error(StatusCode::UNAUTHORIZED, "api key needed");
                }
                json(StatusCode::OK, json!({ "dog": 3, "cat": 1 }))
            }),
        )
        .route(
            "/v1/health",
            get(|h: HeaderMap| async move {
                if !header(&h, "authorization").is_empty() {
                    return error(StatusCode::BAD_REQUEST, "health takes no credentials");
                }
                "ok".into_response()
            }),
        )
}

const TODO_ID: &str = "0b6e3b3a-1d2c-4a8e-9f10-2a4b6c8d0e1f";

/// The Todo API of `todo-3.1.json`: OAuth2 client credentials with scopes, an API key in
/// the query, `application/problem+json` errors.
fn todo_api() -> Router {
    let scope_of = |h: &HeaderMap| {
        header(h, "authorization")
            .strip_prefix("Bearer at-")
            .unwrap_or("")
            .to_string()
    };
    let problem = |status: StatusCode, title: &str| {
        (
            status,
            [("Content-Type", "application/problem+json")],
            json!({ "title": title, "status": status.as_u16() }).to_string(),
        )
            .into_response()
    };
    let todo = |title: &str| json!({ "id": TODO_ID, "title": title, "done": false, "due": null, "kind": "todo" });
    Router::new()
        .route(
            "/oauth/token",
            post(|h: HeaderMap, body: String| async move {
                let form: std::collections::HashMap<String, String> =
                    url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
                // cid:csecret
                if header(&h, "authorization") != "Basic Y2lkOmNzZWNyZXQ="
                    || form.get("grant_type").map(String::as_str) != Some("client_credentials")
                {
                    return json(StatusCode::UNAUTHORIZED, json!({ "error": "invalid_client" }));
                }
                let scope = form.get("scope").cloned().unwrap_or_default();
                json(
                    StatusCode::OK,
                    json!({ "access_token": format!("at-{scope}"), "token_type": "bearer", "expires_in": 3600 }),
                )
            }),
        )
        .route(
            "/todos",
            get(move |h: HeaderMap| async move {
                if scope_of(&h) != "todos:read" {
                    return problem(StatusCode::UNAUTHORIZED, "read scope needed");
                }
                json(StatusCode::OK, json!([todo("Buy milk")]))
            })
            .post(move |h: HeaderMap, body: Bytes| async move {
                let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                if scope_of(&h) != "todos:write" || v["title"] != "Buy milk" {
                    return problem(StatusCode::BAD_REQUEST, "write scope and a title needed");
                }
                json(StatusCode::CREATED, todo("Buy milk"))
            }),
        )
        .route(
            "/todos/{id}",
            get(move |h: HeaderMap, UrlPath(id): UrlPath<String>| async move {
                if scope_of(&h) != "todos:read" || id != TODO_ID {
                    return problem(StatusCode::NOT_FOUND, "no such todo");
                }
                json(StatusCode::OK, todo("Buy milk"))
            })
            .patch(move |h: HeaderMap, body: Bytes| async move {
                let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                if scope_of(&h) != "todos:write"
                    || header(&h, "content-type") != "application/merge-patch+json"
                {
                    return problem(StatusCode::BAD_REQUEST, "a merge patch needed");
                }
                json(StatusCode::OK, todo(v["title"].as_str().unwrap_or("")))
            }),
        )
        .route(
            "/todos/{id}/done",
            put(move |h: HeaderMap| async move {
                if scope_of(&h) != "todos:write" {
                    return problem(StatusCode::UNAUTHORIZED, "write scope needed");
                }
                StatusCode::NO_CONTENT.into_response()
            }),
        )
        .route(
            "/search",
            get(move |Query(q): Query<std::collections::HashMap<String, String>>| async move {
                if q.get("api_key").map(String::as_str) != Some(API_KEY) || q.get("q").map(String::as_str) != Some("milk") {
                    return problem(StatusCode::UNAUTHORIZED, "api_key and q needed");
                }
                json(StatusCode::OK, json!({ "total": 1, "results": [todo("Buy milk")] }))
            }),
        )
}

/// Method, path and query, request headers.
type Call<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);

/// Sends `requests` to `base` and checks every response against the document: a server
/// that implements the API breaks no rule of it.
fn assert_contract_holds(doc: &Path, base: &str, requests: &[Call]) {
    let contract = Contract::load(doc).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = reqwest::Client::new();
        for (method, path, headers) in requests {
            let url = url::Url::parse(&format!("{base}{path}")).unwrap();
            let mut req = client.request(method.parse().unwrap(), url.clone());
            for (k, v) in *headers {
                req = req.header(*k, *v);
            }
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let headers: Vec<(String, String)> = resp
                .headers()
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                .collect();
            let body = resp.bytes().await.unwrap();
            let violations = contract.check(method, &url, status, &headers, Some(&body));
            assert!(
                violations.is_empty(),
                "{method} {path} -> {status}: {violations:?}"
            );
        }
    });
}

#[test]
fn openapi_30_yaml_imports_checks_and_runs_green() {
    let dir = workdir();
    let (yaml, warnings) = import(dir.path(), "pets-3.0.yaml");
    insta::assert_snapshot!("pets_30", format!("{yaml}=== stderr\n{warnings}"));
    write(dir.path(), "pets.yaml", &yaml);
    check(dir.path(), "pets.yaml");

    let (url, _rt) = crate::support::serve(pets_api());
    let base = format!("base_url={url}/v1");
    let out = crate::support::baton(dir.path())
        .args(["run", "pets.yaml", "--var", &base])
        .env("BEARER_AUTH_TOKEN", BEARER)
        .env("BASIC_AUTH_USERNAME", "user")
        .env("BASIC_AUTH_PASSWORD", "pass")
        .env("API_KEY", API_KEY)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("6 passed, 0 failed, 0 skipped"), "{stdout}");

    let bearer = format!("Bearer {BEARER}");
    assert_contract_holds(
        &dir.path().join("pets-3.0.yaml"),
        &url,
        &[
            (
                "GET",
                "/v1/pets?limit=20",
                &[("Authorization", &bearer), ("X-Request-Id", "r")],
            ),
            ("GET", "/v1/pets", &[("Authorization", &bearer)]),
            ("GET", "/v1/pets/3", &[("Authorization", &bearer)]),
            ("DELETE", "/v1/pets/3", &[("Authorization", BASIC)]),
            ("GET", "/v1/store/inventory", &[("X-API-Key", API_KEY)]),
            ("GET", "/v1/health", &[]),
        ],
    );
}

#[test]
fn openapi_31_json_imports_checks_and_runs_green() {
    let dir = workdir();
    let (yaml, warnings) = import(dir.path(), "todo-3.1.json");
    insta::assert_snapshot!("todo_31", format!("{yaml}=== stderr\n{warnings}"));
    write(dir.path(), "todo.yaml", &yaml);
    check(dir.path(), "todo.yaml");

    let (url, _rt) = crate::support::serve(todo_api());
    let base = format!("base_url={url}");
    let out = crate::support::baton(dir.path())
        .args(["run", "todo.yaml", "--var", &base])
        .env("OAUTH_CLIENT_ID", "cid")
        .env("OAUTH_CLIENT_SECRET", "csecret")
        .env("KEY", API_KEY)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("6 passed, 0 failed, 0 skipped"), "{stdout}");

    let search = format!("/search?q=milk&api_key={API_KEY}");
    let todo = format!("/todos/{TODO_ID}");
    assert_contract_holds(
        &dir.path().join("todo-3.1.json"),
        &url,
        &[
            (
                "GET",
                "/todos",
                &[("Authorization", "Bearer at-todos:read")],
            ),
            ("GET", &todo, &[("Authorization", "Bearer at-todos:read")]),
            (
                "GET",
                "/todos/nope",
                &[("Authorization", "Bearer at-todos:read")],
            ),
            (
                "PUT",
                &format!("{todo}/done"),
                &[("Authorization", "Bearer at-todos:write")],
            ),
            ("GET", &search, &[]),
        ],
    );
}

#[test]
fn split_by_tag_writes_one_checked_file_per_tag() {
    let dir = workdir();
    let out = run(
        dir.path(),
        &["import", "openapi", "pets-3.0.yaml", "-o", "api/pets"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join("api/pets"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["pet-shop.yaml", "pets.yaml", "store.yaml"]);
    let store = std::fs::read_to_string(dir.path().join("api/pets/store.yaml")).unwrap();
    assert!(store.contains("openapi: ../../pets-3.0.yaml\n"), "{store}");
    assert!(store.contains("name: GET /store/inventory\n"), "{store}");
    // Each file declares only the variables its requests use.
    assert!(!store.contains("petId"), "{store}");
    for name in &names {
        check(dir.path(), &format!("api/pets/{name}"));
    }
}

#[test]
fn documents_baton_cannot_use_are_errors_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "remote.yaml",
        "openapi: 3.1.0\ninfo: { title: x, version: '1' }\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: { $ref: 'https://example.com/a.json' }\n",
    );
    let out = run(dir.path(), &["import", "openapi", "remote.yaml"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("error: remote $ref `https://example.com/a.json` is not supported"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("remote.yaml:11:"), "{}", out.stderr);
    assert!(
        out.stderr.contains("help: download the file"),
        "{}",
        out.stderr
    );

    write(
        dir.path(),
        "swagger.json",
        "{\"swagger\": \"2.0\", \"paths\": {}}",
    );
    let out = run(dir.path(), &["import", "openapi", "swagger.json"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("Swagger 2.0"), "{}", out.stderr);

    let out = run(dir.path(), &["import", "openapi", "missing.yaml"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("cannot read the OpenAPI document missing.yaml"),
        "{}",
        out.stderr
    );
}

#[test]
fn petstore_imports_with_comments_and_warnings_for_what_baton_cannot_do() {
    let dir = workdir();
    let (yaml, warnings) = import(dir.path(), "petstore3.yaml");
    insta::assert_snapshot!("petstore3", format!("{yaml}=== stderr\n{warnings}"));
}

#[test]
fn error_messages() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "typo.yaml",
        "openapi: 3.0.3\ninfo: { title: t, version: '1' }\npaths:\n  /pets:\n    get:\n      responses:\n        '404':\n          $ref: '#/components/responses/NotFund'\ncomponents:\n  responses:\n    NotFound: { description: gone }\n",
    );
    write(
        dir.path(),
        "syntax.yaml",
        "openapi: 3.1.0\npaths:\n  /pets: [\n",
    );
    write(dir.path(), "version.json", "{\"openapi\": \"2.5\"}");
    let mut text = String::new();
    for file in ["typo.yaml", "syntax.yaml", "version.json"] {
        let out = run(dir.path(), &["import", "openapi", file]);
        assert_eq!(out.code, 2, "{file}");
        assert!(out.stdout.is_empty(), "{file}: {}", out.stdout);
        text.push_str(&out.stderr);
    }
    insta::assert_snapshot!("errors", text);
}

/// A server that breaks the Pet Shop contract in each way a response can.
fn broken_pets_api() -> Router {
    Router::new()
        .route(
            "/v1/pets/{id}",
            get(|UrlPath(id): UrlPath<i64>| async move {
                match id {
                    // The id is a string where the schema says integer.
                    1 => json(
                        StatusCode::OK,
                        json!({ "id": "x", "name": "Rex", "species": "dog" }),
                    ),
                    // A status the document does not list.
                    _ => (StatusCode::IM_A_TEAPOT, "teapot").into_response(),
                }
            }),
        )
        .route(
            "/v1/nope",
            get(|| async { json(StatusCode::OK, json!({})) }),
        )
}

#[test]
fn contract_violations_fail_as_openapi_expectations() {
    let dir = workdir();
    let (url, _rt) = crate::support::serve(broken_pets_api());
    write(
        dir.path(),
        "c.yaml",
        &format!(
            r#"openapi: pets-3.0.yaml
vars: {{ base_url: "{url}/v1" }}
requests:
  - name: wrong type
    url: "{{{{ base_url }}}}/pets/1"
  - name: undocumented status
    url: "{{{{ base_url }}}}/pets/2"
    expect: {{ status: 418 }}
  - name: undocumented path
    url: "{{{{ base_url }}}}/nope"
  - name: opted out
    url: "{{{{ base_url }}}}/nope"
    expect: {{ openapi: false }}
"#
        ),
    );
    let out = run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    for line in [
        r#"openapi: GET /pets/{petId} 200: $.id: "x" is not of type "integer""#,
        "openapi: GET /pets/{petId} 418: status 418 is not documented",
        "openapi: no operation for GET /v1/nope",
    ] {
        assert!(
            out.stdout.contains(line),
            "missing `{line}` in:\n{}",
            out.stdout
        );
    }
    assert!(out.stdout.contains("✓ opted out"), "{}", out.stdout);
    assert!(out.stdout.contains("1 passed, 3 failed"), "{}", out.stdout);

    // A document `check` cannot load is an error before anything is sent.
    write(
        dir.path(),
        "remote.yaml",
        "openapi: 3.0.3\ninfo: { title: t, version: '1' }\npaths:\n  /x:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: { $ref: 'https://example.com/s.json' }\n",
    );
    write(
        dir.path(),
        "r.yaml",
        &format!("openapi: remote.yaml\nrequests:\n  - name: a\n    url: {url}/x\n"),
    );
    let out = run(dir.path(), &["check", "r.yaml"]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("remote.yaml"), "{}", out.stderr);
}
