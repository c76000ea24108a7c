//! Reading `expect:` into checks: JSONPaths, regexes and JSON Schemas compiled here, schema
//! files read here, so a bad one is a load error and evaluation never parses.

use std::path::Path;
use std::sync::Arc;

use regex::Regex;
use serde_json::Value as Json;
use serde_json_path::JsonPath;

use super::keys;
use super::model::{Check, Expect, ExpectItem, Jwt, Matcher, Ord4, Pred, Snapshot, Subject};
use crate::format::reader;
use crate::format::yaml::{Kind, Node};
use crate::problem::Diags;
use crate::problem::source::did_you_mean;
use crate::template::{TValue, Tmpl};

/// Parse a JSONPath, with the parser's own words on failure.
pub fn parse_path(text: &str) -> Result<JsonPath, String> {
    JsonPath::parse(text).map_err(|e| format!("`{text}` is not a valid JSONPath: {e}"))
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
        if receive && ["status", "duration", "openapi"].contains(&name) {
            d.error(
                k.pos,
                format!("`{name}` cannot be checked in a receive step"),
            )
            .label("nothing is sent, so there is no response")
            .help(format!(
                "a receive step checks the inbound request: {}",
                keys::EXPECT_IN_RECEIVE.join(", ")
            ));
            continue;
        }
        if !receive && name == "query" {
            d.error(k.pos, "`query` is checked only in a receive step")
                .help("to check what a server echoes, use `json:` on its body");
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
                let checks = match &v.kind {
                    Kind::Int(_) => vec![check(Pred::Eq(reader::tvalue(v, d)), v)],
                    Kind::Seq(_) => vec![check(Pred::OneOf(reader::tvalue(v, d)), v)],
                    Kind::Map(_) => predicates(v, false, d),
                    _ => {
                        d.error(v.pos, format!("`status` must be a code, a list of codes or predicates, found {}", v.type_name()))
                            .help("e.g. `status: 200`, `status: [200, 201]`, `status: { ge: 200, lt: 300 }`");
                        continue;
                    }
                };
                out.items.push(item(Subject::Status, checks));
            }
            "headers" | "json" | "query" => {
                let Some(entries) = v.as_map() else {
                    d.error(
                        v.pos,
                        format!("`{name}` must be a map, found {}", v.type_name()),
                    );
                    continue;
                };
                for (hk, hv) in entries {
                    let subject = match name {
                        "headers" => Subject::Header(hk.name.clone()),
                        "query" => Subject::Query(hk.name.clone()),
                        _ => match parse_path(&hk.name) {
                            Ok(p) => Subject::Json(p, hk.name.clone()),
                            Err(e) => {
                                d.error(hk.pos, e).help(path_help(&hk.name));
                                continue;
                            }
                        },
                    };
                    let checks = plain_or_predicates(hv, d);
                    out.items.push(ExpectItem {
                        subject,
                        checks,
                        pos: hk.pos,
                    });
                }
            }
            "body" => {
                let checks = plain_or_predicates(v, d);
                out.items.push(item(Subject::Body, checks));
            }
            "duration" => {
                let checks = match &v.kind {
                    Kind::Map(_) => predicates(v, true, d),
                    _ => {
                        d.error(v.pos, "`duration` takes predicates such as `{ lt: 500ms }`");
                        continue;
                    }
                };
                out.items.push(item(Subject::Duration, checks));
            }
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
        let operand = |d: &mut Diags| -> TValue {
            if duration {
                duration_ms(val, d)
            } else {
                reader::tvalue(val, d)
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
            "matches" => match matcher(val, d) {
                Some(m) => Pred::Matches(m),
                None => continue,
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
            "type" => match val
                .as_str()
                .and_then(|s| keys::TYPES.iter().find(|t| **t == s))
            {
                Some(t) => Pred::Type(t),
                None => {
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
                    continue;
                }
            },
            "length" => match &val.kind {
                Kind::Int(i) if *i >= 0 => Pred::Length(reader::tvalue(val, d)),
                Kind::Str(_) => Pred::Length(reader::tvalue(val, d)),
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
                Kind::Seq(items) if duration => Pred::OneOf(TValue::Seq(
                    items.iter().map(|i| duration_ms(i, d)).collect(),
                )),
                Kind::Seq(_) => Pred::OneOf(reader::tvalue(val, d)),
                _ => {
                    d.error(val.pos, "`one_of` takes a list");
                    continue;
                }
            },
            "jwt" => match jwt(val, d) {
                Some(j) => Pred::Jwt(Box::new(j)),
                None => continue,
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
                match did_you_mean(other, keys::PREDICATES.iter().copied()) {
                    Some(s) => diag.label(format!("did you mean `{s}`?")),
                    None => diag.help(format!(
                        "predicates are {}; to compare with a map, write `eq: {{ ... }}`",
                        keys::PREDICATES.join(", ")
                    )),
                };
                continue;
            }
        };
        out.push(Check {
            pred,
            negated: false,
            of_length: false,
            pos: k.pos,
        });
    }
    out
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
