//! What baton shows is what went over the wire, through the built binary against an
//! in-process server: headers as received with bodies decoded for checks, cookies from
//! redirect hops, `-vv` as the wire (every header sent, hops, the OAuth2 token exchange,
//! masked), binary bodies summarised everywhere, and OAuth2 `params` and expected 401s.

use crate::support::wire as server;

use std::path::Path;

use crate::support::{Output, write};
use serde_json::Value;
use server::{ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET, PNG_SIZE, SID};

fn run_env(dir: &Path, args: &[&str]) -> Output {
    let out = crate::support::baton(dir)
        .args(args)
        .env("WIRE_CLIENT_ID", CLIENT_ID)
        .env("WIRE_CLIENT_SECRET", CLIENT_SECRET)
        .output()
        .expect("run baton");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn report(dir: &Path, name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
}

fn requests(report: &Value) -> Vec<&Value> {
    report["collections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["requests"].as_array().unwrap())
        .collect()
}

fn request<'a>(report: &'a Value, name: &str) -> &'a Value {
    requests(report)
        .into_iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no request `{name}` in {report:#}"))
}

/// The response header of that name in a JSON report entry.
fn header<'a>(r: &'a Value, name: &str) -> Option<&'a str> {
    r["response"]["headers"]
        .as_array()?
        .iter()
        .find(|h| {
            h["name"]
                .as_str()
                .is_some_and(|k| k.eq_ignore_ascii_case(name))
        })
        .and_then(|h| h["value"].as_str())
}

fn assert_no_secret(out: &Output) {
    for secret in [SID, CLIENT_SECRET, ACCESS_TOKEN, CLIENT_ID] {
        assert!(
            !out.stdout.contains(secret) && !out.stderr.contains(secret),
            "`{secret}` was printed:\n{}\n{}",
            out.stdout,
            out.stderr
        );
    }
}

// 1. Headers as received.

#[test]
fn compressed_bodies_keep_their_headers_and_are_decoded_for_checks() {
    let server = server::start();
    let dir = tempfile::tempdir().unwrap();
    let mut yaml = format!("vars: {{ base: \"{}\" }}\nrequests:\n", server.url);
    for enc in ["gzip", "deflate", "br", "zstd"] {
        yaml.push_str(&format!(
            r#"  - name: {enc}
    url: "{{{{ base }}}}/compressed/{enc}"
    expect:
      status: 200
      headers:
        Content-Encoding: {enc}
        Content-Type: {{ contains: json }}
      json:
        $.encoding: {enc}
        $.id: 1
        $.items: {{ length: 2 }}
      body: {{ contains: '"encoding":"{enc}"' }}
    capture:
      {enc}_id: $.id
      {enc}_length: {{ header: Content-Length }}
"#
        ));
    }
    write(dir.path(), "c.yaml", &yaml);
    let out = run_env(dir.path(), &["run", "c.yaml", "--report", "json=r.json"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let r = report(dir.path(), "r.json");
    for enc in ["gzip", "deflate", "br", "zstd"] {
        let req = request(&r, enc);
        // What the server sent: the compressed length, not the decoded one.
        let seen = server::payload(enc).to_string().len();
        let length = req["captures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == format!("{enc}_length"))
            .and_then(|c| c["value"].as_str())
            .unwrap_or_else(|| panic!("no length captured: {req:#}"));
        let length: usize = length.parse().unwrap();
        assert_ne!(length, seen, "{enc}: Content-Length is the decoded size");
        assert_eq!(header(req, "content-encoding"), Some(enc), "{req:#}");
        assert_eq!(
            header(req, "content-length"),
            Some(length.to_string().as_str())
        );
        assert_eq!(
            req["response"]["body"].as_str().map(|b| b.contains(enc)),
            Some(true),
            "the report shows the decoded body: {req:#}"
        );
    }
}

#[test]
fn a_wrong_content_encoding_expectation_fails_with_the_header_as_sent() {
    let server = server::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            "requests:\n  - name: gz\n    url: {}/compressed/gzip\n    expect:\n      headers: {{ Content-Encoding: br }}\n",
            server.url
        ),
    );
    let out = run_env(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("gzip"), "{}", out.stdout);
}

#[test]
fn max_body_counts_the_decoded_size_and_keeps_status_and_header_checks() {
    let server = server::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            r#"requests:
  - name: bomb
    url: {}/bomb
    expect:
      status: 200
      headers: {{ Content-Encoding: gzip }}
      json:
        $.id: 1
    capture:
      id: $.id
"#,
            server.url
        ),
    );
    let out = run_env(
        dir.path(),
        &[
            "run",
            "c.yaml",
            "-vv",
            "--max-body",
            "64KiB",
            "--report",
            "json=r.json",
        ],
    );
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let r = report(dir.path(), "r.json");
    let bomb = request(&r, "bomb");
    let assertions = bomb["assertions"].as_array().unwrap();
    let passed = |subject: &str| {
        assertions
            .iter()
            .find(|a| {
                a["subject"]
                    .as_str()
                    .is_some_and(|s| s.starts_with(subject))
            })
            .map(|a| a["passed"].clone())
    };
    assert_eq!(passed("status"), Some(Value::Bool(true)), "{bomb:#}");
    assert_eq!(passed("header"), Some(Value::Bool(true)), "{bomb:#}");
    assert_eq!(passed("json"), Some(Value::Bool(false)), "{bomb:#}");
    for text in [
        "body exceeds 64 KiB (--max-body)".to_string(),
        "capture `id`: body exceeds 64 KiB (--max-body)".to_string(),
        format!("< <{} bytes, application/json>", server::BOMB_SIZE),
    ] {
        assert!(
            out.stdout.contains(&text),
            "no `{text}` in:\n{}",
            out.stdout
        );
    }
    assert_eq!(
        bomb["response"]["body"],
        format!("<{} bytes, application/json>", server::BOMB_SIZE)
    );
}

// 2. Cookies set on a redirect hop reach the jar.

fn login_collection(url: &str, cookies: bool) -> String {
    format!(
        r#"name: session
vars: {{ base: "{url}" }}
cookies: {cookies}
requests:
  - name: login
    method: POST
    url: "{{{{ base }}}}/login"
    json: {{ user: demo }}
    expect:
      status: 200
      json:
        $.logged_in: {cookies}
  - name: home again
    url: "{{{{ base }}}}/home"
    expect:
      status: 200
      json:
        $.logged_in: {cookies}
"#
    )
}

#[test]
fn a_cookie_set_on_a_redirect_hop_reaches_the_jar() {
    let server = server::start();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.yaml", &login_collection(&server.url, true));
    let out = run_env(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let homes = server.log.path("/home");
    assert_eq!(homes.len(), 2, "{homes:?}");
    for h in &homes {
        assert_eq!(h.header("cookie"), Some(format!("sid={SID}").as_str()));
        assert_eq!(h.method, "GET", "a 302 after POST goes on as GET");
    }
    assert_eq!(server.log.path("/login")[0].header("cookie"), None);
}

#[test]
fn cookies_false_turns_the_jar_off() {
    let server = server::start();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.yaml", &login_collection(&server.url, false));
    let out = run_env(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let homes = server.log.path("/home");
    assert_eq!(homes.len(), 2);
    assert!(homes.iter().all(|h| h.header("cookie").is_none()));
}

// 3. `-vv` is the wire.

/// Ports, dates, times and the version vary: normalise them for the snapshot.
fn normalise(text: &str, url: &str) -> String {
    let text = text.replace(url, "http://127.0.0.1:PORT");
    let text = text.replace(&url["http://".len()..], "127.0.0.1:PORT");
    let text = text.replace(env!("CARGO_PKG_VERSION"), "VERSION");
    let date = regex::Regex::new(r"(?m)^(\s*< date: ).*$").unwrap();
    let text = date.replace_all(&text, "${1}DATE");
    crate::support::stable(&text)
}

#[test]
fn very_verbose_shows_the_wire() {
    let server = server::start();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.yaml", &login_collection(&server.url, true));
    let out = run_env(dir.path(), &["run", "c.yaml", "-vv"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_no_secret(&out);
    let shown = normalise(&out.stdout, &server.url);
    // Every header that went out: the server saw exactly these (names aside).
    let login = &server.log.path("/login")[0];
    for (k, _) in &login.headers {
        assert!(
            shown.to_ascii_lowercase().contains(&format!("> {k}:")),
            "`{k}` was sent but not shown:\n{shown}"
        );
    }
    for line in [
        "> User-Agent: baton/VERSION",
        "> Accept: */*",
        "> Accept-Encoding: gzip, deflate, br, zstd",
        "> Content-Length: 15",
        "< 302",
        "< location: /home",
        "< set-cookie: sid=***; Path=/",
        "> Cookie: sid=***",
    ] {
        assert!(shown.contains(line), "no `{line}` in:\n{shown}");
    }
    insta::assert_snapshot!(shown);
}

#[test]
fn very_verbose_shows_the_token_exchange_redacted() {
    let server = server::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            r#"vars: {{ base: "{}" }}
requests:
  - name: me
    url: "{{{{ base }}}}/api/me"
    auth:
      oauth2:
        token_url: "{{{{ base }}}}/oauth/token"
        client_id: "{{{{ secret('WIRE_CLIENT_ID') }}}}"
        client_secret: "{{{{ secret('WIRE_CLIENT_SECRET') }}}}"
        scope: read
        params: {{ audience: "https://api.example.com", resource: urn:wire }}
    expect: {{ status: 200 }}
"#,
            server.url
        ),
    );
    let out = run_env(dir.path(), &["run", "c.yaml", "-vv"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_no_secret(&out);
    let shown = normalise(&out.stdout, &server.url);
    // Every header the token endpoint saw is in the exchange as shown, masked.
    let exchange = shown
        .split("(OAuth2 token)")
        .nth(1)
        .and_then(|s| s.split("> GET").next())
        .unwrap_or_else(|| panic!("no token exchange in:\n{shown}"))
        .to_ascii_lowercase();
    for (k, _) in &server.log.path("/oauth/token")[0].headers {
        assert!(
            exchange.contains(&format!("> {k}:")),
            "`{k}` went to the token endpoint but is not shown:\n{shown}"
        );
    }
    for line in [
        "> POST http://127.0.0.1:PORT/oauth/token (OAuth2 token)",
        "> authorization: ***",
        "> User-Agent: baton/VERSION",
        "> grant_type=client_credentials&scope=read&audience=https%3A%2F%2Fapi.example.com&resource=urn%3Awire",
        "< 200",
        "\"access_token\":\"***\"",
        "> Authorization: ***",
    ] {
        assert!(
            shown
                .to_ascii_lowercase()
                .contains(&line.to_ascii_lowercase()),
            "no `{line}` in:\n{shown}"
        );
    }
    // 10. `params` went out in the token request's form.
    let token = &server.log.path("/oauth/token")[0];
    assert!(
        token
            .body
            .contains("audience=https%3A%2F%2Fapi.example.com"),
        "{}",
        token.body
    );
    assert!(token.body.contains("resource=urn%3Awire"), "{}", token.body);
}

// 4. Binary bodies are shown as `<N bytes, CONTENT-TYPE>`.

#[test]
fn binary_bodies_are_summarised_in_verbose_output_messages_and_reports() {
    let server = server::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            r#"vars: {{ base: "{}" }}
requests:
  - name: png
    url: "{{{{ base }}}}/png"
    expect:
      status: 200
      json:
        $.id: 1
  - name: bytes
    url: "{{{{ base }}}}/bytes"
    expect:
      json:
        $.id: 1
"#,
            server.url
        ),
    );
    let out = run_env(
        dir.path(),
        &[
            "run",
            "c.yaml",
            "-vv",
            "--report",
            "json=r.json",
            "--report",
            "junit=r.xml",
            "--report",
            "html=r.html",
        ],
    );
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let png = format!("<{PNG_SIZE} bytes, image/png>");
    let bytes = "<64 bytes>";
    // -vv shows the summary where the body would be, and so does the failure message.
    assert!(out.stdout.contains(&format!("< {png}")), "{}", out.stdout);
    assert!(out.stdout.contains(&format!("< {bytes}")), "{}", out.stdout);
    assert!(
        out.stdout.contains(&format!("response is not JSON: {png}")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains(&format!("response is not JSON: {bytes}")),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("PNG"),
        "raw bytes shown: {}",
        out.stdout
    );
    assert!(!out.stdout.contains('\u{fffd}'), "{}", out.stdout);
    let r = report(dir.path(), "r.json");
    assert_eq!(request(&r, "png")["response"]["body"], png.as_str());
    assert_eq!(request(&r, "bytes")["response"]["body"], bytes);
    for file in ["r.xml", "r.html"] {
        let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
        let escaped = |s: &str| s.replace('<', "&lt;").replace('>', "&gt;");
        assert!(text.contains(&escaped(&png)), "{file}:\n{text}");
        assert!(text.contains(&escaped(bytes)), "{file}:\n{text}");
        assert!(!text.contains("IHDR"), "{file} holds raw bytes");
        assert!(!text.contains('\u{fffd}'), "{file} holds mangled bytes");
    }
}

// 10. OAuth2: an expected 401 is neither refetched nor resent.

#[test]
fn an_expected_401_gets_no_token_refetch_and_no_resend() {
    let server = server::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            r#"vars: {{ base: "{}" }}
defaults:
  auth:
    oauth2:
      token_url: "{{{{ base }}}}/oauth/token"
      client_id: "{{{{ secret('WIRE_CLIENT_ID') }}}}"
      client_secret: "{{{{ secret('WIRE_CLIENT_SECRET') }}}}"
requests:
  - name: not an admin
    url: "{{{{ base }}}}/api/admin"
    expect: {{ status: 401 }}
  - name: not an admin either
    url: "{{{{ base }}}}/api/admin"
    expect: {{ status: [401, 403] }}
  - name: unexpected 401
    url: "{{{{ base }}}}/api/admin"
    expect: {{ status: 200 }}
"#,
            server.url
        ),
    );
    let out = run_env(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("2 passed, 1 failed"), "{}", out.stdout);
    // One fetch, one send each for the two that expect it; the third refetches and resends once.
    assert_eq!(server.log.path("/oauth/token").len(), 2);
    assert_eq!(server.log.path("/api/admin").len(), 4);
}
