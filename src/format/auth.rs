//! Reading `auth:` (a request's or the file's default).

use super::keys;
use super::model::{ApiKeyIn, Auth, AwsSigV4, ClientAuth, OAuth2};
use crate::format::reader;
use crate::format::yaml::{Kind, Node};
use crate::problem::Diags;
use crate::problem::source::did_you_mean;
use crate::template::Tmpl;

pub fn auth(node: &Node, d: &mut Diags) -> Option<Auth> {
    match &node.kind {
        Kind::Str(s) if s == "none" => return Some(Auth::None),
        Kind::Map(m) if m.len() <= 1 => {}
        Kind::Map(m) => {
            d.error(m[1].0.pos, "`auth` takes exactly one kind")
                .help("keep one of none, basic, bearer, api_key, oauth2, digest, aws_sigv4");
            return None;
        }
        _ => {
            d.error(
                node.pos,
                "`auth` must be `none` or a map with one of basic, bearer, api_key, oauth2, digest, aws_sigv4",
            )
            .help("e.g. `auth: { bearer: \"{{ token }}\" }`");
            return None;
        }
    }
    let (k, v) = node.as_map()?.first()?;
    let field = |name: &str, d: &mut Diags| -> Option<Tmpl> {
        match v.get(name) {
            Some(n) => reader::template(n, name, d),
            None => {
                d.error(v.pos, format!("`{}` auth needs `{name}`", k.name));
                None
            }
        }
    };
    match k.name.as_str() {
        "basic" => {
            reader::check_keys(reader::map(v, "basic", d)?, keys::BASIC, "basic auth", d);
            Some(Auth::Basic {
                username: field("username", d)?,
                password: field("password", d)?,
            })
        }
        "bearer" => reader::template(v, "bearer", d).map(Auth::Bearer),
        "api_key" => {
            let m = reader::map(v, "api_key", d)?;
            reader::check_keys(m, keys::API_KEY, "api_key auth", d);
            let (location, name) = match (v.get("header"), v.get("query")) {
                (Some(h), None) => (ApiKeyIn::Header, reader::string(h, "header", d)?),
                (None, Some(q)) => (ApiKeyIn::Query, reader::string(q, "query", d)?),
                _ => {
                    d.error(
                        v.pos,
                        "`api_key` needs exactly one of `header: NAME` or `query: NAME`",
                    );
                    return None;
                }
            };
            Some(Auth::ApiKey {
                location,
                name,
                value: field("value", d)?,
            })
        }
        "oauth2" => oauth2(v, d, field),
        "digest" => {
            reader::check_keys(reader::map(v, "digest", d)?, keys::DIGEST, "digest auth", d);
            Some(Auth::Digest {
                username: field("username", d)?,
                password: field("password", d)?,
            })
        }
        "aws_sigv4" => aws_sigv4(v, d, field),
        other => {
            let diag = d.error(k.pos, format!("unknown auth kind `{other}`"));
            match did_you_mean(other, keys::AUTH_KINDS.iter().copied()) {
                Some(s) => diag.label(format!("did you mean `{s}`?")),
                None => {
                    diag.help("auth is none, basic, bearer, api_key, oauth2, digest or aws_sigv4")
                }
            };
            None
        }
    }
}

fn aws_sigv4(
    v: &Node,
    d: &mut Diags,
    field: impl Fn(&str, &mut Diags) -> Option<Tmpl>,
) -> Option<Auth> {
    let m = reader::map(v, "aws_sigv4", d)?;
    reader::check_keys(m, keys::AWS_SIGV4, "aws_sigv4 auth", d);
    let session_token = v
        .get("session_token")
        .and_then(|n| reader::template(n, "session_token", d));
    Some(Auth::AwsSigV4(Box::new(AwsSigV4 {
        access_key_id: field("access_key_id", d)?,
        secret_access_key: field("secret_access_key", d)?,
        session_token,
        region: field("region", d)?,
        service: field("service", d)?,
    })))
}

fn oauth2(
    v: &Node,
    d: &mut Diags,
    field: impl Fn(&str, &mut Diags) -> Option<Tmpl>,
) -> Option<Auth> {
    let m = reader::map(v, "oauth2", d)?;
    // Only the client credentials grant exists, so `grant_type` is not a key to offer.
    if let Some((k, _)) = m.iter().find(|(k, _)| k.name == "grant_type") {
        d.error(k.pos, "`grant_type` is not needed")
            .label("baton's oauth2 is always the client credentials grant")
            .help("remove this line");
    }
    let others: Vec<_> = m
        .iter()
        .filter(|(k, _)| k.name != "grant_type")
        .cloned()
        .collect();
    reader::check_keys(&others, keys::OAUTH2, "oauth2 auth", d);
    let client_auth = match v.get("client_auth").map(|n| (n, n.as_str())) {
        None | Some((_, Some("basic"))) => ClientAuth::Basic,
        Some((_, Some("body"))) => ClientAuth::Body,
        Some((n, _)) => {
            d.error(n.pos, "`client_auth` is `basic` or `body`");
            ClientAuth::Basic
        }
    };
    let scope = v.get("scope").and_then(|n| reader::template(n, "scope", d));
    let mut params = Vec::new();
    if let Some(p) = v.get("params")
        && let Some(pm) = reader::map(p, "params", d)
    {
        for (k, val) in pm {
            if ["grant_type", "client_id", "client_secret", "scope"].contains(&k.name.as_str()) {
                d.error(k.pos, format!("`{}` is set by baton", k.name))
                    .help("give it with its own key in `oauth2:`, not in `params`");
                continue;
            }
            if let Some(t) = reader::template(val, &k.name, d) {
                params.push((k.name.clone(), t));
            }
        }
    }
    Some(Auth::OAuth2(Box::new(OAuth2 {
        token_url: field("token_url", d)?,
        client_id: field("client_id", d)?,
        client_secret: field("client_secret", d)?,
        scope,
        client_auth,
        params,
    })))
}
