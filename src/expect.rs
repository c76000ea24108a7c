//! Expectations: response -> assertion results. Parsed and compiled (JSONPath, regexes,
//! JSON Schemas) at load time; every predicate is checked and reported, none stops another.

use std::path::Path;
use std::sync::Arc;

use regex::Regex;
use serde_json::Value as Json;
use serde_json_path::JsonPath;

use crate::capture::{parse_path, preview, regex_reason};
use crate::collection::model::TValue;
use crate::diag::Diags;
use crate::event::AssertionResult;
use crate::response::Response;
use crate::source::did_you_mean;
use crate::template::{Tmpl, Vars, json_text};
use crate::yaml::{Kind, Node};

const KEYS: [&str; 7] = [
    "status", "headers", "json", "body", "duration", "schema", "openapi",
];
const PREDICATES: [&str; 13] = [
    "eq", "ne", "gt", "ge", "lt", "le", "contains", "matches", "exists", "type", "length",
    "one_of", "not",
];
const TYPES: [&str; 7] = [
    "null", "boolean", "number", "integer", "string", "array", "object",
];

#[derive(Debug, Clone)]
pub struct Expect {
    items: Vec<Item>,
    /// `openapi: false` opts the request out of the collection's contract check.
    pub openapi: bool,
}

impl Default for Expect {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            openapi: true,
        }
    }
}

#[derive(Debug, Clone)]
struct Item {
    subject: Subject,
    checks: Vec<Check>,
}

#[derive(Clone)]
enum Subject {
    Status,
    Header(String),
    Json(JsonPath, String),
    Body,
    Duration,
    Schema(Arc<jsonschema::Validator>, u32),
}

impl std::fmt::Debug for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Subject {
    fn describe(&self) -> String {
        match self {
            Subject::Status => "status".into(),
            Subject::Header(h) => format!("header {h}"),
            Subject::Json(_, p) => format!("json {p}"),
            Subject::Body => "body".into(),
            Subject::Duration => "duration".into(),
            Subject::Schema(..) => "schema".into(),
        }
    }
}

#[derive(Debug, Clone)]
struct Check {
    pred: Pred,
    negated: bool,
    /// `length: { gt: 0 }`: the predicate applies to the subject's length.
    of_length: bool,
    line: u32,
}

#[derive(Debug, Clone)]
enum Pred {
    Eq(TValue),
    Ne(TValue),
    Cmp(Ord4, TValue),
    Contains(TValue),
    Matches(Matcher),
    Exists(bool),
    Type(&'static str),
    Length(TValue),
    OneOf(TValue),
}

#[derive(Debug, Clone, Copy)]
enum Ord4 {
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone)]
enum Matcher {
    Static(Regex),
    Template(Tmpl),
}

impl Pred {
    fn name(&self) -> &'static str {
        match self {
            Pred::Eq(_) => "eq",
            Pred::Ne(_) => "ne",
            Pred::Cmp(Ord4::Gt, _) => "gt",
            Pred::Cmp(Ord4::Ge, _) => "ge",
            Pred::Cmp(Ord4::Lt, _) => "lt",
            Pred::Cmp(Ord4::Le, _) => "le",
            Pred::Contains(_) => "contains",
            Pred::Matches(_) => "matches",
            Pred::Exists(_) => "exists",
            Pred::Type(_) => "type",
            Pred::Length(_) => "length",
            Pred::OneOf(_) => "one_of",
        }
    }
}

/// `node` is the value of `expect:`; `base_dir` is the collection file's directory.
pub fn parse_expect(node: &Node, base_dir: &Path, d: &mut Diags) -> Expect {
    let Some(map) = node.as_map() else {
        d.error(
            node.pos,
            format!("`expect` must be a map, found {}", node.type_name()),
        )
        .help("e.g. `expect: { status: 200 }`");
        return Expect::default();
    };
    let mut items = Vec::new();
    let mut openapi = true;
    for (k, v) in map {
        match k.name.as_str() {
            "openapi" => match v.kind {
                Kind::Bool(b) => openapi = b,
                _ => {
                    d.error(
                        v.pos,
                        "`openapi` is `false` (opt this request out of the contract check)",
                    );
                }
            },
            "status" => {
                let checks = match &v.kind {
                    Kind::Int(_) => vec![Check {
                        pred: Pred::Eq(TValue::from_node(v, d)),
                        negated: false,
                        of_length: false,
                        line: v.pos.line,
                    }],
                    Kind::Seq(_) => vec![Check {
                        pred: Pred::OneOf(TValue::from_node(v, d)),
                        negated: false,
                        of_length: false,
                        line: v.pos.line,
                    }],
                    Kind::Map(_) => predicates(v, false, d),
                    _ => {
                        d.error(v.pos, format!("`status` must be a code, a list of codes or predicates, found {}", v.type_name()))
                            .help("e.g. `status: 200`, `status: [200, 201]`, `status: { ge: 200, lt: 300 }`");
                        continue;
                    }
                };
                items.push(Item {
                    subject: Subject::Status,
                    checks,
                });
            }
            "headers" | "json" => {
                let Some(entries) = v.as_map() else {
                    d.error(
                        v.pos,
                        format!("`{}` must be a map, found {}", k.name, v.type_name()),
                    );
                    continue;
                };
                for (hk, hv) in entries {
                    let subject = if k.name == "headers" {
                        Subject::Header(hk.name.clone())
                    } else {
                        match parse_path(&hk.name) {
                            Ok(p) => Subject::Json(p, hk.name.clone()),
                            Err(e) => {
                                d.error(hk.pos, e).help("JSONPath starts with `$`, e.g. `$.data[0].name`; quote it in a flow map");
                                continue;
                            }
                        }
                    };
                    let checks = plain_or_predicates(hv, false, d);
                    items.push(Item { subject, checks });
                }
            }
            "body" => {
                let checks = plain_or_predicates(v, false, d);
                items.push(Item {
                    subject: Subject::Body,
                    checks,
                });
            }
            "duration" => {
                let checks = match &v.kind {
                    Kind::Map(_) => predicates(v, true, d),
                    _ => {
                        d.error(v.pos, "`duration` takes predicates such as `{ lt: 500ms }`");
                        continue;
                    }
                };
                items.push(Item {
                    subject: Subject::Duration,
                    checks,
                });
            }
            "schema" => {
                let schema = match &v.kind {
                    Kind::Str(rel) => {
                        let path = base_dir.join(rel);
                        match std::fs::read_to_string(&path) {
                            Ok(text) => match serde_json::from_str::<Json>(&text)
                                .map_err(|e| e.to_string())
                                .or_else(|_| {
                                    crate::yaml::parse(&text)
                                        .map(|n| n.to_json())
                                        .map_err(|e| e.message)
                                }) {
                                Ok(s) => s,
                                Err(e) => {
                                    d.error(
                                        v.pos,
                                        format!("schema file `{rel}` is not JSON or YAML: {e}"),
                                    );
                                    continue;
                                }
                            },
                            Err(e) => {
                                d.error(v.pos, format!("cannot read schema file `{rel}`: {e}"))
                                    .help(format!("paths are relative to the collection's directory; looked for {}", path.display()));
                                continue;
                            }
                        }
                    }
                    Kind::Map(_) => v.to_json(),
                    _ => {
                        d.error(
                            v.pos,
                            "`schema` is a path to a JSON Schema file or an inline schema map",
                        );
                        continue;
                    }
                };
                match jsonschema::validator_for(&schema) {
                    Ok(val) => items.push(Item {
                        subject: Subject::Schema(Arc::new(val), v.pos.line),
                        checks: Vec::new(),
                    }),
                    Err(e) => {
                        d.error(v.pos, format!("invalid JSON Schema: {e}"));
                    }
                }
            }
            other => {
                let diag = d.error(k.pos, format!("unknown key `{other}` in expect"));
                match did_you_mean(other, KEYS) {
                    Some(s) => diag.label(format!("did you mean `{s}`?")),
                    None => diag.help(format!("expect takes {}", KEYS.join(", "))),
                };
            }
        }
    }
    Expect { items, openapi }
}

/// A plain value means `eq`; a map holds predicates.
fn plain_or_predicates(v: &Node, duration: bool, d: &mut Diags) -> Vec<Check> {
    match &v.kind {
        Kind::Map(_) => predicates(v, duration, d),
        _ => vec![Check {
            pred: Pred::Eq(TValue::from_node(v, d)),
            negated: false,
            of_length: false,
            line: v.pos.line,
        }],
    }
}

fn predicates(v: &Node, duration: bool, d: &mut Diags) -> Vec<Check> {
    let mut out = Vec::new();
    let Some(map) = v.as_map() else { return out };
    if map.is_empty() {
        d.error(v.pos, "no predicate given")
            .help(format!("use one of {}", PREDICATES.join(", ")));
    }
    for (k, val) in map {
        let line = k.pos.line;
        let operand = |d: &mut Diags| -> TValue {
            if duration {
                duration_ms(val, d)
            } else {
                TValue::from_node(val, d)
            }
        };
        let pred = match k.name.as_str() {
            "eq" => Pred::Eq(operand(d)),
            "ne" => Pred::Ne(operand(d)),
            "gt" => Pred::Cmp(Ord4::Gt, operand(d)),
            "ge" => Pred::Cmp(Ord4::Ge, operand(d)),
            "lt" => Pred::Cmp(Ord4::Lt, operand(d)),
            "le" => Pred::Cmp(Ord4::Le, operand(d)),
            "contains" => Pred::Contains(operand(d)),
            "matches" => match val.as_str() {
                Some(s) => match Tmpl::compile(s, val.pos) {
                    Ok(t) if t.is_literal() => match Regex::new(s) {
                        Ok(re) => Pred::Matches(Matcher::Static(re)),
                        Err(e) => {
                            d.error(val.pos, format!("invalid regex: {}", regex_reason(&e)));
                            continue;
                        }
                    },
                    Ok(t) => Pred::Matches(Matcher::Template(t)),
                    Err(e) => {
                        d.error(val.pos, e.to_string());
                        continue;
                    }
                },
                None => {
                    d.error(val.pos, "`matches` takes a regular expression string");
                    continue;
                }
            },
            "exists" => match val.kind {
                Kind::Bool(b) => Pred::Exists(b),
                _ => {
                    d.error(val.pos, "`exists` is true or false");
                    continue;
                }
            },
            // `type: null` unquoted is YAML's null: it still means the type name.
            "type" if matches!(val.kind, Kind::Null) => Pred::Type("null"),
            "type" => match val.as_str().and_then(|s| TYPES.iter().find(|t| **t == s)) {
                Some(t) => Pred::Type(t),
                None => {
                    let diag = d.error(
                        val.pos,
                        format!("`type` must be one of {}", TYPES.join(", ")),
                    );
                    if let Some(s) = val.as_str().and_then(|s| did_you_mean(s, TYPES)) {
                        diag.label(format!("did you mean `{s}`?"));
                    }
                    continue;
                }
            },
            "length" => match &val.kind {
                Kind::Int(i) if *i >= 0 => Pred::Length(TValue::from_node(val, d)),
                Kind::Str(_) => Pred::Length(TValue::from_node(val, d)),
                Kind::Map(_) => {
                    for mut c in predicates(val, false, d) {
                        c.of_length = true;
                        out.push(c);
                    }
                    continue;
                }
                _ => {
                    d.error(
                        val.pos,
                        "`length` takes a whole number or predicates, e.g. `length: { gt: 0 }`",
                    );
                    continue;
                }
            },
            "one_of" => match &val.kind {
                Kind::Seq(items) => {
                    if duration {
                        let tv = TValue::Seq(items.iter().map(|i| duration_ms(i, d)).collect());
                        Pred::OneOf(tv)
                    } else {
                        Pred::OneOf(TValue::from_node(val, d))
                    }
                }
                _ => {
                    d.error(val.pos, "`one_of` takes a list");
                    continue;
                }
            },
            "not" => {
                if val.as_map().is_none() {
                    d.error(
                        val.pos,
                        "`not` takes predicates, e.g. `not: { contains: error }`",
                    );
                    continue;
                }
                for mut c in predicates(val, duration, d) {
                    c.negated = !c.negated;
                    out.push(c);
                }
                continue;
            }
            other => {
                let diag = d.error(k.pos, format!("unknown predicate `{other}`"));
                match did_you_mean(other, PREDICATES) {
                    Some(s) => diag.label(format!("did you mean `{s}`?")),
                    None => diag.help(format!(
                        "predicates are {}; to compare with a map, write `eq: {{ ... }}`",
                        PREDICATES.join(", ")
                    )),
                };
                continue;
            }
        };
        out.push(Check {
            pred,
            negated: false,
            of_length: false,
            line,
        });
    }
    out
}

/// A duration operand (`500ms`, or a number of milliseconds) as milliseconds.
fn duration_ms(v: &Node, d: &mut Diags) -> TValue {
    match &v.kind {
        Kind::Int(i) => TValue::Number((*i).into()),
        Kind::Float(f) => serde_json::Number::from_f64(*f).map_or(TValue::Null, TValue::Number),
        Kind::Str(s) => match crate::duration::parse(s) {
            Ok(dur) => TValue::Number((dur.as_millis() as u64).into()),
            Err(e) => {
                d.error(v.pos, e);
                TValue::Null
            }
        },
        _ => {
            d.error(v.pos, "a duration such as `500ms`");
            TValue::Null
        }
    }
}

impl Expect {
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Every template used in operands (for the undefined-variable check).
    pub fn templates(&self) -> Vec<&Tmpl> {
        let mut out = Vec::new();
        for item in &self.items {
            for c in &item.checks {
                match &c.pred {
                    Pred::Eq(v)
                    | Pred::Ne(v)
                    | Pred::Cmp(_, v)
                    | Pred::Contains(v)
                    | Pred::Length(v)
                    | Pred::OneOf(v) => v.templates(&mut out),
                    Pred::Matches(Matcher::Template(t)) => out.push(t),
                    Pred::Matches(Matcher::Static(_)) | Pred::Exists(_) | Pred::Type(_) => {}
                }
            }
        }
        out
    }

    /// Check everything; all failures are reported.
    pub fn check(&self, r: &Response, vars: &Vars) -> Vec<AssertionResult> {
        let mut out = Vec::with_capacity(self.items.len());
        for item in &self.items {
            if let Subject::Schema(validator, line) = &item.subject {
                out.push(check_schema(validator, *line, r));
                continue;
            }
            let actual = actual(&item.subject, r);
            for c in &item.checks {
                out.push(evaluate(&item.subject, &actual, c, vars));
            }
        }
        out
    }
}

/// What a subject is in this response; `Err` when it cannot be read at all (body not JSON).
fn actual(s: &Subject, r: &Response) -> Result<Option<Json>, String> {
    Ok(match s {
        Subject::Status => Some(Json::from(r.status)),
        Subject::Header(h) => {
            let all: Vec<&str> = r.header_all(h).collect();
            match all.len() {
                0 => None,
                _ => Some(Json::String(all.join(", "))),
            }
        }
        Subject::Json(path, _) => {
            let doc = r
                .json()
                .ok_or_else(|| format!("response is not JSON: {}", preview(&r.body)))?;
            let nodes = path.query(doc).all();
            match nodes.len() {
                0 => None,
                1 => Some(nodes[0].clone()),
                _ => Some(Json::Array(nodes.into_iter().cloned().collect())),
            }
        }
        Subject::Body => Some(Json::String(r.text())),
        Subject::Duration => Some(Json::from(r.duration.as_millis() as u64)),
        Subject::Schema(..) => None,
    })
}

fn check_schema(v: &jsonschema::Validator, line: u32, r: &Response) -> AssertionResult {
    let mut res = AssertionResult {
        subject: "schema".into(),
        predicate: "valid".into(),
        passed: false,
        expected: "a body valid against the schema".into(),
        actual: String::new(),
        diff: None,
        message: None,
        line,
    };
    let Some(doc) = r.json() else {
        res.actual = "not JSON".into();
        res.message = Some(format!("response is not JSON: {}", preview(&r.body)));
        return res;
    };
    let errors: Vec<String> = v
        .iter_errors(doc)
        .take(5)
        .map(|e| {
            let at = e.instance_path().to_string();
            format!(
                "{}: {e}",
                if at.is_empty() {
                    "(root)".to_string()
                } else {
                    at
                }
            )
        })
        .collect();
    if errors.is_empty() {
        res.passed = true;
        res.actual = "valid".into();
    } else {
        res.actual = format!(
            "{} error{}",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        );
        res.message = Some(errors.join("\n"));
    }
    res
}

fn show(subject: &Subject, v: &Json) -> String {
    match (subject, v) {
        (Subject::Status | Subject::Duration, Json::Number(n)) => {
            if matches!(subject, Subject::Duration) {
                format!("{n}ms")
            } else {
                n.to_string()
            }
        }
        (Subject::Body, Json::String(s)) => {
            let short: String = s.chars().take(200).collect();
            let short = serde_json::to_string(&short).unwrap_or_default();
            if s.chars().count() > 200 {
                format!("{short}...")
            } else {
                short
            }
        }
        _ => serde_json::to_string(v).unwrap_or_default(),
    }
}

fn evaluate(
    subject: &Subject,
    actual: &Result<Option<Json>, String>,
    c: &Check,
    vars: &Vars,
) -> AssertionResult {
    let name = if c.of_length {
        format!("length {}", c.pred.name())
    } else {
        c.pred.name().to_string()
    };
    let predicate = if c.negated {
        format!("not {name}")
    } else {
        name
    };
    let measured;
    let actual = if c.of_length {
        measured = length_of(actual);
        &measured
    } else {
        actual
    };
    let mut res = AssertionResult {
        subject: subject.describe(),
        predicate,
        passed: false,
        expected: String::new(),
        actual: String::new(),
        diff: None,
        message: None,
        line: c.line,
    };
    let expected = match operand(&c.pred, vars) {
        Ok(e) => e,
        Err(m) => {
            res.message = Some(m);
            return res;
        }
    };
    res.expected = match (&c.pred, &expected) {
        (Pred::Exists(b), _) => b.to_string(),
        (Pred::Type(t), _) => (*t).to_string(),
        (Pred::Matches(_), Some(Json::String(s))) => format!("/{s}/"),
        (_, Some(e)) => show(subject, e),
        (_, None) => String::new(),
    };
    let actual = match actual {
        Ok(a) => a,
        Err(m) => {
            res.actual = if m.starts_with("response is not JSON") {
                "not JSON"
            } else {
                "(no length)"
            }
            .into();
            res.message = Some(m.clone());
            return res;
        }
    };
    res.actual = match actual {
        Some(a) => show(subject, a),
        None => match subject {
            Subject::Header(_) => "(no such header)".into(),
            _ => "(nothing selected)".into(),
        },
    };
    let outcome = match actual {
        None => match c.pred {
            Pred::Exists(false) => Ok(true),
            _ => Ok(false),
        },
        Some(a) => holds(subject, &c.pred, a, expected.as_ref()),
    };
    match outcome {
        Ok(b) => res.passed = b != c.negated,
        Err(m) => {
            res.passed = false;
            res.message = Some(m);
        }
    }
    if !res.passed
        && matches!(c.pred, Pred::Eq(_) | Pred::Ne(_))
        && let (Some(a), Some(e)) = (actual, &expected)
    {
        res.diff = diff(e, a);
    }
    res
}

/// The length of a string (characters), array (items) or object (keys), as a number.
fn length_of(actual: &Result<Option<Json>, String>) -> Result<Option<Json>, String> {
    match actual {
        Ok(Some(Json::String(s))) => Ok(Some(Json::from(s.chars().count()))),
        Ok(Some(Json::Array(a))) => Ok(Some(Json::from(a.len()))),
        Ok(Some(Json::Object(o))) => Ok(Some(Json::from(o.len()))),
        Ok(Some(other)) => Err(format!(
            "`length` needs a string, array or object, got {}",
            kind(other)
        )),
        Ok(None) => Ok(None),
        Err(e) => Err(e.clone()),
    }
}

/// Render the predicate's operand (None for predicates without one).
fn operand(p: &Pred, vars: &Vars) -> Result<Option<Json>, String> {
    let r = |v: &TValue| {
        v.render(vars)
            .map(Some)
            .map_err(|e| format!("cannot render the expected value: {e}"))
    };
    match p {
        Pred::Eq(v)
        | Pred::Ne(v)
        | Pred::Cmp(_, v)
        | Pred::Contains(v)
        | Pred::Length(v)
        | Pred::OneOf(v) => r(v),
        Pred::Matches(Matcher::Static(re)) => Ok(Some(Json::String(re.as_str().to_string()))),
        Pred::Matches(Matcher::Template(t)) => t
            .render_string(vars)
            .map(|s| Some(Json::String(s)))
            .map_err(|e| format!("cannot render the regex: {e}")),
        Pred::Exists(_) | Pred::Type(_) => Ok(None),
    }
}

fn holds(subject: &Subject, p: &Pred, a: &Json, e: Option<&Json>) -> Result<bool, String> {
    let e = e.unwrap_or(&Json::Null);
    let text_subject = matches!(subject, Subject::Header(_) | Subject::Body);
    Ok(match p {
        Pred::Eq(_) => equal(a, e, text_subject),
        Pred::Ne(_) => !equal(a, e, text_subject),
        Pred::Cmp(op, _) => {
            let ord = compare(a, e)
                .ok_or_else(|| format!("cannot compare {} with {}", kind(a), kind(e)))?;
            match op {
                Ord4::Gt => ord.is_gt(),
                Ord4::Ge => ord.is_ge(),
                Ord4::Lt => ord.is_lt(),
                Ord4::Le => ord.is_le(),
            }
        }
        Pred::Contains(_) => match a {
            Json::String(s) => s.contains(&json_text(e)),
            Json::Array(items) => items.iter().any(|i| equal(i, e, false)),
            Json::Object(o) => o.contains_key(&json_text(e)),
            other => {
                return Err(format!(
                    "`contains` needs a string, array or object, got {}",
                    kind(other)
                ));
            }
        },
        Pred::Matches(m) => {
            let re = match m {
                Matcher::Static(re) => re.clone(),
                Matcher::Template(_) => Regex::new(&json_text(e))
                    .map_err(|err| format!("invalid regex: {}", regex_reason(&err)))?,
            };
            re.is_match(&json_text(a))
        }
        Pred::Exists(b) => *b,
        Pred::Type(t) => type_is(a, t),
        Pred::Length(_) => {
            let n = match a {
                Json::String(s) => s.chars().count(),
                Json::Array(items) => items.len(),
                Json::Object(o) => o.len(),
                other => {
                    return Err(format!(
                        "`length` needs a string, array or object, got {}",
                        kind(other)
                    ));
                }
            };
            let want = number(e)
                .ok_or_else(|| format!("`length` expects a number, got {}", json_text(e)))?;
            (n as f64) == want
        }
        Pred::OneOf(_) => match e {
            Json::Array(options) => options.iter().any(|o| equal(a, o, text_subject)),
            _ => return Err("`one_of` expects a list".into()),
        },
    })
}

fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

fn type_is(v: &Json, t: &str) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "number" => v.is_number(),
        "integer" => v.as_f64().is_some_and(|f| f.fract() == 0.0) && v.is_number(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => false,
    }
}

fn number(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Equality with numbers compared as numbers (1 == 1.0); for text subjects (headers, body)
/// both sides compare as text.
fn equal(a: &Json, e: &Json, as_text: bool) -> bool {
    if as_text {
        return json_text(a) == json_text(e);
    }
    match (a, e) {
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q, false))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w, false)))
        }
        _ => a == e,
    }
}

fn compare(a: &Json, e: &Json) -> Option<std::cmp::Ordering> {
    match (number(a), number(e)) {
        (Some(x), Some(y)) => x.partial_cmp(&y),
        _ => match (a, e) {
            (Json::String(x), Json::String(y)) => Some(x.cmp(y)),
            _ => None,
        },
    }
}

/// A unified diff when either side is structured or spans lines.
fn diff(expected: &Json, actual: &Json) -> Option<String> {
    let multi = |v: &Json| {
        matches!(v, Json::Array(_) | Json::Object(_))
            || v.as_str().is_some_and(|s| s.contains('\n'))
    };
    if !multi(expected) && !multi(actual) {
        return None;
    }
    let text = |v: &Json| match v {
        Json::String(s) => s.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    };
    // Both sides end in a newline so the diff has no "no newline at end of file" noise.
    let (e, a) = (
        format!("{}\n", text(expected).trim_end()),
        format!("{}\n", text(actual).trim_end()),
    );
    let d = similar::TextDiff::from_lines(&e, &a);
    Some(
        d.unified_diff()
            .context_radius(3)
            .header("expected", "actual")
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;
    use std::time::Duration;

    fn parse(text: &str) -> (Expect, Vec<String>) {
        let file = SourceFile::new("t.yaml", text.to_string());
        let node = crate::yaml::parse(text).unwrap();
        let mut d = Diags::new(&file);
        let e = parse_expect(node.get("expect").unwrap(), Path::new("."), &mut d);
        (
            e,
            d.list
                .iter()
                .map(|x| format!("{}:{} {}", x.span.pos.line, x.span.pos.col, x.message))
                .collect(),
        )
    }

    fn resp(body: &str) -> Response {
        Response::new(
            201,
            vec![
                ("Location".into(), "/sms/42".into()),
                ("Content-Type".into(), "application/json".into()),
            ],
            body.as_bytes().to_vec(),
            Duration::from_millis(120),
        )
    }

    fn results(yaml: &str, body: &str) -> Vec<AssertionResult> {
        let (e, errs) = parse(yaml);
        assert!(errs.is_empty(), "{errs:?}");
        let mut vars = Vars::new();
        vars.set("want", &serde_json::json!(3));
        e.check(&resp(body), &vars)
    }

    const BODY: &str = r#"{"count":3,"name":"arduino01","tags":["a","b"],"data":[{"id":1},{"id":2}],"n":null,"f":1.0}"#;

    #[test]
    fn every_predicate_passes() {
        let r = results(
            "expect:\n  status: 201\n  headers: { Location: { matches: '/sms/\\d+$' }, content-type: { contains: json } }\n  json:\n    $.name: arduino01\n    $.count: { gt: 2, ge: 3, lt: 4, le: 3, ne: 5, eq: \"{{ want }}\", one_of: [1, 3] }\n    $.tags: { length: 2, contains: b, type: array }\n    $.data: { length: { gt: 1, not: { gt: 5 } } }\n    $.data[*].id: [1, 2]\n    $.missing: { exists: false }\n    $.n: { type: 'null', exists: true }\n    $.f: { eq: 1, type: integer }\n    $['name']: { not: { contains: esp } }\n  body: { contains: arduino }\n  duration: { lt: 1s, gt: 10ms }\n",
            BODY,
        );
        let failed: Vec<_> = r.iter().filter(|a| !a.passed).collect();
        assert!(failed.is_empty(), "{failed:#?}");
        assert_eq!(r.len(), 26);
        assert!(
            r.iter()
                .any(|a| a.predicate == "length gt" && a.subject == "json $.data")
        );
        assert!(r.iter().any(|a| a.predicate == "not length gt"));
    }

    #[test]
    fn every_predicate_fails_with_details() {
        let r = results(
            "expect:\n  status: [200, 204]\n  headers: { Location: /other, X-Missing: { exists: true } }\n  json:\n    $.name: esp32\n    $.count: { gt: 5 }\n    $.tags: { length: 3 }\n    $.data: [{ id: 1 }]\n    $.missing: { eq: 1 }\n    $['name']: { not: { contains: ard } }\n    $['count']: { type: string }\n  body: { matches: '^nope' }\n  duration: { lt: 50ms }\n",
            BODY,
        );
        assert!(r.iter().all(|a| !a.passed), "{r:#?}");
        let by = |s: &str| r.iter().find(|a| a.subject == s).unwrap();
        assert_eq!(by("status").expected, "[200,204]");
        assert_eq!(by("status").actual, "201");
        assert_eq!(by("json $.name").actual, "\"arduino01\"");
        assert_eq!(by("json $.missing").actual, "(nothing selected)");
        assert_eq!(by("header X-Missing").actual, "(no such header)");
        assert_eq!(by("duration").actual, "120ms");
        let d = by("json $.data")
            .diff
            .as_ref()
            .expect("a diff for structured values");
        assert!(d.contains("+  {\n") || d.contains("+    \"id\": 2"), "{d}");
        assert!(r.iter().any(|a| a.predicate == "not contains"));
    }

    #[test]
    fn json_on_a_non_json_body() {
        let (e, _) = parse("expect:\n  json: { $.a: 1 }\n");
        let r = e.check(&resp("<html>oops</html>"), &Vars::new());
        assert!(!r[0].passed);
        assert_eq!(
            r[0].message.as_deref(),
            Some("response is not JSON: <html>oops</html>")
        );
    }

    #[test]
    fn inline_schema() {
        let r = results(
            "expect:\n  schema: { type: object, required: [count, id] }\n",
            BODY,
        );
        assert!(!r[0].passed);
        assert!(
            r[0].message
                .as_deref()
                .unwrap_or_default()
                .contains("\"id\" is a required property"),
            "{r:#?}"
        );
        let r = results(
            "expect:\n  schema: { type: object, required: [count] }\n",
            BODY,
        );
        assert!(r[0].passed);
    }

    #[test]
    fn load_errors() {
        let (_, errs) = parse(
            "expect:\n  stauts: 200\n  json:\n    $.a: { lenght: 3 }\n    $.b: { type: integr }\n    '$[': 1\n  body: { matches: '(' }\n  duration: { lt: soon }\n  schema: missing.json\n",
        );
        assert_eq!(errs.len(), 7, "{errs:#?}");
        assert!(errs[0].starts_with("2:3 unknown key `stauts` in expect"));
        assert!(errs[1].starts_with("4:12 unknown predicate `lenght`"));
        assert!(errs[2].starts_with("5:18 `type` must be one of"));
        assert!(errs[3].starts_with("6:5 `$[` is not a valid JSONPath"));
        assert!(errs[4].starts_with("7:20 invalid regex"));
        assert!(errs[5].starts_with("8:19 `soon` is not a duration"));
        assert!(errs[6].starts_with("9:11 cannot read schema file `missing.json`"));
    }
}
