//! `baton export curl` then `baton import curl`, through the binary: every command comes
//! back as a request of one collection, with its variables as templates, and `check` passes.

use std::path::Path;

use crate::support::{APP_TOKEN, AUTH_TOKEN, TestServer, run, write};
use serde_json::{Value, json};

/// A collection using variables everywhere a curl command can carry them.
const SHOP: &str = r#"name: shop
vars:
  base: http://127.0.0.1:9
  user: ann
  device: laptop
  item_name: shoes
defaults:
  headers: { Accept: application/json }
requests:
  - name: log in
    method: POST
    url: "{{ base }}/login"
    auth: { basic: { username: "{{ user }}", password: "{{ secret('SHOP_PASSWORD') }}" } }
    form: { remember: "yes", device: "{{ device }}" }
    capture:
      token: $.token
  - name: find items
    url: "{{ base }}/items"
    query: { q: shoes, page: 2 }
    headers: { X-Device: "{{ device }}" }
    auth: { bearer: "{{ token }}" }
    capture:
      item_id: $[0].id
  - name: create item
    method: PUT
    url: "{{ base }}/items/{{ item_id }}"
    json: { name: "{{ item_name }}", price: "costs $5", tags: [a, b], note: "it's \"new\"" }
  - name: delete item
    method: DELETE
    url: "{{ base }}/items/{{ item_id }}"
    headers: { X-Api-Key: "{{ env('SHOP_KEY') }}" }
    follow_redirects: false
  - name: raw note
    method: POST
    url: "{{ base }}/notes"
    headers: { Content-Type: text/plain }
    body: "hello {{ user }}, $HOME stays text"
    timeout: 5s
"#;

fn emnify() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("collections/emnify/emnify.yaml");
    std::fs::read_to_string(path).unwrap()
}

/// Each request's name, method, URL template and query, as the YAML spells them.
fn requests(yaml: &str) -> Vec<Value> {
    let doc = baton::format::yaml::parse(yaml).unwrap().to_json();
    // A receive step sends nothing: export writes it as a comment, import makes nothing.
    doc["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("receive").is_none())
        .map(|r| {
            json!({
                "name": r["name"],
                "method": r.get("method").cloned().unwrap_or(json!("GET")),
                "url": r["url"],
                "query": r.get("query").cloned().unwrap_or(Value::Null),
            })
        })
        .collect()
}

/// Exports `original`, imports the commands back (from stdin, as one text), and checks the result.
fn round_trip(dir: &Path, original: &str) -> (String, String) {
    write(dir, "orig.yaml", original);
    let exported = run(dir, &["export", "curl", "orig.yaml"]);
    assert_eq!(exported.code, 0, "{}", exported.stderr);
    let imported = crate::support::baton(dir)
        .args(["import", "curl", "-"])
        .write_stdin(exported.stdout.clone())
        .output()
        .unwrap();
    let yaml = String::from_utf8_lossy(&imported.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&imported.stderr);
    assert_eq!(
        imported.status.code(),
        Some(0),
        "{}\n{stderr}",
        exported.stdout
    );
    write(dir, "back.yaml", &yaml);
    let checked = run(dir, &["check", "back.yaml"]);
    assert_eq!(checked.code, 0, "{yaml}\n{}", checked.stderr);
    // One request per command, as many as the original has.
    let commands = exported
        .stdout
        .lines()
        .filter(|l| l.starts_with("curl"))
        .count();
    assert_eq!(commands, requests(original).len());
    assert_eq!(requests(&yaml).len(), commands, "{yaml}");
    // The imported collection exports to the very same commands.
    let again = run(dir, &["export", "curl", "back.yaml"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let sends = |text: &str| -> String {
        text.split_inclusive("\n\n")
            .filter(|block| !block.contains("(receive step:"))
            .collect()
    };
    assert_eq!(again.stdout, sends(&exported.stdout), "{yaml}");
    (exported.stdout, yaml)
}

#[test]
fn emnify_export_imports_back_as_one_collection() {
    let dir = tempfile::tempdir().unwrap();
    let original = emnify();
    let (exported, yaml) = round_trip(dir.path(), &original);
    assert!(
        exported.contains("\"${emnify_url}/api/v1/authenticate\""),
        "{exported}"
    );
    assert_eq!(requests(&yaml), requests(&original), "{yaml}");
    assert!(!yaml.contains("http://{{"), "{yaml}");
    insta::assert_snapshot!("emnify_round_trip", yaml);

    // What `check` accepts, `run` sends: the URL variable is the server's address.
    let server = TestServer::start();
    let url = format!("emnify_url={}", server.url);
    let token = format!("app_token={APP_TOKEN}");
    let auth = format!("Auth_Token={AUTH_TOKEN}");
    let out = run(
        dir.path(),
        &[
            "run",
            "back.yaml",
            "--var",
            &url,
            "--var",
            &token,
            "--var",
            &auth,
        ],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let hits = server.hits();
    // Every request of the collection but the receive step, which sends nothing.
    assert_eq!(hits.len(), 6, "{hits:?}");
    assert_eq!(hits[2].path, "/api/v1/api_callback");
    assert_eq!(hits[3].path, "/api/v1/api_secret");
    assert_eq!(hits[0].path, "/api/v1/authenticate");
    assert_eq!(
        serde_json::from_str::<Value>(&hits[0].body).unwrap(),
        json!({ "application_token": APP_TOKEN })
    );
    assert_eq!(hits[1].path, "/api/v1/endpoint");
    assert_eq!(hits[1].query, "page=1&per_page=100");
    assert_eq!(
        hits[1].headers["authorization"],
        format!("Bearer {AUTH_TOKEN}")
    );
}

#[test]
fn a_collection_with_variables_imports_back() {
    let dir = tempfile::tempdir().unwrap();
    let (exported, yaml) = round_trip(dir.path(), SHOP);
    assert!(
        exported.contains("-u \"${user}:${SHOP_PASSWORD}\""),
        "{exported}"
    );
    let got = requests(&yaml);
    let want = requests(SHOP);
    assert_eq!(got, want, "{yaml}");
    let doc = baton::format::yaml::parse(&yaml).unwrap().to_json();
    // Every shell variable is declared, empty, so `check` passes; the rest is text.
    assert_eq!(
        doc["vars"],
        json!({ "base": "", "user": "", "SHOP_PASSWORD": "", "device": "", "token": "", "item_id": "", "item_name": "", "SHOP_KEY": "" })
    );
    let r = &doc["requests"];
    assert_eq!(
        r[0]["auth"],
        json!({ "basic": { "username": "{{ user }}", "password": "{{ SHOP_PASSWORD }}" } })
    );
    assert_eq!(
        r[0]["form"],
        json!({ "remember": "yes", "device": "{{ device }}" })
    );
    assert_eq!(r[1]["headers"]["Authorization"], "Bearer {{ token }}");
    assert_eq!(r[2]["json"]["price"], "costs $5");
    assert_eq!(r[2]["json"]["note"], "it's \"new\"");
    assert_eq!(r[3]["headers"]["X-Api-Key"], "{{ SHOP_KEY }}");
    assert_eq!(r[4]["body"], "hello {{ user }}, $HOME stays text");
}

#[test]
fn commands_are_named_by_their_comments_and_errors_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = "# log in\ncurl -X POST \"$base/login\" -d 'a=1'\n\ncurl \"$base/items\"; curl \"$base/items\"\n";
    let out = run(dir.path(), &["import", "curl", text]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let names: Vec<Value> = requests(&out.stdout)
        .iter()
        .map(|r| r["name"].clone())
        .collect();
    assert_eq!(
        names,
        [
            json!("log in"),
            json!("GET /items"),
            json!("GET /items (2)")
        ]
    );
    assert!(
        out.stderr.contains("`base` is declared in `vars`"),
        "{}",
        out.stderr
    );

    let out = run(
        dir.path(),
        &[
            "import",
            "curl",
            "curl https://x.test/a\n\ncurl --frobnicate https://x.test/b\n",
        ],
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("the command on line 3: curl option `--frobnicate` is not known"),
        "{}",
        out.stderr
    );
}
