//! `baton export curl`: a collection's requests as runnable curl command lines.
//!
//! Without `--render`, template variables become shell variables (`{{ base_url }}` ->
//! `${base_url}`), so the commands run after `export base_url=...`. With `--render`, the
//! collection's initial values are filled in; captured variables stay shell variables.
//! Secret values are never written unless `--show-secrets`: they stay `${NAME}` references.

use std::fmt::Write as _;

use serde_json::Value as Json;

use crate::collection::model::{ApiKeyIn, Auth, Body, Collection, Part, Request, Step, TValue};
use crate::template::{Tmpl, Vars, json_text};

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
                let hint = crate::source::did_you_mean(n, names.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                format!("no request named `{n}` in {}{hint}", c.path.display())
            }
            None => format!("{} has no requests", c.path.display()),
        });
    }
    Ok(out)
}

/// A request as one curl command.
pub fn request(r: &Request, opts: &ExportOptions) -> String {
    // One flag (with its value) per line.
    let mut args: Vec<String> = vec!["curl".into()];
    if r.method != "GET" || r.body.is_some() {
        args.push(format!("-X {}", quote(&r.method)));
    }
    let mut url = text(&r.url, opts);
    let mut query: Vec<(String, String)> = r
        .query
        .iter()
        .flat_map(|(k, v)| values(k, v, opts))
        .collect();
    let mut headers: Vec<(String, String)> = r
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), text(v, opts)))
        .collect();
    let mut extra: Vec<String> = Vec::new();
    match &r.auth {
        Auth::None => {}
        Auth::Basic { username, password } => {
            extra.push(format!(
                "-u {}",
                quote(&format!(
                    "{}:{}",
                    text(username, opts),
                    text(password, opts)
                ))
            ));
        }
        Auth::Bearer(t) => {
            headers.push(("Authorization".into(), format!("Bearer {}", text(t, opts))))
        }
        Auth::ApiKey {
            location: ApiKeyIn::Header,
            name,
            value,
        } => headers.push((name.clone(), text(value, opts))),
        Auth::ApiKey {
            location: ApiKeyIn::Query,
            name,
            value,
        } => query.push((name.clone(), text(value, opts))),
        Auth::OAuth2(o) => {
            // curl cannot run the client credentials grant itself: the token is a shell variable.
            headers.push(("Authorization".into(), "Bearer ${OAUTH2_TOKEN}".into()));
            extra.push(format!(
                "# token from {} (client credentials)",
                text(&o.token_url, opts)
            ));
        }
    }
    if !query.is_empty() {
        let encoded: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&encoded.join("&"));
    }
    args.push(quote(&url));
    let has = |h: &[(String, String)], n: &str| h.iter().any(|(k, _)| k.eq_ignore_ascii_case(n));
    match &r.body {
        None => {}
        Some(Body::Json(v)) => {
            if !has(&headers, "content-type") {
                headers.push(("Content-Type".into(), "application/json".into()));
            }
            let json = json_value(v, opts);
            extra.push(format!(
                "--data-raw {}",
                quote(&serde_json::to_string(&json).unwrap_or_default())
            ));
        }
        Some(Body::Form(fields)) => {
            for (k, v) in fields {
                for (k, v) in values(k, v, opts) {
                    extra.push(format!("--data-urlencode {}", quote(&format!("{k}={v}"))));
                }
            }
        }
        Some(Body::Multipart(parts)) => {
            for (name, p) in parts {
                let value = match p {
                    Part::Text(v) => {
                        let v = values(name, v, opts)
                            .into_iter()
                            .next()
                            .map(|(_, v)| v)
                            .unwrap_or_default();
                        format!("{name}={v}")
                    }
                    Part::File { path, content_type } => {
                        let ct = content_type
                            .as_ref()
                            .map(|c| format!(";type={c}"))
                            .unwrap_or_default();
                        format!("{name}=@{}{ct}", path.display())
                    }
                };
                extra.push(format!("-F {}", quote(&value)));
            }
        }
        Some(Body::Raw(t)) => {
            if !has(&headers, "content-type") {
                headers.push(("Content-Type".into(), "text/plain; charset=utf-8".into()));
            }
            extra.push(format!("--data-raw {}", quote(&text(t, opts))));
        }
        Some(Body::File(p)) => {
            if !has(&headers, "content-type") {
                headers.push(("Content-Type".into(), "application/octet-stream".into()));
            }
            extra.push(format!(
                "--data-binary {}",
                quote(&format!("@{}", p.display()))
            ));
        }
    }
    for (k, v) in &headers {
        args.push(format!("-H {}", quote(&format!("{k}: {v}"))));
    }
    if r.follow_redirects {
        args.push("-L".into());
    }
    if let Some(t) = r.timeout {
        args.push(format!("--max-time {}", t.as_secs_f64()));
    }
    let comments: Vec<String> = extra
        .iter()
        .filter(|e| e.starts_with('#'))
        .cloned()
        .collect();
    args.extend(extra.into_iter().filter(|e| !e.starts_with('#')));
    let mut out = String::new();
    for c in comments {
        let _ = writeln!(out, "{c}");
    }
    out.push_str(&args.join(" \\\n  "));
    out.push('\n');
    out
}

fn encode(s: &str) -> String {
    // Keep `${name}` references intact so the shell expands them.
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        out.push_str(
            &url::form_urlencoded::byte_serialize(&rest.as_bytes()[..i]).collect::<String>(),
        );
        match rest[i..].find('}') {
            Some(j) => {
                out.push_str(&rest[i..i + j + 1]);
                rest = &rest[i + j + 1..];
            }
            None => {
                rest = &rest[i..];
                break;
            }
        }
    }
    out.push_str(&url::form_urlencoded::byte_serialize(rest.as_bytes()).collect::<String>());
    out
}

fn values(k: &str, v: &TValue, opts: &ExportOptions) -> Vec<(String, String)> {
    match json_value(v, opts) {
        Json::Array(items) => items
            .iter()
            .map(|i| (k.to_string(), json_text(i)))
            .collect(),
        Json::Null => Vec::new(),
        other => vec![(k.to_string(), json_text(&other))],
    }
}

/// A template as text: rendered when possible and allowed, else with `${var}` references.
fn text(t: &Tmpl, opts: &ExportOptions) -> String {
    if t.is_literal() {
        return t.source.to_string();
    }
    if let Some(vars) = &opts.render
        && let Ok(s) = t.render_string(vars)
        && (opts.show_secrets || crate::secret::redact(&s) == s)
    {
        return s;
    }
    shell_refs(&t.source)
}

fn json_value(v: &TValue, opts: &ExportOptions) -> Json {
    match v {
        TValue::Null => Json::Null,
        TValue::Bool(b) => Json::Bool(*b),
        TValue::Number(n) => Json::Number(n.clone()),
        TValue::Str(t) => {
            if let Some(vars) = &opts.render
                && let Ok(v) = t.render_value(vars)
            {
                let shown = json_text(&v);
                if opts.show_secrets || crate::secret::redact(&shown) == shown {
                    return v;
                }
            }
            Json::String(text(
                t,
                &ExportOptions {
                    render: None,
                    show_secrets: opts.show_secrets,
                },
            ))
        }
        TValue::Seq(items) => Json::Array(items.iter().map(|i| json_value(i, opts)).collect()),
        TValue::Map(m) => Json::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), json_value(v, opts)))
                .collect(),
        ),
    }
}

/// `{{ name }}` -> `${name}`; `{{ secret('X') }}` / `{{ env('X') }}` -> `${X}`; other expressions kept.
fn shell_refs(src: &str) -> String {
    let re = regex_lite();
    re.replace_all(src, |caps: &regex::Captures| {
        let inner = caps[1].trim();
        if crate::collection::load::is_identifier(inner) {
            return format!("${{{inner}}}");
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
                if crate::collection::load::is_identifier(name) {
                    return format!("${{{name}}}");
                }
            }
        }
        caps[0].to_string()
    })
    .into_owned()
}

fn regex_lite() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| regex::Regex::new(r"\{\{-?\s*(.*?)\s*-?\}\}").expect("valid regex"))
}

/// Quote for a POSIX shell: single quotes, except where `${...}` must expand (double quotes).
fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:@=,+%".contains(&b))
    {
        return s.to_string();
    }
    if s.contains("${") {
        let escaped = s
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('`', "\\`");
        // `$` outside `${name}` must not expand.
        let escaped = regex::Regex::new(r"\$([^{]|$)")
            .map(|re| re.replace_all(&escaped, "\\$$$1").into_owned())
            .unwrap_or(escaped);
        return format!("\"{escaped}\"");
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn export(yaml: &str) -> String {
        let c = crate::collection::load::load_str(Path::new("t.yaml"), yaml.to_string()).unwrap();
        curl(
            &c,
            None,
            &ExportOptions {
                render: None,
                show_secrets: false,
            },
        )
        .unwrap()
    }

    #[test]
    fn variables_become_shell_references() {
        let out = export(
            "requests:\n  - name: a\n    method: POST\n    url: \"{{ base_url }}/x\"\n    headers: { X-Key: \"{{ secret('API_KEY') }}\" }\n    json: { a: 1 }\n",
        );
        assert!(out.contains("-X POST"), "{out}");
        assert!(out.contains("\"${base_url}/x\""), "{out}");
        assert!(out.contains("\"X-Key: ${API_KEY}\""), "{out}");
        assert!(out.contains("--data-raw '{\"a\":1}'"), "{out}");
        assert!(out.contains("-L"), "{out}");
    }

    #[test]
    fn quoting_is_shell_safe() {
        assert_eq!(quote("it's"), "'it'\\''s'");
        assert_eq!(quote("${a} $HOME"), "\"${a} \\$HOME\"");
        assert_eq!(quote("plain"), "plain");
    }
}
