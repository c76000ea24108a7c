//! Reading one request (or `receive` step) of a collection, and the file's `defaults`.

use std::sync::Arc;
use std::time::Duration;

use super::keys;
use super::model::{
    Action, Auth, PathPattern, Receive, Request, Respond, RespondBody, Retry, Segment, Send, Source,
};
use super::{auth, body, capture, expect};
use crate::format::reader;
use crate::format::yaml::{Key, Kind, Node};
use crate::problem::Diags;
use crate::problem::source::{SourceFile, Span};
use crate::template::{TValue, Tmpl};

/// Per-file defaults merged into each of that file's requests.
#[derive(Default, Clone)]
pub struct Defaults {
    headers: Vec<(String, Option<Tmpl>)>,
    query: Vec<(String, TValue)>,
    timeout: Option<Duration>,
    auth: Option<Auth>,
    follow_redirects: Option<bool>,
}

pub fn defaults(node: &Node, d: &mut Diags) -> Defaults {
    let Some(map) = reader::map(node, "defaults", d) else {
        return Defaults::default();
    };
    reader::check_keys(map, keys::DEFAULTS, "defaults", d);
    Defaults {
        headers: node
            .get("headers")
            .map(|n| headers(n, d))
            .unwrap_or_default(),
        query: node
            .get("query")
            .map(|n| reader::tvalue_map(n, "query", d))
            .unwrap_or_default(),
        timeout: node.get("timeout").and_then(|n| reader::duration(n, d)),
        auth: node.get("auth").and_then(|n| auth::auth(n, d)),
        follow_redirects: node
            .get("follow_redirects")
            .and_then(|n| reader::boolean(n, "follow_redirects", d)),
    }
}

pub fn request(
    node: &Node,
    file: &Arc<SourceFile>,
    defaults: &Defaults,
    d: &mut Diags,
) -> Option<Request> {
    let Some(map) = node.as_map() else {
        d.error(
            node.pos,
            format!("a request must be a map, found {}", node.type_name()),
        )
        .help("write `- name: ...` and `url: ...` on the following lines");
        return None;
    };
    reader::check_keys(map, keys::REQUEST, "request", d);
    let name = match node.get("name") {
        Some(n) => reader::string(n, "name", d),
        None => {
            d.error(node.pos, "this request has no `name`")
                .help("add `name: ...`: names identify requests in reports and --filter");
            None
        }
    };
    let base = file.dir();
    let receiving = node.get("receive");
    let action = action(node, map, &base, defaults, d);
    let expect = node
        .get("expect")
        .map(|n| expect::expect(n, &base, receiving.is_some(), d))
        .unwrap_or_default();
    let captures = node
        .get("capture")
        .map(|n| capture::captures(n, d))
        .unwrap_or_default();
    for c in captures
        .iter()
        .filter(|c| receiving.is_some() && matches!(c.source, Source::Status))
    {
        d.error(c.pos, "a receive step has no status to capture")
            .label("nothing is sent, so there is no response")
            .help("capture from the inbound request: json, header, body, duration (the wait)");
    }
    let retry = node.get("retry").and_then(|n| retry(n, d));
    let when = node.get("when").and_then(|n| condition(n, d));
    let delay = node.get("delay").and_then(|n| reader::duration(n, d));
    let tags = node.get("tags").map(|n| tags(n, d)).unwrap_or_default();
    let for_each = node.get("for_each").map(|n| for_each(n, d));
    Some(Request {
        name: name?,
        span: Span::new(file, node.pos),
        action: action?,
        expect,
        captures,
        retry,
        when,
        delay,
        tags,
        for_each,
    })
}

/// What a step does: send a request, or (`receive`) wait for one.
fn action(
    node: &Node,
    map: &[(Key, Node)],
    base: &std::path::Path,
    defaults: &Defaults,
    d: &mut Diags,
) -> Option<Action> {
    let Some(r) = node.get("receive") else {
        return send(node, map, base, defaults, d).map(|s| Action::Send(Box::new(s)));
    };
    for (k, _) in map
        .iter()
        .filter(|(k, _)| keys::NOT_IN_RECEIVE.contains(&k.name.as_str()))
    {
        d.error(k.pos, format!("a `receive` step has no `{}`", k.name))
            .label("it sends nothing")
            .help("wait for the inbound request with `receive:` only, or make this a separate request");
    }
    receive(r, d).map(|r| Action::Receive(Box::new(r)))
}

/// `for_each`: a list, or a template giving one.
fn for_each(n: &Node, d: &mut Diags) -> TValue {
    match &n.kind {
        Kind::Seq(_) | Kind::Str(_) => reader::tvalue(n, d),
        _ => {
            d.error(
                n.pos,
                format!(
                    "`for_each` takes a list, or a template giving one; found {}",
                    n.type_name()
                ),
            )
            .help("e.g. `for_each: [a, b]` or `for_each: \"{{ endpoint_ids }}\"`");
            TValue::Null
        }
    }
}

fn send(
    node: &Node,
    map: &[(Key, Node)],
    base: &std::path::Path,
    defaults: &Defaults,
    d: &mut Diags,
) -> Option<Send> {
    let bodies: Vec<&Key> = map
        .iter()
        .map(|(k, _)| k)
        .filter(|k| keys::BODIES.contains(&k.name.as_str()))
        .collect();
    let method = method(node, &bodies, d);
    let url = match node.get("url") {
        Some(n) => reader::template(n, "url", d).inspect(|t| literal_url(t, d)),
        None => {
            d.error(node.pos, "this request has no `url`")
                .help("add `url: https://...` (it may use variables: \"{{ base_url }}/path\")");
            None
        }
    };
    let mut query = defaults.query.clone();
    if let Some(q) = node.get("query") {
        query.extend(reader::tvalue_map(q, "query", d));
    }
    let headers = merged_headers(node, defaults, d);
    let body = request_body(node, &bodies, base, d);
    let auth = match node.get("auth") {
        Some(n) => auth::auth(n, d),
        None => defaults.auth.clone(),
    }
    .unwrap_or(Auth::None);
    let timeout = node
        .get("timeout")
        .and_then(|n| reader::duration(n, d))
        .or(defaults.timeout);
    let follow_redirects = node
        .get("follow_redirects")
        .and_then(|n| reader::boolean(n, "follow_redirects", d))
        .or(defaults.follow_redirects)
        .unwrap_or(true);
    Some(Send {
        method,
        url: url?,
        query,
        headers,
        body,
        auth,
        timeout,
        follow_redirects,
    })
}

/// `method`, GET unless given (a GraphQL query is POSTed unless a method is given).
fn method(node: &Node, bodies: &[&Key], d: &mut Diags) -> String {
    match node.get("method") {
        Some(n) => match reader::string(n, "method", d) {
            Some(m) if !m.is_empty() && m.bytes().all(is_token_char) => m,
            Some(m) => {
                d.error(n.pos, format!("`{m}` is not an HTTP method"))
                    .help("write a method such as GET, POST, PUT, PATCH, DELETE");
                "GET".into()
            }
            None => "GET".into(),
        },
        None if bodies.iter().any(|k| k.name == "graphql") => "POST".into(),
        None => "GET".into(),
    }
}

/// The defaults' headers with the request's own on top (`null` removes one).
fn merged_headers(node: &Node, defaults: &Defaults, d: &mut Diags) -> Vec<(String, Tmpl)> {
    let mut hdrs = defaults.headers.clone();
    if let Some(h) = node.get("headers") {
        for (k, v) in headers(h, d) {
            hdrs.retain(|(name, _)| !name.eq_ignore_ascii_case(&k));
            hdrs.push((k, v));
        }
    }
    hdrs.into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
}

/// The one body a request may have.
fn request_body(
    node: &Node,
    bodies: &[&Key],
    base: &std::path::Path,
    d: &mut Diags,
) -> Option<super::model::Body> {
    if bodies.len() > 1 {
        d.error(
            bodies[1].pos,
            format!(
                "a request has at most one body; `{}` and `{}` are both set",
                bodies[0].name, bodies[1].name
            ),
        )
        .help("keep one of json, form, multipart, body, graphql");
    }
    let k = bodies.first()?;
    body::body(&k.name, node.get(&k.name)?, base, d)
}

/// A URL written without templates must have a scheme: `127.0.0.1:8080/get` fails at
/// `check`, not halfway through a run.
fn literal_url(t: &Tmpl, d: &mut Diags) {
    if !t.is_literal() {
        return;
    }
    let text = t.source.trim();
    let ok = url::Url::parse(text).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
    if !ok {
        let diag = d.error(t.pos, format!("`{text}` is not an http(s) URL"));
        if !text.contains("://") {
            diag.help(format!("write it with a scheme: http://{text}"));
        } else {
            diag.help("baton sends http:// and https:// URLs");
        }
    }
}

fn receive(node: &Node, d: &mut Diags) -> Option<Receive> {
    let map = reader::map(node, "receive", d)?;
    reader::check_keys(map, keys::RECEIVE, "receive step", d);
    let mut path_template = None;
    let path = match node.get("path") {
        Some(p) => match p.as_str() {
            Some(s) if s.starts_with('/') => {
                if s.contains("{{") {
                    path_template = reader::template(p, "path", d);
                }
                Some(path_pattern(s))
            }
            _ => {
                d.error(p.pos, "`path` starts with `/`, e.g. /mo-sms or /dlr/{id}");
                None
            }
        },
        None => {
            d.error(node.pos, "a `receive` step needs a `path`")
                .help("e.g. `receive: { path: /mo-sms }`");
            None
        }
    };
    let method = match node.get("method") {
        Some(n) => match reader::string(n, "method", d) {
            Some(m) if !m.is_empty() && m.bytes().all(is_token_char) => m.to_uppercase(),
            _ => {
                d.error(n.pos, "`method` is an HTTP method such as POST");
                "POST".into()
            }
        },
        None => "POST".into(),
    };
    let timeout = node
        .get("timeout")
        .and_then(|n| reader::duration(n, d))
        .unwrap_or(Duration::from_secs(30));
    let respond = match node.get("respond") {
        Some(r) => respond(r, d),
        None => Respond {
            status: 200,
            headers: Vec::new(),
            body: RespondBody::None,
        },
    };
    Some(Receive {
        method,
        path: path?,
        path_template,
        timeout,
        respond,
    })
}

/// `/a/{id}/b` as segments; a segment holding a template (`{{ x }}`) matches anything.
pub fn path_pattern(text: &str) -> PathPattern {
    PathPattern {
        text: text.to_string(),
        segments: text
            .trim_end_matches('/')
            .split('/')
            .map(|seg| {
                if seg.contains("{{") {
                    return Segment::Param(String::new());
                }
                match seg.strip_prefix('{').and_then(|x| x.strip_suffix('}')) {
                    Some(name) => Segment::Param(name.to_string()),
                    None => Segment::Literal(seg.to_string()),
                }
            })
            .collect(),
    }
}

fn respond(node: &Node, d: &mut Diags) -> Respond {
    let mut out = Respond {
        status: 200,
        headers: Vec::new(),
        body: RespondBody::None,
    };
    let Some(map) = reader::map(node, "respond", d) else {
        return out;
    };
    reader::check_keys(map, keys::RECEIVE_RESPOND, "receive respond", d);
    if let Some(s) = node.get("status") {
        match s.kind {
            Kind::Int(code) if (100..=599).contains(&code) => out.status = code as u16,
            _ => {
                d.error(s.pos, "`status` is an HTTP status code from 100 to 599");
            }
        }
    }
    if let Some(h) = node.get("headers") {
        out.headers = headers(h, d)
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
    }
    match (node.get("json"), node.get("body")) {
        (Some(_), Some(b)) => {
            d.error(b.pos, "a response has `json` or `body`, not both");
        }
        (Some(j), None) => out.body = RespondBody::Json(reader::tvalue(j, d)),
        (None, Some(b)) => {
            if let Some(t) = reader::template(b, "body", d) {
                out.body = RespondBody::Text(t);
            }
        }
        (None, None) => {}
    }
    out
}

fn condition(n: &Node, d: &mut Diags) -> Option<Tmpl> {
    let text = match &n.kind {
        Kind::Bool(b) => b.to_string(),
        _ => reader::string(n, "when", d)?,
    };
    match Tmpl::compile_condition(&text, n.pos) {
        Ok(t) => Some(t),
        Err(e) => {
            d.error(n.pos, format!("`when` is not a valid expression: {e}"))
                .help("write a MiniJinja expression such as `sms_enabled and count > 0`");
            None
        }
    }
}

pub fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A header map: names to templates, `null` to remove a default.
fn headers(node: &Node, d: &mut Diags) -> Vec<(String, Option<Tmpl>)> {
    let Some(map) = reader::map(node, "headers", d) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in map {
        if k.name.is_empty() || !k.name.bytes().all(is_token_char) {
            d.error(k.pos, format!("`{}` is not a valid header name", k.name));
            continue;
        }
        match &v.kind {
            Kind::Null => out.push((k.name.clone(), None)),
            Kind::Str(_) | Kind::Int(_) | Kind::Float(_) | Kind::Bool(_) => {
                if let Some(t) = reader::template(v, &k.name, d) {
                    out.push((k.name.clone(), Some(t)));
                }
            }
            _ => {
                d.error(
                    v.pos,
                    format!(
                        "header `{}` must be a string (or null to remove a default), found {}",
                        k.name,
                        v.type_name()
                    ),
                );
            }
        }
    }
    out
}

fn retry(node: &Node, d: &mut Diags) -> Option<Retry> {
    let m = reader::map(node, "retry", d)?;
    reader::check_keys(m, keys::RETRY, "retry", d);
    let attempts = match node.get("attempts").map(|n| (n, &n.kind)) {
        Some((_, Kind::Int(i))) if *i >= 1 && *i <= 1000 => *i as u32,
        Some((n, _)) => {
            d.error(
                n.pos,
                "`attempts` must be a whole number from 1 to 1000 (sends in all)",
            );
            return None;
        }
        None => {
            d.error(node.pos, "`retry` needs `attempts`");
            return None;
        }
    };
    let interval = node
        .get("interval")
        .and_then(|n| reader::duration(n, d))
        .unwrap_or(Duration::from_secs(1));
    Some(Retry { attempts, interval })
}

fn tags(node: &Node, d: &mut Diags) -> Vec<String> {
    match &node.kind {
        Kind::Seq(items) => items
            .iter()
            .filter_map(|n| reader::string(n, "tag", d))
            .collect(),
        Kind::Str(s) => vec![s.clone()],
        _ => {
            d.error(node.pos, "`tags` must be a list of strings");
            Vec::new()
        }
    }
}
