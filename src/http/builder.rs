//! One way to build a request: a checked `Send` and a renderer give the method, URL, query,
//! headers and body as they go out, with auth applied and a default `Content-Type` set.
//! `run` sends what this builds and `export curl` writes it; neither has rules of its own.
//! The renderer decides what a template becomes: its value (run), or a shell variable where
//! the value is unknown or secret (export).

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Map, Value as Json};

use crate::format::model::{ApiKeyIn, Auth, AwsSigV4, Body, ClientAuth, OAuth2, Part, Send};
use crate::template::{TValue, Tmpl, json_text};

/// Renders the templates of a request.
pub trait Render {
    type Error;
    /// A template as text; `what` names it for messages (`url`, "header `Accept`").
    fn text(&mut self, what: &str, t: &Tmpl) -> Result<String, Self::Error>;
    /// A value whose strings are templates, keeping types.
    fn value(&mut self, what: &str, v: &TValue) -> Result<Json, Self::Error>;
    /// A credential: text that is secret wherever it shows.
    fn credential(&mut self, what: &str, t: &Tmpl) -> Result<String, Self::Error> {
        self.text(what, t)
    }
    /// A value made from credentials (a Basic header's base64): secret too.
    fn derived(&mut self, _value: &str) {}
}

/// A request with every template rendered, ready to send or to write out.
#[derive(Debug, Clone)]
pub struct Built {
    pub method: String,
    /// The URL as rendered, before `query` is appended.
    pub url: String,
    /// Parameters to append to the URL, in order (`query:`, then an api_key in the query).
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: BuiltBody,
    /// The OAuth2 token to fetch and send as `Authorization: Bearer ...`.
    pub oauth2: Option<TokenSpec>,
    /// Auth applied while sending: a Digest challenge answered, or each hop signed.
    pub signing: Option<Signing>,
    /// Headers baton added that carry credentials (dropped on a cross-origin redirect,
    /// like `Authorization`).
    pub credential_headers: Vec<String>,
    pub timeout: Option<Duration>,
    pub follow_redirects: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BuiltBody {
    None,
    Json(Json),
    Form(Vec<(String, String)>),
    Multipart(Vec<(String, BuiltPart)>),
    Text(String),
    File(PathBuf),
}

#[derive(Debug, Clone, PartialEq)]
pub enum BuiltPart {
    Text(String),
    File {
        path: PathBuf,
        content_type: Option<String>,
    },
}

/// Auth that depends on what goes over the wire, rendered.
#[derive(Debug, Clone, PartialEq)]
pub enum Signing {
    Digest { username: String, password: String },
    SigV4(SigV4Keys),
}

/// AWS Signature Version 4 credentials and scope, rendered.
#[derive(Debug, Clone, PartialEq)]
pub struct SigV4Keys {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    pub region: String,
    pub service: String,
}

/// An OAuth2 client credentials request, rendered.
#[derive(Debug, Clone)]
pub struct TokenSpec {
    pub token_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub scope: Option<String>,
    pub client_auth: ClientAuth,
    pub params: Vec<(String, String)>,
}

/// Render a request: URL, query, headers, auth and body, as `run`, `export curl` and
/// `--record` all see it.
pub fn build<R: Render>(s: &Send, r: &mut R) -> Result<Built, R::Error> {
    let url = r.text("url", &s.url)?;
    let mut query: Vec<(String, String)> = Vec::new();
    for (k, v) in &s.query {
        let value = r.value(&format!("query `{k}`"), v)?;
        push_values(&mut query, k, &value);
    }
    let mut headers: Vec<(String, String)> = Vec::with_capacity(s.headers.len() + 2);
    for (k, v) in &s.headers {
        headers.push((k.clone(), r.text(&format!("header `{k}`"), v)?));
    }
    let mut credential_headers = Vec::new();
    let signing = signing(&s.auth, r)?;
    let oauth2 = auth(
        &s.auth,
        r,
        &mut headers,
        &mut query,
        &mut credential_headers,
    )?;
    let body = match &s.body {
        None => BuiltBody::None,
        Some(b) => body(b, r, &mut headers)?,
    };
    Ok(Built {
        method: s.method.clone(),
        url,
        query,
        headers,
        body,
        oauth2,
        signing,
        credential_headers,
        timeout: s.timeout,
        follow_redirects: s.follow_redirects,
    })
}

/// Apply auth: a header or query parameter now, or the OAuth2 token request to make first.
fn auth<R: Render>(
    auth: &Auth,
    r: &mut R,
    headers: &mut Vec<(String, String)>,
    query: &mut Vec<(String, String)>,
    credential_headers: &mut Vec<String>,
) -> Result<Option<TokenSpec>, R::Error> {
    match auth {
        Auth::None => {}
        Auth::Basic { username, password } => {
            let u = r.credential("basic auth username", username)?;
            let p = r.credential("basic auth password", password)?;
            let token = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
            r.derived(&token);
            set_default(headers, "Authorization", format!("Basic {token}"));
        }
        Auth::Bearer(t) => {
            let token = r.credential("bearer token", t)?;
            set_default(headers, "Authorization", format!("Bearer {token}"));
        }
        Auth::ApiKey {
            location,
            name,
            value,
        } => {
            let v = r.credential("api_key value", value)?;
            match location {
                ApiKeyIn::Header => {
                    if set_default(headers, name, v) {
                        credential_headers.push(name.clone());
                    }
                }
                ApiKeyIn::Query => query.push((name.clone(), v)),
            }
        }
        Auth::OAuth2(o) => return token_spec(o, r).map(Some),
        Auth::Digest { .. } | Auth::AwsSigV4(_) => {}
    }
    Ok(None)
}

/// Render the auth that is applied while sending (Digest, SigV4); its credentials are secret.
fn signing<R: Render>(auth: &Auth, r: &mut R) -> Result<Option<Signing>, R::Error> {
    Ok(match auth {
        Auth::Digest { username, password } => Some(Signing::Digest {
            username: r.credential("digest auth username", username)?,
            password: r.credential("digest auth password", password)?,
        }),
        Auth::AwsSigV4(a) => Some(Signing::SigV4(sigv4_keys(a, r)?)),
        _ => None,
    })
}

fn sigv4_keys<R: Render>(a: &AwsSigV4, r: &mut R) -> Result<SigV4Keys, R::Error> {
    Ok(SigV4Keys {
        access_key_id: r.credential("aws_sigv4 access_key_id", &a.access_key_id)?,
        secret_access_key: r.credential("aws_sigv4 secret_access_key", &a.secret_access_key)?,
        session_token: match &a.session_token {
            Some(t) => Some(r.credential("aws_sigv4 session_token", t)?),
            None => None,
        },
        region: r.text("aws_sigv4 region", &a.region)?,
        service: r.text("aws_sigv4 service", &a.service)?,
    })
}

fn token_spec<R: Render>(o: &OAuth2, r: &mut R) -> Result<TokenSpec, R::Error> {
    let mut params = Vec::new();
    for (k, t) in &o.params {
        params.push((k.clone(), r.text(&format!("oauth2 param `{k}`"), t)?));
    }
    Ok(TokenSpec {
        token_url: r.text("oauth2 token_url", &o.token_url)?,
        client_id: r.credential("oauth2 client_id", &o.client_id)?,
        client_secret: r.credential("oauth2 client_secret", &o.client_secret)?,
        scope: match &o.scope {
            Some(t) => Some(r.text("oauth2 scope", t)?),
            None => None,
        },
        client_auth: o.client_auth,
        params,
    })
}

/// Render a body, setting its `Content-Type` unless one is given.
fn body<R: Render>(
    b: &Body,
    r: &mut R,
    headers: &mut Vec<(String, String)>,
) -> Result<BuiltBody, R::Error> {
    let (content_type, built) = match b {
        Body::Json(v) => (
            "application/json",
            BuiltBody::Json(r.value("json body", v)?),
        ),
        Body::GraphQl {
            query,
            variables,
            operation_name,
        } => {
            let mut doc = Map::new();
            doc.insert(
                "query".into(),
                Json::String(r.text("graphql query", query)?),
            );
            if let Some(v) = variables {
                doc.insert("variables".into(), r.value("graphql variables", v)?);
            }
            if let Some(op) = operation_name {
                let op = r.text("graphql operation_name", op)?;
                doc.insert("operationName".into(), Json::String(op));
            }
            ("application/json", BuiltBody::Json(Json::Object(doc)))
        }
        Body::Form(fields) => {
            let mut pairs = Vec::new();
            for (k, v) in fields {
                let value = r.value(&format!("form field `{k}`"), v)?;
                push_values(&mut pairs, k, &value);
            }
            ("application/x-www-form-urlencoded", BuiltBody::Form(pairs))
        }
        // reqwest sets the multipart Content-Type with its boundary.
        Body::Multipart(parts) => return multipart(parts, r),
        Body::Raw(t) => (
            "text/plain; charset=utf-8",
            BuiltBody::Text(r.text("body", t)?),
        ),
        Body::File(path) => ("application/octet-stream", BuiltBody::File(path.clone())),
    };
    set_default(headers, "Content-Type", content_type.into());
    Ok(built)
}

fn multipart<R: Render>(parts: &[(String, Part)], r: &mut R) -> Result<BuiltBody, R::Error> {
    let mut out = Vec::new();
    for (name, part) in parts {
        let built = match part {
            Part::Text(v) => BuiltPart::Text(json_text(
                &r.value(&format!("multipart field `{name}`"), v)?,
            )),
            Part::File { path, content_type } => BuiltPart::File {
                path: path.clone(),
                content_type: content_type.clone(),
            },
        };
        out.push((name.clone(), built));
    }
    Ok(BuiltBody::Multipart(out))
}

/// Lists become repeated parameters; null is left out; everything else its plain text.
fn push_values(out: &mut Vec<(String, String)>, key: &str, value: &Json) {
    match value {
        Json::Array(items) => items
            .iter()
            .for_each(|i| out.push((key.to_string(), json_text(i)))),
        Json::Null => {}
        v => out.push((key.to_string(), json_text(v))),
    }
}

/// Set a header unless the request already gives it (the request's own value wins).
/// Returns whether it was set.
fn set_default(headers: &mut Vec<(String, String)>, name: &str, value: String) -> bool {
    if headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name)) {
        return false;
    }
    headers.push((name.to_string(), value));
    true
}

impl Built {
    /// Replace a header (any case), e.g. `Authorization` once the OAuth2 token is known.
    pub fn set_header(&mut self, name: &str, value: String) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::model::Action;
    use crate::template::Vars;

    /// Renders with a scope; errors as text.
    struct Plain(Vars);
    impl Render for Plain {
        type Error = String;
        fn text(&mut self, what: &str, t: &Tmpl) -> Result<String, String> {
            t.render_string(&self.0).map_err(|e| format!("{what}: {e}"))
        }
        fn value(&mut self, what: &str, v: &TValue) -> Result<Json, String> {
            v.render(&self.0).map_err(|e| format!("{what}: {e}"))
        }
    }

    fn built(yaml: &str) -> Result<Built, String> {
        let c = crate::format::load_str(std::path::Path::new("t.yaml"), yaml.into())
            .unwrap_or_else(|e| panic!("{}", e.render()));
        let r = c.requests().next().unwrap();
        let Action::Send(s) = &r.action else {
            panic!("a send")
        };
        let mut vars = Vars::new();
        vars.set("tok", &serde_json::json!("t-1"));
        vars.set("n", &serde_json::json!(3));
        build(s, &mut Plain(vars))
    }

    #[test]
    fn auth_does_not_override_a_given_header() {
        let b = built("requests:\n  - name: a\n    url: http://x/\n    headers: { authorization: mine }\n    auth: { bearer: \"{{ tok }}\" }\n").unwrap();
        let auth: Vec<_> = b
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            .collect();
        assert_eq!(auth, [&("authorization".to_string(), "mine".to_string())]);
    }

    #[test]
    fn bodies_get_their_content_type_and_keep_types() {
        let b = built("requests:\n  - name: a\n    url: http://x/\n    json: { n: \"{{ n }}\", s: \"n={{ n }}\" }\n").unwrap();
        assert_eq!(
            b.body,
            BuiltBody::Json(serde_json::json!({"n": 3, "s": "n=3"}))
        );
        assert!(
            b.headers
                .contains(&("Content-Type".into(), "application/json".into()))
        );
        let b =
            built("requests:\n  - name: a\n    url: http://x/\n    form: { a: [1, 2], b: null }\n")
                .unwrap();
        assert_eq!(
            b.body,
            BuiltBody::Form(vec![("a".into(), "1".into()), ("a".into(), "2".into())])
        );
    }

    #[test]
    fn graphql_is_a_json_post() {
        let b = built("requests:\n  - name: q\n    url: http://x/graphql\n    graphql:\n      query: \"query($n: Int) { items(first: $n) { id } }\"\n      variables: { n: \"{{ n }}\" }\n      operation_name: Items\n").unwrap();
        assert_eq!(b.method, "POST");
        assert_eq!(
            b.body,
            BuiltBody::Json(serde_json::json!({
                "query": "query($n: Int) { items(first: $n) { id } }",
                "variables": {"n": 3},
                "operationName": "Items"
            }))
        );
    }

    #[test]
    fn api_key_in_header_is_a_credential_and_in_query_a_parameter() {
        let b = built("requests:\n  - name: a\n    url: http://x/\n    auth: { api_key: { header: X-Key, value: \"{{ tok }}\" } }\n").unwrap();
        assert_eq!(b.credential_headers, ["X-Key"]);
        let b = built("requests:\n  - name: a\n    url: http://x/\n    query: { a: 1 }\n    auth: { api_key: { query: key, value: \"{{ tok }}\" } }\n").unwrap();
        assert_eq!(
            b.query,
            [
                ("a".to_string(), "1".to_string()),
                ("key".into(), "t-1".into())
            ]
        );
    }

    #[test]
    fn a_render_error_names_the_part() {
        let e = built("requests:\n  - name: a\n    url: \"{{ nope }}/x\"\n").unwrap_err();
        assert_eq!(e, "url: variable `nope` is not defined");
    }
}
