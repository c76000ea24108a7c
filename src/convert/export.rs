//! `baton export curl`: a collection's requests as runnable curl command lines. The request
//! is built by `build` (the same code `run` sends with); this file only decides what a
//! template becomes and writes curl's flags.
//!
//! A template becomes a shell variable (`{{ base_url }}` -> `${base_url}`,
//! `{{ secret('X') }}` -> `${X}`) unless `--render` gives it a value known before the run.
//! A secret value (what `run` would mask) is never written unless `--show-secrets`.
//!
//! While a command is assembled, a shell variable is held as a marked reference (see
//! `var_ref`), so the quoting at the end tells `${name}` that must expand from a literal
//! `${X}` or `$HOME` in the collection's text, which must reach curl as written.

use std::fmt::Write as _;

use serde_json::Value as Json;

use crate::format::model::{Action, Collection, Request, Step};
use crate::http::builder::{self, Built, BuiltBody, BuiltPart, Render, Signing, TokenSpec};
use crate::secret::Secrets;
use crate::template::{TValue, Tmpl, Vars, is_identifier, json_text};

pub struct ExportOptions {
    /// Fill in values known before the run (collection vars, --env, --var).
    pub render: Option<Vars>,
    pub show_secrets: bool,
}

/// One curl command per request (or only `only`), each preceded by a `# name` comment.
pub fn curl(c: &Collection, only: Option<&str>, opts: &ExportOptions) -> Result<String, String> {
    let mut out = String::new();
    let mut found = false;
    for step in &c.steps {
        let Step::Request(r) = step else { continue };
        if only.is_some_and(|n| n != r.name) {
            continue;
        }
        found = true;
        let _ = writeln!(out, "# {}", r.name);
        out.push_str(&request(r, opts));
        out.push('\n');
    }
    if !found {
        let names: Vec<&str> = c.requests().map(|r| r.name.as_str()).collect();
        return Err(match only {
            Some(n) => {
                let hint = crate::problem::source::did_you_mean(n, names.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                format!("no request named `{n}` in {}{hint}", c.path.display())
            }
            None => format!("{} has no requests", c.path.display()),
        });
    }
    Ok(out)
}

/// A request as one curl command (a comment for a `receive` step, which sends nothing).
pub fn request(r: &Request, opts: &ExportOptions) -> String {
    let s = match &r.action {
        Action::Send(s) => s,
        Action::Receive(rc) => {
            return format!(
                "# (receive step: waits for {} {} on baton's listener; nothing to send)\n",
                rc.method, rc.path.text
            );
        }
    };
    let secrets = opts
        .render
        .as_ref()
        .map(|v| v.host().secrets.clone())
        .unwrap_or_default();
    let mut shell = Shell {
        vars: opts.render.as_ref(),
        secrets,
        show_secrets: opts.show_secrets,
    };
    match builder::build(s, &mut shell) {
        Ok(b) => write(&b),
        Err(never) => match never {},
    }
}

/// Marks a shell variable reference until `quote` writes it as `${name}` (characters from
/// Unicode's private use area, which no collection text uses).
const REF_OPEN: char = '\u{E000}';
const REF_CLOSE: char = '\u{E001}';

fn var_ref(name: &str) -> String {
    format!("{REF_OPEN}{name}{REF_CLOSE}")
}

/// Marked references written as `${name}`, for comments.
fn plain_refs(s: &str) -> String {
    s.replace(REF_OPEN, "${").replace(REF_CLOSE, "}")
}

/// Renders templates for a shell: values where known and shown, `${name}` otherwise.
struct Shell<'a> {
    vars: Option<&'a Vars>,
    secrets: Secrets,
    show_secrets: bool,
}

impl Shell<'_> {
    fn hidden(&self, text: &str) -> bool {
        !self.show_secrets && self.secrets.redact(text) != text
    }
}

impl Render for Shell<'_> {
    type Error = std::convert::Infallible;

    fn text(&mut self, _what: &str, t: &Tmpl) -> Result<String, Self::Error> {
        if t.is_literal() {
            return Ok(t.source.replace([REF_OPEN, REF_CLOSE], ""));
        }
        let Some(vars) = self.vars else {
            return Ok(shell_refs(&t.source));
        };
        // Text and names: each name filled in or left a shell variable, on its own.
        let secrets = self.secrets.clone();
        let show = self.show_secrets;
        let mut lookup = |name: &str| match vars.get(name) {
            Some(v) => {
                let text = json_text(&v);
                if !show && secrets.redact(&text) != text {
                    var_ref(name)
                } else {
                    text
                }
            }
            None => var_ref(name),
        };
        if let Some(s) = t.render_with(&mut lookup) {
            return Ok(s);
        }
        match t.render_string(vars) {
            Ok(s) if !self.hidden(&s) => Ok(s),
            _ => Ok(shell_refs(&t.source)),
        }
    }

    fn value(&mut self, what: &str, v: &TValue) -> Result<Json, Self::Error> {
        Ok(match v {
            TValue::Null => Json::Null,
            TValue::Bool(b) => Json::Bool(*b),
            TValue::Number(n) => Json::Number(n.clone()),
            TValue::Str(t) => {
                if let Some(vars) = self.vars
                    && let Ok(v) = t.render_value(vars)
                    && !self.hidden(&json_text(&v))
                {
                    return Ok(v);
                }
                Json::String(self.text(what, t)?)
            }
            TValue::Seq(items) => Json::Array(
                items
                    .iter()
                    .map(|i| {
                        let Ok(v) = self.value(what, i);
                        v
                    })
                    .collect(),
            ),
            TValue::Map(m) => Json::Object(
                m.iter()
                    .map(|(k, v)| {
                        let Ok(v) = self.value(what, v);
                        (k.clone(), v)
                    })
                    .collect(),
            ),
        })
    }

    fn credential(&mut self, what: &str, t: &Tmpl) -> Result<String, Self::Error> {
        let text = self.text(what, t)?;
        if self.show_secrets || what.ends_with("username") {
            return Ok(text);
        }
        // What `run` would mask is never written: a template becomes its shell variables,
        // a literal a variable named after what it is.
        self.secrets.register(&text);
        if !self.hidden(&text) {
            return Ok(text);
        }
        if t.is_literal() {
            let name = match what {
                "basic auth password" => "BASIC_PASSWORD",
                "bearer token" => "BEARER_TOKEN",
                "api_key value" => "API_KEY",
                "oauth2 client_id" => "CLIENT_ID",
                _ => "CLIENT_SECRET",
            };
            return Ok(var_ref(name));
        }
        Ok(shell_refs(&t.source))
    }
}

/// Write a built request as curl flags, one per line.
fn write(b: &Built) -> String {
    let mut args: Vec<String> = vec!["curl".into()];
    let mut comments: Vec<String> = Vec::new();
    if b.method != "GET" || b.body != BuiltBody::None {
        args.push(format!("-X {}", quote(&b.method)));
    }
    args.push(quote(&url_with_query(b)));
    let mut headers = b.headers.clone();
    if let Some(o) = &b.oauth2 {
        comments.push(oauth2_token_variable(&mut headers, o));
    }
    // `-u` and the body come after the headers and transfer flags.
    let mut last: Vec<String> = basic_auth_flag(&mut headers).into_iter().collect();
    signing_flags(b, &mut headers, &mut last);
    last.extend(body_flags(&b.body));
    for (k, v) in &headers {
        args.push(format!("-H {}", quote(&format!("{k}: {v}"))));
    }
    if b.follow_redirects {
        args.push("-L".into());
    }
    if let Some(t) = b.timeout {
        args.push(format!("--max-time {}", t.as_secs_f64()));
    }
    args.extend(last);
    let mut out = String::new();
    for c in comments {
        let _ = writeln!(out, "{c}");
    }
    out.push_str(&args.join(" \\\n  "));
    out.push('\n');
    out
}

/// The URL with the query parameters appended, URL-encoded.
fn url_with_query(b: &Built) -> String {
    let mut url = b.url.clone();
    if !b.query.is_empty() {
        let encoded: Vec<String> = b
            .query
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&encoded.join("&"));
    }
    url
}

/// curl cannot run the client credentials grant itself: the token becomes the shell variable
/// `OAUTH2_TOKEN` in the `Authorization` header. Returns the comment naming the token URL.
fn oauth2_token_variable(headers: &mut Vec<(String, String)>, o: &TokenSpec) -> String {
    headers.retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
    headers.push((
        "Authorization".into(),
        format!("Bearer {}", var_ref("OAUTH2_TOKEN")),
    ));
    format!(
        "# token from {} (client credentials)",
        plain_refs(&o.token_url)
    )
}

/// A basic `Authorization` header taken out of `headers` as `-u user:password`, which reads
/// better (and survives shell variables).
fn basic_auth_flag(headers: &mut Vec<(String, String)>) -> Option<String> {
    let i = headers
        .iter()
        .position(|(k, v)| k.eq_ignore_ascii_case("authorization") && v.starts_with("Basic "))?;
    let (u, p) = basic_parts(&headers[i].1)?;
    headers.remove(i);
    Some(format!("-u {}", quote(&format!("{u}:{p}"))))
}

/// The flags that send the body.
fn body_flags(body: &BuiltBody) -> Vec<String> {
    match body {
        BuiltBody::None => Vec::new(),
        BuiltBody::Json(v) => vec![format!(
            "--data-raw {}",
            quote(&serde_json::to_string(v).unwrap_or_default())
        )],
        BuiltBody::Form(pairs) => pairs
            .iter()
            .map(|(k, v)| format!("--data-urlencode {}", quote(&format!("{k}={v}"))))
            .collect(),
        BuiltBody::Multipart(parts) => parts
            .iter()
            .map(|(name, p)| format!("-F {}", quote(&multipart_value(name, p))))
            .collect(),
        BuiltBody::Text(t) => vec![format!("--data-raw {}", quote(t))],
        BuiltBody::File(p) => vec![format!(
            "--data-binary {}",
            quote(&format!("@{}", p.display()))
        )],
    }
}

/// One part as `-F` writes it: `name=text`, or `name=@path;type=...`.
fn multipart_value(name: &str, part: &BuiltPart) -> String {
    match part {
        BuiltPart::Text(v) => format!("{name}={v}"),
        BuiltPart::File { path, content_type } => {
            let ct = content_type
                .as_ref()
                .map(|c| format!(";type={c}"))
                .unwrap_or_default();
            format!("{name}=@{}{ct}", path.display())
        }
    }
}

/// Digest and SigV4 as curl does them itself: `--digest -u`, `--aws-sigv4 -u`.
fn signing_flags(b: &Built, headers: &mut Vec<(String, String)>, extra: &mut Vec<String>) {
    match &b.signing {
        Some(Signing::Digest { username, password }) => {
            extra.push("--digest".into());
            extra.push(format!("-u {}", quote(&format!("{username}:{password}"))));
        }
        Some(Signing::SigV4(k)) => {
            let provider = format!("aws:amz:{}:{}", k.region, k.service);
            extra.push(format!("--aws-sigv4 {}", quote(&provider)));
            let keys = format!("{}:{}", k.access_key_id, k.secret_access_key);
            extra.push(format!("-u {}", quote(&keys)));
            if let Some(t) = &k.session_token {
                headers.push(("X-Amz-Security-Token".into(), t.clone()));
            }
        }
        None => {}
    }
}

/// `Basic base64(user:password)` back to its parts, when it decodes to text.
fn basic_parts(value: &str) -> Option<(String, String)> {
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(value.strip_prefix("Basic ")?.trim())
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (u, p) = text.split_once(':')?;
    Some((u.to_string(), p.to_string()))
}

/// URL-encoded, except the shell variable references, which must stay for the shell.
fn encode(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(REF_OPEN) {
        out.extend(url::form_urlencoded::byte_serialize(&rest.as_bytes()[..i]));
        match rest[i..].find(REF_CLOSE) {
            Some(j) => {
                let end = i + j + REF_CLOSE.len_utf8();
                out.push_str(&rest[i..end]);
                rest = &rest[end..];
            }
            None => {
                rest = &rest[i..];
                break;
            }
        }
    }
    out.extend(url::form_urlencoded::byte_serialize(rest.as_bytes()));
    out
}

/// `{{ name }}` -> `${name}`; `{{ secret('X') }}` / `{{ env('X') }}` -> `${X}`; other expressions kept.
fn shell_refs(src: &str) -> String {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| regex::Regex::new(r"\{\{-?\s*(.*?)\s*-?\}\}").expect("valid regex"));
    re.replace_all(src, |caps: &regex::Captures| {
        let inner = caps[1].trim();
        if is_identifier(inner) {
            return var_ref(inner);
        }
        for f in ["secret(", "env("] {
            if let Some(rest) = inner.strip_prefix(f) {
                let name = rest
                    .trim_end_matches(')')
                    .split(',')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .trim_matches(['\'', '"']);
                if is_identifier(name) {
                    return var_ref(name);
                }
            }
        }
        caps[0].to_string()
    })
    .into_owned()
}

/// Quote for a POSIX shell: single quotes, or double quotes where a shell variable must
/// expand; then every other `$`, `` ` ``, `"` and `\\` is escaped, so text such as a literal
/// `${X}` reaches curl as written.
fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:@=,+%".contains(&b))
    {
        return s.to_string();
    }
    if !s.contains(REF_OPEN) {
        return format!("'{}'", s.replace('\'', "'\\''"));
    }
    let mut out = String::with_capacity(s.len() + 8);
    out.push('"');
    for c in s.chars() {
        match c {
            REF_OPEN => out.push_str("${"),
            REF_CLOSE => out.push('}'),
            '\\' | '"' | '`' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn export(yaml: &str, render: Option<Vars>) -> String {
        let c = crate::format::load_str(Path::new("t.yaml"), yaml.to_string()).unwrap();
        curl(
            &c,
            None,
            &ExportOptions {
                render,
                show_secrets: false,
            },
        )
        .unwrap()
    }

    #[test]
    fn variables_become_shell_references() {
        let out = export(
            "requests:\n  - name: a\n    method: POST\n    url: \"{{ base_url }}/x\"\n    headers: { X-Key: \"{{ secret('API_KEY') }}\" }\n    json: { a: 1 }\n",
            None,
        );
        assert!(out.contains("-X POST"), "{out}");
        assert!(out.contains("\"${base_url}/x\""), "{out}");
        assert!(out.contains("\"X-Key: ${API_KEY}\""), "{out}");
        assert!(out.contains("--data-raw '{\"a\":1}'"), "{out}");
        assert!(out.contains("-L"), "{out}");
    }

    #[test]
    fn one_authorization_header_and_credentials_as_variables() {
        let out = export(
            "requests:\n  - name: a\n    url: http://x/\n    headers: { Authorization: \"Bearer {{ mine }}\" }\n    auth: { bearer: \"{{ tok }}\" }\n  - name: b\n    url: http://x/\n    auth: { basic: { username: ann, password: hunter2 } }\n",
            None,
        );
        assert_eq!(out.matches("Authorization").count(), 1, "{out}");
        assert!(out.contains("Bearer ${mine}"), "{out}");
        assert!(out.contains("-u \"ann:${BASIC_PASSWORD}\""), "{out}");
        assert!(!out.contains("hunter2"), "{out}");
    }

    #[test]
    fn render_fills_in_known_parts_and_leaves_captures() {
        let mut vars = Vars::new();
        vars.set("base", &serde_json::json!("http://127.0.0.1:18081"));
        let out = export(
            "requests:\n  - name: a\n    url: \"{{ base }}/anything/{{ request_id }}\"\n",
            Some(vars),
        );
        assert!(
            out.contains("\"http://127.0.0.1:18081/anything/${request_id}\""),
            "{out}"
        );
    }

    #[test]
    fn quoting_is_shell_safe() {
        assert_eq!(quote("it's"), "'it'\\''s'");
        assert_eq!(
            quote(&format!("{} $HOME", var_ref("a"))),
            "\"${a} \\$HOME\""
        );
        // A literal `${X}` next to a variable does not expand; alone it is single-quoted.
        assert_eq!(
            quote(&format!("${{X}} {}", var_ref("a"))),
            "\"\\${X} ${a}\""
        );
        assert_eq!(quote("${X} alone"), "'${X} alone'");
        assert_eq!(quote("plain"), "plain");
    }

    /// Every body kind, query, oauth2, basic auth that decodes or not, redirects, timeout.
    const WRITE_CASES: &str = r#"requests:
  - name: get with a body
    method: GET
    url: "http://x.test/a?z=1"
    query: { q: "a b&{{ v }}", n: 2 }
    body: "plain {{ v }} text"
    follow_redirects: false
    timeout: 1500ms
  - name: delete
    method: DELETE
    url: http://x.test/d
  - name: form
    method: POST
    url: http://x.test/f
    form: { a: "1 2", b: "{{ v }}" }
  - name: upload
    method: POST
    url: http://x.test/u
    multipart:
      title: "it's"
      doc: { file: a b.pdf, content_type: application/pdf }
      raw: { file: r.bin }
  - name: file
    method: PUT
    url: http://x.test/p
    body: { file: avatar.png }
  - name: oauth
    url: http://x.test/o
    headers: { Authorization: "Bearer old", X-A: "$HOME" }
    auth:
      oauth2: { token_url: "{{ base }}/token", client_id: c, client_secret: "{{ s }}" }
  - name: odd basic
    url: http://x.test/b
    headers: { Authorization: "Basic !!notbase64" }
  - name: basic header
    url: http://x.test/b
    headers: { Authorization: "Basic YW5uOnB3" }
  - name: hook
    receive: { method: POST, path: /hook }
"#;

    const WRITE_WANT: &str = r##"# get with a body
curl \
  -X GET \
  "http://x.test/a?z=1&q=a+b%26${v}&n=2" \
  -H 'Content-Type: text/plain; charset=utf-8' \
  --max-time 1.5 \
  --data-raw "plain ${v} text"

# delete
curl \
  -X DELETE \
  http://x.test/d \
  -L

# form
curl \
  -X POST \
  http://x.test/f \
  -H 'Content-Type: application/x-www-form-urlencoded' \
  -L \
  --data-urlencode 'a=1 2' \
  --data-urlencode "b=${v}"

# upload
curl \
  -X POST \
  http://x.test/u \
  -L \
  -F 'title=it'\''s' \
  -F 'doc=@DIR/a b.pdf;type=application/pdf' \
  -F raw=@DIR/r.bin

# file
curl \
  -X PUT \
  http://x.test/p \
  -H 'Content-Type: application/octet-stream' \
  -L \
  --data-binary @DIR/avatar.png

# oauth
# token from ${base}/token (client credentials)
curl \
  http://x.test/o \
  -H 'X-A: $HOME' \
  -H "Authorization: Bearer ${OAUTH2_TOKEN}" \
  -L

# odd basic
curl \
  http://x.test/b \
  -H 'Authorization: Basic !!notbase64' \
  -L

# basic header
curl \
  http://x.test/b \
  -L \
  -u ann:pw

# hook
# (receive step: waits for POST /hook on baton's listener; nothing to send)

"##;

    #[test]
    fn every_request_shape_exports_as_before() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["a b.pdf", "r.bin", "avatar.png"] {
            std::fs::write(dir.path().join(f), "x").unwrap();
        }
        let path = dir.path().join("t.yaml");
        let c = crate::format::load_str(&path, WRITE_CASES.to_string()).unwrap();
        let opts = ExportOptions {
            render: None,
            show_secrets: false,
        };
        let out = curl(&c, None, &opts).unwrap();
        let out = out.replace(&dir.path().display().to_string(), "DIR");
        assert_eq!(out, WRITE_WANT);
    }
}
