//! Captures: response -> variables. Parsed and compiled (JSONPath, regex) at load time.

use regex::Regex;
use serde_json::Value as Json;
use serde_json_path::JsonPath;

use crate::diag::Diags;
use crate::response::Response;
use crate::source::{Pos, did_you_mean};
use crate::template::json_text;
use crate::yaml::{Kind, Node};

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
    /// A compiled RFC 9535 JSONPath and its text, for messages.
    Json(JsonPath, String),
    Header(String),
    Cookie(String),
    Status,
    Body,
    Duration,
}

const SOURCES: [&str; 6] = ["json", "header", "cookie", "status", "body", "duration"];
const OPTIONS: [&str; 3] = ["regex", "default", "secret"];

/// Parse a JSONPath, with the parser's own words on failure.
pub fn parse_path(text: &str) -> Result<JsonPath, String> {
    JsonPath::parse(text).map_err(|e| format!("`{text}` is not a valid JSONPath: {e}"))
}

/// `node` is the value of a request's `capture:` key (a map VAR: SOURCE).
pub fn parse_captures(node: &Node, diags: &mut Diags) -> Vec<Capture> {
    let Some(map) = node.as_map() else {
        diags
            .error(
                node.pos,
                format!(
                    "`capture` must be a map of variable names to sources, found {}",
                    node.type_name()
                ),
            )
            .help("e.g. `capture: { Auth_Token: $.auth_token }`");
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in map {
        if !crate::collection::load::is_identifier(&k.name) {
            diags
                .error(k.pos, format!("`{}` is not a valid variable name", k.name))
                .help("use letters, digits and `_`, not starting with a digit");
            continue;
        }
        if let Some(c) = parse_one(&k.name, k.pos, v, diags) {
            out.push(c);
        }
    }
    out
}

fn parse_one(var: &str, pos: Pos, v: &Node, d: &mut Diags) -> Option<Capture> {
    let mut cap = Capture {
        var: var.to_string(),
        pos,
        source: Source::Status,
        regex: None,
        default: None,
        secret: false,
    };
    match &v.kind {
        Kind::Str(s) if s.starts_with('$') => {
            match parse_path(s) {
                Ok(p) => cap.source = Source::Json(p, s.clone()),
                Err(e) => {
                    d.error(v.pos, e)
                        .help("JSONPath starts with `$`, e.g. `$.data[0].id`");
                    return None;
                }
            }
            Some(cap)
        }
        Kind::Map(entries) => {
            let mut source: Option<Source> = None;
            let mut ok = true;
            for (k, val) in entries {
                let name = k.name.as_str();
                if SOURCES.contains(&name) {
                    if source.is_some() {
                        d.error(k.pos, format!("capture `{var}` has more than one source"))
                            .help("keep one of json, header, cookie, status, body, duration");
                        ok = false;
                        continue;
                    }
                    source = source_of(name, val, d);
                    ok &= source.is_some();
                } else if name == "regex" {
                    match val.as_str().map(Regex::new) {
                        Some(Ok(re)) => cap.regex = Some(re),
                        Some(Err(e)) => {
                            d.error(val.pos, format!("invalid regex: {}", regex_reason(&e)));
                            ok = false;
                        }
                        None => {
                            d.error(val.pos, "`regex` must be a string");
                            ok = false;
                        }
                    }
                } else if name == "default" {
                    cap.default = Some(val.to_json());
                } else if name == "secret" {
                    match val.kind {
                        Kind::Bool(b) => cap.secret = b,
                        _ => {
                            d.error(val.pos, "`secret` must be true or false");
                            ok = false;
                        }
                    }
                } else {
                    let all: Vec<&str> = SOURCES.iter().chain(OPTIONS.iter()).copied().collect();
                    let diag = d.error(k.pos, format!("unknown key `{name}` in capture `{var}`"));
                    match did_you_mean(name, all.iter().copied()) {
                        Some(s) => diag.label(format!("did you mean `{s}`?")),
                        None => diag.help("a capture has one of json, header, cookie, status, body, duration, and optionally regex, default, secret"),
                    };
                    ok = false;
                }
            }
            match source {
                Some(s) => cap.source = s,
                None => {
                    if ok {
                        d.error(v.pos, format!("capture `{var}` has no source"))
                            .help("add one of json: $.path, header: NAME, cookie: NAME, status: true, body: true, duration: true");
                    }
                    return None;
                }
            }
            ok.then_some(cap)
        }
        _ => {
            d.error(
                v.pos,
                format!(
                    "capture `{var}` must be a JSONPath (`$...`) or a map, found {}",
                    v.type_name()
                ),
            )
            .help("e.g. `$.auth_token` or `{ header: Location }`");
            None
        }
    }
}

fn source_of(name: &str, val: &Node, d: &mut Diags) -> Option<Source> {
    match name {
        "json" => {
            let Some(s) = val.as_str() else {
                d.error(val.pos, "`json` must be a JSONPath string such as `$.id`");
                return None;
            };
            match parse_path(s) {
                Ok(p) => Some(Source::Json(p, s.to_string())),
                Err(e) => {
                    d.error(val.pos, e)
                        .help("JSONPath starts with `$`, e.g. `$.data[0].id`");
                    None
                }
            }
        }
        "header" | "cookie" => match val.as_str() {
            Some(s) if !s.is_empty() => Some(if name == "header" {
                Source::Header(s.to_string())
            } else {
                Source::Cookie(s.to_string())
            }),
            _ => {
                d.error(val.pos, format!("`{name}` must be a {name} name"));
                None
            }
        },
        _ => match val.kind {
            Kind::Bool(true) => Some(match name {
                "status" => Source::Status,
                "body" => Source::Body,
                _ => Source::Duration,
            }),
            _ => {
                d.error(
                    val.pos,
                    format!("write `{name}: true` to capture the response's {name}"),
                );
                None
            }
        },
    }
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

/// Run one capture. `Err(message)` when nothing matches and there is no default.
pub fn run(c: &Capture, r: &Response) -> Result<Json, String> {
    match extract(c, r) {
        Ok(Some(v)) => Ok(v),
        Ok(None) => c.default.clone().ok_or_else(|| nothing(c)),
        Err(e) => c.default.clone().ok_or(e),
    }
}

fn nothing(c: &Capture) -> String {
    let what = match &c.source {
        Source::Json(_, p) => format!("JSONPath `{p}` selects nothing"),
        Source::Header(h) => format!("no `{h}` header in the response"),
        Source::Cookie(n) => format!("the response sets no `{n}` cookie"),
        Source::Status | Source::Body | Source::Duration => "nothing matched".into(),
    };
    if c.regex.is_some()
        && !matches!(
            c.source,
            Source::Json(..) | Source::Header(_) | Source::Cookie(_)
        )
    {
        return "the regex does not match".into();
    }
    what
}

fn extract(c: &Capture, r: &Response) -> Result<Option<Json>, String> {
    let value: Json = match &c.source {
        Source::Json(path, _) => {
            let Some(doc) = r.json() else {
                return Err(format!("response is not JSON: {}", preview(&r.body)));
            };
            let nodes = path.query(doc).all();
            match nodes.len() {
                0 => return Ok(None),
                1 => nodes[0].clone(),
                _ => Json::Array(nodes.into_iter().cloned().collect()),
            }
        }
        Source::Header(h) => match r.header(h) {
            Some(v) => Json::String(v.to_string()),
            None => return Ok(None),
        },
        Source::Cookie(n) => match r.cookie(n) {
            Some(v) => Json::String(v),
            None => return Ok(None),
        },
        Source::Status => Json::from(r.status),
        Source::Body => Json::String(r.text()),
        Source::Duration => Json::from(r.duration.as_millis() as u64),
    };
    match &c.regex {
        None => Ok(Some(value)),
        Some(re) => {
            let text = json_text(&value);
            match re.captures(&text) {
                Some(caps) => {
                    let m = caps
                        .get(1)
                        .or_else(|| caps.get(0))
                        .map(|m| m.as_str())
                        .unwrap_or_default();
                    Ok(Some(Json::String(m.to_string())))
                }
                None => Err(format!(
                    "regex `{}` does not match `{}`",
                    re.as_str(),
                    shorten(&text)
                )),
            }
        }
    }
}

/// The first bytes of a body, for messages.
pub fn preview(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(80)]).into_owned();
    let text = text.replace('\n', " ");
    if body.len() > 80 {
        format!("{text}...")
    } else if text.is_empty() {
        "(empty body)".into()
    } else {
        text
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 80 {
        format!("{}...", s.chars().take(80).collect::<String>())
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;
    use std::time::Duration;

    fn parse(text: &str) -> (Vec<Capture>, Vec<String>) {
        let file = SourceFile::new("t.yaml", text.to_string());
        let node = crate::yaml::parse(text).unwrap();
        let mut d = Diags::new(&file);
        let caps = parse_captures(node.get("capture").unwrap(), &mut d);
        (
            caps,
            d.list
                .iter()
                .map(|x| format!("{}:{} {}", x.span.pos.line, x.span.pos.col, x.message))
                .collect(),
        )
    }

    fn resp() -> Response {
        Response::new(
            201,
            vec![
                ("Location".into(), "/sms/42".into()),
                ("Set-Cookie".into(), "session=s-1; Path=/".into()),
            ],
            br#"{"auth_token":"t-1","data":[{"id":1},{"id":2}],"n":3}"#.to_vec(),
            Duration::from_millis(12),
        )
    }

    #[test]
    fn every_source() {
        let (caps, errs) = parse(
            "capture:\n  tok: $.auth_token\n  first: { json: '$.data[0].id' }\n  ids: $.data[*].id\n  loc: { header: location }\n  sid: { cookie: session }\n  code: { status: true }\n  raw: { body: true }\n  ms: { duration: true }\n  num: { header: Location, regex: '/sms/(\\d+)' }\n  none: { json: $.missing, default: 0 }\n",
        );
        assert!(errs.is_empty(), "{errs:?}");
        let r = resp();
        let got: Vec<Json> = caps.iter().map(|c| run(c, &r).unwrap()).collect();
        assert_eq!(got[0], Json::from("t-1"));
        assert_eq!(got[1], Json::from(1));
        assert_eq!(got[2], serde_json::json!([1, 2]));
        assert_eq!(got[3], Json::from("/sms/42"));
        assert_eq!(got[4], Json::from("s-1"));
        assert_eq!(got[5], Json::from(201));
        assert!(got[6].as_str().unwrap().contains("auth_token"));
        assert_eq!(got[7], Json::from(12));
        assert_eq!(got[8], Json::from("42"));
        assert_eq!(got[9], Json::from(0));
    }

    #[test]
    fn failures() {
        let (caps, _) = parse(
            "capture:\n  a: $.missing\n  b: { header: X-None }\n  c: { body: true, regex: 'zzz(\\d)' }\n",
        );
        let r = resp();
        assert_eq!(
            run(&caps[0], &r).unwrap_err(),
            "JSONPath `$.missing` selects nothing"
        );
        assert_eq!(
            run(&caps[1], &r).unwrap_err(),
            "no `X-None` header in the response"
        );
        assert!(
            run(&caps[2], &r)
                .unwrap_err()
                .starts_with("regex `zzz(\\d)` does not match")
        );
        let text = Response::new(200, vec![], b"<html>".to_vec(), Duration::ZERO);
        assert_eq!(
            run(&caps[0], &text).unwrap_err(),
            "response is not JSON: <html>"
        );
    }

    #[test]
    fn load_errors_with_positions() {
        let (_, errs) = parse(
            "capture:\n  a: { json: $.x, header: X }\n  b: { jsn: $.x }\n  c: $[\n  d: { body: true, regex: '(' }\n  1x: $.a\n  e: { status: 1 }\n  f: 5\n",
        );
        assert_eq!(errs.len(), 7, "{errs:#?}");
        assert!(errs[0].starts_with("2:19 capture `a` has more than one source"));
        assert!(errs[1].starts_with("3:8 unknown key `jsn`"));
        assert!(errs[2].starts_with("4:6 `$[` is not a valid JSONPath"));
        assert!(errs[3].starts_with("5:27 invalid regex: unclosed group"));
        assert!(errs[4].starts_with("6:3 `1x` is not a valid variable name"));
        assert!(errs[5].starts_with("7:16 write `status: true`"));
        assert!(errs[6].starts_with("8:6 capture `f` must be a JSONPath"));
    }
}
