//! Postman auth into baton auth: basic, bearer, apikey, oauth2 client credentials, digest
//! and awsv4; others become a comment and a warning.

use serde_json::Value as Json;

use super::super::writer::Y;
use super::{AuthOut, Cx, param, params, text};

/// Auth types baton does not have (a comment and a warning, never a silent `none`).
const UNSUPPORTED: [&str; 4] = ["oauth1", "hawk", "ntlm", "edgegrid"];

pub(super) fn auth(cx: &mut Cx, a: &Json) -> AuthOut {
    if a.is_null() {
        return AuthOut::Inherit;
    }
    let kind = a.get("type").and_then(Json::as_str).unwrap_or("inherit");
    let ps = params(a.get(kind));
    let fields = |cx: &mut Cx, pairs: &[(&str, &str)]| {
        let mut m = Y::map();
        for (to, from) in pairs {
            let v = param(&ps, from).map(|v| Y::Str(cx.tpl(&text(v))));
            m.put(*to, v.unwrap_or_else(|| Y::str("")));
        }
        m
    };
    let one = |key: &str, v: Y| AuthOut::Set(Y::Map(vec![(key.into(), v)]));
    match kind {
        "inherit" => AuthOut::Inherit,
        "noauth" => AuthOut::Set(Y::str("none")),
        "basic" => one(
            "basic",
            fields(cx, &[("username", "username"), ("password", "password")]),
        ),
        "digest" => one(
            "digest",
            fields(cx, &[("username", "username"), ("password", "password")]),
        ),
        "bearer" => {
            let token = param(&ps, "token").map(|v| Y::Str(cx.tpl(&text(v))));
            one("bearer", token.unwrap_or_else(|| Y::str("")))
        }
        "apikey" => api_key(cx, &ps),
        "awsv4" => aws(cx, &ps),
        "oauth2" => oauth2(cx, &ps),
        other if UNSUPPORTED.contains(&other) => AuthOut::Unsupported(other.to_string()),
        other => AuthOut::Unsupported(other.to_string()),
    }
}

/// The header a request's own auth adds, when known at import: `Some(None)` for none,
/// `None` when not known (inherited, or a kind whose header is computed at send time).
pub(super) fn header(a: Option<&Json>) -> Option<Option<(String, String)>> {
    let Some(a) = a.filter(|a| !a.is_null()) else {
        // Inherited from a folder or the collection.
        return None;
    };
    let kind = a.get("type").and_then(Json::as_str).unwrap_or("inherit");
    let ps = params(a.get(kind));
    let known = |k: &str| match param(&ps, k).map(text) {
        Some(v) if v.contains("{{") => None,
        v => Some(v.unwrap_or_default()),
    };
    use base64::Engine as _;
    Some(match kind {
        "noauth" => None,
        "basic" => {
            let pair = format!("{}:{}", known("username")?, known("password")?);
            let b64 = base64::engine::general_purpose::STANDARD.encode(pair);
            Some(("Authorization".into(), format!("Basic {b64}")))
        }
        "bearer" => Some((
            "Authorization".into(),
            format!("Bearer {}", known("token")?),
        )),
        _ => return None,
    })
}

fn api_key(cx: &mut Cx, ps: &[(String, Json)]) -> AuthOut {
    let place = param(ps, "in").map(text).unwrap_or_else(|| "header".into());
    let place = if place == "query" { "query" } else { "header" };
    let mut m = Y::map();
    let key = param(ps, "key").map(|v| cx.tpl(&text(v)));
    m.put(place, Y::Str(key.unwrap_or_else(|| "X-API-Key".into())));
    let value = param(ps, "value").map(|v| cx.tpl(&text(v)));
    m.put("value", Y::Str(value.unwrap_or_default()));
    AuthOut::Set(Y::Map(vec![("api_key".into(), m)]))
}

fn aws(cx: &mut Cx, ps: &[(String, Json)]) -> AuthOut {
    let mut m = Y::map();
    for (to, from) in [
        ("access_key_id", "accessKey"),
        ("secret_access_key", "secretKey"),
        ("session_token", "sessionToken"),
        ("region", "region"),
        ("service", "service"),
    ] {
        let v = param(ps, from)
            .map(|v| cx.tpl(&text(v)))
            .unwrap_or_default();
        if to != "session_token" || !v.is_empty() {
            m.put(to, Y::Str(v));
        }
    }
    AuthOut::Set(Y::Map(vec![("aws_sigv4".into(), m)]))
}

fn oauth2(cx: &mut Cx, ps: &[(String, Json)]) -> AuthOut {
    let grant = param(ps, "grant_type").map(text).unwrap_or_default();
    let get = |cx: &mut Cx, key: &str| param(ps, key).map(|v| cx.tpl(&text(v))).unwrap_or_default();
    if grant == "client_credentials" {
        let mut m = Y::map();
        m.put("token_url", Y::Str(get(cx, "accessTokenUrl")));
        m.put("client_id", Y::Str(get(cx, "clientId")));
        m.put("client_secret", Y::Str(get(cx, "clientSecret")));
        let scope = get(cx, "scope");
        if !scope.is_empty() {
            m.put("scope", Y::Str(scope));
        }
        let body = param(ps, "client_authentication").map(text).as_deref() == Some("body");
        m.put("client_auth", Y::str(if body { "body" } else { "basic" }));
        return AuthOut::Set(Y::Map(vec![("oauth2".into(), m)]));
    }
    let token = get(cx, "accessToken");
    if !token.is_empty() {
        cx.warnings.push(format!("OAuth 2.0 grant `{grant}` is not supported; its saved access token is sent as a bearer token"));
        return AuthOut::Set(Y::Map(vec![("bearer".into(), Y::Str(token))]));
    }
    let grant = if grant.is_empty() {
        "authorization_code".to_string()
    } else {
        grant
    };
    AuthOut::Unsupported(format!("oauth2 ({grant})"))
}
