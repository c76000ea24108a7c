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

pub(super) fn long_opt(name: &str) -> Option<Opt> {
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
