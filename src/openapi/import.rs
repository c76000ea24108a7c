//! `baton import openapi`: one request per operation, in document order, ready for
//! `baton check` and contract-tested through the collection's `openapi:` key.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::OpenApiError;
use super::doc::{Api, In, Media, Operation};
use super::refs::{Docs, RefScope};
use super::sample::sample;
use super::security::{self, Auth, Warnings};
use crate::import::emit::{Y, document};
use crate::import::{Imported, escape_jinja, sanitize, slug};

/// Imports the document at `path`; `openapi_key` is what the collection's `openapi:` says
/// (the document's path as seen from where the collection is written).
pub fn import_file(
    path: &Path,
    openapi_key: &str,
    split_by_tag: bool,
    scope: RefScope,
) -> Result<Imported, OpenApiError> {
    let docs = Docs::load_with(path, scope)?;
    generate(&docs, openapi_key, split_by_tag)
}

/// Imports a document given as text; `source` is where it lives (local `$ref`s start there).
pub fn import(
    text: &str,
    source: &Path,
    openapi_key: &str,
    split_by_tag: bool,
) -> Result<Imported, OpenApiError> {
    let docs = Docs::from_text(text, source)?;
    generate(&docs, openapi_key, split_by_tag)
}

/// Header parameters OpenAPI says to ignore: baton sets them from `json:` and `auth:`.
const IGNORED_HEADERS: [&str; 3] = ["accept", "content-type", "authorization"];

/// A collection variable made from a parameter.
struct Var {
    value: Option<Json>,
    /// What it is, for the comment when there is no value.
    what: String,
}

struct Gen<'a> {
    docs: &'a Docs,
    api: &'a Api,
    /// Parameter name -> variable name.
    names: IndexMap<String, String>,
    vars: IndexMap<String, Var>,
    warnings: Warnings,
}

/// A request and the variables it uses.
type Generated = (Y, Vec<String>);

fn generate(docs: &Docs, key: &str, split_by_tag: bool) -> Result<Imported, OpenApiError> {
    let api = Api::read(docs)?;
    let mut g = Gen {
        docs,
        api: &api,
        names: IndexMap::new(),
        vars: IndexMap::new(),
        warnings: Warnings::default(),
    };
    let default_auth = match &api.security {
        Some(reqs) => security::auth(&api, reqs, &mut g.warnings),
        None => Auth::None,
    };
    let mut top_notes = Vec::new();
    if let Auth::Unsupported(why) = &default_auth {
        top_notes.push(why.clone());
    }

    // (group, request, variables it uses)
    let mut requests: Vec<(Option<String>, Y, Vec<String>)> = Vec::new();
    let mut taken = BTreeSet::new();
    for op in &api.operations {
        let base = op
            .operation_id
            .clone()
            .unwrap_or_else(|| format!("{} {}", op.method, op.path));
        let mut name = base.clone();
        let mut i = 2;
        while !taken.insert(name.clone()) {
            name = format!("{base} ({i})");
            i += 1;
        }
        if name != base {
            g.warnings.push(format!(
                "two operations are named `{base}`; the second is named `{name}`"
            ));
        }
        let (request, used) = g.request(op, name, &default_auth);
        let group = if split_by_tag {
            op.tags.first().cloned()
        } else {
            None
        };
        requests.push((group, request, used));
    }

    let mut groups: Vec<(Option<String>, Vec<Generated>)> = Vec::new();
    for (group, request, used) in requests {
        match groups.iter_mut().find(|(k, _)| *k == group) {
            Some((_, list)) => list.push((request, used)),
            None => groups.push((group, vec![(request, used)])),
        }
    }
    if groups.is_empty() {
        groups.push((None, Vec::new()));
        g.warnings
            .push("the document has no operations; the collection has no requests".into());
    }

    let (base_url, base_notes) = g.base_url();
    let mut out = Imported::default();
    let mut files = BTreeSet::new();
    for (group, list) in groups {
        let title = group.clone().unwrap_or_else(|| api.title.clone());
        let stem = slug(&title, "api");
        let mut file = stem.clone();
        let mut i = 2;
        while !files.insert(file.clone()) {
            file = format!("{stem}-{i}");
            i += 1;
        }
        let mut used: Vec<String> = Vec::new();
        for (_, u) in &list {
            for v in u {
                if !used.contains(v) {
                    used.push(v.clone());
                }
            }
        }
        let mut doc = Y::map();
        doc.put("version", Y::Int(1));
        doc.put("name", Y::str(title));
        doc.put("openapi", Y::str(key));
        let mut vars = Y::map();
        vars.put(
            "base_url",
            Y::Noted(base_notes.clone(), Box::new(base_url.clone())),
        );
        for (name, var) in &g.vars {
            if !used.contains(name) {
                continue;
            }
            match &var.value {
                Some(v) => vars.put(name.clone(), json_y(v)),
                None => vars.put(
                    name.clone(),
                    Y::Noted(vec![format!("fill in: {}", var.what)], Box::new(Y::str(""))),
                ),
            }
        }
        doc.put("vars", vars);
        if let Auth::Set(a) = &default_auth {
            doc.put("defaults", Y::Map(vec![("auth".into(), a.clone())]));
        }
        doc.put(
            "requests",
            Y::Seq(list.into_iter().map(|(r, _)| r).collect()),
        );
        let mut header = vec![format!(
            "Generated from the OpenAPI document \"{}\" by `baton import openapi`.",
            api.title
        )];
        header.extend(top_notes.iter().cloned());
        out.files.push((
            PathBuf::from(format!("{file}.yaml")),
            document(&Y::Noted(header, Box::new(doc))),
        ));
    }
    let empty: Vec<String> = g
        .vars
        .iter()
        .filter(|(_, v)| v.value.is_none())
        .map(|(k, _)| format!("`{k}`"))
        .collect();
    if !empty.is_empty() {
        g.warnings.push(format!(
            "no example or default for {}; set to \"\" in `vars`: fill them in, or give them with --var NAME=VALUE",
            empty.join(", ")
        ));
    }
    out.warnings = g.warnings.list;
    Ok(out)
}

impl Gen<'_> {
    /// `base_url` from the first server, with comments about the others.
    fn base_url(&mut self) -> (Y, Vec<String>) {
        let mut notes = Vec::new();
        let Some(first) = self.api.servers.first() else {
            self.warnings.push(
                "the document has no `servers`; set `base_url` in the collection or with --var base_url=URL".into(),
            );
            notes.push("fill in: the document names no server".into());
            return (Y::str(""), notes);
        };
        let url = first.url.trim_end_matches('/').to_string();
        if url::Url::parse(&url).is_err() {
            self.warnings.push(format!(
                "the document's server URL `{}` is relative; put the API's origin in front of it in `base_url`, or run with --var base_url=URL",
                first.url
            ));
            notes.push(format!(
                "relative in the document: put the API's origin in front (https://HOST{url})"
            ));
        }
        let others: Vec<&str> = self.api.servers[1..]
            .iter()
            .map(|s| s.url.as_str())
            .collect();
        if !others.is_empty() {
            notes.push(format!("other servers: {}", others.join(", ")));
        }
        (Y::Str(escape_jinja(&url)), notes)
    }

    /// The variable that holds a parameter's value, declared on first use.
    fn var(&mut self, op: &Operation, name: &str, kind: &str, example: Option<&Json>) -> String {
        let ident = match self.names.get(name) {
            Some(i) => i.clone(),
            None => {
                let base = sanitize(name);
                let mut ident = base.clone();
                let mut i = 2;
                while ident == "base_url" || self.names.values().any(|v| *v == ident) {
                    ident = format!("{base}_{i}");
                    i += 1;
                }
                self.names.insert(name.to_string(), ident.clone());
                ident
            }
        };
        let entry = self.vars.entry(ident.clone()).or_insert_with(|| Var {
            value: None,
            what: format!("{kind} parameter `{name}` of {}", op_label(op)),
        });
        if entry.value.is_none()
            && let Some(e) = example
            && !(e.is_string() && e.as_str() == Some(""))
        {
            entry.value = Some(e.clone());
        }
        ident
    }

    fn request(&mut self, op: &Operation, name: String, default_auth: &Auth) -> (Y, Vec<String>) {
        let mut used = vec!["base_url".to_string()];
        let mut notes = Vec::new();
        let mut r = Y::map();
        r.put("name", Y::Str(name));
        if let Some(s) = &op.summary {
            r.put("description", Y::str(s.trim()));
        }
        if op.deprecated {
            notes.push("deprecated in the document".to_string());
        }
        r.put("method", Y::str(op.method.clone()));
        if let (Some(own), Some(first)) = (op.servers.first(), self.api.servers.first())
            && own.url != first.url
        {
            notes.push(format!(
                "the document serves this operation from {}, not from base_url",
                own.url
            ));
        }

        let mut url = String::from("{{ base_url }}");
        let mut rest = op.path.as_str();
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            url.push_str(&escape_jinja(&rest[..start]));
            let pname = &rest[start + 1..start + len];
            let example = op
                .parameters
                .iter()
                .find(|p| p.location == In::Path && p.name == pname)
                .and_then(|p| p.example.clone());
            let ident = self.var(op, pname, "path", example.as_ref());
            url.push_str(&format!("{{{{ {ident} }}}}"));
            used.push(ident);
            rest = &rest[start + len + 1..];
        }
        url.push_str(&escape_jinja(rest));
        r.put("url", Y::Str(url));

        let mut query = Y::map();
        let mut headers = Y::map();
        let mut cookies = Vec::new();
        for p in op.parameters.iter().filter(|p| p.required) {
            let kind = match p.location {
                In::Path => continue,
                In::Query => "query",
                In::Header => {
                    if IGNORED_HEADERS.contains(&p.name.to_ascii_lowercase().as_str()) {
                        continue;
                    }
                    "header"
                }
                In::Cookie => "cookie",
            };
            let ident = self.var(op, &p.name, kind, p.example.as_ref());
            let value = Y::Str(format!("{{{{ {ident} }}}}"));
            used.push(ident.clone());
            match p.location {
                In::Query => query.put(p.name.clone(), value),
                In::Header => headers.put(p.name.clone(), value),
                _ => cookies.push(format!("{}={{{{ {ident} }}}}", p.name)),
            }
        }
        if !cookies.is_empty() {
            headers.put("Cookie", Y::Str(cookies.join("; ")));
        }

        let auth = match &op.security {
            Some(reqs) => security::auth(self.api, reqs, &mut self.warnings),
            None => default_auth.clone(),
        };
        // Only what differs from `defaults.auth` is written; `none` turns a default off.
        let has_default = matches!(default_auth, Auth::Set(_));
        let auth_y = match &auth {
            a if a == default_auth => None,
            Auth::Set(y) => Some(y.clone()),
            Auth::None => has_default.then(|| Y::str("none")),
            Auth::Unsupported(why) => {
                notes.push(why.clone());
                has_default.then(|| Y::str("none"))
            }
        };

        let body = op.body.as_ref().map(|b| self.body(op, &b.content));
        if let Some((_, _, Some(ct))) = &body {
            headers.put("Content-Type", Y::str(ct.clone()));
        }
        if !query.is_empty_map() {
            r.put("query", query);
        }
        if !headers.is_empty_map() {
            r.put("headers", headers);
        }
        if let Some(a) = auth_y {
            r.put("auth", a);
        }
        if let Some((key, value, _)) = body {
            match key {
                Some(k) => r.put(k, value),
                None => {
                    if let Y::Comment(lines) = value {
                        notes.extend(lines);
                    }
                }
            }
        }
        match first_2xx(op) {
            Some(status) => r.put(
                "expect",
                Y::Map(vec![("status".into(), Y::Int(i64::from(status)))]),
            ),
            None => notes.push(
                "the document gives no 2xx status for this operation: no `expect: { status }`"
                    .into(),
            ),
        }
        if !op.tags.is_empty() {
            r.put(
                "tags",
                Y::Seq(op.tags.iter().map(|t| Y::str(t.clone())).collect()),
            );
        }
        let y = if notes.is_empty() {
            r
        } else {
            Y::Noted(notes, Box::new(r))
        };
        (y, used)
    }

    /// The body key (`json`, `form`, `body`, or none with a comment), its value, and a
    /// `Content-Type` header when the key does not imply the media type.
    fn body(
        &mut self,
        op: &Operation,
        content: &IndexMap<String, Media>,
    ) -> (Option<&'static str>, Y, Option<String>) {
        let essence = |k: &str| {
            k.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        };
        let is_json = |k: &str| {
            let e = essence(k);
            e == "application/json" || e.ends_with("+json") || e == "*/*"
        };
        let pick = content
            .iter()
            .find(|(k, _)| is_json(k))
            .or_else(|| {
                content
                    .iter()
                    .find(|(k, _)| essence(k) == "application/x-www-form-urlencoded")
            })
            .or_else(|| {
                content
                    .iter()
                    .find(|(k, _)| essence(k).starts_with("text/"))
            })
            .or_else(|| content.iter().next());
        let Some((media_type, media)) = pick else {
            return (None, Y::Comment(Vec::new()), None);
        };
        let value = || -> Json {
            match (&media.example, &media.schema) {
                (Some(e), _) => e.clone(),
                (None, Some(s)) => sample(self.docs, s),
                (None, None) => Json::Object(Default::default()),
            }
        };
        let e = essence(media_type);
        if is_json(media_type) {
            let ct = (e != "application/json" && e != "*/*").then(|| media_type.clone());
            return (Some("json"), json_y(&value()), ct);
        }
        if e == "application/x-www-form-urlencoded" {
            let v = value();
            let mut form = Y::map();
            if let Json::Object(map) = &v {
                for (k, v) in map {
                    let text = match v {
                        Json::String(s) => Y::Str(escape_jinja(s)),
                        // A list repeats the field; an object has no form encoding but JSON text.
                        Json::Object(_) => Y::Str(escape_jinja(&v.to_string())),
                        other => json_y(other),
                    };
                    form.put(k.clone(), text);
                }
            }
            return (Some("form"), form, None);
        }
        if e.starts_with("text/") || e == "application/xml" {
            let text = match &media.example {
                Some(Json::String(s)) => s.clone(),
                _ => String::new(),
            };
            return (
                Some("body"),
                Y::Str(escape_jinja(&text)),
                Some(media_type.clone()),
            );
        }
        self.warnings.once(
            &format!("body {media_type}"),
            format!(
                "request bodies of type {media_type} are not generated ({}); add them by hand (see the comments)",
                op_label(op)
            ),
        );
        let hint = if e.starts_with("multipart/") {
            "multipart: { FIELD: VALUE, FILE_FIELD: { file: PATH } }"
        } else {
            "body: { file: PATH }"
        };
        (
            None,
            Y::Comment(vec![format!(
                "request body {media_type}: add it by hand, e.g. `{hint}`"
            )]),
            None,
        )
    }
}

fn op_label(op: &Operation) -> String {
    match &op.operation_id {
        Some(id) => id.clone(),
        None => format!("{} {}", op.method, op.path),
    }
}

/// The first explicit 2xx status the operation documents, in document order.
fn first_2xx(op: &Operation) -> Option<u16> {
    op.responses
        .iter()
        .filter_map(|(k, _)| k.parse::<u16>().ok())
        .find(|s| (200..300).contains(s))
}

/// JSON as YAML, with text that MiniJinja would read as a template escaped.
fn json_y(v: &Json) -> Y {
    match v {
        Json::Null => Y::Null,
        Json::Bool(b) => Y::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Y::Int(i),
            None => Y::Float(n.as_f64().unwrap_or(0.0)),
        },
        Json::String(s) => Y::Str(escape_jinja(s)),
        Json::Array(a) => Y::Seq(a.iter().map(json_y).collect()),
        Json::Object(o) => Y::Map(o.iter().map(|(k, v)| (k.clone(), json_y(v))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(doc: &str) -> (String, Vec<String>) {
        let out = import(doc, Path::new("/tmp/api.yaml"), "api.yaml", false).unwrap();
        (out.files[0].1.clone(), out.warnings)
    }

    #[test]
    fn names_auth_bodies_and_parameters() {
        let (y, w) = yaml(
            r##"
openapi: 3.0.3
info: { title: Edge cases, version: "1" }
servers: [{ url: /api }]
security: [{ key: [] }]
paths:
  /a:
    get:
      operationId: same
      parameters:
        - { name: session, in: cookie, required: true, example: s1 }
        - { name: Accept, in: header, required: true }
      responses: { "201": { description: x }, "200": { description: x } }
    post:
      operationId: same
      security: [{}, { digest: [] }]
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: { type: object, required: [n, tags], properties: { n: { type: integer, minimum: 3 }, tags: { type: array, minItems: 1, items: { type: string } } } }
      responses: { default: { description: x } }
    put:
      security: [{ digest: [], key: [] }]
      requestBody:
        content:
          text/plain: { example: "{{ not a template }}" }
      responses: { "204": { description: x } }
components:
  securitySchemes:
    key: { type: apiKey, in: query, name: token }
    digest: { type: http, scheme: digest }
"##,
        );
        assert!(
            y.contains(
                "defaults:\n  auth: { api_key: { query: token, value: \"{{ secret('KEY') }}\" } }\n"
            ),
            "{y}"
        );
        assert!(y.contains("  - name: same\n"), "{y}");
        assert!(y.contains("  - name: same (2)\n"), "{y}");
        assert!(
            w.iter()
                .any(|w| w.contains("two operations are named `same`")),
            "{w:?}"
        );
        // Cookie parameters make a Cookie header; an Accept parameter is left to baton.
        assert!(
            y.contains("headers: { Cookie: \"session={{ session }}\" }"),
            "{y}"
        );
        assert!(!y.contains("Accept"), "{y}");
        // The first 2xx in document order, not the lowest.
        assert!(y.contains("expect: { status: 201 }"), "{y}");
        // `{}` among the alternatives: auth is optional, so none is sent.
        assert!(
            y.contains("    auth: none\n    form: { \"n\": 3, tags: [\"\"] }\n"),
            "{y}"
        );
        assert!(y.contains("# the document gives no 2xx status"), "{y}");
        // Two schemes at once cannot be sent: a comment, and the default turned off.
        assert!(y.contains("# auth: baton cannot send `digest` and `key` at once; the request goes without auth"), "{y}");
        assert!(y.contains("body: \"{{ '{{' }} not a template }}\""), "{y}");
        assert!(y.contains("  - name: PUT /a\n"), "{y}");
        assert!(y.contains("  # relative in the document: put the API's origin in front (https://HOST/api)\n  base_url: /api\n"), "{y}");
        assert!(
            w.iter()
                .any(|w| w.contains("server URL `/api` is relative")),
            "{w:?}"
        );
    }

    #[test]
    fn no_servers_and_no_operations() {
        let (y, w) = yaml("openapi: 3.1.0\ninfo: { title: Empty, version: '1' }\n");
        assert!(
            y.contains("  # fill in: the document names no server\n  base_url: \"\"\n"),
            "{y}"
        );
        assert!(y.contains("requests: []\n"), "{y}");
        assert!(w.iter().any(|w| w.contains("no `servers`")), "{w:?}");
        assert!(w.iter().any(|w| w.contains("no operations")), "{w:?}");
    }
}
