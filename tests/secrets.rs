//! No secret is ever printed: terminal output, -vv dumps and error messages are searched for
//! the literal values (and their base64 / URL-encoded forms).

mod common;

use base64::Engine as _;
use common::{TestServer, write};

const SECRET: &str = "s3cr3t-Value/with+chars";
const PASSWORD: &str = "hunter2-password";

#[test]
fn secrets_are_masked_everywhere() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            r#"vars:
  base: "{0}"
  key: "{{{{ secret('BATON_TEST_SECRET') }}}}"
requests:
  - name: echo the secret back
    method: POST
    url: "{{{{ base }}}}/echo"
    query: {{ k: "{{{{ key }}}}" }}
    headers: {{ X-Key: "{{{{ key }}}}", X-Key-B64: "{{{{ key | b64encode }}}}" }}
    json: {{ key: "{{{{ key }}}}" }}
    capture:
      echoed: {{ json: $.body, secret: true }}
    expect:
      json:
        $.body: {{ contains: nothing-like-this }}
  - name: basic auth
    url: "{{{{ base }}}}/echo"
    auth: {{ basic: {{ username: ann, password: {PASSWORD} }} }}
  - name: cookies
    url: "{{{{ base }}}}/cookie/set"
  - name: unreachable with the secret in the url
    url: "http://127.0.0.1:9/{{{{ key }}}}"
    timeout: 1s
"#,
            server.url
        ),
    );
    let out = common::baton(dir.path())
        .args(["run", "c.yaml", "-vv"])
        .env("BATON_TEST_SECRET", SECRET)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    // The server did get the real values.
    let hits = server.hits();
    assert_eq!(hits[0].headers["x-key"], SECRET);
    let b64 = base64::engine::general_purpose::STANDARD.encode(SECRET);
    let url = url::form_urlencoded::byte_serialize(SECRET.as_bytes()).collect::<String>();
    let pct = percent_encoding::utf8_percent_encode(SECRET, percent_encoding::NON_ALPHANUMERIC)
        .to_string();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("ann:{PASSWORD}"));
    for leaked in [
        SECRET,
        b64.as_str(),
        url.as_str(),
        pct.as_str(),
        PASSWORD,
        basic.as_str(),
        "s-42",
    ] {
        assert!(
            !stdout.contains(leaked),
            "`{leaked}` leaked in stdout:\n{stdout}"
        );
        assert!(
            !stderr.contains(leaked),
            "`{leaked}` leaked in stderr:\n{stderr}"
        );
    }
    assert!(stdout.contains("X-Key: ***"), "{stdout}");
    // SPEC: cookie names stay readable, values never.
    assert!(
        stdout.contains("set-cookie: session=***; Path=/"),
        "{stdout}"
    );
    assert!(
        stdout.contains("authorization: ***") || stdout.contains("Authorization: ***"),
        "{stdout}"
    );
}

#[test]
fn load_errors_do_not_print_secret_values() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        "vars:\n  key: \"{{ secret('BATON_TEST_SECRET') }}\"\nrequests:\n  - name: a\n    url: \"http://x/{{ key }}/{{ nope }}\"\n",
    );
    let out = common::baton(dir.path())
        .args(["run", "c.yaml"])
        .env("BATON_TEST_SECRET", SECRET)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(!stderr.contains(SECRET), "{stderr}");
}
