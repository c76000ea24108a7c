//! A Postman request into a baton request: auth, URL and query, headers.

use std::collections::BTreeSet;

use serde_json::Value as Json;

use super::super::script::{Translated, translate_test};
use super::super::writer::Y;
use super::{AuthOut, Cx, disabled, exec_lines, meaningful, param, params, text};

impl Cx {
    pub(super) fn auth(&mut self, a: &Json) -> AuthOut {
        if a.is_null() {
            return AuthOut::Inherit;
        }
        let kind = a.get("type").and_then(Json::as_str).unwrap_or("inherit");
        let ps = params(a.get(kind));
        let get = |cx: &mut Cx, key: &str| param(&ps, key).map(|v| Y::Str(cx.tpl(&text(v))));
        match kind {
            "inherit" => AuthOut::Inherit,
            "noauth" => AuthOut::Set(Y::str("none")),
            "basic" => {
                let mut m = Y::map();
                m.put(
                    "username",
                    get(self, "username").unwrap_or_else(|| Y::str("")),
                );
                m.put(
                    "password",
                    get(self, "password").unwrap_or_else(|| Y::str("")),
                );
                AuthOut::Set(Y::Map(vec![("basic".into(), m)]))
            }
            "bearer" => AuthOut::Set(Y::Map(vec![(
                "bearer".into(),
                get(self, "token").unwrap_or_else(|| Y::str("")),
            )])),
            "apikey" => {
                let place = param(&ps, "in")
                    .map(text)
                    .unwrap_or_else(|| "header".into());
                let place = if place == "query" { "query" } else { "header" };
                let mut m = Y::map();
                m.put(
                    place,
                    get(self, "key").unwrap_or_else(|| Y::str("X-API-Key")),
                );
                m.put("value", get(self, "value").unwrap_or_else(|| Y::str("")));
                AuthOut::Set(Y::Map(vec![("api_key".into(), m)]))
            }
            "oauth2" => {
                let grant = param(&ps, "grant_type").map(text).unwrap_or_default();
                if grant == "client_credentials" {
                    let mut m = Y::map();
                    m.put(
                        "token_url",
                        get(self, "accessTokenUrl").unwrap_or_else(|| Y::str("")),
                    );
                    m.put(
                        "client_id",
                        get(self, "clientId").unwrap_or_else(|| Y::str("")),
                    );
                    m.put(
                        "client_secret",
                        get(self, "clientSecret").unwrap_or_else(|| Y::str("")),
                    );
                    if let Some(Y::Str(s)) = get(self, "scope")
                        && !s.is_empty()
                    {
                        m.put("scope", Y::Str(s));
                    }
                    let body =
                        param(&ps, "client_authentication").map(text).as_deref() == Some("body");
                    m.put("client_auth", Y::str(if body { "body" } else { "basic" }));
                    AuthOut::Set(Y::Map(vec![("oauth2".into(), m)]))
                } else if let Some(Y::Str(token)) = get(self, "accessToken")
                    && !token.is_empty()
                {
                    self.warnings.push(format!("OAuth 2.0 grant `{grant}` is not supported; its saved access token is sent as a bearer token"));
                    AuthOut::Set(Y::Map(vec![("bearer".into(), Y::Str(token))]))
                } else {
                    AuthOut::Unsupported(format!(
                        "oauth2 ({})",
                        if grant.is_empty() {
                            "authorization_code"
                        } else {
                            &grant
                        }
                    ))
                }
            }
            other => AuthOut::Unsupported(other.to_string()),
        }
    }

    pub(super) fn request(&mut self, item: &Json, name: &str, inherited: Option<&AuthOut>) -> Y {
        let mut r = Y::map();
        let mut notes: Vec<String> = Vec::new();
        let req = item.get("request").cloned().unwrap_or(Json::Null);
        let req = match req {
            Json::String(url) => serde_json::json!({ "url": url, "method": "GET" }),
            other => other,
        };
        let method = req
            .get("method")
            .and_then(Json::as_str)
            .unwrap_or("GET")
            .to_ascii_uppercase();
        if method != "GET" {
            r.put("method", Y::str(method));
        }

        // URL and query
        let (url, query, mut url_notes) = self.url(req.get("url"));
        notes.append(&mut url_notes);
        r.put("url", Y::Str(url));
        if let Some(q) = query {
            r.put("query", q);
        }

        // Body first: it decides which Content-Type header is redundant.
        self.add_content_type = None;
        let (body, implied_type, mut body_notes) = self.body(req.get("body"), &req, name);
        notes.append(&mut body_notes);

        let mut headers = Y::map();
        let mut seen = BTreeSet::new();
        for (k, v, off) in header_list(req.get("header")) {
            if off {
                notes.push(format!("disabled in Postman: header {k}: {v}"));
                continue;
            }
            if k.eq_ignore_ascii_case("content-type")
                && implied_type.is_some_and(|t| {
                    v.trim().eq_ignore_ascii_case(t)
                        || t == "multipart/form-data" && v.starts_with("multipart/form-data")
                })
            {
                continue;
            }
            if !seen.insert(k.to_ascii_lowercase()) {
                notes.push(format!("repeated header not converted: {k}: {v}"));
                self.warnings.push(format!(
                    "request `{name}`: header `{k}` is given twice; the first value is kept"
                ));
                continue;
            }
            let v = self.tpl(&v);
            headers.put(k, Y::Str(v));
        }
        if let Some(t) = self.add_content_type.take()
            && !seen.contains("content-type")
        {
            headers.put("Content-Type", Y::str(t));
        }
        if !headers.is_empty_map() {
            r.put("headers", headers);
        }

        // Auth: the request's own, else its folders'; the collection's goes to `defaults`.
        let own = req
            .get("auth")
            .map(|a| self.auth(a))
            .unwrap_or(AuthOut::Inherit);
        let effective = match own {
            AuthOut::Inherit => inherited.cloned(),
            other => Some(other),
        };
        match effective {
            Some(AuthOut::Set(y)) => r.put("auth", y),
            Some(AuthOut::Unsupported(kind)) => {
                notes.push(format!(
                    "postman auth `{kind}` is not supported by baton; set `auth` by hand"
                ));
                self.warnings.push(format!("request `{name}`: auth type `{kind}` is not supported; the request is sent without authentication"));
                r.put("auth", Y::str("none"));
            }
            _ => {}
        }

        if let Some((key, b)) = body {
            r.put(key, b);
        }

        // Scripts
        let mut t = Translated::default();
        for e in item
            .get("event")
            .and_then(Json::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            if disabled(e) {
                continue;
            }
            let lines = exec_lines(e);
            match e.get("listen").and_then(Json::as_str) {
                Some("test") => {
                    let mut one = translate_test(&lines, &mut self.names);
                    t.captures.append(&mut one.captures);
                    t.status.append(&mut one.status);
                    t.headers.append(&mut one.headers);
                    t.json.append(&mut one.json);
                    t.body.append(&mut one.body);
                    self.unconverted += one.unconverted.len();
                    notes.extend(
                        one.unconverted
                            .into_iter()
                            .map(|l| format!("postman test: {l}")),
                    );
                }
                other => {
                    let kind = if other == Some("prerequest") {
                        "pre-request"
                    } else {
                        other.unwrap_or("script")
                    };
                    for l in lines.iter().filter(|l| meaningful(l)) {
                        self.unconverted += 1;
                        notes.push(format!("postman {kind}: {}", l.trim()));
                    }
                }
            }
        }
        let expect = expect_map(&t);
        if !expect.is_empty_map() {
            r.put("expect", expect);
        }
        if !t.captures.is_empty() {
            let mut caps = Y::map();
            for (k, v) in t.captures {
                if caps.get(&k).is_none() {
                    caps.put(k, v);
                }
            }
            r.put("capture", caps);
        }
        if let Some(Json::Bool(false)) = item
            .get("protocolProfileBehavior")
            .and_then(|p| p.get("followRedirects"))
        {
            r.put("follow_redirects", Y::Bool(false));
        }
        r.order(crate::format::keys::REQUEST);
        r.comment(notes);
        r
    }

    /// The URL without its query, the query as a map when that is exact, and notes.
    pub(super) fn url(&mut self, v: Option<&Json>) -> (String, Option<Y>, Vec<String>) {
        let mut notes = Vec::new();
        let (raw, list, path_vars) = match v {
            Some(Json::String(s)) => (s.clone(), None, Vec::new()),
            Some(Json::Object(o)) => {
                let raw = match o.get("raw").and_then(Json::as_str) {
                    Some(r) => r.to_string(),
                    None => build_url(o),
                };
                let list = o.get("query").and_then(Json::as_array).cloned();
                let vars = params(o.get("variable"));
                (raw, list, vars)
            }
            _ => (String::new(), None, Vec::new()),
        };
        let (base, raw_query) = match raw.split_once('?') {
            Some((b, q)) => (b.to_string(), Some(q.to_string())),
            None => (raw.clone(), None),
        };
        // Path variables: `/users/:id` with `variable: [{key: id, value: 7}]`.
        let base = if path_vars.is_empty() {
            base
        } else {
            base.split('/')
                .map(
                    |seg| match seg.strip_prefix(':').and_then(|k| param(&path_vars, k)) {
                        Some(v) => text(v),
                        None => seg.to_string(),
                    },
                )
                .collect::<Vec<_>>()
                .join("/")
        };
        let pairs: Vec<(String, Option<String>)> = match list {
            Some(list) => {
                let mut pairs = Vec::new();
                for q in list {
                    let Some(k) = q.get("key").and_then(Json::as_str) else {
                        continue;
                    };
                    let v = q
                        .get("value")
                        .and_then(|v| if v.is_null() { None } else { Some(text(v)) });
                    if disabled(&q) {
                        notes.push(format!(
                            "disabled in Postman: query {k}={}",
                            v.unwrap_or_default()
                        ));
                    } else {
                        pairs.push((k.to_string(), v));
                    }
                }
                pairs
            }
            None => raw_query.as_deref().map(split_query).unwrap_or_default(),
        };
        let url = self.tpl(&base);
        if pairs.is_empty() {
            return (url, None, notes);
        }
        match self.query_map(&pairs) {
            Some(map) => (url, Some(map), notes),
            None => {
                let q: Vec<String> = pairs
                    .iter()
                    .map(|(k, v)| v.as_ref().map_or(k.clone(), |v| format!("{k}={v}")))
                    .collect();
                let full = format!("{base}?{}", q.join("&"));
                (self.tpl(&full), None, notes)
            }
        }
    }

    /// A query or form list as a map, when the map sends exactly the same bytes.
    pub(super) fn query_map(&mut self, pairs: &[(String, Option<String>)]) -> Option<Y> {
        let mut seen = BTreeSet::new();
        for (k, v) in pairs {
            let v = v.as_ref()?;
            if !seen.insert(k.as_str())
                || k.contains(['%', '+'])
                || v.contains(['%', '+'])
                || k.is_empty()
            {
                return None;
            }
        }
        let mut m = Y::map();
        for (k, v) in pairs {
            let y = self.scalar(&Json::String(v.clone().unwrap_or_default()));
            let k = self.tpl(k);
            m.put(k, y);
        }
        Some(m)
    }
}

/// `[(name, value, disabled)]` from a v2 header list or a v1-style header string.
pub(super) fn header_list(v: Option<&Json>) -> Vec<(String, String, bool)> {
    match v {
        Some(Json::Array(list)) => list
            .iter()
            .filter_map(|h| {
                let k = h.get("key").and_then(Json::as_str)?.trim().to_string();
                (!k.is_empty())
                    .then(|| (k, h.get("value").map(text).unwrap_or_default(), disabled(h)))
            })
            .collect(),
        Some(Json::String(s)) => s
            .lines()
            .filter_map(|l| {
                let (k, v) = l.split_once(':')?;
                let k = k.trim();
                let (k, off) = match k.strip_prefix("//") {
                    Some(k) => (k.trim(), true),
                    None => (k, false),
                };
                Some((k.to_string(), v.trim().to_string(), off))
            })
            .collect(),
        _ => Vec::new(),
    }
}

pub(super) fn build_url(o: &serde_json::Map<String, Json>) -> String {
    let join = |v: Option<&Json>, sep: &str| match v {
        Some(Json::Array(a)) => a.iter().map(text).collect::<Vec<_>>().join(sep),
        Some(v) => text(v),
        None => String::new(),
    };
    let mut url = String::new();
    if let Some(p) = o.get("protocol").and_then(Json::as_str) {
        url.push_str(p);
        url.push_str("://");
    }
    url.push_str(&join(o.get("host"), "."));
    if let Some(port) = o.get("port") {
        url.push(':');
        url.push_str(&text(port));
    }
    let path = join(o.get("path"), "/");
    if !path.is_empty() {
        url.push('/');
        url.push_str(&path);
    }
    url
}

pub(super) fn split_query(q: &str) -> Vec<(String, Option<String>)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (p.to_string(), None),
        })
        .collect()
}

pub(super) fn expect_map(t: &Translated) -> Y {
    let mut e = Y::map();
    match t.status.as_slice() {
        [] => {}
        [one] => e.put("status", Y::Int(*one)),
        many => e.put("status", Y::Seq(many.iter().map(|s| Y::Int(*s)).collect())),
    }
    let merge = |list: &[(String, Y)]| {
        let mut m = Y::map();
        for (k, v) in list {
            match m.get_mut(k) {
                None => m.put(k.clone(), v.clone()),
                Some(Y::Map(old)) => {
                    if let Y::Map(new) = v {
                        for (nk, nv) in new {
                            if !old.iter().any(|(ok, _)| ok == nk) {
                                old.push((nk.clone(), nv.clone()));
                            }
                        }
                    }
                }
                Some(_) => {}
            }
        }
        m
    };
    let h = merge(&t.headers);
    if !h.is_empty_map() {
        e.put("headers", h);
    }
    let j = merge(&t.json);
    if !j.is_empty_map() {
        e.put("json", j);
    }
    if let Some(first) = t.body.first() {
        let mut b = first.clone();
        for more in &t.body[1..] {
            if let (Y::Map(old), Y::Map(new)) = (&mut b, more) {
                for (k, v) in new {
                    if !old.iter().any(|(ok, _)| ok == k) {
                        old.push((k.clone(), v.clone()));
                    }
                }
            }
        }
        e.put("body", b);
    }
    e
}
