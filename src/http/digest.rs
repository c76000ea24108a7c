//! HTTP Digest authentication (RFC 7616): reading a server's `WWW-Authenticate: Digest`
//! challenge and writing the `Authorization` that answers it. MD5, SHA-256 and their
//! `-sess` forms, `qop=auth` (and RFC 2069's no-qop form); the strongest offered wins.

use md5::Md5;

use crate::http::builder::Signing;
use sha2::{Digest as _, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Algorithm {
    Md5,
    Md5Sess,
    Sha256,
    Sha256Sess,
}

impl Algorithm {
    fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_uppercase().as_str() {
            "MD5" => Self::Md5,
            "MD5-SESS" => Self::Md5Sess,
            "SHA-256" => Self::Sha256,
            "SHA-256-SESS" => Self::Sha256Sess,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Md5Sess => "MD5-sess",
            Self::Sha256 => "SHA-256",
            Self::Sha256Sess => "SHA-256-sess",
        }
    }

    fn hash(self, text: &str) -> String {
        let bytes = match self {
            Self::Md5 | Self::Md5Sess => Md5::digest(text.as_bytes()).to_vec(),
            Self::Sha256 | Self::Sha256Sess => Sha256::digest(text.as_bytes()).to_vec(),
        };
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn sess(self) -> bool {
        matches!(self, Self::Md5Sess | Self::Sha256Sess)
    }
}

/// One `Digest` challenge baton can answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub realm: String,
    pub nonce: String,
    pub opaque: Option<String>,
    pub algorithm: Algorithm,
    /// The server offered `qop=auth` (else the RFC 2069 form is used).
    pub qop_auth: bool,
}

/// The strongest Digest challenge among these `WWW-Authenticate` values that baton can
/// answer (`None`: no Digest challenge, or only algorithms or qops it does not know).
pub fn challenge<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Challenge> {
    values
        .into_iter()
        .flat_map(parse)
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("digest"))
        .filter_map(|(_, params)| from_params(&params))
        .max_by_key(|c| c.algorithm)
}

fn from_params(params: &[(String, String)]) -> Option<Challenge> {
    let get = |k: &str| {
        params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    let algorithm = match get("algorithm") {
        Some(a) => Algorithm::parse(&a)?,
        None => Algorithm::Md5,
    };
    let qop_auth = match get("qop") {
        Some(q) => {
            if !q.split(',').any(|x| x.trim().eq_ignore_ascii_case("auth")) {
                return None;
            }
            true
        }
        None => false,
    };
    Some(Challenge {
        realm: get("realm").unwrap_or_default(),
        nonce: get("nonce")?,
        opaque: get("opaque"),
        algorithm,
        qop_auth,
    })
}

/// The answer: an `Authorization` header value for `method` on `uri` (path and query).
pub fn authorization(
    c: &Challenge,
    username: &str,
    password: &str,
    method: &str,
    uri: &str,
    cnonce: &str,
) -> String {
    let h = |s: &str| c.algorithm.hash(s);
    let nc = "00000001";
    let mut ha1 = h(&format!("{username}:{}:{password}", c.realm));
    if c.algorithm.sess() {
        ha1 = h(&format!("{ha1}:{}:{cnonce}", c.nonce));
    }
    let ha2 = h(&format!("{method}:{uri}"));
    let response = if c.qop_auth {
        h(&format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", c.nonce))
    } else {
        h(&format!("{ha1}:{}:{ha2}", c.nonce))
    };
    let mut out = format!(
        "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{}\", algorithm={}, response=\"{response}\"",
        quote(username),
        quote(&c.realm),
        quote(&c.nonce),
        quote(uri),
        c.algorithm.name()
    );
    if c.qop_auth {
        out.push_str(&format!(
            ", qop=auth, nc={nc}, cnonce=\"{}\"",
            quote(cnonce)
        ));
    }
    if let Some(o) = &c.opaque {
        out.push_str(&format!(", opaque=\"{}\"", quote(o)));
    }
    out
}

/// The `Authorization` answering the Digest challenge among a 401's headers, when the
/// request has digest auth and the challenge is one baton can answer.
pub(super) fn answer(
    signing: Option<&Signing>,
    method: &str,
    url: &url::Url,
    response_headers: &[(String, String)],
) -> Option<String> {
    let Some(Signing::Digest { username, password }) = signing else {
        return None;
    };
    let c = challenge(
        response_headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("www-authenticate"))
            .map(|(_, v)| v.as_str()),
    )?;
    let uri = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    Some(authorization(
        &c,
        username,
        password,
        method,
        &uri,
        &cnonce(),
    ))
}

/// A fresh client nonce.
pub fn cnonce() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// A header value as challenges: `Scheme k=v, k="v", Other ...`.
fn parse(value: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out: Vec<(String, Vec<(String, String)>)> = Vec::new();
    let mut rest = value.trim_start_matches([',', ' ', '\t']);
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| c == '=' || c == ',' || c.is_whitespace())
            .unwrap_or(rest.len());
        let token = &rest[..end];
        let after = rest[end..].trim_start();
        if let Some(v) = after.strip_prefix('=') {
            let (val, tail) = param_value(v.trim_start());
            if let Some(last) = out.last_mut() {
                last.1.push((token.to_string(), val));
            }
            rest = tail;
        } else {
            out.push((token.to_string(), Vec::new()));
            rest = after;
        }
        rest = rest.trim_start_matches([',', ' ', '\t']);
    }
    out
}

/// A quoted string (with `\` escapes) or a token, and what follows it.
fn param_value(s: &str) -> (String, &str) {
    if let Some(q) = s.strip_prefix('"') {
        let mut val = String::new();
        let mut chars = q.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, n)) = chars.next() {
                        val.push(n);
                    }
                }
                '"' => return (val, &q[i + 1..]),
                c => val.push(c),
            }
        }
        return (val, "");
    }
    let end = s.find(',').unwrap_or(s.len());
    (s[..end].trim().to_string(), &s[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7616 section 3.9.1, for both algorithms.
    #[test]
    fn rfc_7616_examples() {
        for (alg, want) in [
            ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
            (
                "SHA-256",
                "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
            ),
        ] {
            let header = format!(
                "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm={alg}, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""
            );
            let c = challenge([header.as_str()]).unwrap();
            let a = authorization(
                &c,
                "Mufasa",
                "Circle of Life",
                "GET",
                "/dir/index.html",
                "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
            );
            assert!(a.contains(&format!("response=\"{want}\"")), "{a}");
            assert!(a.contains("opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""));
        }
    }

    #[test]
    fn the_strongest_known_challenge_wins() {
        let c = challenge([
            "Basic realm=\"x\", Digest realm=\"r\", nonce=\"n1\", algorithm=MD5, qop=\"auth\"",
            "Digest realm=\"r\", nonce=\"n2\", algorithm=SHA-256-sess, qop=\"auth\"",
            "Digest realm=\"r\", nonce=\"n3\", algorithm=SHA-512-256, qop=\"auth\"",
        ])
        .unwrap();
        assert_eq!(c.algorithm, Algorithm::Sha256Sess);
        assert_eq!(c.nonce, "n2");
        assert!(challenge(["Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\""]).is_none());
        assert!(challenge(["Bearer realm=\"r\""]).is_none());
    }
}
