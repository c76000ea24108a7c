//! A curl command line into a baton collection with one request.
//!
//! The mapping is lossless for the common shape `curl -X METHOD 'URL' -H 'K: V' --data-raw 'BODY'`:
//! headers keep their order and spelling, a URL query or form body becomes a map only
//! when the map sends the same bytes, and `follow_redirects: false` is written exactly
//! when `-L` is absent (curl does not follow redirects without it).

use std::collections::BTreeSet;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value as Json;

use super::emit::{Y, document};
use super::{Converted, ImportError, escape_jinja};

/// Converts one curl command (`\` line continuations allowed; `curl` first).
pub fn curl(command: &str) -> Result<Converted, ImportError> {
    let joined = command.replace("\\\r\n", " ").replace("\\\n", " ");
    let words = shell_words::split(&joined).map_err(|e| ImportError::CurlSyntax(e.to_string()))?;
    let mut words = words.into_iter().peekable();
    match words.next() {
        Some(w) if w == "curl" || w.ends_with("/curl") || w == "curl.exe" => {}
        Some(w) => return Err(ImportError::NotCurl(w)),
        None => return Err(ImportError::NotCurl(String::new())),
    }
    let mut c = Cmd::default();
    let mut only_urls = false;
    while let Some(w) = words.next() {
        if only_urls || !w.starts_with('-') || w == "-" {
            c.url(w)?;
            continue;
        }
        if w == "--" {
            only_urls = true;
            continue;
        }
        if let Some(long) = w.strip_prefix("--") {
            let opt = long_opt(long).ok_or_else(|| ImportError::CurlUnknownOption(w.clone()))?;
            let arg = if opt.takes_arg() {
                Some(
                    words
                        .next()
                        .ok_or_else(|| ImportError::CurlMissingValue(w.clone()))?,
                )
            } else {
                None
            };
            c.apply(opt, &w, arg)?;
        } else {
            // A cluster of short options: `-sSL`, `-XPOST`, `-HAccept:x`.
            for (i, ch) in w[1..].char_indices() {
                let flag = format!("-{ch}");
                let opt =
                    short_opt(ch).ok_or_else(|| ImportError::CurlUnknownOption(flag.clone()))?;
                if opt.takes_arg() {
                    let rest = &w[1 + i + ch.len_utf8()..];
                    let arg = if rest.is_empty() {
                        words
                            .next()
                            .ok_or_else(|| ImportError::CurlMissingValue(flag.clone()))?
                    } else {
                        rest.to_string()
                    };
                    c.apply(opt, &flag, Some(arg))?;
                    break;
                }
                c.apply(opt, &flag, None)?;
            }
        }
    }
    c.finish()
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Opt {
    Request,
    Url,
    Header,
    Data,
    DataBinary,
    DataRaw,
    DataUrlencode,
    Json,
    Form,
    FormString,
    User,
    Insecure,
    Location,
    Get,
    Head,
    UserAgent,
    Referer,
    Cookie,
    MaxTime,
    Bearer,
    Upload,
    /// Harmless for the request; the argument (if any) is skipped.
    Ignore(bool),
    /// Has a baton run-time equivalent; kept as a comment and a warning.
    Note(&'static str, bool),
    Unsupported(&'static str),
}

impl Opt {
    fn takes_arg(self) -> bool {
        use Opt::*;
        match self {
            Insecure | Location | Get | Head => false,
            Ignore(a) | Note(_, a) => a,
            Unsupported(_) => false,
            _ => true,
        }
    }
}

fn short_opt(c: char) -> Option<Opt> {
    use Opt::*;
    Some(match c {
        'X' => Request,
        'H' => Header,
        'd' => Data,
        'F' => Form,
        'u' => User,
        'k' => Insecure,
        'L' => Location,
        'G' => Get,
        'I' => Head,
        'A' => UserAgent,
        'e' => Referer,
        'b' => Cookie,
        'm' => MaxTime,
        'T' => Upload,
        's' | 'S' | 'v' | 'i' | 'f' | 'N' | 'g' | '#' | 'n' | 'q' | 'Z' | '4' | '6' | '0' => {
            Ignore(false)
        }
        'o' | 'w' | 'c' | 'D' | 'r' | 'y' | 'Y' | 'z' | 'C' => Ignore(true),
        'x' => Note("curl used a proxy: run with `baton run --proxy URL`", true),
        'E' => Note(
            "curl used a client certificate: run with `baton run --cert FILE --key FILE`",
            true,
        ),
        'K' => Unsupported("config files are not read; put the options on the command line"),
        _ => return None,
    })
}

fn long_opt(name: &str) -> Option<Opt> {
    use Opt::*;
    Some(match name {
        "request" => Request,
        "url" => Url,
        "header" => Header,
        "data" | "data-ascii" => Data,
        "data-binary" => DataBinary,
        "data-raw" => DataRaw,
        "data-urlencode" => DataUrlencode,
        "json" => Json,
        "form" => Form,
        "form-string" => FormString,
        "user" => User,
        "insecure" => Insecure,
        "location" | "location-trusted" => Location,
        "get" => Get,
        "head" => Head,
        "user-agent" => UserAgent,
        "referer" => Referer,
        "cookie" => Cookie,
        "max-time" => MaxTime,
        "oauth2-bearer" => Bearer,
        "upload-file" => Upload,
        "compressed"
        | "silent"
        | "show-error"
        | "verbose"
        | "include"
        | "fail"
        | "fail-with-body"
        | "http1.0"
        | "http1.1"
        | "http2"
        | "http2-prior-knowledge"
        | "http3"
        | "no-buffer"
        | "globoff"
        | "progress-bar"
        | "path-as-is"
        | "no-progress-meter"
        | "no-keepalive"
        | "tcp-nodelay"
        | "ipv4"
        | "ipv6"
        | "no-sessionid"
        | "styled-output"
        | "no-styled-output"
        | "disable"
        | "tr-encoding"
        | "raw"
        | "no-alpn"
        | "no-npn"
        | "ssl-reqd" => Ignore(false),
        "output"
        | "write-out"
        | "cookie-jar"
        | "dump-header"
        | "range"
        | "speed-limit"
        | "speed-time"
        | "limit-rate"
        | "max-filesize"
        | "max-redirs"
        | "trace"
        | "trace-ascii"
        | "stderr"
        | "interface"
        | "local-port"
        | "dns-servers"
        | "keepalive-time"
        | "expect100-timeout"
        | "happy-eyeballs-timeout-ms" => Ignore(true),
        "connect-timeout" => Note(
            "curl limited the connect time; baton's `timeout` covers the whole request",
            true,
        ),
        "retry" | "retry-delay" | "retry-max-time" => Note(
            "curl retried failed transfers; see baton's `retry` (it polls until `expect` holds)",
            true,
        ),
        "proxy" | "socks5" | "socks5-hostname" => {
            Note("curl used a proxy: run with `baton run --proxy URL`", true)
        }
        "proxy-user" => Note(
            "curl sent proxy credentials; put them into the --proxy URL",
            true,
        ),
        "cacert" => Note(
            "curl trusted an extra CA: run with `baton run --cacert FILE`",
            true,
        ),
        "capath" => Note(
            "curl trusted extra CAs: run with `baton run --cacert FILE`",
            true,
        ),
        "cert" => Note(
            "curl used a client certificate: run with `baton run --cert FILE --key FILE`",
            true,
        ),
        "key" => Note(
            "curl used a client key: run with `baton run --cert FILE --key FILE`",
            true,
        ),
        "resolve" | "connect-to" => Note(
            "curl resolved the host to a fixed address; baton uses DNS",
            true,
        ),
        "digest" => Unsupported("baton has no HTTP Digest authentication"),
        "ntlm" | "ntlm-wb" => Unsupported("baton has no NTLM authentication"),
        "negotiate" => Unsupported("baton has no SPNEGO/Kerberos authentication"),
        "anyauth" => Unsupported("baton sends basic credentials directly; drop --anyauth"),
        "config" => Unsupported("config files are not read; put the options on the command line"),
        "aws-sigv4" => Unsupported("baton has no AWS Signature v4 signing"),
        _ => return None,
    })
}

enum Data {
    /// Sent as written (`-d`, `--data-raw`, `--data-binary`).
    Raw(String),
    /// `--data-urlencode`: (name, unencoded content).
    Encode(Option<String>, String),
}

#[derive(Default)]
struct Cmd {
    method: Option<String>,
    urls: Vec<String>,
    headers: Vec<(String, String)>,
    data: Vec<Data>,
    data_file: Option<String>,
    json: Vec<String>,
    form: Vec<(String, Y)>,
    user: Option<String>,
    bearer: Option<String>,
    insecure: bool,
    location: bool,
    get: bool,
    head: bool,
    upload: Option<String>,
    timeout: Option<String>,
    notes: Vec<String>,
    warnings: Vec<String>,
}

impl Cmd {
    fn url(&mut self, u: String) -> Result<(), ImportError> {
        if let Some(first) = self.urls.first() {
            return Err(ImportError::CurlManyUrls(first.clone(), u));
        }
        self.urls.push(u);
        Ok(())
    }

    fn apply(&mut self, opt: Opt, flag: &str, arg: Option<String>) -> Result<(), ImportError> {
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
                if arg.contains('=') {
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

    fn form_part(&mut self, literal: bool, flag: &str, arg: &str) -> Result<(), ImportError> {
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
                f.put("file", Y::str(escape_jinja(path)));
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

    fn has_header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn finish(mut self) -> Result<Converted, ImportError> {
        let Some(mut url) = self.urls.first().cloned() else {
            return Err(ImportError::CurlNoUrl);
        };
        if !url.contains("://") {
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

        let mut r = Y::map();
        r.put("name", Y::str(format!("{method} {path}")));
        if method != "GET" {
            r.put("method", Y::str(method));
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
                Y::Map(vec![("file".into(), Y::str(escape_jinja(file)))]),
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
                Y::Map(vec![("file".into(), Y::str(escape_jinja(file)))]),
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
        r.comment(self.notes);

        let mut doc = Y::map();
        doc.put("version", Y::Int(1));
        doc.put("requests", Y::Seq(vec![r]));
        let header = vec!["Imported from a curl command by `baton import curl`.".to_string()];
        Ok(Converted {
            yaml: document(&Y::Noted(header, Box::new(doc))),
            warnings: self.warnings,
        })
    }
}

fn json_y(v: &Json) -> Y {
    Y::from_json(v, &mut |s| escape_jinja(s))
}

fn joined_data(data: &[Data]) -> String {
    data.iter()
        .map(|d| match d {
            Data::Raw(s) => s.clone(),
            Data::Encode(Some(n), c) => format!("{n}={}", utf8_percent_encode(c, NON_ALPHANUMERIC)),
            Data::Encode(None, c) => utf8_percent_encode(c, NON_ALPHANUMERIC).to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// `-d a=1&b=2` as a form map, when the map sends the same bytes.
fn form_map(data: &[Data]) -> Option<Y> {
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
fn simple(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
}

fn to_map(pairs: &[(String, String)]) -> Option<Y> {
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

fn split_url(url: &str) -> (String, Option<String>) {
    let no_fragment = url.split_once('#').map_or(url, |(u, _)| u);
    match no_fragment.split_once('?') {
        Some((b, q)) => (b.to_string(), Some(q.to_string())),
        None => (url.to_string(), None),
    }
}

fn query_map(q: &str) -> Option<Y> {
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
