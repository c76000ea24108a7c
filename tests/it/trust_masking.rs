//! Masking reaches the spellings the first rounds missed, in every channel (the terminal at
//! `-vv`, the JSON report, `--record`, snapshots): numeric character references as PHP's
//! `htmlspecialchars` writes them (`&#039;`, `&#83;`, `&#x53;`), a secret inside a longer
//! base64 text (`base64("user:" + secret)`), and the refresh and ID tokens a token endpoint
//! hands out.

use axum::Router;
use axum::routing::{get, post};
use base64::Engine as _;

use crate::support::trust::{assert_no_leaks, files};
use crate::support::write;

const SECRET: &str = "o'Reilly-S3cr3t/Value";
const REFRESH: &str = "rt-8f2b1c9d7e6a5f4b3c2d1e0f";
const ID_TOKEN: &str = "idt-1a2b3c4d5e6f7a8b9c0d1e2f";

fn decimal(s: &str) -> String {
    s.chars().map(|c| format!("&#{};", c as u32)).collect()
}

fn hex(s: &str) -> String {
    s.chars().map(|c| format!("&#x{:X};", c as u32)).collect()
}

fn body() -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("admin:{SECRET}"));
    let url =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{{\"p\":\"{SECRET}\"}}"));
    format!(
        "<p>{}</p>\n<p>{}</p>\n<p>{}</p>\nBasic {b64}\njwt-ish: x.{url}.y\n",
        SECRET.replace('\'', "&#039;"),
        decimal(SECRET),
        hex(SECRET),
    )
}

fn server() -> (String, tokio::runtime::Runtime) {
    let app = Router::new()
        .route("/page", get(|| async { body() }))
        .route(
            "/token",
            post(|| async {
                (
                    [(
                        "WWW-Authenticate",
                        "Bearer realm=\"api\", token=\"wa-77e1d2c3b4a5968778695a4b\"",
                    )],
                    axum::Json(serde_json::json!({
                        "access_token": "at-0f1e2d3c4b5a69788796a5b4",
                        "refresh_token": REFRESH,
                        "id_token": ID_TOKEN,
                        "token_type": "Bearer",
                        "expires_in": 3600,
                        "echo": format!("{REFRESH} {ID_TOKEN}"),
                    })),
                )
            }),
        )
        .route(
            "/echo",
            get(|| async {
                format!("refresh={REFRESH}&id={ID_TOKEN}&wa=wa-77e1d2c3b4a5968778695a4b")
            }),
        );
    crate::support::serve(app)
}

#[test]
fn new_spellings_and_oauth2_tokens_are_masked_everywhere() {
    let (base, _rt) = server();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            r#"vars: {{ s: "{{{{ secret('BATON_T_SECRET') }}}}" }}
requests:
  - name: page
    url: "{base}/page"
    headers: {{ X-Key: "{{{{ s }}}}" }}
    expect: {{ status: 201, snapshot: true }}
  - name: tokens
    url: "{base}/echo"
    auth:
      oauth2: {{ token_url: "{base}/token", client_id: c1, client_secret: client-s3cret-value }}
    expect: {{ status: 201 }}
"#
        ),
    );
    let reports = dir.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    let out = crate::support::baton(dir.path())
        .args(["run", "c.yaml", "-vv", "--update-snapshots"])
        .arg("--report")
        .arg(format!("json={}", reports.join("r.json").display()))
        .arg("--record")
        .arg(reports.join("m.yaml"))
        .env("BATON_T_SECRET", SECRET)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        stdout.contains("< <p>"),
        "the body is shown: {stdout}\n{stderr}"
    );
    let mut outputs = vec![
        ("stdout".to_string(), stdout),
        ("stderr".to_string(), stderr),
    ];
    outputs.extend(files(&reports));
    let snaps = dir.path().join("__snapshots__").join("c");
    outputs.extend(files(&snaps));
    assert!(
        outputs.len() >= 5,
        "reports, record and snapshot written: {outputs:?}"
    );
    assert_no_leaks(
        &outputs,
        &[
            ("secret", SECRET),
            ("refresh token", REFRESH),
            ("id token", ID_TOKEN),
            ("WWW-Authenticate token", "wa-77e1d2c3b4a5968778695a4b"),
        ],
    );
    // The numeric references and the base64 texts are gone, not just their plain readings.
    for (name, text) in &outputs {
        for form in [decimal(SECRET), hex(SECRET), SECRET.replace('\'', "&#039;")] {
            let head: String = form.chars().take(24).collect();
            assert!(!text.contains(&head), "{name}: {head}");
        }
        let b64 = base64::engine::general_purpose::STANDARD.encode(format!("admin:{SECRET}"));
        assert!(
            !text.contains(&b64[8..20]),
            "{name}: base64 of admin:secret"
        );
    }
}
