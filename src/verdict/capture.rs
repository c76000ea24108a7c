//! Captures: a response + a checked capture -> a value for a variable. Pure evaluation;
//! `collection` read and compiled the capture.

use serde_json::Value as Json;
use serde_json_path::JsonPath;

use super::jsonpath;

use crate::format::model::{Capture, Source};
use crate::http::jsondoc::NodeRef;
use crate::http::response::Response;
use crate::secret::Secrets;
use crate::template::json_text;

/// Run one capture. `Err(message)` when nothing matches and there is no default.
pub fn run(c: &Capture, r: &Response, secrets: &Secrets) -> Result<Json, String> {
    match extract(c, r, secrets) {
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

fn extract(c: &Capture, r: &Response, secrets: &Secrets) -> Result<Option<Json>, String> {
    let needs_body = matches!(c.source, Source::Json(..) | Source::Body);
    if needs_body && let Some(e) = r.body_error() {
        return Err(e);
    }
    let value: Json = match &c.source {
        Source::Json(path, text) => match select(path, text, r) {
            Some(Some(v)) => v,
            Some(None) => return Ok(None),
            None => return Err(format!("response is not JSON: {}", r.preview(secrets))),
        },
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
                    shorten(&secrets.redact(&text))
                )),
            }
        }
    }
}

/// What a JSONPath selects, one value or a list; `None` when the body is not JSON. The
/// common forms read the compact document, the others (and a body too large for it) the
/// full one.
fn select(path: &JsonPath, text: &str, r: &Response) -> Option<Option<Json>> {
    let fast = jsonpath::Path::parse(text).and_then(|p| Some((p, r.doc()?)));
    let mut nodes: Vec<Json> = match fast {
        Some((fast, doc)) => fast.select(doc).iter().map(NodeRef::to_json).collect(),
        None => path.query(r.json()?).all().into_iter().cloned().collect(),
    };
    Some(match nodes.len() {
        0 => None,
        1 => nodes.pop(),
        _ => Some(Json::Array(nodes)),
    })
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
    use std::time::Duration;

    fn parse(text: &str) -> (Vec<Capture>, Vec<String>) {
        let indented: String = text.lines().map(|l| format!("    {l}\n")).collect();
        let yaml = format!("requests:\n  - name: t\n    url: http://x/\n{indented}");
        let c = crate::format::load_str(std::path::Path::new("t.yaml"), yaml)
            .unwrap_or_else(|e| panic!("{}", e.render()));
        (c.requests().next().unwrap().captures.clone(), Vec::new())
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
        let got: Vec<Json> = caps
            .iter()
            .map(|c| run(c, &r, &Secrets::new()).unwrap())
            .collect();
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
            run(&caps[0], &r, &Secrets::new()).unwrap_err(),
            "JSONPath `$.missing` selects nothing"
        );
        assert_eq!(
            run(&caps[1], &r, &Secrets::new()).unwrap_err(),
            "no `X-None` header in the response"
        );
        assert!(
            run(&caps[2], &r, &Secrets::new())
                .unwrap_err()
                .starts_with("regex `zzz(\\d)` does not match")
        );
        let text = Response::new(200, vec![], b"<html>".to_vec(), Duration::ZERO);
        assert_eq!(
            run(&caps[0], &text, &Secrets::new()).unwrap_err(),
            "response is not JSON: <html>"
        );
    }
}
