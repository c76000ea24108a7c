//! One curl command's options gathered, then written as a request.

use std::collections::BTreeSet;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value as Json;

use super::super::writer::Y;
use super::super::{ImportError, escape_jinja};
use super::options::Opt;
use super::words::{VAR_CLOSE, VAR_OPEN, lit};

/// One request converted from a command's words.
pub(super) struct OneRequest {
    pub(super) request: Y,
    /// `METHOD /path`, the name when no comment gives one.
    pub(super) name: String,
    pub(super) notes: Vec<String>,
    pub(super) warnings: Vec<String>,
}

pub(super) enum Data {
    /// Sent as written (`-d`, `--data-raw`, `--data-binary`).
    Raw(String),
    /// `--data-urlencode`: (name, unencoded content).
    Encode(Option<String>, String),
}

#[derive(Default)]
pub(super) struct Cmd {
    pub(super) method: Option<String>,
    pub(super) urls: Vec<String>,
    pub(super) headers: Vec<(String, String)>,
    pub(super) data: Vec<Data>,
    pub(super) data_file: Option<String>,
    pub(super) json: Vec<String>,
    pub(super) form: Vec<(String, Y)>,
    pub(super) user: Option<String>,
    pub(super) bearer: Option<String>,
    pub(super) insecure: bool,
    pub(super) location: bool,
    pub(super) get: bool,
    pub(super) head: bool,
    pub(super) upload: Option<String>,
    pub(super) timeout: Option<String>,
    pub(super) notes: Vec<String>,
    pub(super) warnings: Vec<String>,
}

impl Cmd {
    pub(super) fn url(&mut self, u: String) -> Result<(), ImportError> {
        if let Some(first) = self.urls.first() {
            return Err(ImportError::CurlManyUrls(first.clone(), u));
        }
        self.urls.push(u);
        Ok(())
    }

    pub(super) fn apply(
        &mut self,
        opt: Opt,
        flag: &str,
        arg: Option<String>,
    ) -> Result<(), ImportError> {
        let arg = arg.unwrap_or_default();
        match opt {
            Opt::Request => self.method = Some(arg),
            Opt::Url => self.url(arg)?,
            Opt::Header => {
                if arg.starts_with('@') {
                    return Err(ImportError::CurlUnsupported {
                        flag: flag.into(),
                        why: "headers from a file are not read; give each with -H".into(),
                    });
                }
                match arg.split_once(':') {
                    Some((k, v)) if !v.trim().is_empty() => self
                        .headers
                        .push((k.trim().to_string(), v.trim().to_string())),
                    Some((k, _)) => self.notes.push(format!(
                        "curl removed its default header `{}`; baton does not send it either",
                        k.trim()
                    )),
                    None => match arg.strip_suffix(';') {
                        Some(k) => self.headers.push((k.trim().to_string(), String::new())),
                        None => {
                            return Err(ImportError::CurlUnsupported {
                                flag: flag.into(),
                                why: format!("`{arg}` is not `Name: value`"),
                            });
                        }
                    },
                }
            }
            Opt::Data | Opt::DataBinary => {
                match arg.strip_prefix('@') {
                    Some(path) => {
                        if self.data_file.is_some() || !self.data.is_empty() {
                            return Err(ImportError::CurlUnsupported { flag: flag.into(), why: "a file body mixed with other data cannot be expressed; send one".into() });
                        }
                        if opt == Opt::Data {
                            self.notes.push("curl -d @FILE strips newlines from the file; baton sends the file as it is".into());
                        }
                        self.data_file = Some(path.to_string());
                    }
                    None => self.data.push(Data::Raw(arg)),
                }
            }
            Opt::DataRaw => self.data.push(Data::Raw(arg)),
            Opt::DataUrlencode => {
                let (name, content) = match arg.split_once('=') {
                    Some((n, c)) if !n.contains('@') => {
                        ((!n.is_empty()).then(|| n.to_string()), c.to_string())
                    }
                    _ if arg.contains('@') => {
                        return Err(ImportError::CurlUnsupported {
                            flag: flag.into(),
                            why: "reading the value from a file is not supported; paste the value"
                                .into(),
                        });
                    }
                    _ => (None, arg),
                };
                self.data.push(Data::Encode(name, content));
            }
            Opt::Json => self.json.push(arg),
            Opt::Form | Opt::FormString => self.form_part(opt == Opt::FormString, flag, &arg)?,
            Opt::User => self.user = Some(arg),
            Opt::Bearer => self.bearer = Some(arg),
            Opt::Insecure => self.insecure = true,
            Opt::Location => self.location = true,
            Opt::Get => self.get = true,
            Opt::Head => self.head = true,
            Opt::UserAgent => self.headers.push(("User-Agent".into(), arg)),
            Opt::Referer => self
                .headers
                .push(("Referer".into(), arg.trim_end_matches(";auto").to_string())),
            Opt::Cookie => {
                if arg.contains('=') || arg.contains(VAR_OPEN) {
                    self.headers.push(("Cookie".into(), arg));
                } else {
                    self.notes.push(format!("curl read cookies from the file `{arg}`; baton keeps its own cookie jar per collection"));
                    self.warnings
                        .push(format!("cookie file `{arg}` is not read"));
                }
            }
            Opt::MaxTime => {
                let secs: f64 = arg.parse().map_err(|_| ImportError::CurlUnsupported {
                    flag: flag.into(),
                    why: format!("`{arg}` is not a number of seconds"),
                })?;
                self.timeout = Some(if secs.fract() == 0.0 {
                    format!("{}s", secs as u64)
                } else {
                    format!("{}ms", (secs * 1000.0).round() as u64)
                });
            }
            Opt::Upload => self.upload = Some(arg),
            Opt::Ignore(_) => {}
            Opt::Note(text, _) => {
                let shown = if arg.is_empty() {
                    flag.to_string()
                } else {
                    format!("{flag} {arg}")
                };
                self.notes.push(format!("{shown}: {text}"));
                self.warnings
                    .push(format!("`{flag}` is not part of the request: {text}"));
            }
            Opt::Unsupported(why) => {
                return Err(ImportError::CurlUnsupported {
                    flag: flag.into(),
                    why: why.into(),
                });
            }
        }
        Ok(())
    }

    pub(super) fn form_part(
        &mut self,
        literal: bool,
        flag: &str,
        arg: &str,
    ) -> Result<(), ImportError> {
        let Some((name, value)) = arg.split_once('=') else {
            return Err(ImportError::CurlUnsupported {
                flag: flag.into(),
                why: format!("`{arg}` is not `name=value`"),
            });
        };
        if self.form.iter().any(|(k, _)| k == name) {
            return Err(ImportError::CurlUnsupported {
                flag: flag.into(),
                why: format!("the field `{name}` is given twice; baton's multipart is a map"),
            });
        }
        let y = match value
            .strip_prefix('@')
            .or_else(|| value.strip_prefix('<'))
            .filter(|_| !literal)
        {
            Some(spec) => {
                if value.starts_with('<') {
                    self.notes.push(format!("curl sent the text of `{spec}` as the field `{name}`; baton uploads it as a file part"));
                }
                let mut parts = spec.split(';');
                let path = parts.next().unwrap_or_default().trim_matches('"');
                let mut f = Y::map();
                f.put("file", Y::str(escape_jinja(&lit(path))));
                for p in parts {
                    match p.split_once('=') {
                        Some(("type", t)) => f.put("content_type", Y::str(t)),
                        _ => self.notes.push(format!(
                            "multipart option `{p}` of `{name}` is not converted"
                        )),
                    }
                }
                f
            }
            None => Y::str(escape_jinja(value)),
        };
        self.form.push((name.to_string(), y));
        Ok(())
    }

    pub(super) fn has_header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn finish(mut self) -> Result<OneRequest, ImportError> {
        let Some(mut url) = self.urls.first().cloned() else {
            return Err(ImportError::CurlNoUrl);
        };
        // `${base}/x`: the variable brings the scheme.
        if !url.contains("://") && !url.starts_with(VAR_OPEN) {
            url = format!("http://{url}");
        }
        let has_body = !self.data.is_empty()
            || self.data_file.is_some()
            || !self.json.is_empty()
            || !self.form.is_empty();
        if !self.form.is_empty()
            && (!self.data.is_empty() || !self.json.is_empty() || self.data_file.is_some())
        {
            return Err(ImportError::CurlUnsupported {
                flag: "-F".into(),
                why: "curl cannot mix -F with -d or --json".into(),
            });
        }

        // -G moves the data into the query string.
        if self.get && !self.data.is_empty() {
            let q = joined_data(&self.data);
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&q);
            self.data.clear();
        }
        let method = match &self.method {
            Some(m) => m.clone(),
            None if self.head => "HEAD".into(),
            None if self.upload.is_some() => "PUT".into(),
            None if self.get => "GET".into(),
            None if has_body => "POST".into(),
            None => "GET".into(),
        };

        let (base, query) = split_url(&url);
        let path = base.split_once("://").map_or(base.as_str(), |(_, r)| r);
        let path = path.find('/').map_or("/", |i| &path[i..]);

        let name = lit(&format!("{method} {path}"));
        let mut r = Y::map();
        r.put("name", Y::str(name.clone()));
        if method != "GET" {
            r.put("method", Y::str(lit(&method)));
        }
        match query.as_deref().map(query_map) {
            Some(Some(m)) => {
                r.put("url", Y::str(escape_jinja(&base)));
                r.put("query", m);
            }
            _ => r.put("url", Y::str(escape_jinja(&url))),
        }

        // Body
        let content_type = self.has_header("content-type").map(str::to_ascii_lowercase);
        let mut body: Option<(&str, Y)> = None;
        let mut extra_headers: Vec<(String, String)> = Vec::new();
        if !self.json.is_empty() {
            let text = self.json.concat();
            match serde_json::from_str::<Json>(&text) {
                Ok(v) => body = Some(("json", json_y(&v))),
                Err(_) => {
                    body = Some(("body", Y::str(escape_jinja(&text))));
                    if content_type.is_none() {
                        extra_headers.push(("Content-Type".into(), "application/json".into()));
                    }
                }
            }
            if self.has_header("accept").is_none() {
                extra_headers.push(("Accept".into(), "application/json".into()));
            }
        } else if let Some(file) = &self.data_file {
            body = Some((
                "body",
                Y::Map(vec![("file".into(), Y::str(escape_jinja(&lit(file))))]),
            ));
            if content_type.is_none() {
                extra_headers.push((
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded".into(),
                ));
            }
        } else if let Some(file) = &self.upload {
            body = Some((
                "body",
                Y::Map(vec![("file".into(), Y::str(escape_jinja(&lit(file))))]),
            ));
        } else if !self.form.is_empty() {
            body = Some(("multipart", Y::Map(std::mem::take(&mut self.form))));
        } else if !self.data.is_empty() {
            let text = joined_data(&self.data);
            let json = content_type
                .as_deref()
                .is_some_and(|t| t.contains("json"))
                .then(|| serde_json::from_str::<Json>(&text).ok())
                .flatten();
            if let Some(v) = json {
                body = Some(("json", json_y(&v)));
            } else if let Some(form) = (content_type.is_none()
                || content_type.as_deref() == Some("application/x-www-form-urlencoded"))
            .then(|| form_map(&self.data))
            .flatten()
            {
                body = Some(("form", form));
            } else {
                body = Some(("body", Y::str(escape_jinja(&text))));
                if content_type.is_none() {
                    // What curl sends with -d; baton would otherwise send text/plain.
                    extra_headers.push((
                        "Content-Type".into(),
                        "application/x-www-form-urlencoded".into(),
                    ));
                }
            }
        }

        let mut headers = Y::map();
        let mut seen = BTreeSet::new();
        for (k, v) in self.headers.iter().chain(&extra_headers) {
            if !seen.insert(k.to_ascii_lowercase()) {
                if k.eq_ignore_ascii_case("cookie")
                    && let Some(Y::Str(old)) = headers.get_mut(k)
                {
                    old.push_str("; ");
                    old.push_str(&escape_jinja(v));
                    continue;
                }
                self.notes
                    .push(format!("repeated header not converted: {k}: {v}"));
                self.warnings.push(format!(
                    "header `{k}` is given twice; the first value is kept"
                ));
                continue;
            }
            headers.put(k.clone(), Y::str(escape_jinja(v)));
        }
        if !headers.is_empty_map() {
            r.put("headers", headers);
        }

        if let Some(user) = &self.user {
            let (u, p) = match user.split_once(':') {
                Some((u, p)) => (u, p),
                None => {
                    self.warnings.push(
                        "`-u` has no password (curl would prompt for it); the password is empty"
                            .into(),
                    );
                    (user.as_str(), "")
                }
            };
            let mut b = Y::map();
            b.put("username", Y::str(escape_jinja(u)));
            b.put("password", Y::str(escape_jinja(p)));
            r.put("auth", Y::Map(vec![("basic".into(), b)]));
        } else if let Some(t) = &self.bearer {
            r.put(
                "auth",
                Y::Map(vec![("bearer".into(), Y::str(escape_jinja(t)))]),
            );
        }
        if let Some((k, v)) = body {
            r.put(k, v);
        }
        if let Some(t) = &self.timeout {
            r.put("timeout", Y::str(t.clone()));
        }
        if !self.location {
            r.put("follow_redirects", Y::Bool(false));
        }
        if self.insecure {
            self.notes
                .push("curl -k: run with `baton run --insecure` to skip certificate checks".into());
            self.warnings
                .push("`-k` is not part of the request: run with `baton run --insecure`".into());
        }
        r.order(crate::format::keys::REQUEST);
        Ok(OneRequest {
            request: r,
            name,
            notes: self.notes,
            warnings: self.warnings,
        })
    }
}

pub(super) fn json_y(v: &Json) -> Y {
    Y::from_json(v, &mut |s| escape_jinja(s))
}

pub(super) fn joined_data(data: &[Data]) -> String {
    data.iter()
        .map(|d| match d {
            Data::Raw(s) => s.clone(),
            Data::Encode(Some(n), c) => format!("{n}={}", url_encode(c)),
            Data::Encode(None, c) => url_encode(c),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes text, leaving variables whole (the shell puts their values in as they are).
pub(super) fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(VAR_OPEN) {
        out.extend(utf8_percent_encode(&rest[..i], NON_ALPHANUMERIC));
        let j = rest[i..]
            .find(VAR_CLOSE)
            .map_or(rest.len(), |j| i + j + VAR_CLOSE.len_utf8());
        out.push_str(&rest[i..j]);
        rest = &rest[j..];
    }
    out.extend(utf8_percent_encode(rest, NON_ALPHANUMERIC));
    out
}

/// `-d a=1&b=2` as a form map, when the map sends the same bytes.
pub(super) fn form_map(data: &[Data]) -> Option<Y> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for d in data {
        match d {
            Data::Raw(s) => {
                for p in s.split('&') {
                    let (k, v) = p.split_once('=')?;
                    if k.is_empty() || !simple(k) || !simple(v) {
                        return None;
                    }
                    pairs.push((k.to_string(), v.to_string()));
                }
            }
            Data::Encode(Some(n), c) => pairs.push((n.clone(), c.clone())),
            Data::Encode(None, _) => return None,
        }
    }
    to_map(&pairs)
}

/// Characters that no URL encoder changes, so a map value sends exactly what curl sent.
pub(super) fn simple(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
}

pub(super) fn to_map(pairs: &[(String, String)]) -> Option<Y> {
    let mut seen = BTreeSet::new();
    let mut m = Y::map();
    for (k, v) in pairs {
        if !seen.insert(k.clone()) {
            return None;
        }
        let y = match v.parse::<i64>() {
            Ok(i) if i.to_string() == *v => Y::Int(i),
            _ => Y::str(escape_jinja(v)),
        };
        m.put(escape_jinja(k), y);
    }
    Some(m)
}

pub(super) fn split_url(url: &str) -> (String, Option<String>) {
    let no_fragment = url.split_once('#').map_or(url, |(u, _)| u);
    match no_fragment.split_once('?') {
        Some((b, q)) => (b.to_string(), Some(q.to_string())),
        None => (url.to_string(), None),
    }
}

pub(super) fn query_map(q: &str) -> Option<Y> {
    let mut pairs = Vec::new();
    for p in q.split('&') {
        let (k, v) = p.split_once('=')?;
        if k.is_empty() || !simple(k) || !simple(v) {
            return None;
        }
        pairs.push((k.to_string(), v.to_string()));
    }
    to_map(&pairs)
}
