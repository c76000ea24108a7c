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

/// One piece of `-d`-style data, joined with `&` when sent.
pub(super) enum Data {
    /// Sent as written (`-d`, `--data-raw`, `--data-binary`).
    Raw(String),
    /// `--data-urlencode`: (name, unencoded content).
    Encode(Option<String>, String),
}

/// What a command's options asked for, gathered before the request is written.
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
    /// The command's URL; curl would fetch a second one, a request cannot.
    pub(super) fn url(&mut self, u: String) -> Result<(), ImportError> {
        if let Some(first) = self.urls.first() {
            return Err(ImportError::CurlManyUrls(first.clone(), u));
        }
        self.urls.push(u);
        Ok(())
    }

    /// Records one option and its value (`arg`, when the option takes one).
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
            Opt::Header => self.header(flag, &arg)?,
            Opt::Data | Opt::DataBinary => self.data_or_file(opt == Opt::Data, flag, arg)?,
            Opt::DataRaw => self.data.push(Data::Raw(arg)),
            Opt::DataUrlencode => self.data.push(url_encoded(flag, arg)?),
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
            Opt::Cookie => self.cookie(arg),
            Opt::MaxTime => self.timeout = Some(timeout(flag, &arg)?),
            Opt::Upload => self.upload = Some(arg),
            Opt::Ignore(_) => {}
            Opt::Note(text, _) => self.note(text, flag, &arg),
            Opt::Unsupported(why) => return Err(unsupported(flag, why)),
        }
        Ok(())
    }

    /// `-H 'Name: value'`; `-H 'Name:'` removes a default header, `-H 'Name;'` sends it empty.
    fn header(&mut self, flag: &str, arg: &str) -> Result<(), ImportError> {
        if arg.starts_with('@') {
            return Err(unsupported(
                flag,
                "headers from a file are not read; give each with -H",
            ));
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
                    return Err(unsupported(flag, format!("`{arg}` is not `Name: value`")));
                }
            },
        }
        Ok(())
    }

    /// `-d` or `--data-binary`: text to send, or `@FILE`, a file that is the whole body.
    fn data_or_file(&mut self, strips: bool, flag: &str, arg: String) -> Result<(), ImportError> {
        let Some(path) = arg.strip_prefix('@') else {
            self.data.push(Data::Raw(arg));
            return Ok(());
        };
        if self.data_file.is_some() || !self.data.is_empty() {
            return Err(unsupported(
                flag,
                "a file body mixed with other data cannot be expressed; send one",
            ));
        }
        if strips {
            self.notes.push(
                "curl -d @FILE strips newlines from the file; baton sends the file as it is".into(),
            );
        }
        self.data_file = Some(path.to_string());
        Ok(())
    }

    /// `-b`: cookies to send (`a=1; b=2`), or a cookie file, which is not read.
    fn cookie(&mut self, arg: String) {
        if arg.contains('=') || arg.contains(VAR_OPEN) {
            self.headers.push(("Cookie".into(), arg));
            return;
        }
        self.notes.push(format!(
            "curl read cookies from the file `{arg}`; baton keeps its own cookie jar per collection"
        ));
        self.warnings
            .push(format!("cookie file `{arg}` is not read"));
    }

    /// An option with a baton run-time equivalent: a comment on the request and a warning.
    fn note(&mut self, text: &str, flag: &str, arg: &str) {
        let shown = if arg.is_empty() {
            flag.to_string()
        } else {
            format!("{flag} {arg}")
        };
        self.notes.push(format!("{shown}: {text}"));
        self.warnings
            .push(format!("`{flag}` is not part of the request: {text}"));
    }

    /// `-F name=value`, `-F name=@file;type=...` or `--form-string name=value` (`literal`).
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

    /// The value of the header `name` the command gives, if any.
    pub(super) fn has_header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Writes the gathered options as a baton request.
    pub(super) fn finish(mut self) -> Result<OneRequest, ImportError> {
        let Some(first) = self.urls.first() else {
            return Err(ImportError::CurlNoUrl);
        };
        let mut url = with_scheme(first);
        let has_body = self.has_body();
        self.check_form_alone()?;
        self.data_into_query(&mut url);
        let method = self.method(has_body);

        let name = lit(&format!("{method} {}", path_of(&url)));
        let mut r = Y::map();
        r.put("name", Y::str(name.clone()));
        if method != "GET" {
            r.put("method", Y::str(lit(&method)));
        }
        put_url(&mut r, &url);
        let body = self.body();
        let headers = self.header_map(&body.headers);
        if !headers.is_empty_map() {
            r.put("headers", headers);
        }
        if let Some(auth) = self.auth() {
            r.put("auth", auth);
        }
        if let Some((k, v)) = body.entry {
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

    fn has_body(&self) -> bool {
        !self.data.is_empty()
            || self.data_file.is_some()
            || !self.json.is_empty()
            || !self.form.is_empty()
    }

    /// curl refuses `-F` next to `-d` or `--json`; so does the importer.
    fn check_form_alone(&self) -> Result<(), ImportError> {
        if !self.form.is_empty()
            && (!self.data.is_empty() || !self.json.is_empty() || self.data_file.is_some())
        {
            return Err(unsupported("-F", "curl cannot mix -F with -d or --json"));
        }
        Ok(())
    }

    /// `-G` moves the data into the URL's query string.
    fn data_into_query(&mut self, url: &mut String) {
        if self.get && !self.data.is_empty() {
            let q = joined_data(&self.data);
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&q);
            self.data.clear();
        }
    }

    /// The method curl sends: `-X`, else the one `-I`, `-T`, `-G` or a body stand for.
    fn method(&self, has_body: bool) -> String {
        match &self.method {
            Some(m) => m.clone(),
            None if self.head => "HEAD".into(),
            None if self.upload.is_some() => "PUT".into(),
            None if self.get => "GET".into(),
            None if has_body => "POST".into(),
            None => "GET".into(),
        }
    }

    /// The body as one baton key (`json`, `form`, `multipart` or `body`), with the headers
    /// curl adds for it.
    fn body(&mut self) -> Body {
        let content_type = self.has_header("content-type").map(str::to_ascii_lowercase);
        let content_type = content_type.as_deref();
        if !self.json.is_empty() {
            self.json_body(content_type)
        } else if let Some(file) = &self.data_file {
            Body::file(file).typed(content_type, FORM_TYPE)
        } else if let Some(file) = &self.upload {
            Body::file(file)
        } else if !self.form.is_empty() {
            Body::new("multipart", Y::Map(std::mem::take(&mut self.form)))
        } else if !self.data.is_empty() {
            self.data_body(content_type)
        } else {
            Body::default()
        }
    }

    /// `--json`: a `json` body when the text parses, else the text; curl asks for JSON back.
    fn json_body(&self, content_type: Option<&str>) -> Body {
        let text = self.json.concat();
        let mut body = match serde_json::from_str::<Json>(&text) {
            Ok(v) => Body::new("json", json_y(&v)),
            Err(_) => Body::new("body", Y::str(escape_jinja(&text)))
                .typed(content_type, "application/json"),
        };
        if self.has_header("accept").is_none() {
            body.headers
                .push(("Accept".into(), "application/json".into()));
        }
        body
    }

    /// `-d` and friends: `json` under a JSON content type, `form` when a map sends the same
    /// bytes, else the text as curl sends it.
    fn data_body(&self, content_type: Option<&str>) -> Body {
        let text = joined_data(&self.data);
        let json = content_type
            .is_some_and(|t| t.contains("json"))
            .then(|| serde_json::from_str::<Json>(&text).ok())
            .flatten();
        if let Some(v) = json {
            return Body::new("json", json_y(&v));
        }
        let form_typed = content_type.is_none() || content_type == Some(FORM_TYPE);
        if let Some(form) = form_typed.then(|| form_map(&self.data)).flatten() {
            return Body::new("form", form);
        }
        // What curl sends with -d; baton would otherwise send text/plain.
        Body::new("body", Y::str(escape_jinja(&text))).typed(content_type, FORM_TYPE)
    }

    /// The headers as a map in their order; a repeated one is kept once (cookies are joined).
    fn header_map(&mut self, extra: &[(String, String)]) -> Y {
        let mut headers = Y::map();
        let mut seen = BTreeSet::new();
        for (k, v) in self.headers.iter().chain(extra) {
            if seen.insert(k.to_ascii_lowercase()) {
                headers.put(k.clone(), Y::str(escape_jinja(v)));
            } else if k.eq_ignore_ascii_case("cookie")
                && let Some(Y::Str(old)) = headers.get_mut(k)
            {
                old.push_str("; ");
                old.push_str(&escape_jinja(v));
            } else {
                self.notes
                    .push(format!("repeated header not converted: {k}: {v}"));
                self.warnings.push(format!(
                    "header `{k}` is given twice; the first value is kept"
                ));
            }
        }
        headers
    }

    /// `-u user:password` as basic auth, else `--oauth2-bearer` as bearer auth.
    fn auth(&mut self) -> Option<Y> {
        let Some(user) = &self.user else {
            let token = self.bearer.as_ref()?;
            return Some(Y::Map(vec![("bearer".into(), Y::str(escape_jinja(token)))]));
        };
        let (u, p) = match user.split_once(':') {
            Some((u, p)) => (u, p),
            None => {
                self.warnings.push(
                    "`-u` has no password (curl would prompt for it); the password is empty".into(),
                );
                (user.as_str(), "")
            }
        };
        let mut b = Y::map();
        b.put("username", Y::str(escape_jinja(u)));
        b.put("password", Y::str(escape_jinja(p)));
        Some(Y::Map(vec![("basic".into(), b)]))
    }
}

const FORM_TYPE: &str = "application/x-www-form-urlencoded";

/// A request body: its baton key and value (none without a body), and the headers curl
/// sends with it unless the command gives them.
#[derive(Default)]
struct Body {
    entry: Option<(&'static str, Y)>,
    headers: Vec<(String, String)>,
}

impl Body {
    fn new(key: &'static str, value: Y) -> Self {
        Body {
            entry: Some((key, value)),
            headers: Vec::new(),
        }
    }

    /// A file sent as the whole body.
    fn file(path: &str) -> Self {
        Body::new(
            "body",
            Y::Map(vec![("file".into(), Y::str(escape_jinja(&lit(path))))]),
        )
    }

    /// Adds `Content-Type: content_type` unless the command gave one (`given`).
    fn typed(mut self, given: Option<&str>, content_type: &str) -> Self {
        if given.is_none() {
            self.headers
                .push(("Content-Type".into(), content_type.into()));
        }
        self
    }
}

/// The error for an option, or a value of it, that baton cannot express.
fn unsupported(flag: &str, why: impl Into<String>) -> ImportError {
    ImportError::CurlUnsupported {
        flag: flag.into(),
        why: why.into(),
    }
}

/// `--data-urlencode`: `content`, `=content` or `name=content` (`name@file` is refused).
fn url_encoded(flag: &str, arg: String) -> Result<Data, ImportError> {
    let (name, content) = match arg.split_once('=') {
        Some((n, c)) if !n.contains('@') => ((!n.is_empty()).then(|| n.to_string()), c.to_string()),
        _ if arg.contains('@') => {
            return Err(unsupported(
                flag,
                "reading the value from a file is not supported; paste the value",
            ));
        }
        _ => (None, arg),
    };
    Ok(Data::Encode(name, content))
}

/// `-m SECONDS` as a baton duration (`3s`, `2500ms`).
fn timeout(flag: &str, arg: &str) -> Result<String, ImportError> {
    let secs: f64 = arg
        .parse()
        .map_err(|_| unsupported(flag, format!("`{arg}` is not a number of seconds")))?;
    Ok(if secs.fract() == 0.0 {
        format!("{}s", secs as u64)
    } else {
        format!("{}ms", (secs * 1000.0).round() as u64)
    })
}

/// `http://` in front of a URL without a scheme, as curl assumes; `${base}/x`: the variable
/// brings the scheme.
fn with_scheme(url: &str) -> String {
    if !url.contains("://") && !url.starts_with(VAR_OPEN) {
        format!("http://{url}")
    } else {
        url.to_string()
    }
}

/// The URL's path (`/` when it has none), for the request's name.
fn path_of(url: &str) -> String {
    let (base, _) = split_url(url);
    let path = base.split_once("://").map_or(base.as_str(), |(_, r)| r);
    path.find('/').map_or("/", |i| &path[i..]).to_string()
}

/// `url`, and `query` as a map when the map sends the same query string.
fn put_url(r: &mut Y, url: &str) {
    let (base, query) = split_url(url);
    match query.as_deref().map(query_map) {
        Some(Some(m)) => {
            r.put("url", Y::str(escape_jinja(&base)));
            r.put("query", m);
        }
        _ => r.put("url", Y::str(escape_jinja(url))),
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
