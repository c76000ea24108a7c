//! Reading `expect:` into checks: JSONPaths, regexes and JSON Schemas compiled here, schema
//! files read here, so a bad one is a load error and evaluation never parses.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use regex::Regex;
use serde_json::Value as Json;
use serde_json_path::JsonPath;

use super::keys;
use super::model::{Check, Expect, ExpectItem, Jwt, Matcher, Ord4, Pred, Snapshot, Subject};
use crate::format::reader;
use crate::format::yaml::{Key, Kind, Node};
use crate::problem::Diags;
use crate::problem::source::did_you_mean;
use crate::template::{TValue, Tmpl};

/// Parse a JSONPath, with the parser's own words on failure.
pub fn parse_path(text: &str) -> Result<JsonPath, String> {
    JsonPath::parse(text).map_err(|e| format!("`{text}` is not a valid JSONPath: {e}"))
}

/// JSONPaths by text, and how many guards share them.
type Paths = (usize, HashMap<Arc<str>, Arc<JsonPath>>);

thread_local! {
    /// JSONPaths by text, while a `SharedPaths` guard lives on this thread.
    static PATHS: RefCell<Option<Paths>> = const { RefCell::new(None) };
}

/// While it lives, a JSONPath met again (`$.id` in every request) is parsed once and shared.
pub struct SharedPaths(());

pub fn share_paths() -> SharedPaths {
    PATHS.with(|p| {
        let mut p = p.borrow_mut();
        match p.as_mut() {
            Some((guards, _)) => *guards += 1,
            None => *p = Some((1, HashMap::new())),
        }
    });
    SharedPaths(())
}

impl Drop for SharedPaths {
    fn drop(&mut self) {
        PATHS.with(|p| {
            let mut p = p.borrow_mut();
            if let Some((guards, _)) = p.as_mut() {
                *guards -= 1;
                if *guards == 0 {
                    *p = None;
                }
            }
        });
    }
}

/// `parse_path`, with its text: shared with an earlier one of the same text while a
/// `SharedPaths` guard lives.
pub(super) fn shared_path(text: &str) -> Result<(Arc<JsonPath>, Arc<str>), String> {
    let found = PATHS.with(|p| {
        let p = p.borrow();
        let (t, path) = p.as_ref()?.1.get_key_value(text)?;
        Some((Arc::clone(path), Arc::clone(t)))
    });
    if let Some(found) = found {
        return Ok(found);
    }
    let path = Arc::new(parse_path(text)?);
    let t: Arc<str> = Arc::from(text);
    PATHS.with(|p| {
        if let Some((_, map)) = p.borrow_mut().as_mut() {
            map.insert(Arc::clone(&t), Arc::clone(&path));
        }
    });
    Ok((path, t))
}

/// The help for a JSONPath that does not parse; names with `-` need bracket notation.
pub fn path_help(text: &str) -> String {
    if let Some(fixed) = bracket_form(text) {
        return format!("a name with `-` or other punctuation needs bracket notation: `{fixed}`");
    }
    "JSONPath starts with `$`, e.g. `$.data[0].name` or `$.headers['Content-Type']`; quote it in a flow map".into()
}

/// `$.headers.Content-Type` -> `$.headers['Content-Type']`.
fn bracket_form(text: &str) -> Option<String> {
    let rest = text.strip_prefix('$')?;
    let mut out = String::from("$");
    let mut changed = false;
    for seg in rest.split('.').skip(1) {
        let (name, tail) = match seg.find('[') {
            Some(i) => (&seg[..i], &seg[i..]),
            None => (seg, ""),
        };
        if name.is_empty() || name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            out.push('.');
            out.push_str(name);
        } else {
            out.push_str(&format!("['{}']", name.replace('\'', "\\'")));
            changed = true;
        }
        out.push_str(tail);
    }
    (changed && JsonPath::parse(&out).is_ok()).then_some(out)
}

/// The regex crate's message is a multi-line picture; keep its last line, the reason.
pub fn regex_reason(e: &regex::Error) -> String {
    let s = e.to_string();
    let last = s
        .lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or(&s)
        .trim();
    last.strip_prefix("error: ").unwrap_or(last).to_string()
}

/// `node` is the value of `expect:`; `base_dir` is the collection file's directory;
/// `receive` when the step waits for an inbound request.
pub fn expect(node: &Node, base_dir: &Path, receive: bool, d: &mut Diags) -> Expect {
    let Some(map) = node.as_map() else {
        d.error(
            node.pos,
            format!("`expect` must be a map, found {}", node.type_name()),
        )
        .help("e.g. `expect: { status: 200 }`");
        return Expect::default();
    };
    let mut out = Expect::default();
    for (k, v) in map {
        let name = k.name.as_str();
        if misplaced(k, receive, d) {
            continue;
        }
        let item = |subject, checks| ExpectItem {
            subject,
            checks,
            pos: v.pos,
        };
        match name {
            "openapi" => match v.kind {
                Kind::Bool(b) => out.openapi = b,
                _ => {
                    d.error(
                        v.pos,
                        "`openapi` is `false` (opt this request out of the contract check)",
                    );
                }
            },
            "status" => {
                if let Some(checks) = status_checks(v, d) {
                    out.items.push(item(Subject::Status, checks));
                }
            }
            "headers" | "json" | "query" | "vars" | "cookies" => {
                out.items.extend(keyed_items(name, v, d))
            }
            "body" => {
                let checks = plain_or_predicates(v, d);
                out.items.push(item(Subject::Body, checks));
            }
            "duration" => match &v.kind {
                Kind::Map(_) => out
                    .items
                    .push(item(Subject::Duration, predicates(v, true, d))),
                _ => {
                    d.error(v.pos, "`duration` takes predicates such as `{ lt: 500ms }`");
                }
            },
            "schema" => {
                if let Some(validator) = schema(v, base_dir, d) {
                    out.items
                        .push(item(Subject::Schema(Arc::new(validator)), Vec::new()));
                }
            }
            "snapshot" => out.snapshot = snapshot(v, d),
            other => {
                let diag = d.error(k.pos, format!("unknown key `{other}` in expect"));
                match did_you_mean(other, keys::EXPECT.iter().copied()) {
                    Some(s) => diag.label(format!("did you mean `{s}`?")),
                    None => diag.help(format!("expect takes {}", keys::EXPECT.join(", "))),
                };
            }
        }
    }
    out
}

/// A key that has no meaning where it stands: `status`, `duration` and `openapi` in a
/// receive step (nothing is sent), `query` outside one. Says so; true when it is.
fn misplaced(k: &Key, receive: bool, d: &mut Diags) -> bool {
    let name = k.name.as_str();
    if receive && ["status", "duration", "openapi", "cookies"].contains(&name) {
        d.error(
            k.pos,
            format!("`{name}` cannot be checked in a receive step"),
        )
        .label("nothing is sent, so there is no response")
        .help(format!(
            "a receive step checks the inbound request: {}",
            keys::EXPECT_IN_RECEIVE.join(", ")
        ));
        return true;
    }
    if !receive && name == "query" {
        d.error(k.pos, "`query` is checked only in a receive step")
            .help("to check what a server echoes, use `json:` on its body");
        return true;
    }
    false
}

/// `status: 200`, `status: [200, 201]` or `status: { ge: 200, lt: 300 }`.
fn status_checks(v: &Node, d: &mut Diags) -> Option<Vec<Check>> {
    Some(match &v.kind {
        Kind::Int(_) => vec![check(Pred::Eq(reader::tvalue(v, d)), v)],
        Kind::Seq(_) => vec![check(Pred::OneOf(reader::tvalue(v, d)), v)],
        Kind::Map(_) => predicates(v, false, d),
        _ => {
            d.error(
                v.pos,
                format!(
                    "`status` must be a code, a list of codes or predicates, found {}",
                    v.type_name()
                ),
            )
            .help("e.g. `status: 200`, `status: [200, 201]`, `status: { ge: 200, lt: 300 }`");
            return None;
        }
    })
}

/// `headers`, `json`, `query`, `vars` or `cookies`: a map of a name (a JSONPath for `json`)
/// to checks.
fn keyed_items(name: &str, v: &Node, d: &mut Diags) -> Vec<ExpectItem> {
    let Some(entries) = v.as_map() else {
        d.error(
            v.pos,
            format!("`{name}` must be a map, found {}", v.type_name()),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (hk, hv) in entries {
        let subject = match name {
            "headers" => Subject::Header(hk.name.clone()),
            "query" => Subject::Query(hk.name.clone()),
            "vars" if !crate::template::is_identifier(&hk.name) => {
                d.error(
                    hk.pos,
                    format!("`{}` is not a variable name", hk.name),
                )
                .help("a variable name is letters, digits and `_`, not starting with a digit, e.g. `user_id`");
                continue;
            }
            "vars" => Subject::Var(hk.name.clone()),
            "cookies" => Subject::Cookie(hk.name.clone()),
            _ => match shared_path(&hk.name) {
                Ok((p, text)) => Subject::Json(p, text),
                Err(e) => {
                    d.error(hk.pos, e).help(path_help(&hk.name));
                    continue;
                }
            },
        };
        let checks = plain_or_predicates(hv, d);
        out.push(ExpectItem {
            subject,
            checks,
            pos: hk.pos,
        });
    }
    out
}

fn check(pred: Pred, at: &Node) -> Check {
    Check {
        pred,
        negated: false,
        of_length: false,
        pos: at.pos,
    }
}

fn schema(v: &Node, base_dir: &Path, d: &mut Diags) -> Option<jsonschema::Validator> {
    let schema = match &v.kind {
        Kind::Str(rel) => {
            let path = base_dir.join(rel);
            let text = match crate::problem::read_bounded_string(&path) {
                Ok(t) => t,
                Err(e) => {
                    d.error(v.pos, format!("cannot read schema file `{rel}`: {e}"))
                        .help(format!(
                            "paths are relative to the collection's directory; looked for {}",
                            path.display()
                        ));
                    return None;
                }
            };
            match serde_json::from_str::<Json>(&text)
                .map_err(|e| e.to_string())
                .or_else(|_| {
                    crate::format::yaml::parse(&text)
                        .map(|n| n.to_json())
                        .map_err(|e| e.message)
                }) {
                Ok(s) => s,
                Err(e) => {
                    d.error(
                        v.pos,
                        format!("schema file `{rel}` is not JSON or YAML: {e}"),
                    );
                    return None;
                }
            }
        }
        Kind::Map(_) => v.to_json(),
        _ => {
            d.error(
                v.pos,
                "`schema` is a path to a JSON Schema file or an inline schema map",
            );
            return None;
        }
    };
    match jsonschema::validator_for(&schema) {
        Ok(val) => Some(val),
        Err(e) => {
            d.error(v.pos, format!("invalid JSON Schema: {e}"));
            None
        }
    }
}

fn snapshot(v: &Node, d: &mut Diags) -> Option<Snapshot> {
    match &v.kind {
        Kind::Bool(true) => Some(Snapshot {
            ignore: Vec::new(),
            pos: v.pos,
        }),
        Kind::Bool(false) => None,
        Kind::Map(m) => {
            reader::check_keys(m, keys::SNAPSHOT, "snapshot", d);
            let mut ignore = Vec::new();
            if let Some(list) = v.get("ignore") {
                let Kind::Seq(items) = &list.kind else {
                    d.error(list.pos, "`ignore` is a list of JSONPaths");
                    return None;
                };
                for item in items {
                    let Some(text) = item.as_str() else {
                        d.error(item.pos, "`ignore` is a list of JSONPaths, e.g. `$.id`");
                        continue;
                    };
                    match parse_path(text) {
                        Ok(p) => ignore.push((p, text.to_string())),
                        Err(e) => {
                            d.error(item.pos, e).help(path_help(text));
                        }
                    }
                }
            }
            Some(Snapshot { ignore, pos: v.pos })
        }
        _ => {
            d.error(
                v.pos,
                "`snapshot` is `true` or `{ ignore: [JSONPATH, ...] }`",
            );
            None
        }
    }
}

/// A plain value means `eq`; a map holds predicates.
fn plain_or_predicates(v: &Node, d: &mut Diags) -> Vec<Check> {
    match &v.kind {
        Kind::Map(_) => predicates(v, false, d),
        _ => vec![check(Pred::Eq(reader::tvalue(v, d)), v)],
    }
}

fn predicates(v: &Node, duration: bool, d: &mut Diags) -> Vec<Check> {
    let mut out = Vec::new();
    let Some(map) = v.as_map() else { return out };
    if map.is_empty() {
        d.error(v.pos, "no predicate given")
            .help(format!("use one of {}", keys::PREDICATES.join(", ")));
    }
    for (k, val) in map {
        if let Some(pred) = predicate(k, val, duration, d, &mut out) {
            out.push(Check {
                pred,
                negated: false,
                of_length: false,
                pos: k.pos,
            });
        }
    }
    out
}

/// One predicate of a map. `length: {...}` and `not: {...}` add their inner checks to
/// `out` themselves and give `None`, as does a predicate that is wrong (said in `d`).
fn predicate(
    k: &Key,
    val: &Node,
    duration: bool,
    d: &mut Diags,
    out: &mut Vec<Check>,
) -> Option<Pred> {
    let operand = |d: &mut Diags| -> TValue {
        if duration {
            duration_ms(val, d)
        } else {
            reader::tvalue(val, d)
        }
    };
    Some(match k.name.as_str() {
        "eq" => Pred::Eq(operand(d)),
        "ne" => Pred::Ne(operand(d)),
        "gt" => Pred::Cmp(Ord4::Gt, operand(d)),
        "ge" => Pred::Cmp(Ord4::Ge, operand(d)),
        "lt" => Pred::Cmp(Ord4::Lt, operand(d)),
        "le" => Pred::Cmp(Ord4::Le, operand(d)),
        "contains" => Pred::Contains(operand(d)),
        "matches" => Pred::Matches(matcher(val, d)?),
        "exists" => match val.kind {
            Kind::Bool(b) => Pred::Exists(b),
            _ => {
                d.error(val.pos, "`exists` is true or false");
                return None;
            }
        },
        "type" => type_name(val, d)?,
        "length" => return length(val, d, out),
        "one_of" => one_of(val, duration, d)?,
        "sha256" => Pred::Sha256(sha256(val, d)?),
        "jwt" => Pred::Jwt(Box::new(jwt(val, d)?)),
        "not" => {
            if val.as_map().is_none() {
                d.error(
                    val.pos,
                    "`not` takes predicates, e.g. `not: { contains: error }`",
                );
                return None;
            }
            for mut c in predicates(val, duration, d) {
                c.negated = !c.negated;
                out.push(c);
            }
            return None;
        }
        other => {
            unknown_predicate(k, other, d);
            return None;
        }
    })
}

/// `type: NAME`. `type: null` unquoted is YAML's null: it still means the type name.
fn type_name(val: &Node, d: &mut Diags) -> Option<Pred> {
    if matches!(val.kind, Kind::Null) {
        return Some(Pred::Type("null"));
    }
    if let Some(t) = val
        .as_str()
        .and_then(|s| keys::TYPES.iter().find(|t| **t == s))
    {
        return Some(Pred::Type(t));
    }
    let diag = d.error(
        val.pos,
        format!("`type` must be one of {}", keys::TYPES.join(", ")),
    );
    if let Some(s) = val
        .as_str()
        .and_then(|s| did_you_mean(s, keys::TYPES.iter().copied()))
    {
        diag.label(format!("did you mean `{s}`?"));
    }
    None
}

/// `length: 3`, or `length: { gt: 0 }` (its checks go to `out`, measuring the length).
fn length(val: &Node, d: &mut Diags, out: &mut Vec<Check>) -> Option<Pred> {
    match &val.kind {
        Kind::Int(i) if *i >= 0 => Some(Pred::Length(reader::tvalue(val, d))),
        Kind::Str(_) => Some(Pred::Length(reader::tvalue(val, d))),
        Kind::Map(_) => {
            for mut c in predicates(val, false, d) {
                c.of_length = true;
                out.push(c);
            }
            None
        }
        _ => {
            d.error(
                val.pos,
                "`length` takes a whole number or predicates, e.g. `length: { gt: 0 }`",
            );
            None
        }
    }
}

fn one_of(val: &Node, duration: bool, d: &mut Diags) -> Option<Pred> {
    match &val.kind {
        Kind::Seq(items) if duration => Some(Pred::OneOf(TValue::Seq(
            items.iter().map(|i| duration_ms(i, d)).collect(),
        ))),
        Kind::Seq(_) => Some(Pred::OneOf(reader::tvalue(val, d))),
        _ => {
            d.error(val.pos, "`one_of` takes a list");
            None
        }
    }
}

fn unknown_predicate(k: &Key, other: &str, d: &mut Diags) {
    let diag = d.error(k.pos, format!("unknown predicate `{other}`"));
    // Hurl's `count` is our `length`; spelling alone would suggest `contains`.
    let meant = match other {
        "count" | "size" | "len" => Some("length"),
        _ => did_you_mean(other, keys::PREDICATES.iter().copied()),
    };
    match meant {
        Some(s) => diag.label(format!("did you mean `{s}`?")),
        None => diag.help(format!(
            "predicates are {}; to compare with a map, write `eq: {{ ... }}`",
            keys::PREDICATES.join(", ")
        )),
    };
}

fn matcher(val: &Node, d: &mut Diags) -> Option<Matcher> {
    let Some(s) = val.as_str() else {
        d.error(val.pos, "`matches` takes a regular expression string");
        return None;
    };
    match Tmpl::compile(s, val.pos) {
        Ok(t) if t.is_literal() => match Regex::new(s) {
            Ok(re) => Some(Matcher::Static(re)),
            Err(e) => {
                d.error(val.pos, format!("invalid regex: {}", regex_reason(&e)));
                None
            }
        },
        Ok(t) => Some(Matcher::Template(t)),
        Err(e) => {
            d.error(val.pos, e.to_string());
            None
        }
    }
}

/// 64 hex digits, or a template that gives them.
fn sha256(val: &Node, d: &mut Diags) -> Option<TValue> {
    let hex = val
        .as_str()
        .filter(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()));
    if hex.is_none() && !val.as_str().is_some_and(|s| s.contains("{{")) {
        let diag = d.error(
            val.pos,
            "`sha256` takes the 64 hex digits of a SHA-256 digest",
        );
        if matches!(val.kind, Kind::Int(_) | Kind::Float(_)) {
            diag.help("YAML read these digits as a number: quote them");
        } else {
            diag.help("e.g. the output of `sha256sum FILE`");
        }
        return None;
    }
    Some(reader::tvalue(val, d))
}

fn jwt(val: &Node, d: &mut Diags) -> Option<Jwt> {
    let map = reader::map(val, "jwt", d)?;
    reader::check_keys(map, keys::JWT, "jwt predicate", d);
    let key = match val.get("key") {
        Some(k) => reader::template(k, "key", d),
        None => {
            d.error(val.pos, "`jwt` needs the `key` that signed the token")
                .help("e.g. `jwt: { key: \"{{ secret('CALLBACK_SECRET') }}\" }`");
            None
        }
    };
    let alg = match val.get("alg") {
        None => "HS256",
        Some(a) => match a
            .as_str()
            .and_then(|s| keys::JWT_ALGS.iter().find(|x| **x == s))
        {
            Some(x) => x,
            None => {
                d.error(
                    a.pos,
                    format!("`alg` is one of {}", keys::JWT_ALGS.join(", ")),
                );
                "HS256"
            }
        },
    };
    let mut claims = Vec::new();
    if let Some(c) = val.get("claims")
        && let Some(entries) = reader::map(c, "claims", d)
    {
        for (k, v) in entries {
            claims.push((k.name.clone(), plain_or_predicates(v, d)));
        }
    }
    Some(Jwt {
        key: key?,
        alg,
        claims,
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::source::SourceFile;

    fn errors(text: &str, receive: bool) -> Vec<String> {
        let file = SourceFile::new("t.yaml", text.to_string());
        let node = crate::format::yaml::parse(text).unwrap();
        let mut d = Diags::new(&file);
        expect(node.get("expect").unwrap(), Path::new("."), receive, &mut d);
        d.list
            .iter()
            .map(|x| format!("{}:{} {}", x.span.pos.line, x.span.pos.col, x.message))
            .collect()
    }

    #[test]
    fn load_errors() {
        let errs = errors(
            "expect:\n  stauts: 200\n  json:\n    $.a: { lenght: 3 }\n    $.b: { type: integr }\n    '$[': 1\n  body: { matches: '(' }\n  duration: { lt: soon }\n  schema: missing.json\n",
            false,
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

    #[test]
    fn a_receive_step_has_no_status_or_duration() {
        let errs = errors(
            "expect:\n  status: 200\n  duration: { lt: 1s }\n  query: { id: 1 }\n",
            true,
        );
        assert_eq!(errs.len(), 2, "{errs:#?}");
        assert!(errs[0].starts_with("2:3 `status` cannot be checked in a receive step"));
        assert!(errs[1].starts_with("3:3 `duration` cannot"));
    }

    #[test]
    fn bracket_notation_is_suggested() {
        assert_eq!(
            bracket_form("$.headers.Content-Type").as_deref(),
            Some("$.headers['Content-Type']")
        );
        assert_eq!(bracket_form("$.a.b"), None);
    }
}
