//! Importers: Postman fixtures and curl commands into baton YAML (library API).

use std::path::Path;

use baton::convert::{self, ImportError};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/postman")
            .join(name),
    )
    .unwrap()
}

/// Every generated document must be YAML that baton's own parser reads.
fn assert_parses(yaml: &str) {
    if let Err(e) = baton::format::yaml::parse(yaml) {
        panic!(
            "generated YAML does not parse: {} at {:?}\n{yaml}",
            e.message, e.pos
        );
    }
}

fn snapshot_postman(name: &str, split: bool) -> convert::Imported {
    let out = convert::postman(&fixture(name), split).unwrap();
    let mut text = String::new();
    for (path, yaml) in &out.files {
        assert_parses(yaml);
        text.push_str(&format!("=== {}\n{yaml}", path.display()));
    }
    text.push_str("=== warnings\n");
    for w in &out.warnings {
        text.push_str(&format!("- {w}\n"));
    }
    let snap = format!(
        "postman__{}{}",
        name.trim_end_matches(".postman_collection.json"),
        if split { "__split" } else { "" }
    );
    insta::assert_snapshot!(snap, text);
    out
}

#[test]
fn seed_converts_token_chaining() {
    let out = snapshot_postman("seed.postman_collection.json", false);
    let yaml = &out.files[0].1;
    assert!(
        yaml.contains("capture: { Auth_Token: { json: \"$.auth_token\", secret: true } }"),
        "{yaml}"
    );
    assert!(
        yaml.contains("Authorization: \"Bearer {{ Auth_Token }}\""),
        "{yaml}"
    );
    assert!(
        yaml.contains("url: \"{{ base_url }}/api/v1/authenticate\""),
        "{yaml}"
    );
    assert!(
        out.warnings
            .iter()
            .any(|w| w.contains("`base-url` is renamed to `base_url`")),
        "{:?}",
        out.warnings
    );
    // Every script line is understood (`console.log` has no effect on the verdict).
    assert!(
        !out.warnings.iter().any(|w| w.contains("not converted")),
        "{:?}",
        out.warnings
    );
    assert!(
        out.warnings
            .iter()
            .any(|w| w == "<stdout>:11: request `authenticate`: 1 assertions kept, 0 dropped"),
        "{:?}",
        out.warnings
    );
    let doc = baton::format::yaml::parse(yaml).unwrap().to_json();
    assert_eq!(
        doc["requests"][0]["capture"]["Auth_Token"]["json"],
        "$.auth_token"
    );
    assert_eq!(
        doc["requests"][0]["json"]["application_token"],
        "{{ app_token }}"
    );
    assert_eq!(doc["requests"][1]["expect"]["status"], 200);
    assert_eq!(doc["requests"][1]["query"]["per_page"], 100);
}

#[test]
fn restful_booker() {
    let out = snapshot_postman("restful-booker-batch29.postman_collection.json", false);
    let doc = baton::format::yaml::parse(&out.files[0].1)
        .unwrap()
        .to_json();
    assert_eq!(doc["requests"][0]["capture"]["id"], "$.bookingid");
    assert_eq!(
        doc["requests"][2]["capture"]["access_token"]["json"],
        "$.token"
    );
    // An unquoted template in a JSON body keeps its place as a typed value.
    assert_eq!(doc["requests"][0]["json"]["totalprice"], "{{ totalprice }}");
    assert!(
        out.warnings
            .iter()
            .any(|w| w.ends_with("script lines not converted; see comments"))
    );
}

#[test]
fn wise_balance_groups() {
    let out = snapshot_postman("wise-balance-groups.postman_collection.json", false);
    let doc = baton::format::yaml::parse(&out.files[0].1)
        .unwrap()
        .to_json();
    assert_eq!(
        doc["requests"][0]["name"],
        "Authentication / 1. Generate tokens from authorization code"
    );
    assert_eq!(
        doc["requests"][1]["capture"]["token"]["json"],
        "$.access_token"
    );
    assert_eq!(doc["requests"][2]["auth"]["bearer"], "{{ token }}");
    assert_eq!(
        doc["requests"][5]["headers"]["x-idempotence-uuid"],
        "{{ uuid() }}"
    );
}

#[test]
fn wise_balance_groups_split() {
    let out = snapshot_postman("wise-balance-groups.postman_collection.json", true);
    let names: Vec<String> = out
        .files
        .iter()
        .map(|(p, _)| p.display().to_string())
        .collect();
    assert_eq!(names, ["authentication.yaml", "balance-groups-api.yaml"]);
    assert!(
        out.warnings
            .iter()
            .any(|w| w.contains("captures do not cross collection files")),
        "{:?}",
        out.warnings
    );
}

#[test]
fn commercetools_platform_insights() {
    let out = snapshot_postman(
        "commercetools-platform-insights.postman_collection.json",
        false,
    );
    assert!(
        out.warnings
            .iter()
            .any(|w| w.contains("`project-key` is renamed to `project_key`"))
    );
}

#[test]
fn feature_tour() {
    let out = snapshot_postman("features.postman_collection.json", false);
    let doc = baton::format::yaml::parse(&out.files[0].1)
        .unwrap()
        .to_json();
    assert_eq!(doc["defaults"]["auth"]["api_key"]["header"], "X-API-Key");
    assert_eq!(doc["vars"]["api_key"], "{{ secret('API_KEY') }}");
    let req = |i: usize| doc["requests"][i].clone();
    assert_eq!(req(0)["auth"], "none");
    assert_eq!(req(0)["form"]["user"], "{{ user }}");
    assert_eq!(req(0)["capture"]["session"]["header"], "X-Session");
    assert_eq!(req(0)["capture"]["user_id"], "$.user.ids[0]");
    assert_eq!(req(0)["expect"]["json"]["$.user.name"], "ann");
    assert_eq!(req(0)["expect"]["headers"]["X-Session"]["exists"], true);
    assert_eq!(req(1)["auth"]["basic"]["username"], "{{ user }}");
    assert_eq!(req(2)["url"], "{{ baseUrl }}/users/{{ user_id }}/files");
    // A file that is not there is a comment, so the import passes `check`.
    assert!(req(2)["multipart"]["doc"].is_null());
    assert!(
        req(2)["headers"].is_null(),
        "multipart Content-Type without boundary is dropped"
    );
    assert_eq!(req(3)["json"]["variables"]["id"], "{{ user_id }}");
    assert!(req(4)["body"].is_null());
    assert_eq!(req(5)["auth"]["oauth2"]["client_auth"], "body");
    assert_eq!(req(7)["follow_redirects"], false);
    assert_eq!(req(8)["body"], "{ \"a\": 1, // comment\n}");
    assert_eq!(req(6)["auth"]["digest"]["username"], "u");
    assert!(out.files[0].1.contains("{{ fake('firstName') }}"));
    for needle in [
        "file field `empty` has no file",
        "file `docs/a.pdf` of field `doc` does not exist",
        "binary body has no file",
        "the JSON body does not parse",
    ] {
        assert!(
            out.warnings.iter().any(|w| w.contains(needle)),
            "{needle}: {:?}",
            out.warnings
        );
    }
}

#[test]
fn not_a_collection() {
    assert!(matches!(
        convert::postman("[]", false),
        Err(ImportError::NotPostman(_))
    ));
    assert!(matches!(
        convert::postman("{", false),
        Err(ImportError::Json(_))
    ));
    let env = convert::postman(&fixture("secrets.postman_environment.json"), false).unwrap_err();
    assert!(env.to_string().contains("postman-env"), "{env}");
}

#[test]
fn environments() {
    for name in [
        "batch29.postman_environment.json",
        "commercetools-connect.postman_environment.json",
        "secrets.postman_environment.json",
    ] {
        let out = convert::postman_env(&fixture(name)).unwrap();
        assert_parses(&out.yaml);
        let text = format!(
            "{}=== warnings\n{}",
            out.yaml,
            out.warnings
                .iter()
                .map(|w| format!("- {w}\n"))
                .collect::<String>()
        );
        insta::assert_snapshot!(
            format!(
                "env__{}",
                name.trim_end_matches(".postman_environment.json")
            ),
            text
        );
    }
    let out = convert::postman_env(&fixture("secrets.postman_environment.json")).unwrap();
    assert!(
        out.yaml.contains("apiKey: \"{{ secret('API_KEY') }}\""),
        "{}",
        out.yaml
    );
    assert!(!out.yaml.contains("s3cr3t"));
    assert!(out.warnings.iter().any(|w| w.contains("API_KEY")));
}

fn curl_json(cmd: &str) -> serde_json::Value {
    let out = convert::curl(cmd).unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert_parses(&out.yaml);
    baton::format::yaml::parse(&out.yaml).unwrap().to_json()["requests"][0].clone()
}

#[test]
fn curl_table() {
    use serde_json::json;
    let cases: Vec<(&str, serde_json::Value)> = vec![
        (
            "curl https://x.test/a",
            json!({"name": "GET /a", "url": "https://x.test/a", "follow_redirects": false}),
        ),
        (
            "curl -L https://x.test/",
            json!({"name": "GET /", "url": "https://x.test/"}),
        ),
        (
            "curl -X DELETE -L 'https://x.test/a/1'",
            json!({"name": "DELETE /a/1", "method": "DELETE", "url": "https://x.test/a/1"}),
        ),
        (
            "curl -L --url https://x.test/q?page=1&per_page=100",
            json!({"name": "GET /q", "url": "https://x.test/q", "query": {"page": 1, "per_page": 100}}),
        ),
        (
            "curl -L 'https://x.test/q?a=b%20c&a=d'",
            json!({"name": "GET /q", "url": "https://x.test/q?a=b%20c&a=d"}),
        ),
        (
            "curl -L -H 'Accept: application/json' -H 'X-Id: 7' https://x.test",
            json!({"name": "GET /", "url": "https://x.test", "headers": {"Accept": "application/json", "X-Id": "7"}}),
        ),
        (
            "curl -L -X POST 'https://x.test/login' -H 'Content-Type: application/json' --data-raw '{\"user\":\"a\",\"n\":1}'",
            json!({"name": "POST /login", "method": "POST", "url": "https://x.test/login", "headers": {"Content-Type": "application/json"}, "json": {"user": "a", "n": 1}}),
        ),
        (
            "curl -L -d 'a=1&b=two' https://x.test/f",
            json!({"name": "POST /f", "method": "POST", "url": "https://x.test/f", "form": {"a": 1, "b": "two"}}),
        ),
        (
            "curl -L --data-urlencode 'q=hello world' --data-urlencode 'x=1' https://x.test/f",
            json!({"name": "POST /f", "method": "POST", "url": "https://x.test/f", "form": {"q": "hello world", "x": 1}}),
        ),
        (
            "curl -L -d 'plain text' https://x.test/t",
            json!({"name": "POST /t", "method": "POST", "url": "https://x.test/t", "headers": {"Content-Type": "application/x-www-form-urlencoded"}, "body": "plain text"}),
        ),
        (
            "curl -L --data-binary @payload.bin -H 'Content-Type: application/octet-stream' https://x.test/b",
            json!({"name": "POST /b", "method": "POST", "url": "https://x.test/b", "headers": {"Content-Type": "application/octet-stream"}, "body": {"file": "payload.bin"}}),
        ),
        (
            "curl -L --json '{\"a\":[1,2]}' https://x.test/j",
            json!({"name": "POST /j", "method": "POST", "url": "https://x.test/j", "headers": {"Accept": "application/json"}, "json": {"a": [1, 2]}}),
        ),
        (
            "curl -L -F 'note=hi' -F 'doc=@a.pdf;type=application/pdf' https://x.test/up",
            json!({"name": "POST /up", "method": "POST", "url": "https://x.test/up", "multipart": {"note": "hi", "doc": {"file": "a.pdf", "content_type": "application/pdf"}}}),
        ),
        (
            "curl -L -u ann:pw https://x.test/",
            json!({"name": "GET /", "url": "https://x.test/", "auth": {"basic": {"username": "ann", "password": "pw"}}}),
        ),
        (
            "curl -sSLk --compressed https://x.test/",
            json!({"name": "GET /", "url": "https://x.test/"}),
        ),
        (
            "curl -L -G -d 'a=1' -d 'b=2' https://x.test/s",
            json!({"name": "GET /s", "url": "https://x.test/s", "query": {"a": 1, "b": 2}}),
        ),
        (
            "curl -L -A 'bot/1' -e https://ref.test -b 'sid=1; x=2' https://x.test/",
            json!({"name": "GET /", "url": "https://x.test/", "headers": {"User-Agent": "bot/1", "Referer": "https://ref.test", "Cookie": "sid=1; x=2"}}),
        ),
        (
            "curl -I -L https://x.test/h",
            json!({"name": "HEAD /h", "method": "HEAD", "url": "https://x.test/h"}),
        ),
        (
            "curl -L -XPUT https://x.test/p \\\n  -H 'A: b' \\\n  -m 2.5",
            json!({"name": "PUT /p", "method": "PUT", "url": "https://x.test/p", "headers": {"A": "b"}, "timeout": "2500ms"}),
        ),
        (
            "curl -L --oauth2-bearer t0k https://x.test/",
            json!({"name": "GET /", "url": "https://x.test/", "auth": {"bearer": "t0k"}}),
        ),
        (
            "curl -L 'https://x.test/{{a}}'",
            json!({"name": "GET /{{a}}", "url": "https://x.test/{{ '{{' }}a}}"}),
        ),
    ];
    for (cmd, want) in cases {
        assert_eq!(curl_json(cmd), want, "{cmd}");
    }
}

#[test]
fn curl_warnings_and_errors() {
    let out = convert::curl("curl -k https://x.test").unwrap();
    assert!(out.warnings.iter().any(|w| w.contains("--insecure")));
    assert!(
        out.yaml
            .contains("# curl -k: run with `baton run --insecure`")
    );
    let out = convert::curl("curl -x http://proxy:3128 -L https://x.test").unwrap();
    assert!(out.warnings.iter().any(|w| w.contains("--proxy")));

    let err = |cmd: &str| convert::curl(cmd).unwrap_err().to_string();
    assert_eq!(
        err("curl --frobnicate https://x.test"),
        "curl option `--frobnicate` is not known to baton's importer (remove it, or write the request by hand)"
    );
    assert_eq!(
        err("curl -j https://x.test"),
        "curl option `-j` is not known to baton's importer (remove it, or write the request by hand)"
    );
    assert_eq!(err("curl -H"), "curl option `-H` needs a value");
    assert_eq!(err("curl -X POST"), "the curl command has no URL");
    assert_eq!(
        err("wget https://x.test"),
        "the command does not start with `curl` but with `wget`"
    );
    assert!(err("curl --digest -u a:b https://x.test").contains("Digest"));
    assert!(err("curl 'unterminated").starts_with("cannot split the curl command"));
    assert!(err("curl https://a.test https://b.test").contains("more than one URL"));
}

#[test]
fn curl_snapshot() {
    let out = convert::curl(
        "curl -X POST 'https://cdn.emnify.net/api/v1/authenticate' \\\n  -H 'Content-Type: application/json' \\\n  --data-raw '{\"application_token\":\"abc\"}'",
    )
    .unwrap();
    insta::assert_snapshot!(out.yaml);
}

/// Shell variables (`${name}`, `$name`, unquoted or in double quotes) become templates
/// wherever a curl command carries them; in single quotes they are text.
#[test]
fn curl_variables_become_templates() {
    use serde_json::json;
    let cases: Vec<(&str, serde_json::Value)> = vec![
        (
            "curl -L \"${base}/x\"",
            json!({"name": "GET /x", "url": "{{ base }}/x"}),
        ),
        (
            "curl -L $base/items/$id",
            json!({"name": "GET /items/${id}", "url": "{{ base }}/items/{{ id }}"}),
        ),
        (
            "curl -L 'http://x.test/${kept}'",
            json!({"name": "GET /${kept}", "url": "http://x.test/${kept}"}),
        ),
        (
            "curl -L \"x.test:${port}/a\"",
            json!({"name": "GET /a", "url": "http://x.test:{{ port }}/a"}),
        ),
        (
            "curl -L \"${base}/s?q=${q}&page=2\"",
            json!({"name": "GET /s", "url": "{{ base }}/s?q={{ q }}&page=2"}),
        ),
        (
            "curl -L -u \"${user}:${pass}\" -H \"Authorization: Bearer ${Auth_Token}\" \"$base\"",
            json!({"name": "GET /", "url": "{{ base }}", "headers": {"Authorization": "Bearer {{ Auth_Token }}"}, "auth": {"basic": {"username": "{{ user }}", "password": "{{ pass }}"}}}),
        ),
        (
            "curl -L -X POST \"$base/a\" -H 'Content-Type: application/json' --data-raw \"{\\\"id\\\":\\\"${id}\\\",\\\"n\\\":1}\"",
            json!({"name": "POST /a", "method": "POST", "url": "{{ base }}/a", "headers": {"Content-Type": "application/json"}, "json": {"id": "{{ id }}", "n": 1}}),
        ),
        (
            "curl -L \"$base/f\" --data-urlencode \"q=${q}\" --data-urlencode 'x=1'",
            json!({"name": "POST /f", "method": "POST", "url": "{{ base }}/f", "form": {"q": "{{ q }}", "x": 1}}),
        ),
        (
            "curl -L -G \"$base/s\" --data-urlencode \"q=a b ${q}\"",
            json!({"name": "GET /s", "url": "{{ base }}/s?q=a%20b%20{{ q }}"}),
        ),
        (
            "curl -L \"$base/up\" -F \"note=${note}\" -b \"$cookie\"",
            json!({"name": "POST /up", "method": "POST", "url": "{{ base }}/up", "headers": {"Cookie": "{{ cookie }}"}, "multipart": {"note": "{{ note }}"}}),
        ),
        (
            "curl -L \"$env/a\"",
            json!({"name": "GET /a", "url": "{{ env_ }}/a"}),
        ),
    ];
    for (cmd, want) in cases {
        assert_eq!(curl_json(cmd), want, "{cmd}");
    }
    // Each variable is declared once, empty, in the order of first use.
    let out = convert::curl("curl -L -u \"$user:$pass\" \"$base/$user\"").unwrap();
    let doc = baton::format::yaml::parse(&out.yaml).unwrap().to_json();
    assert_eq!(
        doc["vars"],
        serde_json::json!({"base": "", "user": "", "pass": ""})
    );
    assert!(
        out.yaml
            .contains("  # shell variables of the curl commands: give them with --var NAME=VALUE or --env FILE\n"),
        "{}",
        out.yaml
    );
    assert!(
        out.warnings
            .iter()
            .any(|w| w.contains("`base`, `user`, `pass` are declared in `vars`"))
    );
    // A variable in a header's name is kept as text, with a warning.
    let out = convert::curl("curl -L -H \"X-${k}: v\" https://x.test").unwrap();
    assert!(out.yaml.contains("\"X-${k}\": v"), "{}", out.yaml);
    assert!(
        out.warnings
            .iter()
            .any(|w| w.contains("`X-${k}` is a name"))
    );
}

/// What `baton export curl` prints (several commands, `# name` comments, continuations)
/// imports as one collection with a request per command.
#[test]
fn curl_several_commands_make_one_collection() {
    let text = "# authenticate\ncurl \\\n  -X POST \\\n  \"${base}/api/v1/authenticate\" \\\n  -H 'Content-Type: application/json' \\\n  -L \\\n  --data-raw \"{\\\"application_token\\\":\\\"${app_token}\\\"}\"\n\n# list endpoints\n# token from https://x.test/token (client credentials)\ncurl \\\n  \"${base}/api/v1/endpoint?page=1&per_page=100\" \\\n  -H \"Authorization: Bearer ${Auth_Token}\" \\\n  -L\n\ncurl -L \"${base}/a\"; curl -L -X DELETE \"${base}/a\" && curl -L \"${base}/a\"\n";
    let out = convert::curl(text).unwrap();
    assert_parses(&out.yaml);
    insta::assert_snapshot!("curl_several_commands", out.yaml);
    let doc = baton::format::yaml::parse(&out.yaml).unwrap().to_json();
    let names: Vec<&str> = doc["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "authenticate",
            "list endpoints",
            "GET /a",
            "DELETE /a",
            "GET /a (2)"
        ]
    );

    let err = |t: &str| convert::curl(t).unwrap_err().to_string();
    assert_eq!(
        err("curl https://x.test/a\n\n# b\ncurl -X POST\n"),
        "the command on line 4: the curl command has no URL"
    );
    assert_eq!(
        err("curl https://x.test/a\nexport base=x\n"),
        "the command on line 2: the command does not start with `curl` but with `export`"
    );
    assert!(
        err("curl https://a.test https://b.test").contains("give each URL its own curl command")
    );
    assert_eq!(
        err("# nothing but a comment\n\n"),
        "the input has no curl command (give one as an argument, or on stdin with `-`)"
    );
}
