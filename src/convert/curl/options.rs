//! curl's options: which take a value, and what each means for baton.

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Opt {
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
    /// Whether the option reads the next word (or the rest of its cluster) as its value.
    pub(super) fn takes_arg(self) -> bool {
        use Opt::*;
        match self {
            Insecure | Location | Get | Head => false,
            Ignore(a) | Note(_, a) => a,
            Unsupported(_) => false,
            _ => true,
        }
    }
}

/// A short option (`-X`), by what it means for baton.
pub(super) fn short_opt(c: char) -> Option<Opt> {
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

/// A long option (`--name`, without the dashes), by what it means for baton.
pub(super) fn long_opt(name: &str) -> Option<Opt> {
    request_opt(name)
        .or_else(|| ignored_opt(name))
        .or_else(|| run_time_opt(name))
        .or_else(|| unsupported_opt(name))
}

/// Options that shape the request.
fn request_opt(name: &str) -> Option<Opt> {
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
        _ => return None,
    })
}

/// Flags about curl's own output or transport that do not change the request.
const IGNORED: &[&str] = &[
    "compressed",
    "silent",
    "show-error",
    "verbose",
    "include",
    "fail",
    "fail-with-body",
    "http1.0",
    "http1.1",
    "http2",
    "http2-prior-knowledge",
    "http3",
    "no-buffer",
    "globoff",
    "progress-bar",
    "path-as-is",
    "no-progress-meter",
    "no-keepalive",
    "tcp-nodelay",
    "ipv4",
    "ipv6",
    "no-sessionid",
    "styled-output",
    "no-styled-output",
    "disable",
    "tr-encoding",
    "raw",
    "no-alpn",
    "no-npn",
    "ssl-reqd",
];

/// Options like `IGNORED` that take a value, which is skipped.
const IGNORED_WITH_VALUE: &[&str] = &[
    "output",
    "write-out",
    "cookie-jar",
    "dump-header",
    "range",
    "speed-limit",
    "speed-time",
    "limit-rate",
    "max-filesize",
    "max-redirs",
    "trace",
    "trace-ascii",
    "stderr",
    "interface",
    "local-port",
    "dns-servers",
    "keepalive-time",
    "expect100-timeout",
    "happy-eyeballs-timeout-ms",
];

fn ignored_opt(name: &str) -> Option<Opt> {
    if IGNORED.contains(&name) {
        Some(Opt::Ignore(false))
    } else if IGNORED_WITH_VALUE.contains(&name) {
        Some(Opt::Ignore(true))
    } else {
        None
    }
}

/// Options (all taking a value) that baton sets when it runs, not in the request.
fn run_time_opt(name: &str) -> Option<Opt> {
    let text = match name {
        "connect-timeout" => {
            "curl limited the connect time; baton's `timeout` covers the whole request"
        }
        "retry" | "retry-delay" | "retry-max-time" => {
            "curl retried failed transfers; see baton's `retry` (it polls until `expect` holds)"
        }
        "proxy" | "socks5" | "socks5-hostname" => {
            "curl used a proxy: run with `baton run --proxy URL`"
        }
        "proxy-user" => "curl sent proxy credentials; put them into the --proxy URL",
        "cacert" => "curl trusted an extra CA: run with `baton run --cacert FILE`",
        "capath" => "curl trusted extra CAs: run with `baton run --cacert FILE`",
        "cert" => "curl used a client certificate: run with `baton run --cert FILE --key FILE`",
        "key" => "curl used a client key: run with `baton run --cert FILE --key FILE`",
        "resolve" | "connect-to" => "curl resolved the host to a fixed address; baton uses DNS",
        _ => return None,
    };
    Some(Opt::Note(text, true))
}

/// Options whose meaning baton cannot express, and why.
fn unsupported_opt(name: &str) -> Option<Opt> {
    let why = match name {
        "digest" => "baton has no HTTP Digest authentication",
        "ntlm" | "ntlm-wb" => "baton has no NTLM authentication",
        "negotiate" => "baton has no SPNEGO/Kerberos authentication",
        "anyauth" => "baton sends basic credentials directly; drop --anyauth",
        "config" => "config files are not read; put the options on the command line",
        "aws-sigv4" => "baton has no AWS Signature v4 signing",
        _ => return None,
    };
    Some(Opt::Unsupported(why))
}
