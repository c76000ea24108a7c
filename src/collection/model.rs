//! A checked collection: what the YAML means, every template compiled, every path resolved.
//! Nothing downstream of the loader sees YAML or re-validates.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value as Json;

use crate::capture::Capture;
use crate::diag::Diags;
use crate::expect::Expect;
use crate::source::{SourceFile, Span};
use crate::template::{TemplateError, Tmpl, Vars};
use crate::yaml::{Kind, Node};

#[derive(Debug, Clone)]
pub struct Collection {
    /// `name:` or the file stem.
    pub name: String,
    /// The path as the user gave it (or as found under a directory).
    pub path: PathBuf,
    pub file: Arc<SourceFile>,
    /// Collection defaults, in file order (lowest precedence).
    pub vars: Vec<(String, TValue)>,
    pub cookies: bool,
    /// Requests in order, with included files' requests inline.
    pub steps: Vec<Step>,
    /// Canonical paths of every file this collection includes (directly or not).
    pub includes: Vec<PathBuf>,
    /// `openapi:`: the OpenAPI document every response is checked against (resolved path).
    pub openapi: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub enum Step {
    /// An included file's `vars`: they fill in only names not yet defined.
    IncludeVars {
        file: Arc<SourceFile>,
        vars: Vec<(String, TValue)>,
    },
    Request(Box<Request>),
}

impl Collection {
    pub fn requests(&self) -> impl Iterator<Item = &Request> {
        self.steps.iter().filter_map(|s| match s {
            Step::Request(r) => Some(r.as_ref()),
            Step::IncludeVars { .. } => None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Request {
    pub name: String,
    /// Where the request's list item starts (its file may be an included one).
    pub span: Span,
    pub method: String,
    pub url: Tmpl,
    pub query: Vec<(String, TValue)>,
    /// After merging `defaults.headers`; a `null` has removed the default.
    pub headers: Vec<(String, Tmpl)>,
    pub body: Option<Body>,
    pub auth: Auth,
    pub expect: Expect,
    pub captures: Vec<Capture>,
    pub timeout: Option<Duration>,
    pub follow_redirects: bool,
    pub retry: Option<Retry>,
    pub when: Option<Tmpl>,
    pub delay: Option<Duration>,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum Body {
    Json(TValue),
    Form(Vec<(String, TValue)>),
    Multipart(Vec<(String, Part)>),
    Raw(Tmpl),
    /// A file's bytes, path resolved against the collection file.
    File(PathBuf),
}

#[derive(Debug, Clone)]
pub enum Part {
    Text(TValue),
    File {
        path: PathBuf,
        content_type: Option<String>,
    },
}

#[derive(Debug, Clone)]
pub enum Auth {
    None,
    Basic {
        username: Tmpl,
        password: Tmpl,
    },
    Bearer(Tmpl),
    ApiKey {
        location: ApiKeyIn,
        name: String,
        value: Tmpl,
    },
    OAuth2(OAuth2),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyIn {
    Header,
    Query,
}

#[derive(Debug, Clone)]
pub struct OAuth2 {
    pub token_url: Tmpl,
    pub client_id: Tmpl,
    pub client_secret: Tmpl,
    pub scope: Option<Tmpl>,
    pub client_auth: ClientAuth,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    Basic,
    Body,
}

#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Sends in all, at least 1.
    pub attempts: u32,
    pub interval: Duration,
}

/// A YAML value whose strings are templates.
#[derive(Debug, Clone)]
pub enum TValue {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    Str(Tmpl),
    Seq(Vec<TValue>),
    Map(Vec<(String, TValue)>),
}

impl TValue {
    /// Compile every string under `node`; template errors are recorded in `diags`.
    pub fn from_node(node: &Node, diags: &mut Diags) -> TValue {
        match &node.kind {
            Kind::Null => TValue::Null,
            Kind::Bool(b) => TValue::Bool(*b),
            Kind::Int(i) => TValue::Number((*i).into()),
            Kind::Float(f) => serde_json::Number::from_f64(*f).map_or(TValue::Null, TValue::Number),
            Kind::Str(s) => match Tmpl::compile(s, node.pos) {
                Ok(t) => TValue::Str(t),
                Err(e) => {
                    diags.error(node.pos, e.to_string()).help(
                        "templates use MiniJinja syntax: {{ variable }}, {{ value | filter }}",
                    );
                    TValue::Null
                }
            },
            Kind::Seq(items) => {
                TValue::Seq(items.iter().map(|n| TValue::from_node(n, diags)).collect())
            }
            Kind::Map(entries) => TValue::Map(
                entries
                    .iter()
                    .map(|(k, v)| (k.name.clone(), TValue::from_node(v, diags)))
                    .collect(),
            ),
        }
    }

    pub fn render(&self, vars: &Vars) -> Result<Json, TemplateError> {
        Ok(match self {
            TValue::Null => Json::Null,
            TValue::Bool(b) => Json::Bool(*b),
            TValue::Number(n) => Json::Number(n.clone()),
            TValue::Str(t) => t.render_value(vars)?,
            TValue::Seq(items) => Json::Array(
                items
                    .iter()
                    .map(|i| i.render(vars))
                    .collect::<Result<_, _>>()?,
            ),
            TValue::Map(entries) => Json::Object(
                entries
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), v.render(vars)?)))
                    .collect::<Result<_, TemplateError>>()?,
            ),
        })
    }

    /// Every template inside, for the undefined-variable check.
    pub fn templates<'a>(&'a self, out: &mut Vec<&'a Tmpl>) {
        match self {
            TValue::Str(t) => out.push(t),
            TValue::Seq(items) => items.iter().for_each(|i| i.templates(out)),
            TValue::Map(entries) => entries.iter().for_each(|(_, v)| v.templates(out)),
            _ => {}
        }
    }
}
