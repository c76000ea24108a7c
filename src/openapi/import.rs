//! `baton import openapi`: one request per operation, in document order, ready for
//! `baton check` and contract-tested through the collection's `openapi:` key. `request`
//! writes one request (URL, parameters, auth), `body` its body.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::OpenApiError;
use super::doc::{Api, Operation, Parameter};
use super::example::Examples;
use super::refs::{Docs, RefScope};
use super::sample::{sample, sample_without_examples};
use super::security::{self, Auth, Warnings};
use crate::convert::writer::{Y, document};
use crate::convert::{Imported, escape_jinja, sanitize, slug};

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

/// A collection variable made from a parameter (or an operation's server).
pub(super) struct Var {
    pub value: Option<Json>,
    /// What it is, for the comment when there is no value.
    pub what: String,
    /// The value is a placeholder of the schema's type, not the document's example.
    pub placeholder: bool,
}

pub(super) struct Gen<'a> {
    pub docs: &'a Docs,
    pub api: &'a Api,
    /// Parameter key (its name, or operation and name when schemas conflict) -> variable.
    pub names: IndexMap<String, String>,
    pub vars: IndexMap<String, Var>,
    pub warnings: Warnings,
    /// Parameter names whose schemas differ between operations: a variable per operation.
    pub conflicts: HashSet<String>,
    /// An operation's own server URL -> the variable that holds it.
    pub servers: IndexMap<String, String>,
    pub examples: Examples,
}

/// A request, its group (tag file) and the variables it uses.
struct Generated {
    group: Option<String>,
    request: Y,
    used: Vec<String>,
}

fn generate(docs: &Docs, key: &str, split_by_tag: bool) -> Result<Imported, OpenApiError> {
    let api = Api::read(docs)?;
    let mut g = Gen {
        docs,
        api: &api,
        names: IndexMap::new(),
        vars: IndexMap::new(),
        warnings: Warnings::default(),
        conflicts: conflicts(&api),
        servers: IndexMap::new(),
        examples: Examples::new(docs),
    };
    let default_auth = match &api.security {
        Some(reqs) => security::auth(&api, reqs, &mut g.warnings),
        None => Auth::None,
    };
    let requests = g.requests(&default_auth, split_by_tag);
    let mut groups: Vec<(Option<String>, Vec<Generated>)> = Vec::new();
    for r in requests {
        match groups.iter_mut().find(|(k, _)| *k == r.group) {
            Some((_, list)) => list.push(r),
            None => groups.push((r.group.clone(), vec![r])),
        }
    }
    if groups.is_empty() {
        groups.push((None, Vec::new()));
        g.warnings
            .push("the document has no operations; the collection has no requests".into());
    }
    let base = g.base_url();
    let mut out = Imported::default();
    let mut files = BTreeSet::new();
    for (group, list) in groups {
        let title = group.unwrap_or_else(|| api.title.clone());
        let stem = slug(&title, "api");
        let mut file = stem.clone();
        let mut i = 2;
        while !files.insert(file.clone()) {
            file = format!("{stem}-{i}");
            i += 1;
        }
        let text = g.file(title, key, &base, &default_auth, list);
        out.files
            .push((PathBuf::from(format!("{file}.yaml")), text));
    }
    g.warn_unfilled();
    out.warnings = g.warnings.list;
    Ok(out)
}

/// Names of parameters whose schemas differ between the operations that have them.
fn conflicts(api: &Api) -> HashSet<String> {
    let mut seen: IndexMap<&str, &Option<Json>> = IndexMap::new();
    let mut out = HashSet::new();
    for p in api.operations.iter().flat_map(|o| &o.parameters) {
        match seen.get(p.name.as_str()) {
            Some(s) if **s != p.schema => {
                out.insert(p.name.clone());
            }
            Some(_) => {}
            None => {
                seen.insert(&p.name, &p.schema);
            }
        }
    }
    out
}

impl Gen<'_> {
    /// Every operation as a request, with unique names.
    fn requests(&mut self, default_auth: &Auth, split_by_tag: bool) -> Vec<Generated> {
        let mut out = Vec::new();
        let mut taken = BTreeSet::new();
        for op in &self.api.operations {
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
                self.warnings.push(format!(
                    "two operations are named `{base}`; the second is named `{name}`"
                ));
            }
            let (request, used) = self.request(op, name, default_auth);
            let group = split_by_tag.then(|| op.tags.first().cloned()).flatten();
            out.push(Generated {
                group,
                request,
                used,
            });
        }
        out
    }

    /// One collection file: its header, variables, defaults and requests.
    fn file(
        &self,
        title: String,
        key: &str,
        base: &(Y, Vec<String>),
        default_auth: &Auth,
        list: Vec<Generated>,
    ) -> String {
        let mut used: Vec<&String> = Vec::new();
        for v in list.iter().flat_map(|r| &r.used) {
            if !used.contains(&v) {
                used.push(v);
            }
        }
        let mut doc = Y::map();
        doc.put("version", Y::Int(1));
        doc.put("name", Y::str(title));
        doc.put("openapi", Y::str(key));
        let mut vars = Y::map();
        vars.put(
            "base_url",
            Y::Noted(base.1.clone(), Box::new(base.0.clone())),
        );
        for (name, var) in self.vars.iter().filter(|(n, _)| used.contains(n)) {
            vars.put(name.clone(), var_y(var));
        }
        doc.put("vars", vars);
        if let Auth::Set(a) = default_auth {
            doc.put("defaults", Y::Map(vec![("auth".into(), a.clone())]));
        }
        doc.put(
            "requests",
            Y::Seq(list.into_iter().map(|r| r.request).collect()),
        );
        let mut header = vec![format!(
            "Generated from the OpenAPI document \"{}\" by `baton import openapi`.",
            self.api.title
        )];
        if let Auth::Unsupported(why) = default_auth {
            header.push(why.clone());
        }
        document(&Y::Noted(header, Box::new(doc)))
    }

    fn warn_unfilled(&mut self) {
        let list = |f: &dyn Fn(&Var) -> bool| -> Vec<String> {
            self.vars
                .iter()
                .filter(|(_, v)| f(v))
                .map(|(k, _)| format!("`{k}`"))
                .collect()
        };
        let empty = list(&|v| v.value.is_none());
        let placeholders = list(&|v| v.placeholder);
        if !empty.is_empty() {
            self.warnings.push(format!(
                "no example or default for {}; set to \"\" in `vars`: fill them in, or give them with --var NAME=VALUE",
                empty.join(", ")
            ));
        }
        if !placeholders.is_empty() {
            self.warnings.push(format!(
                "no example or default for {}; set to a placeholder of the parameter's type in `vars`: put real values there, or give them with --var NAME=VALUE",
                placeholders.join(", ")
            ));
        }
    }

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

    /// The variable that holds a parameter's value, declared on first use: the parameter's
    /// example when it matches the schema, else a value of the schema's type.
    pub fn var(&mut self, op: &Operation, p: &Parameter, kind: &str) -> String {
        let conflict = self.conflicts.contains(&p.name);
        let key = match conflict {
            true => format!("{}\u{0}{}", op_label(op), p.name),
            false => p.name.clone(),
        };
        let ident = match self.names.get(&key) {
            Some(i) => i.clone(),
            None => {
                let base = match conflict {
                    true => sanitize(&format!("{}_{}", op_label(op), p.name)),
                    false => sanitize(&p.name),
                };
                let ident = self.fresh(&base);
                self.names.insert(key, ident.clone());
                ident
            }
        };
        // A later operation's example replaces an earlier one's placeholder.
        let better = |v: &Var| v.value.is_none() || (v.placeholder && p.example.is_some());
        if self.vars.get(&ident).is_none_or(better) {
            let (value, placeholder) = self.param_value(op, p, kind);
            self.vars.insert(
                ident.clone(),
                Var {
                    value,
                    what: format!("{kind} parameter `{}` of {}", p.name, op_label(op)),
                    placeholder,
                },
            );
        }
        ident
    }

    /// An identifier not yet taken by a variable.
    pub fn fresh(&self, base: &str) -> String {
        let mut ident = base.to_string();
        let mut i = 2;
        while ident == "base_url"
            || self.names.values().any(|v| *v == ident)
            || self.vars.contains_key(&ident)
        {
            ident = format!("{base}_{i}");
            i += 1;
        }
        ident
    }

    /// A parameter's value: its example if it matches its schema (else a warning), else a
    /// placeholder of the schema's type; `None` only without a schema for an optional one.
    pub fn param_value(
        &mut self,
        op: &Operation,
        p: &Parameter,
        kind: &str,
    ) -> (Option<Json>, bool) {
        if let Some(e) = p.example.as_ref().filter(|e| e.as_str() != Some("")) {
            let problem = match (&p.schema, p.own_example) {
                (Some(s), true) => self.examples.problem(s, e),
                _ => None,
            };
            match problem {
                None => return (Some(e.clone()), false),
                Some(why) => self.warnings.once(
                    &format!("example\u{0}{}\u{0}{}", op_label(op), p.name),
                    format!(
                    "the example of {kind} parameter `{}` of {} does not match its schema ({why}); a value of the schema's type is used",
                        p.name,
                        op_label(op)
                    ),
                ),
            }
        }
        (Some(self.placeholder(p.schema.as_ref())), true)
    }

    /// A value of the schema's type that is never empty: `1` for numbers, `"string"` for
    /// text, a valid value for formats, the first enum value.
    fn placeholder(&self, schema: Option<&Json>) -> Json {
        let Some(s) = schema else {
            return Json::String("string".into());
        };
        let mut v = sample(self.docs, s);
        if !self.examples.valid(s, &v) {
            v = sample_without_examples(self.docs, s);
        }
        let one = Json::from(1);
        match &v {
            Json::Number(n) if n.as_f64() == Some(0.0) && self.examples.valid(s, &one) => one,
            Json::String(t) if t.is_empty() => Json::String("string".into()),
            Json::Null => Json::String("string".into()),
            _ => v,
        }
    }
}

/// A variable's value in `vars`, with a comment when it is a placeholder or missing.
fn var_y(var: &Var) -> Y {
    match &var.value {
        Some(v) if var.placeholder => Y::Noted(
            vec![format!(
                "placeholder: put a real value for the {}",
                var.what
            )],
            Box::new(json_y(v)),
        ),
        Some(v) => json_y(v),
        None => Y::Noted(vec![format!("fill in: {}", var.what)], Box::new(Y::str(""))),
    }
}

pub(super) fn op_label(op: &Operation) -> String {
    match &op.operation_id {
        Some(id) => id.clone(),
        None => format!("{} {}", op.method, op.path),
    }
}

/// The first explicit 2xx status the operation documents, in document order.
pub(super) fn first_2xx(op: &Operation) -> Option<u16> {
    op.responses
        .iter()
        .filter_map(|(k, _)| k.parse::<u16>().ok())
        .find(|s| (200..300).contains(s))
}

/// JSON as YAML, with text that MiniJinja would read as a template escaped.
pub(super) fn json_y(v: &Json) -> Y {
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

    #[test]
    fn a_later_example_replaces_a_placeholder() {
        let (y, _) = yaml(
            r##"
openapi: 3.1.0
info: { title: P, version: "1" }
paths:
  /a/{id}:
    get:
      parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
      responses: { "200": { description: x } }
  /b/{id}:
    get:
      parameters: [{ name: id, in: path, required: true, schema: { type: integer }, example: 7 }]
      responses: { "200": { description: x } }
"##,
        );
        assert!(y.contains("  base_url: \"\"\n  id: 7\n"), "{y}");
    }
}
