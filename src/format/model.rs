//! A checked collection: what the YAML means, as plain data. Every template is compiled,
//! every JSONPath, regex and JSON Schema too, and every path resolved; nothing here parses,
//! and nothing downstream of the loader sees YAML or checks it again.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use regex::Regex;
use serde_json::Value as Json;
use serde_json_path::JsonPath;

use crate::problem::source::{Pos, SourceFile, Span};
use crate::template::{TValue, Tmpl};

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
    /// What `check` keeps of a request (`Keep::Outline`): the request itself is dropped
    /// once read, so `check` of a large collection holds far less than a run's model.
    Outline(Box<Outline>),
}

/// What `check` looks at in a request once the request is read: where it is, the templates
/// it renders and the names it captures. Only a collection loaded for `check` has them.
#[derive(Debug, Clone)]
pub struct Outline {
    pub name: String,
    pub span: Span,
    /// The URL, for a request that sends.
    pub url: Option<Tmpl>,
    /// `for_each`'s templates (rendered before the request), when it has `for_each`.
    pub for_each: Option<Box<[Tmpl]>>,
    /// Every other template the request renders, in `check::request_templates`'s order.
    pub templates: Box<[Tmpl]>,
    /// The variables its captures set.
    pub captures: Box<[String]>,
    /// Whether it waits for an inbound request.
    pub receives: bool,
}

impl Collection {
    /// The requests of a collection loaded for a run (`Keep::Model`); none for one loaded
    /// for `check` (`Keep::Outline`), whose steps are outlines: see `request_count`.
    pub fn requests(&self) -> impl Iterator<Item = &Request> {
        self.steps.iter().filter_map(|s| match s {
            Step::Request(r) => Some(r.as_ref()),
            Step::IncludeVars { .. } | Step::Outline(_) => None,
        })
    }

    /// How many requests the collection has, whichever way it was loaded.
    pub fn request_count(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| matches!(s, Step::Request(_) | Step::Outline(_)))
            .count()
    }

    /// Each sending request's name, place and URL, whichever way the collection was loaded.
    pub fn urls(&self) -> impl Iterator<Item = (&str, &Span, &Tmpl)> {
        self.steps.iter().filter_map(|s| match s {
            Step::Request(r) => match &r.action {
                Action::Send(send) => Some((r.name.as_str(), &r.span, &send.url)),
                Action::Receive(_) => None,
            },
            Step::Outline(o) => o.url.as_ref().map(|u| (o.name.as_str(), &o.span, u)),
            Step::IncludeVars { .. } => None,
        })
    }

    /// Whether any step waits for an inbound request (the run then listens).
    pub fn receives(&self) -> bool {
        self.steps.iter().any(|s| match s {
            Step::Request(r) => matches!(r.action, Action::Receive(_)),
            Step::Outline(o) => o.receives,
            Step::IncludeVars { .. } => false,
        })
    }
}

/// One step of a collection: a request to send, or an inbound request to wait for.
#[derive(Debug, Clone)]
pub struct Request {
    pub name: String,
    /// Where the request's list item starts (its file may be an included one).
    pub span: Span,
    pub action: Action,
    pub expect: Expect,
    pub captures: Vec<Capture>,
    pub retry: Option<Retry>,
    pub when: Option<Tmpl>,
    pub delay: Option<Duration>,
    pub tags: Vec<String>,
    /// Run once per item of this list (a literal list or a template giving one).
    pub for_each: Option<TValue>,
}

#[derive(Debug, Clone)]
pub enum Action {
    Send(Box<Send>),
    Receive(Box<Receive>),
}

impl Request {
    /// The method shown in reports: the one sent, or the one waited for.
    pub fn method(&self) -> &str {
        match &self.action {
            Action::Send(s) => &s.method,
            Action::Receive(r) => &r.method,
        }
    }
}

/// What to send.
#[derive(Debug, Clone)]
pub struct Send {
    pub method: String,
    pub url: Tmpl,
    pub query: Vec<(String, TValue)>,
    /// After merging `defaults.headers`; a `null` has removed the default.
    pub headers: Vec<(String, Tmpl)>,
    pub body: Option<Body>,
    pub auth: Auth,
    pub timeout: Option<Duration>,
    pub follow_redirects: bool,
}

#[derive(Debug, Clone)]
pub enum Body {
    Json(TValue),
    Form(Vec<(String, TValue)>),
    Multipart(Vec<(String, Part)>),
    Raw(Tmpl),
    /// A file's bytes, path resolved against the collection file.
    File(PathBuf),
    GraphQl {
        query: Tmpl,
        variables: Option<TValue>,
        operation_name: Option<Tmpl>,
    },
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
    OAuth2(Box<OAuth2>),
    /// HTTP Digest (RFC 7616): answered when the server challenges.
    Digest {
        username: Tmpl,
        password: Tmpl,
    },
    AwsSigV4(Box<AwsSigV4>),
}

/// `aws_sigv4:`: AWS Signature Version 4 keys and scope.
#[derive(Debug, Clone)]
pub struct AwsSigV4 {
    pub access_key_id: Tmpl,
    pub secret_access_key: Tmpl,
    pub session_token: Option<Tmpl>,
    pub region: Tmpl,
    pub service: Tmpl,
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
    /// Extra form fields of the token request (`audience`, `resource`).
    pub params: Vec<(String, Tmpl)>,
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

/// An inbound request to wait for on the run's listener.
#[derive(Debug, Clone)]
pub struct Receive {
    pub method: String,
    /// The path as a pattern; a segment with a template in it matches any value here.
    pub path: PathPattern,
    /// The path's template, when it has one: rendered when the step runs, then matched.
    pub path_template: Option<Tmpl>,
    pub timeout: Duration,
    pub respond: Respond,
}

/// `/mo-sms/{id}`: literal segments and named parameters.
#[derive(Debug, Clone)]
pub struct PathPattern {
    pub text: String,
    pub segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Literal(String),
    Param(String),
}

/// The answer a `receive` step gives the sender.
#[derive(Debug, Clone)]
pub struct Respond {
    pub status: u16,
    pub headers: Vec<(String, Tmpl)>,
    pub body: RespondBody,
}

#[derive(Debug, Clone)]
pub enum RespondBody {
    None,
    Json(TValue),
    Text(Tmpl),
}

/// `expect:`: what must hold of a response (or of an inbound request).
#[derive(Debug, Clone)]
pub struct Expect {
    pub items: Vec<ExpectItem>,
    /// `openapi: false` opts the request out of the collection's contract check.
    pub openapi: bool,
    pub snapshot: Option<Snapshot>,
}

impl Default for Expect {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            openapi: true,
            snapshot: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ExpectItem {
    pub subject: Subject,
    pub checks: Vec<Check>,
    /// Where the subject is written.
    pub pos: Pos,
}

#[derive(Clone)]
pub enum Subject {
    Status,
    Header(String),
    /// A query parameter of an inbound request.
    Query(String),
    /// A compiled RFC 9535 JSONPath and its text, for messages (both shared by every
    /// expectation of the same path in a collection).
    Json(Arc<JsonPath>, Arc<str>),
    Body,
    Duration,
    Schema(Arc<jsonschema::Validator>),
    /// A variable's value as the response is checked (`expect: { vars: { NAME: ... } }`).
    Var(String),
    /// A cookie's value in the collection's jar for the request's URL, once the response's
    /// `Set-Cookie` headers are in (`expect: { cookies: { NAME: ... } }`).
    Cookie(String),
}

impl std::fmt::Debug for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Subject::Status => f.write_str("Status"),
            Subject::Header(h) => write!(f, "Header({h})"),
            Subject::Query(q) => write!(f, "Query({q})"),
            Subject::Json(_, p) => write!(f, "Json({p})"),
            Subject::Body => f.write_str("Body"),
            Subject::Duration => f.write_str("Duration"),
            Subject::Schema(_) => f.write_str("Schema"),
            Subject::Var(v) => write!(f, "Var({v})"),
            Subject::Cookie(c) => write!(f, "Cookie({c})"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Check {
    pub pred: Pred,
    pub negated: bool,
    /// `length: { gt: 0 }`: the predicate applies to the subject's length.
    pub of_length: bool,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub enum Pred {
    Eq(TValue),
    Ne(TValue),
    Cmp(Ord4, TValue),
    Contains(TValue),
    Matches(Matcher),
    Exists(bool),
    Type(&'static str),
    Length(TValue),
    OneOf(TValue),
    Jwt(Box<Jwt>),
    /// `sha256: HEX`: the value's bytes (a body's as received) hash to HEX.
    Sha256(TValue),
}

impl Pred {
    /// The expected value of the predicates that compare with one.
    pub fn value(&self) -> Option<&TValue> {
        match self {
            Pred::Eq(v)
            | Pred::Ne(v)
            | Pred::Cmp(_, v)
            | Pred::Contains(v)
            | Pred::Length(v)
            | Pred::OneOf(v)
            | Pred::Sha256(v) => Some(v),
            Pred::Matches(_) | Pred::Exists(_) | Pred::Type(_) | Pred::Jwt(_) => None,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Ord4 {
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone)]
pub enum Matcher {
    Static(Regex),
    Template(Tmpl),
}

/// `jwt: { key, alg, claims }`: a JSON Web Token that verifies with `key`.
#[derive(Debug, Clone)]
pub struct Jwt {
    pub key: Tmpl,
    /// One of `keys::JWT_ALGS`.
    pub alg: &'static str,
    /// Claim name -> checks on its value.
    pub claims: Vec<(String, Vec<Check>)>,
}

/// `snapshot: true` / `{ ignore: [...] }`.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Paths replaced by `"[ignored]"` before comparing.
    pub ignore: Vec<(JsonPath, String)>,
    pub pos: Pos,
}

/// `VAR: SOURCE`: a value taken from the response into a variable.
#[derive(Debug, Clone)]
pub struct Capture {
    pub var: String,
    pub pos: Pos,
    pub source: Source,
    pub regex: Option<Regex>,
    pub default: Option<Json>,
    pub secret: bool,
}

#[derive(Debug, Clone)]
pub enum Source {
    /// A compiled JSONPath and its text, shared like `Subject::Json`'s.
    Json(Arc<JsonPath>, Arc<str>),
    Header(String),
    Cookie(String),
    Status,
    Body,
    Duration,
}
