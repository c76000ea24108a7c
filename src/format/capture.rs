//! Reading `capture:` (VAR: SOURCE) with its JSONPaths and regexes compiled.

use regex::Regex;

use super::expect::{path_help, regex_reason, shared_path};
use super::keys;
use super::model::{Capture, Source};
use crate::format::reader;
use crate::format::yaml::{Key, Kind, Node};
use crate::problem::Diags;
use crate::problem::source::{Pos, did_you_mean};

/// `node` is the value of a request's `capture:` key (a map VAR: SOURCE).
pub fn captures(node: &Node, d: &mut Diags) -> Vec<Capture> {
    let Some(map) = node.as_map() else {
        d.error(
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
        if reader::variable_name(k, d)
            && let Some(c) = one(&k.name, k.pos, v, d)
        {
            out.push(c);
        }
    }
    out
}

fn one(var: &str, pos: Pos, v: &Node, d: &mut Diags) -> Option<Capture> {
    let mut cap = Capture {
        var: var.to_string(),
        pos,
        source: Source::Status,
        regex: None,
        default: None,
        secret: false,
    };
    match &v.kind {
        Kind::Str(s) if s.starts_with('$') => match shared_path(s) {
            Ok((p, text)) => {
                cap.source = Source::Json(p, text);
                Some(cap)
            }
            Err(e) => {
                d.error(v.pos, e).help(path_help(s));
                None
            }
        },
        Kind::Map(entries) => from_map(cap, v, entries, d),
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

/// `{ json: $.x, regex: ..., default: ..., secret: true }`: one source and its options.
fn from_map(mut cap: Capture, v: &Node, entries: &[(Key, Node)], d: &mut Diags) -> Option<Capture> {
    let var = cap.var.clone();
    let mut source: Option<Source> = None;
    let mut ok = true;
    for (k, val) in entries {
        let name = k.name.as_str();
        if keys::CAPTURE_SOURCES.contains(&name) {
            if source.is_some() {
                d.error(k.pos, format!("capture `{var}` has more than one source"))
                    .help("keep one of json, header, cookie, status, body, duration");
                ok = false;
                continue;
            }
            source = source_of(name, val, d);
            ok &= source.is_some();
        } else {
            ok &= option(&mut cap, name, k, val, d);
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

/// One option of a capture (`regex`, `default`, `secret`); false when it is wrong.
fn option(cap: &mut Capture, name: &str, k: &Key, val: &Node, d: &mut Diags) -> bool {
    match name {
        "regex" => match val.as_str().map(Regex::new) {
            Some(Ok(re)) => cap.regex = Some(re),
            Some(Err(e)) => {
                d.error(val.pos, format!("invalid regex: {}", regex_reason(&e)));
                return false;
            }
            None => {
                d.error(val.pos, "`regex` must be a string");
                return false;
            }
        },
        "default" => cap.default = Some(val.to_json()),
        "secret" => match val.kind {
            Kind::Bool(b) => cap.secret = b,
            _ => {
                d.error(val.pos, "`secret` must be true or false");
                return false;
            }
        },
        _ => {
            let all = keys::CAPTURE_SOURCES
                .iter()
                .chain(keys::CAPTURE_OPTIONS)
                .copied();
            let var = &cap.var;
            let diag = d.error(k.pos, format!("unknown key `{name}` in capture `{var}`"));
            match did_you_mean(name, all) {
                Some(s) => diag.label(format!("did you mean `{s}`?")),
                None => diag.help("a capture has one of json, header, cookie, status, body, duration, and optionally regex, default, secret"),
            };
            return false;
        }
    }
    true
}

fn source_of(name: &str, val: &Node, d: &mut Diags) -> Option<Source> {
    match name {
        "json" => {
            let Some(s) = val.as_str() else {
                d.error(val.pos, "`json` must be a JSONPath string such as `$.id`");
                return None;
            };
            match shared_path(s) {
                Ok((p, text)) => Some(Source::Json(p, text)),
                Err(e) => {
                    d.error(val.pos, e).help(path_help(s));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::source::SourceFile;

    #[test]
    fn load_errors_with_positions() {
        let text = "capture:\n  a: { json: $.x, header: X }\n  b: { jsn: $.x }\n  c: $[\n  d: { body: true, regex: '(' }\n  1x: $.a\n  e: { status: 1 }\n  f: 5\n";
        let file = SourceFile::new("t.yaml", text.to_string());
        let node = crate::format::yaml::parse(text).unwrap();
        let mut d = Diags::new(&file);
        captures(node.get("capture").unwrap(), &mut d);
        let errs: Vec<String> = d
            .list
            .iter()
            .map(|x| format!("{}:{} {}", x.span.pos.line, x.span.pos.col, x.message))
            .collect();
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
