//! One operation as a request: its URL (the operation's own server when it has one), path,
//! query, header and cookie parameters serialised as the document's `style` and `explode`
//! say, auth, expected status and tags.

use serde_json::Value as Json;

use super::doc::{In, Operation, Parameter};
use super::import::{Gen, Var, first_2xx};
use super::security::{self, Auth};
use crate::convert::escape_jinja;
use crate::convert::writer::Y;

/// Header parameters OpenAPI says to ignore: baton sets them from `json:` and `auth:`.
const IGNORED_HEADERS: [&str; 3] = ["accept", "content-type", "authorization"];

/// What a request sends besides its URL and body.
#[derive(Default)]
struct Sent {
    query: Vec<(String, Y)>,
    headers: Vec<(String, Y)>,
    cookies: Vec<String>,
}

impl Gen<'_> {
    pub(super) fn request(
        &mut self,
        op: &Operation,
        name: String,
        default_auth: &Auth,
    ) -> (Y, Vec<String>) {
        let mut used = Vec::new();
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
        r.put("url", Y::Str(self.url(op, &mut used)));
        let mut sent = Sent::default();
        for p in op
            .parameters
            .iter()
            .filter(|p| p.required && p.location != In::Path)
        {
            self.parameter(op, p, &mut sent, &mut used);
        }
        if !sent.cookies.is_empty() {
            sent.headers
                .push(("Cookie".into(), Y::Str(sent.cookies.join("; "))));
        }
        let body = op.body.as_ref().map(|b| self.body(op, &b.content));
        if let Some((_, _, Some(ct))) = &body {
            sent.headers
                .push(("Content-Type".into(), Y::str(ct.clone())));
        }
        if !sent.query.is_empty() {
            r.put("query", Y::Map(sent.query));
        }
        if !sent.headers.is_empty() {
            r.put("headers", Y::Map(sent.headers));
        }
        if let Some(a) = self.auth(op, default_auth, &mut notes) {
            r.put("auth", a);
        }
        match body {
            Some((Some(k), value, _)) => r.put(k, value),
            Some((None, Y::Comment(lines), _)) => notes.extend(lines),
            _ => {}
        }
        self.expect_and_tags(op, &mut r, &mut notes);
        let y = match notes.is_empty() {
            true => r,
            false => Y::Noted(notes, Box::new(r)),
        };
        (y, used)
    }

    /// `{{ base_url }}` (or the operation's own server's variable) and the path, each path
    /// parameter a variable (or its value serialised, for arrays and objects).
    fn url(&mut self, op: &Operation, used: &mut Vec<String>) -> String {
        let server = self.server_var(op);
        used.push(server.clone());
        let mut url = format!("{{{{ {server} }}}}");
        let mut rest = op.path.as_str();
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            url.push_str(&escape_jinja(&rest[..start]));
            let pname = &rest[start + 1..start + len];
            let declared = op
                .parameters
                .iter()
                .find(|p| p.location == In::Path && p.name == pname)
                .cloned()
                .unwrap_or_else(|| undeclared_path_parameter(pname));
            url.push_str(&self.scalar_or_inline(op, &declared, "path", ",", used));
            rest = &rest[start + len + 1..];
        }
        url.push_str(&escape_jinja(rest));
        url
    }

    /// `base_url`, or a variable per operation-level server that differs from the first
    /// document server (`base_url_2`, ...).
    fn server_var(&mut self, op: &Operation) -> String {
        let (Some(own), first) = (op.servers.first(), self.api.servers.first()) else {
            return "base_url".into();
        };
        if first.is_some_and(|f| f.url == own.url) {
            return "base_url".into();
        }
        if let Some(v) = self.servers.get(&own.url) {
            return v.clone();
        }
        let ident = self.fresh(&format!("base_url_{}", self.servers.len() + 2));
        let url = own.url.trim_end_matches('/').to_string();
        self.vars.insert(
            ident.clone(),
            Var {
                value: Some(Json::String(url)),
                what: format!("the server of {}", super::import::op_label(op)),
                placeholder: false,
            },
        );
        self.servers.insert(own.url.clone(), ident.clone());
        ident
    }

    /// A scalar parameter as `{{ variable }}`; an array or object written out, its items
    /// joined by `sep` (simple and form styles without explode).
    fn scalar_or_inline(
        &mut self,
        op: &Operation,
        p: &Parameter,
        kind: &str,
        sep: &str,
        used: &mut Vec<String>,
    ) -> String {
        let (value, _) = self.param_value(op, p, kind);
        match value {
            Some(v @ (Json::Array(_) | Json::Object(_))) => escape_jinja(&joined(&v, sep)),
            _ => {
                let ident = self.var(op, p, kind);
                used.push(ident.clone());
                format!("{{{{ {ident} }}}}")
            }
        }
    }

    /// A required query, header or cookie parameter.
    fn parameter(
        &mut self,
        op: &Operation,
        p: &Parameter,
        sent: &mut Sent,
        used: &mut Vec<String>,
    ) {
        match p.location {
            In::Query => self.query(op, p, sent, used),
            In::Header if IGNORED_HEADERS.contains(&p.name.to_ascii_lowercase().as_str()) => {}
            In::Header => {
                let v = self.scalar_or_inline(op, p, "header", ",", used);
                sent.headers.push((p.name.clone(), Y::Str(v)));
            }
            In::Cookie => {
                let v = self.scalar_or_inline(op, p, "cookie", ",", used);
                sent.cookies.push(format!("{}={v}", p.name));
            }
            In::Path => {}
        }
    }

    /// A query parameter as `style` and `explode` say: form (a list repeats the name, an
    /// object's properties are parameters of their own), spaceDelimited, pipeDelimited,
    /// deepObject (`name[key]=value`).
    fn query(&mut self, op: &Operation, p: &Parameter, sent: &mut Sent, used: &mut Vec<String>) {
        let style = p.style.as_deref().unwrap_or("form");
        let explode = p.explode.unwrap_or(style == "form");
        let (value, _) = self.param_value(op, p, "query");
        let text = |v: &Json| Y::Str(escape_jinja(&scalar_text(v)));
        match (value, style) {
            (Some(Json::Object(map)), "deepObject") => {
                for (k, v) in &map {
                    sent.query.push((format!("{}[{k}]", p.name), text(v)));
                }
            }
            (Some(Json::Object(map)), "form") if explode => {
                for (k, v) in &map {
                    sent.query.push((k.clone(), text(v)));
                }
            }
            (Some(Json::Array(items)), "form") if explode => {
                sent.query
                    .push((p.name.clone(), Y::Seq(items.iter().map(text).collect())));
            }
            (Some(v @ (Json::Array(_) | Json::Object(_))), _) => {
                let sep = match style {
                    "spaceDelimited" => " ",
                    "pipeDelimited" => "|",
                    _ => ",",
                };
                sent.query
                    .push((p.name.clone(), Y::Str(escape_jinja(&joined(&v, sep)))));
            }
            _ => {
                let ident = self.var(op, p, "query");
                used.push(ident.clone());
                sent.query
                    .push((p.name.clone(), Y::Str(format!("{{{{ {ident} }}}}"))));
            }
        }
    }

    /// The request's own `auth` when it differs from `defaults.auth` (`none` turns it off).
    fn auth(&mut self, op: &Operation, default_auth: &Auth, notes: &mut Vec<String>) -> Option<Y> {
        let auth = match &op.security {
            Some(reqs) => security::auth(self.api, reqs, &mut self.warnings),
            None => default_auth.clone(),
        };
        let has_default = matches!(default_auth, Auth::Set(_));
        match &auth {
            a if a == default_auth => None,
            Auth::Set(y) => Some(y.clone()),
            Auth::None => has_default.then(|| Y::str("none")),
            Auth::Unsupported(why) => {
                notes.push(why.clone());
                has_default.then(|| Y::str("none"))
            }
        }
    }

    fn expect_and_tags(&self, op: &Operation, r: &mut Y, notes: &mut Vec<String>) {
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
    }
}

/// A `{name}` in the path that no parameter declares: a text variable all the same.
fn undeclared_path_parameter(name: &str) -> Parameter {
    Parameter {
        name: name.to_string(),
        location: In::Path,
        required: true,
        example: None,
        own_example: false,
        schema: None,
        style: None,
        explode: None,
    }
}

/// A scalar as the text a URL or header carries (`true`, `1.5`, `abc`).
fn scalar_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

/// An array's items, or an object's keys and values, joined by `sep`.
fn joined(v: &Json, sep: &str) -> String {
    match v {
        Json::Array(items) => items.iter().map(scalar_text).collect::<Vec<_>>().join(sep),
        Json::Object(map) => map
            .iter()
            .flat_map(|(k, v)| [k.clone(), scalar_text(v)])
            .collect::<Vec<_>>()
            .join(sep),
        other => scalar_text(other),
    }
}
