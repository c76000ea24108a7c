//! A schema keyword that cannot be compiled, and 3.1 `nullable`: warnings at `baton check`
//! with file:line:col and the source line; at run time the rest of the schema is checked.

use std::path::Path;

const DOC: &str = r##"openapi: 3.1.0
info: { title: t, version: "1" }
paths:
  /pets/{id}:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Pet" }
components:
  schemas:
    Pet:
      type: object
      required: [id, name]
      properties:
        id: { type: integer, minimum: true }
        name: { type: string, nullable: true }
"##;

fn baton(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = assert_cmd::Command::cargo_bin("baton")
        .expect("binary")
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("run baton");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A server answering every request with `body` as JSON, and the runtime that keeps it.
fn serve(body: &'static str) -> (String, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let app = axum::Router::new()
        .fallback(move || async move { ([("content-type", "application/json")], body) });
    rt.spawn(async move { axum::serve(listener, app).await });
    (url, rt)
}

#[test]
fn bad_keywords_are_warnings_at_check_and_the_rest_is_still_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("api.yaml"), DOC).expect("write");
    std::fs::write(
        dir.path().join("c.yaml"),
        "version: 1\nname: c\nopenapi: api.yaml\nrequests:\n  - { name: pet, url: \"{{ base_url }}/pets/1\" }\n",
    )
    .expect("write");
    let (code, _, err) = baton(
        dir.path(),
        &["check", "c.yaml", "--var", "base_url=http://x"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: this schema keyword cannot be used, and is not checked: true is not of type \"number\""),
        "{err}"
    );
    assert!(err.contains("--> api.yaml:18:39"), "{err}");
    assert!(
        err.contains("18 |         id: { type: integer, minimum: true }"),
        "{err}"
    );
    assert!(
        err.contains("warning: `nullable` is OpenAPI 3.0; this is a 3.1 document"),
        "{err}"
    );
    assert!(err.contains("--> api.yaml:19:"), "{err}");

    // `nullable` is honoured, `minimum` is dropped, the rest still applies.
    let (url, _rt) = serve(r#"{"id": -5, "name": null}"#);
    let (code, out, err) = baton(
        dir.path(),
        &["run", "c.yaml", "--var", &format!("base_url={url}")],
    );
    assert_eq!(code, 0, "{out}{err}");
    let (url, _rt2) = serve(r#"{"id": "x", "name": null}"#);
    let (code, out, _) = baton(
        dir.path(),
        &["run", "c.yaml", "--var", &format!("base_url={url}")],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("openapi: GET /pets/{id} 200: $.id: \"x\" is not of type \"integer\""),
        "{out}"
    );
}
