//! Security requirements as baton auth: the first alternative baton can send, with
//! credentials as `secret()` references named after the scheme.

use std::collections::BTreeSet;

use super::doc::{Api, Requirement, SecurityScheme};
use crate::convert::writer::Y;
use crate::convert::{escape_jinja, upper_snake};

/// An operation's auth as baton writes it.
#[derive(Clone, PartialEq)]
pub(super) enum Auth {
    /// Nothing to send (no requirement, or an optional one).
    None,
    Set(Y),
    /// No requirement baton can meet; the comment says why.
    Unsupported(String),
}

/// The first security requirement baton can meet.
pub(super) fn auth(api: &Api, reqs: &[Requirement], w: &mut Warnings) -> Auth {
    if reqs.is_empty() {
        return Auth::None;
    }
    let mut why = Vec::new();
    let mut optional = false;
    for req in reqs {
        if req.is_empty() {
            optional = true;
            continue;
        }
        if req.len() > 1 {
            let names: Vec<String> = req.keys().map(|k| format!("`{k}`")).collect();
            why.push(format!("{} at once", names.join(" and ")));
            continue;
        }
        let Some((name, scopes)) = req.iter().next() else {
            continue;
        };
        match scheme(api, name, scopes, w) {
            Ok(y) => return Auth::Set(y),
            Err(w) => why.push(w),
        }
    }
    if optional {
        return Auth::None;
    }
    Auth::Unsupported(format!(
        "auth: baton cannot send {}; the request goes without auth",
        why.join(", nor ")
    ))
}

fn scheme(api: &Api, name: &str, scopes: &[String], w: &mut Warnings) -> Result<Y, String> {
    let secret = |suffix: &str| {
        let base = upper_snake(name);
        let var = if suffix.is_empty() {
            base
        } else {
            format!("{base}_{suffix}")
        };
        Y::Str(format!("{{{{ secret('{var}') }}}}"))
    };
    let Some(s) = api.schemes.get(name) else {
        let msg = format!("security scheme `{name}` is not defined in components.securitySchemes");
        w.once(name, msg.clone());
        return Err(msg);
    };
    let y = match s {
        SecurityScheme::Basic => {
            let mut m = Y::map();
            m.put("username", secret("USERNAME"));
            m.put("password", secret("PASSWORD"));
            Y::Map(vec![("basic".into(), m)])
        }
        SecurityScheme::Bearer => Y::Map(vec![("bearer".into(), secret("TOKEN"))]),
        SecurityScheme::ApiKey {
            location,
            name: key,
        } if location == "header" || location == "query" => {
            let mut m = Y::map();
            m.put(location.clone(), Y::str(key.clone()));
            m.put("value", secret(""));
            Y::Map(vec![("api_key".into(), m)])
        }
        SecurityScheme::OAuth2 {
            token_url: Some(url),
            ..
        } => {
            let mut m = Y::map();
            m.put("token_url", Y::Str(token_url(api, url)));
            m.put("client_id", secret("CLIENT_ID"));
            m.put("client_secret", secret("CLIENT_SECRET"));
            if !scopes.is_empty() {
                m.put("scope", Y::str(scopes.join(" ")));
            }
            Y::Map(vec![("oauth2".into(), m)])
        }
        // Authorization code, implicit, password, device flows and OpenID Connect all end
        // in a bearer token the user fetches: baton sends it.
        SecurityScheme::OAuth2 {
            token_url: None, ..
        }
        | SecurityScheme::OpenIdConnect => Y::Map(vec![("bearer".into(), secret("TOKEN"))]),
        other => {
            let what = match other {
                SecurityScheme::ApiKey { location, .. } => {
                    format!("an API key in a {location}")
                }
                SecurityScheme::Http(s) => format!("HTTP {s}"),
                SecurityScheme::OAuth2 { flows, .. } => format!(
                    "OAuth 2.0 {}; baton runs client credentials only",
                    flows.join(", ")
                ),
                SecurityScheme::OpenIdConnect => "OpenID Connect".into(),
                SecurityScheme::MutualTls => "mutual TLS; use --cert and --key".into(),
                SecurityScheme::Unknown(t) => format!("type `{t}`"),
                _ => "unsupported".into(),
            };
            let msg = format!("`{name}` ({what})");
            w.once(
                name,
                format!("baton cannot send security scheme {msg}; requests that need only it go without auth (see the comments)"),
            );
            return Err(msg);
        }
    };
    Ok(y)
}

/// A token URL: relative ones are relative to the server.
fn token_url(api: &Api, url: &str) -> String {
    if url::Url::parse(url).is_ok() {
        return escape_jinja(url);
    }
    let server = api
        .servers
        .first()
        .map(|s| s.url.clone())
        .unwrap_or_default();
    match url::Url::parse(&server) {
        Ok(base) if base.path() != "/" && !base.path().is_empty() => base
            .join(url)
            .map(|u| escape_jinja(u.as_str()))
            .unwrap_or_else(|_| escape_jinja(url)),
        _ => format!(
            "{{{{ base_url }}}}{}{}",
            if url.starts_with('/') { "" } else { "/" },
            escape_jinja(url)
        ),
    }
}

/// Warnings for the user, each said once.
#[derive(Default)]
pub(super) struct Warnings {
    pub list: Vec<String>,
    seen: BTreeSet<String>,
}

impl Warnings {
    pub fn push(&mut self, text: String) {
        self.list.push(text);
    }

    /// Says `text` unless something was already said about `key`.
    pub fn once(&mut self, key: &str, text: String) {
        if self.seen.insert(key.to_string()) {
            self.list.push(text);
        }
    }
}
