//! Expectations: a checked `Expect` + a response (or inbound request) + variables ->
//! assertion results. Every check runs and is reported; none stops another. Values are
//! masked before they are shown, cut or diffed, so no part of a secret reaches a result.

mod predicate;

use std::borrow::Cow;
use std::cell::OnceCell;

use serde_json::Value as Json;

use crate::format::model::{Check, Expect, Matcher, Pred, Subject};
use crate::http::jsondoc::NodeRef;
use crate::http::response::{Response, cut};
use crate::report::event::AssertionResult;
use crate::secret::Secrets;
use crate::template::{TValue, Vars, json_text};

use super::jsonpath;
use predicate::{holds, kind};

/// The longest value shown as "expected" or "got" (after masking).
const SHOWN: usize = 200;

/// What a subject is in this response; `Err` when it cannot be read at all. A body also
/// gives its bytes, which `length` counts and `sha256` hashes whatever they are.
struct Actual<'a> {
    /// A single node a JSONPath selects is borrowed from the response's document: a check
    /// on `$` of a large body does not copy it.
    value: Result<Option<Cow<'a, Json>>, String>,
    /// A single node selected in the compact document: made a `Json` (in `made`) only when
    /// a check needs its value, so `length` of a large list does not copy the list.
    node: Option<NodeRef<'a>>,
    made: OnceCell<Json>,
    bytes: Option<&'a [u8]>,
}

impl<'a> Actual<'a> {
    fn of(value: Result<Option<Cow<'a, Json>>, String>, bytes: Option<&'a [u8]>) -> Self {
        Actual {
            value,
            node: None,
            made: OnceCell::new(),
            bytes,
        }
    }

    /// The subject's value, made from the compact node on first use.
    fn value(&self) -> Result<Option<&Json>, &String> {
        if let Some(node) = self.node {
            return Ok(Some(self.made.get_or_init(|| node.to_json())));
        }
        match &self.value {
            Ok(v) => Ok(v.as_deref()),
            Err(e) => Err(e),
        }
    }

    /// Items of the selected array or object, counted without making its value.
    fn container_len(&self) -> Option<usize> {
        self.made.get().is_none().then_some(())?;
        self.node?.container_len()
    }
}

/// Check everything; all failures are reported.
pub fn check(e: &Expect, r: &Response, vars: &Vars, secrets: &Secrets) -> Vec<AssertionResult> {
    check_in_jar(e, r, vars, secrets, None)
}

/// Whether any check reads the cookie jar (`expect: { cookies: ... }`).
pub fn reads_cookies(e: &Expect) -> bool {
    e.items
        .iter()
        .any(|i| matches!(i.subject, Subject::Cookie(_)))
}

/// `check`, with the cookies the collection's jar holds for the response's URL (as a
/// `Cookie` header says them: `a=1; b=2`), which `cookies` checks read.
pub fn check_in_jar(
    e: &Expect,
    r: &Response,
    vars: &Vars,
    secrets: &Secrets,
    jar: Option<&str>,
) -> Vec<AssertionResult> {
    let mut out = Vec::with_capacity(e.items.len());
    for item in &e.items {
        let line = item.pos.line;
        if let Subject::Schema(validator) = &item.subject {
            out.push(check_schema(validator, line, r, secrets));
            continue;
        }
        let bytes = (matches!(item.subject, Subject::Body) && r.body_error().is_none())
            .then_some(r.body.as_slice());
        let selected = match &item.subject {
            Subject::Var(name) => Ok(Selected::Value(vars.get(name).map(Cow::Owned))),
            Subject::Cookie(name) => Ok(Selected::Value(
                jar_cookie(jar, name).map(|v| Cow::Owned(Json::String(v.to_string()))),
            )),
            other => actual(other, r, secrets),
        };
        let actual = match selected {
            Ok(Selected::Node(node)) => Actual {
                node: Some(node),
                ..Actual::of(Ok(None), bytes)
            },
            Ok(Selected::Value(v)) => Actual::of(Ok(v), bytes),
            Err(e) => Actual::of(Err(e), bytes),
        };
        for c in &item.checks {
            out.push(evaluate(&item.subject, &actual, c, vars, secrets));
        }
    }
    out
}

/// A cookie's value in a `Cookie` header's text (`a=1; b=2`).
fn jar_cookie<'j>(jar: Option<&'j str>, name: &str) -> Option<&'j str> {
    jar?.split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Whether the request's `status` expectations (if it has any) accept this code: a request
/// that expects a 401 gets no OAuth2 refetch when it gets one.
pub fn status_holds(e: &Expect, status: u16, vars: &Vars) -> bool {
    let mut items = e
        .items
        .iter()
        .filter(|i| matches!(i.subject, Subject::Status))
        .peekable();
    if items.peek().is_none() {
        return false;
    }
    let actual = Actual::of(Ok(Some(Cow::Owned(Json::from(status)))), None);
    let secrets = Secrets::new();
    items.all(|i| {
        i.checks
            .iter()
            .all(|c| evaluate(&i.subject, &actual, c, vars, &secrets).passed)
    })
}

pub fn describe(s: &Subject) -> String {
    match s {
        Subject::Status => "status".into(),
        Subject::Header(h) => format!("header {h}"),
        Subject::Query(q) => format!("query {q}"),
        Subject::Json(_, p) => format!("json {p}"),
        Subject::Body => "body".into(),
        Subject::Duration => "duration".into(),
        Subject::Schema(..) => "schema".into(),
        Subject::Var(v) => format!("var {v}"),
        Subject::Cookie(c) => format!("cookie {c}"),
    }
}

pub fn pred_name(p: &Pred) -> &'static str {
    use crate::format::model::Ord4;
    match p {
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
        Pred::Jwt(_) => "jwt",
        Pred::Sha256(_) => "sha256",
    }
}

/// What a subject selects: one node of the compact document, or a value.
enum Selected<'r> {
    Node(NodeRef<'r>),
    Value(Option<Cow<'r, Json>>),
}

/// What a subject is in this response; `Err` when it cannot be read at all.
fn actual<'r>(s: &Subject, r: &'r Response, secrets: &Secrets) -> Result<Selected<'r>, String> {
    let Subject::Json(path, text) = s else {
        return Ok(Selected::Value(
            owned_actual(s, r, secrets)?.map(Cow::Owned),
        ));
    };
    if let Some(e) = r.body_error() {
        return Err(e);
    }
    let not_json = || format!("response is not JSON: {}", r.preview(secrets));
    // The common forms read the compact document; the others (and a body too large for
    // it) the full one.
    if let Some(fast) = jsonpath::Path::parse(text)
        && let Some(doc) = r.doc()
    {
        let mut nodes = fast.select(doc);
        return Ok(match nodes.len() {
            0 => Selected::Value(None),
            1 => Selected::Node(nodes.remove(0)),
            _ => Selected::Value(Some(Cow::Owned(Json::Array(
                nodes.iter().map(NodeRef::to_json).collect(),
            )))),
        });
    }
    let doc = r.json().ok_or_else(not_json)?;
    let nodes = path.query(doc).all();
    Ok(Selected::Value(match nodes.len() {
        0 => None,
        1 => Some(Cow::Borrowed(nodes[0])),
        _ => Some(Cow::Owned(Json::Array(
            nodes.into_iter().cloned().collect(),
        ))),
    }))
}

/// Every subject but a JSONPath: a value made for the check.
fn owned_actual(s: &Subject, r: &Response, secrets: &Secrets) -> Result<Option<Json>, String> {
    Ok(match s {
        Subject::Status => Some(Json::from(r.status)),
        Subject::Header(h) => {
            let all: Vec<&str> = r.header_all(h).collect();
            (!all.is_empty()).then(|| Json::String(all.join(", ")))
        }
        Subject::Query(q) => {
            let all: Vec<&str> = r
                .query
                .iter()
                .filter(|(k, _)| k == q)
                .map(|(_, v)| v.as_str())
                .collect();
            (!all.is_empty()).then(|| Json::String(all.join(", ")))
        }
        Subject::Json(..) => None,
        Subject::Body => {
            if let Some(e) = r.body_error() {
                return Err(e);
            }
            // The content type decides only how a body is shown: any UTF-8 body is text.
            match std::str::from_utf8(&r.body) {
                Ok(text) => Some(Json::String(text.to_string())),
                Err(_) => {
                    return Err(format!(
                        "the body is not UTF-8 text: {}",
                        r.shown_body(secrets)
                    ));
                }
            }
        }
        Subject::Duration => Some(Json::from(r.duration.as_millis() as u64)),
        Subject::Schema(..) | Subject::Var(..) | Subject::Cookie(..) => None,
    })
}

/// A value as a result shows it: masked first, then cut.
fn show(subject: &Subject, v: &Json, secrets: &Secrets) -> String {
    match (subject, v) {
        (Subject::Duration, Json::Number(n)) => format!("{n}ms"),
        (Subject::Status, Json::Number(n)) => n.to_string(),
        (_, Json::String(s)) => {
            let masked = secrets.redact(s);
            match masked.char_indices().nth(SHOWN) {
                Some((i, _)) => format!(
                    "{}...",
                    serde_json::to_string(&masked[..i]).unwrap_or_default()
                ),
                None => serde_json::to_string(&masked).unwrap_or_default(),
            }
        }
        _ => cut(
            &secrets.redact(&serde_json::to_string(v).unwrap_or_default()),
            SHOWN,
        ),
    }
}

fn evaluate(
    subject: &Subject,
    actual: &Actual,
    c: &Check,
    vars: &Vars,
    secrets: &Secrets,
) -> AssertionResult {
    let mut res = blank_result(subject, c);
    let expected = match operand(&c.pred, vars) {
        Ok(e) => e,
        Err(m) => {
            res.message = Some(secrets.redact(&m));
            return res;
        }
    };
    res.expected = expected_text(subject, &c.pred, expected.as_ref(), secrets);
    // `length` of a selected list or object: counted, the value is never made.
    if let (Pred::Length(_), false, Some(n)) = (&c.pred, c.of_length, actual.container_len()) {
        res.actual = format!("length {n}");
        match predicate::length_is(n, expected.as_ref().unwrap_or(&Json::Null)) {
            Ok(b) => res.passed = b != c.negated,
            Err(m) => res.message = Some(secrets.redact(&m)),
        }
        return res;
    }
    let (measured, pred) = match measure(actual, c) {
        Ok(m) => m,
        Err(m) => {
            res.actual = error_label(&m).into();
            res.message = Some(secrets.redact(&m));
            return res;
        }
    };
    let actual = measured.as_deref();
    res.actual = actual_text(subject, c, actual, actual_is_length(c, actual), secrets);
    let outcome = match (actual, pred.as_ref()) {
        (None, _) => Ok(matches!(c.pred, Pred::Exists(false))),
        // A token that does not verify is `false` with a reason, so `not: { jwt }` holds.
        (Some(a), Pred::Jwt(j)) => predicate::jwt(j, a, vars, secrets).map(|(ok, why)| {
            if ok == c.negated {
                res.message = why.map(|m| secrets.redact(&m));
            }
            ok
        }),
        (Some(a), p) => holds(subject, p, a, expected.as_ref(), vars, secrets),
    };
    match outcome {
        Ok(b) => res.passed = b != c.negated,
        Err(m) => res.message = Some(secrets.redact(&m)),
    }
    if !res.passed
        && matches!(c.pred, Pred::Eq(_) | Pred::Ne(_))
        && let (Some(a), Some(e)) = (actual, &expected)
    {
        res.diff = diff(e, a, secrets);
    }
    res
}

/// A result that has not passed yet, named after its subject and predicate.
fn blank_result(subject: &Subject, c: &Check) -> AssertionResult {
    let name = if c.of_length {
        format!("length {}", pred_name(&c.pred))
    } else {
        pred_name(&c.pred).to_string()
    };
    AssertionResult {
        subject: describe(subject),
        predicate: if c.negated {
            format!("not {name}")
        } else {
            name
        },
        passed: false,
        expected: String::new(),
        actual: String::new(),
        diff: None,
        message: None,
        line: c.pos.line,
    }
}

/// What a result shows as expected.
fn expected_text(subject: &Subject, p: &Pred, e: Option<&Json>, secrets: &Secrets) -> String {
    match (p, e) {
        (Pred::Exists(b), _) => b.to_string(),
        (Pred::Type(t), _) => (*t).to_string(),
        (Pred::Jwt(j), _) => format!("an {} token signed with the key", j.alg),
        (Pred::Matches(_), Some(Json::String(s))) => format!("/{}/", secrets.redact(s)),
        (Pred::Length(_), Some(e)) => format!("length {}", show(subject, e, secrets)),
        (Pred::Sha256(_), Some(e)) => json_text(e).to_ascii_lowercase(),
        (_, Some(e)) => show(subject, e, secrets),
        (_, None) => String::new(),
    }
}

/// What a result shows as got.
fn actual_text(
    subject: &Subject,
    c: &Check,
    actual: Option<&Json>,
    is_length: bool,
    secrets: &Secrets,
) -> String {
    match actual {
        // A failing `length` shows the length, not the whole value.
        Some(Json::Number(n)) if is_length => format!("length {n}"),
        Some(a) if matches!(c.pred, Pred::Length(_)) => match predicate::length(a) {
            Some(n) => format!("length {n}"),
            None => show(subject, a, secrets),
        },
        Some(Json::String(s)) if matches!(c.pred, Pred::Sha256(_)) => s.clone(),
        Some(a) => show(subject, a, secrets),
        None => match subject {
            Subject::Header(_) => "(no such header)".into(),
            Subject::Query(_) => "(no such parameter)".into(),
            Subject::Var(_) => "(unset)".into(),
            Subject::Cookie(_) => "(no such cookie)".into(),
            _ => "(nothing selected)".into(),
        },
    }
}

/// Whether `measure` turned a `length` predicate's value into the length itself.
fn actual_is_length(c: &Check, actual: Option<&Json>) -> bool {
    matches!(c.pred, Pred::Length(_)) && actual.is_some_and(Json::is_number)
}

/// The short word a result shows for a subject that cannot be read.
fn error_label(m: &str) -> &'static str {
    if m.starts_with("response is not JSON") {
        "not JSON"
    } else if m.starts_with("body exceeds") {
        "not kept"
    } else if m.starts_with("the body is not UTF-8 text") {
        "binary"
    } else {
        "(no length)"
    }
}

/// The value a predicate applies to: the subject itself, its length (a body's in bytes),
/// or its SHA-256 (a body's bytes); and the predicate to apply, a body's `length: N`
/// becoming `eq N` on the byte count.
fn measure<'a, 'p>(
    actual: &'a Actual,
    c: &'p Check,
) -> Result<(Measured<'a>, Cow<'p, Pred>), String> {
    let owned = |v: Json| Some(Cow::Owned(v));
    if let Some(bytes) = actual.bytes {
        let count = owned(Json::from(bytes.len()));
        match &c.pred {
            _ if c.of_length => return Ok((count, Cow::Borrowed(&c.pred))),
            Pred::Length(v) => return Ok((count, Cow::Owned(Pred::Eq(v.clone())))),
            Pred::Sha256(_) => {
                let digest = owned(Json::String(hex_sha256(bytes)));
                return Ok((digest, Cow::Borrowed(&c.pred)));
            }
            _ => {}
        }
    }
    let value: Measured = if c.of_length {
        length_of(actual)?.map(Cow::Owned)
    } else {
        actual.value().map_err(Clone::clone)?.map(Cow::Borrowed)
    };
    let value = match (&c.pred, value) {
        (Pred::Sha256(_), Some(v)) => match v.as_ref() {
            Json::String(s) => owned(Json::String(hex_sha256(s.as_bytes()))),
            other => owned(Json::String(hex_sha256(other.to_string().as_bytes()))),
        },
        (_, v) => v,
    };
    Ok((value, Cow::Borrowed(&c.pred)))
}

/// A subject's value as a predicate sees it: borrowed, or made (a length, a digest).
type Measured<'a> = Option<Cow<'a, Json>>;

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The length of a string (characters), array (items) or object (keys), as a number.
fn length_of(actual: &Actual) -> Result<Option<Json>, String> {
    if let Some(n) = actual.container_len() {
        return Ok(Some(Json::from(n)));
    }
    match actual.value() {
        Ok(Some(v)) => predicate::length(v)
            .map(|n| Some(Json::from(n)))
            .ok_or_else(|| format!("`length` needs a string, array or object, got {}", kind(v))),
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
    if let Some(v) = p.value() {
        return r(v);
    }
    match p {
        Pred::Matches(Matcher::Static(re)) => Ok(Some(Json::String(re.as_str().to_string()))),
        Pred::Matches(Matcher::Template(t)) => t
            .render_string(vars)
            .map(|s| Some(Json::String(s)))
            .map_err(|e| format!("cannot render the regex: {e}")),
        _ => Ok(None),
    }
}

fn check_schema(
    v: &jsonschema::Validator,
    line: u32,
    r: &Response,
    secrets: &Secrets,
) -> AssertionResult {
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
    if let Some(e) = r.body_error() {
        res.actual = "not kept".into();
        res.message = Some(e);
        return res;
    }
    let Some(doc) = r.json() else {
        res.actual = "not JSON".into();
        res.message = Some(format!("response is not JSON: {}", r.preview(secrets)));
        return res;
    };
    let errors: Vec<String> = v
        .iter_errors(doc)
        .take(5)
        .map(|e| {
            let at = e.instance_path().to_string();
            let at = if at.is_empty() {
                "(root)".to_string()
            } else {
                at
            };
            secrets.redact(&format!("{at}: {e}"))
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

/// A unified diff when either side is structured or spans lines; both sides masked first.
fn diff(expected: &Json, actual: &Json, secrets: &Secrets) -> Option<String> {
    let multi = |v: &Json| {
        matches!(v, Json::Array(_) | Json::Object(_))
            || v.as_str().is_some_and(|s| s.contains('\n'))
    };
    if !multi(expected) && !multi(actual) {
        return None;
    }
    let text = |v: &Json| {
        let t = match v {
            Json::String(s) => s.clone(),
            other => serde_json::to_string_pretty(other).unwrap_or_default(),
        };
        // Both sides end in a newline so the diff has no "no newline at end of file" noise.
        format!("{}\n", secrets.redact(&t).trim_end())
    };
    let (e, a) = (text(expected), text(actual));
    let d = similar::TextDiff::from_lines(&e, &a);
    Some(
        d.unified_diff()
            .context_radius(3)
            .header("expected", "actual")
            .to_string(),
    )
}

#[cfg(test)]
mod tests;
