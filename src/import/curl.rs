//! curl command lines into a baton collection: one request per command.
//!
//! The mapping is lossless for the common shape `curl -X METHOD 'URL' -H 'K: V' --data-raw 'BODY'`:
//! headers keep their order and spelling, a URL query or form body becomes a map only
//! when the map sends the same bytes, and `follow_redirects: false` is written exactly
//! when `-L` is absent (curl does not follow redirects without it).
//!
//! The input is read as a shell script would be, so what `baton export curl` prints comes
//! back: several commands (split by newlines, `;`, `&&`, `||`), each named by the `# name`
//! comment above it, and shell variables (`${name}`, `$name`, unquoted or in double quotes)
//! as the templates `{{ name }}`, declared in `vars` with an empty value.

use std::collections::BTreeSet;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value as Json;

use super::emit::{Y, document};
use super::{Converted, ImportError, Names, escape_jinja};

/// Stand for a shell variable inside a word (`\u{E000}name\u{E001}`) while the command is taken
/// apart, so that `${name}` written in single quotes (plain text) stays apart from a variable.
const VAR_OPEN: char = '\u{E000}';
const VAR_CLOSE: char = '\u{E001}';

/// Converts curl commands (`\` line continuations allowed; each starts with `curl`) into one
/// collection with a request per command.
pub fn curl(input: &str) -> Result<Converted, ImportError> {
    if input.contains([VAR_OPEN, VAR_CLOSE]) {
        return Err(ImportError::CurlSyntax(
            "the text contains the private-use characters U+E000 or U+E001; remove them".into(),
        ));
    }
    let commands = script(input)?;
    if commands.is_empty() {
        return Err(ImportError::CurlEmpty);
    }
    let many = commands.len() > 1;
    let mut names = Names::default();
    let mut vars: Vec<String> = Vec::new();
    let mut requests = Vec::new();
    let mut warnings = Vec::new();
    let mut taken = BTreeSet::new();
    for c in commands {
        let at = |e: ImportError| {
            let e = readable(e);
            if many {
                ImportError::CurlAt {
                    line: c.line,
                    source: Box::new(e),
                }
            } else {
                e
            }
        };
        let mut done = command(c.words).map_err(at)?;
        let mut title = c.comments.first().cloned().unwrap_or(done.name);
        let mut i = 2;
        let base = title.clone();
        while !taken.insert(title.clone()) {
            title = format!("{base} ({i})");
            i += 1;
        }
        if let Some(n) = done.request.get_mut("name") {
            *n = Y::str(title.clone());
        }
        let mut notes: Vec<String> = c.comments.iter().skip(1).cloned().collect();
        notes.extend(done.notes.iter().map(|n| lit(n)));
        done.request.comment(notes);
        let mut in_keys = Vec::new();
        templates(&mut done.request, &mut names, &mut vars, &mut in_keys);
        for k in in_keys {
            done.warnings.push(format!(
                "`{k}` is a name (a header, field or key), not a template; it is kept as text"
            ));
        }
        warnings.extend(done.warnings.iter().map(|w| {
            if many {
                format!("{title}: {}", lit(w))
            } else {
                lit(w)
            }
        }));
        requests.push(done.request);
    }
    warnings.extend(names.warnings());

    let mut doc = Y::map();
    doc.put("version", Y::Int(1));
    if !vars.is_empty() {
        let mut v = Y::map();
        v.comment(vec![
            "shell variables of the curl commands: give them with --var NAME=VALUE or --env FILE"
                .into(),
        ]);
        for name in &vars {
            v.put(name.clone(), Y::str(""));
        }
        doc.put("vars", v);
        warnings.push(format!(
            "{} declared in `vars` with an empty value: give {} with --var NAME=VALUE or --env FILE",
            list(&vars),
            if vars.len() == 1 { "it" } else { "them" }
        ));
    }
    let n = requests.len();
    doc.put("requests", Y::Seq(requests));
    doc.order(crate::collection::keys::TOP);
    let header = vec![if many {
        format!("Imported from {n} curl commands by `baton import curl`.")
    } else {
        "Imported from a curl command by `baton import curl`.".to_string()
    }];
    Ok(Converted {
        yaml: document(&Y::Noted(header, Box::new(doc))),
        warnings,
    })
}

fn list(vars: &[String]) -> String {
    let shown: Vec<String> = vars.iter().map(|v| format!("`{v}`")).collect();
    match shown.len() {
        1 => format!("the variable {} is", shown[0]),
        _ => format!("the variables {} are", shown.join(", ")),
    }
}

/// One command of the input: its words, the line it starts on, and the comment lines just
/// above it (after the last blank line).
#[derive(Debug, Default, PartialEq)]
struct Command {
    line: usize,
    words: Vec<String>,
    comments: Vec<String>,
}

/// Splits shell text into commands and words the way a POSIX shell does, without running
/// anything: quotes, backslashes, `\` line continuations, `$'...'` strings, comments, and
/// `;`, `&&`, `||` and newlines between commands. Shell variables become `VAR_OPEN name
/// VAR_CLOSE` where the shell would expand them (unquoted or in double quotes).
fn script(text: &str) -> Result<Vec<Command>, ImportError> {
    let mut out: Vec<Command> = Vec::new();
    let mut cur = Command::default();
    let mut word: Option<String> = None;
    let mut paragraph: Vec<String> = Vec::new();
    let mut line = 1;
    let mut line_used = false;
    let mut chars = text.chars().peekable();
    let end_word = |cur: &mut Command, word: &mut Option<String>| {
        if let Some(w) = word.take() {
            cur.words.push(w);
        }
    };
    let end_command = |cur: &mut Command, out: &mut Vec<Command>| {
        if !cur.words.is_empty() {
            out.push(std::mem::take(cur));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' if matches!(chars.peek(), Some('\n')) => {
                chars.next();
                line += 1;
            }
            '\\' if matches!(chars.peek(), Some('\r')) => {
                chars.next();
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                line += 1;
            }
            ' ' | '\t' | '\r' => end_word(&mut cur, &mut word),
            '\n' => {
                end_word(&mut cur, &mut word);
                end_command(&mut cur, &mut out);
                if !line_used {
                    paragraph.clear();
                }
                line += 1;
                line_used = false;
            }
            // An unquoted `&` or `|` inside a word (`?a=1&b=2`) is what the user meant to send.
            '&' | '|'
                if word.is_some()
                    && chars.peek().is_some_and(|n| !n.is_whitespace() && *n != c) =>
            {
                if let Some(w) = word.as_mut() {
                    w.push(c);
                }
            }
            ';' | '&' | '|' => {
                end_word(&mut cur, &mut word);
                line_used = true;
                let pair = chars.peek() == Some(&c);
                if pair {
                    chars.next();
                }
                if c == '|' && !pair {
                    return Err(ImportError::CurlSyntax(format!(
                        "line {line}: a pipe (`|`) sends curl's output to another program; import the curl command alone"
                    )));
                }
                end_command(&mut cur, &mut out);
            }
            '#' if word.is_none() => {
                let comment: String =
                    std::iter::from_fn(|| chars.next_if(|c| *c != '\n')).collect();
                if cur.words.is_empty() && !comment.starts_with('!') {
                    paragraph.push(
                        comment
                            .strip_prefix(' ')
                            .unwrap_or(&comment)
                            .trim_end()
                            .to_string(),
                    );
                }
                line_used = true;
            }
            _ => {
                line_used = true;
                if cur.words.is_empty() && word.is_none() {
                    cur.line = line;
                    cur.comments = std::mem::take(&mut paragraph);
                }
                let w = word.get_or_insert_with(String::new);
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            w.push(n);
                        }
                    }
                    '\'' => {
                        let start = line;
                        loop {
                            match chars.next() {
                                Some('\'') => break,
                                Some(ch) => {
                                    if ch == '\n' {
                                        line += 1;
                                    }
                                    w.push(ch);
                                }
                                None => return Err(unclosed('\'', start)),
                            }
                        }
                    }
                    '"' => {
                        let start = line;
                        loop {
                            match chars.next() {
                                Some('"') => break,
                                Some('\\') => match chars.next() {
                                    Some('\n') => line += 1,
                                    Some(ch @ ('$' | '`' | '"' | '\\')) => w.push(ch),
                                    Some(ch) => {
                                        w.push('\\');
                                        w.push(ch);
                                    }
                                    None => return Err(unclosed('"', start)),
                                },
                                Some('$') => dollar(&mut chars, w, true, &mut line)?,
                                Some('`') => return Err(substitution(line)),
                                Some(ch) => {
                                    if ch == '\n' {
                                        line += 1;
                                    }
                                    w.push(ch);
                                }
                                None => return Err(unclosed('"', start)),
                            }
                        }
                    }
                    '$' => dollar(&mut chars, w, false, &mut line)?,
                    '`' => return Err(substitution(line)),
                    _ => w.push(c),
                }
            }
        }
    }
    end_word(&mut cur, &mut word);
    end_command(&mut cur, &mut out);
    Ok(out)
}

fn unclosed(quote: char, line: usize) -> ImportError {
    ImportError::CurlSyntax(format!(
        "the quote {quote} opened on line {line} is not closed"
    ))
}

fn substitution(line: usize) -> ImportError {
    ImportError::CurlSyntax(format!(
        "line {line}: command substitution is not supported; paste the value, or use a variable (`${{name}}`)"
    ))
}

/// After a `$`: a variable (`${name}`, `$name`), a `$'...'` string (outside double quotes),
/// or a plain `$`.
fn dollar(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    w: &mut String,
    quoted: bool,
    line: &mut usize,
) -> Result<(), ImportError> {
    let line_now = *line;
    match chars.peek() {
        Some('{') => {
            chars.next();
            let inner: String = std::iter::from_fn(|| chars.next_if(|c| *c != '}')).collect();
            if chars.next() != Some('}') {
                return Err(unclosed('{', line_now));
            }
            if !is_shell_name(&inner) {
                return Err(ImportError::CurlSyntax(format!(
                    "line {line_now}: the shell expansion `${{{inner}}}` is not supported; write `${{name}}` (it becomes the template `{{{{ name }}}}`)"
                )));
            }
            w.push(VAR_OPEN);
            w.push_str(&inner);
            w.push(VAR_CLOSE);
        }
        Some(c) if c.is_ascii_alphabetic() || *c == '_' => {
            let name: String =
                std::iter::from_fn(|| chars.next_if(|c| c.is_ascii_alphanumeric() || *c == '_'))
                    .collect();
            w.push(VAR_OPEN);
            w.push_str(&name);
            w.push(VAR_CLOSE);
        }
        Some('(') => return Err(substitution(line_now)),
        Some('\'') if !quoted => {
            chars.next();
            ansi_c(chars, w, line)?;
        }
        _ => w.push('$'),
    }
    Ok(())
}

fn is_shell_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The rest of a `$'...'` string (as browsers' "Copy as cURL" write bodies), escapes decoded.
fn ansi_c(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    w: &mut String,
    line: &mut usize,
) -> Result<(), ImportError> {
    let start = *line;
    let mut bytes: Vec<u8> = Vec::new();
    let push = |bytes: &mut Vec<u8>, c: char| {
        let mut b = [0; 4];
        bytes.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
    };
    loop {
        match chars.next() {
            None => return Err(unclosed('\'', start)),
            Some('\'') => break,
            Some('\\') => {
                let Some(e) = chars.next() else {
                    return Err(unclosed('\'', start));
                };
                let simple = match e {
                    'n' => Some('\n'),
                    't' => Some('\t'),
                    'r' => Some('\r'),
                    'a' => Some('\x07'),
                    'b' => Some('\x08'),
                    'e' | 'E' => Some('\x1b'),
                    'f' => Some('\x0c'),
                    'v' => Some('\x0b'),
                    '\\' | '\'' | '"' | '?' => Some(e),
                    _ => None,
                };
                if let Some(s) = simple {
                    push(&mut bytes, s);
                    continue;
                }
                let (radix, max) = match e {
                    'x' => (16, 2),
                    'u' => (16, 4),
                    'U' => (16, 8),
                    '0'..='7' => (8, 3),
                    _ => {
                        push(&mut bytes, '\\');
                        push(&mut bytes, e);
                        continue;
                    }
                };
                let mut digits = String::new();
                if radix == 8 {
                    digits.push(e);
                }
                while digits.len() < max
                    && let Some(d) = chars.next_if(|c| c.is_digit(radix))
                {
                    digits.push(d);
                }
                let n = u32::from_str_radix(&digits, radix).unwrap_or(0);
                match e {
                    'u' | 'U' => push(&mut bytes, char::from_u32(n).unwrap_or('\u{FFFD}')),
                    _ => bytes.push(n as u8),
                }
            }
            Some(c) => {
                if c == '\n' {
                    *line += 1;
                }
                push(&mut bytes, c)
            }
        }
    }
    w.push_str(&String::from_utf8_lossy(&bytes));
    Ok(())
}

/// `VAR_OPEN name VAR_CLOSE` back to the shell's `${name}`, for text that is not a template.
fn lit(s: &str) -> String {
    if !s.contains(VAR_OPEN) {
        return s.to_string();
    }
    s.replace(VAR_OPEN, "${").replace(VAR_CLOSE, "}")
}

/// An error's words as the user wrote them.
fn readable(e: ImportError) -> ImportError {
    use ImportError::*;
    match e {
        CurlSyntax(s) => CurlSyntax(lit(&s)),
        NotCurl(s) => NotCurl(lit(&s)),
        CurlMissingValue(s) => CurlMissingValue(lit(&s)),
        CurlUnsupported { flag, why } => CurlUnsupported {
            flag: lit(&flag),
            why: lit(&why),
        },
        CurlUnknownOption(s) => CurlUnknownOption(lit(&s)),
        CurlManyUrls(a, b) => CurlManyUrls(lit(&a), lit(&b)),
        other => other,
    }
}

/// Turns the variables in the request's strings into templates (`{{ name }}`, collecting the
/// names in `vars`); in keys, which are not templates, they are written back as `${name}`.
fn templates(y: &mut Y, names: &mut Names, vars: &mut Vec<String>, in_keys: &mut Vec<String>) {
    match y {
        Y::Str(s) if s.contains(VAR_OPEN) => {
            let mut out = String::with_capacity(s.len() + 8);
            let mut rest = s.as_str();
            while let Some(i) = rest.find(VAR_OPEN) {
                out.push_str(&rest[..i]);
                let after = &rest[i + VAR_OPEN.len_utf8()..];
                let j = after.find(VAR_CLOSE).unwrap_or(after.len());
                let name = names.ident(&after[..j]);
                out.push_str("{{ ");
                out.push_str(&name);
                out.push_str(" }}");
                if !vars.contains(&name) {
                    vars.push(name);
                }
                rest = after.get(j + VAR_CLOSE.len_utf8()..).unwrap_or("");
            }
            out.push_str(rest);
            *s = out;
        }
        Y::Seq(items) => {
            for i in items {
                templates(i, names, vars, in_keys);
            }
        }
        Y::Map(entries) => {
            for (k, v) in entries {
                if k.contains(VAR_OPEN) {
                    *k = lit(k);
                    in_keys.push(k.clone());
                }
                templates(v, names, vars, in_keys);
            }
        }
        Y::Noted(_, v) => templates(v, names, vars, in_keys),
        _ => {}
    }
}

/// One request converted from a command's words.
struct OneRequest {
    request: Y,
    /// `METHOD /path`, the name when no comment gives one.
    name: String,
    notes: Vec<String>,
    warnings: Vec<String>,
}

/// Converts one command's words (`curl` first).
fn command(words: Vec<String>) -> Result<OneRequest, ImportError> {
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

    fn has_header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn finish(mut self) -> Result<OneRequest, ImportError> {
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
        r.order(crate::collection::keys::REQUEST);
        Ok(OneRequest {
            request: r,
            name,
            notes: self.notes,
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
            Data::Encode(Some(n), c) => format!("{n}={}", url_encode(c)),
            Data::Encode(None, c) => url_encode(c),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes text, leaving variables whole (the shell puts their values in as they are).
fn url_encode(s: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<Vec<String>> {
        script(text)
            .unwrap()
            .into_iter()
            .map(|c| c.words.iter().map(|w| lit(w)).collect())
            .collect()
    }

    #[test]
    fn quotes_and_variables_as_the_shell_reads_them() {
        assert_eq!(
            words(r#"curl "${base}/x" '${not_a_var}' $id"/y" \$HOME "a\"b\\c\d" 'it'\''s'"#),
            [[
                "curl",
                "${base}/x",
                // A literal `${...}` (single quotes) is not marked as a variable:
                "${not_a_var}",
                "${id}/y",
                "$HOME",
                r#"a"b\c\d"#,
                "it's"
            ]]
        );
        let c = script("curl '${a}' \"${a}\"").unwrap();
        assert_eq!(c[0].words[1], "${a}");
        assert_eq!(c[0].words[2], format!("{VAR_OPEN}a{VAR_CLOSE}"));
        assert_eq!(words("curl a$ '' $1")[0], ["curl", "a$", "", "$1"]);
        assert_eq!(
            words(r#"curl $'{\"a\":\"it\'s\"}\n\x41\u00e9'"#)[0][1],
            "{\"a\":\"it's\"}\nAé"
        );
    }

    #[test]
    fn commands_comments_and_lines() {
        let text = "#!/bin/sh\n# Emnify calls\n\n# login\n# (first)\ncurl -X POST \\\n  https://x.test/a # trailing\n\ncurl https://x.test/b; curl https://x.test/c && curl 'https://x.test/d?a=1&b=2'\ncurl https://x.test/e?a=1&b=2 || curl https://x.test/f\n";
        let cmds = script(text).unwrap();
        let got: Vec<(usize, String, Vec<String>)> = cmds
            .iter()
            .map(|c| (c.line, c.words.last().unwrap().clone(), c.comments.clone()))
            .collect();
        let want = |l: usize, w: &str, c: &[&str]| {
            (l, w.to_string(), c.iter().map(|s| s.to_string()).collect())
        };
        assert_eq!(
            got,
            [
                want(6, "https://x.test/a", &["login", "(first)"]),
                want(9, "https://x.test/b", &[]),
                want(9, "https://x.test/c", &[]),
                want(9, "https://x.test/d?a=1&b=2", &[]),
                want(10, "https://x.test/e?a=1&b=2", &[]),
                want(10, "https://x.test/f", &[]),
            ]
        );
    }

    #[test]
    fn lines_are_counted_inside_quotes() {
        let cmds = script("curl $'a\\nb\n' \"c\nd\" 'e\nf'\ncurl x").unwrap();
        assert_eq!(cmds.iter().map(|c| c.line).collect::<Vec<_>>(), [1, 5]);
    }

    #[test]
    fn what_the_shell_would_run_elsewhere_is_refused() {
        let err = |t: &str| script(t).unwrap_err().to_string();
        assert!(
            err("curl x | jq .").contains("a pipe"),
            "{}",
            err("curl x | jq .")
        );
        assert!(err("curl \"$(cat url)\"").contains("command substitution"));
        assert!(err("curl `cat url`").contains("command substitution"));
        assert!(err("curl \"${base:-http://x}\"").contains("`${base:-http://x}` is not supported"));
        assert!(err("curl\n\n'x").contains("opened on line 3 is not closed"));
    }
}
