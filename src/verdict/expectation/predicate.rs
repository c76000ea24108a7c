//! Whether one predicate holds of one value: comparisons, text matching, types, lengths and
//! JSON Web Tokens.

use regex::Regex;
use serde_json::Value as Json;

use crate::format::model::{Jwt, Matcher, Ord4, Pred, Subject};
use crate::secret::Secrets;
use crate::template::{Vars, json_text};

pub(super) fn holds(
    subject: &Subject,
    p: &Pred,
    a: &Json,
    e: Option<&Json>,
    vars: &Vars,
    secrets: &Secrets,
) -> Result<bool, String> {
    let e = e.unwrap_or(&Json::Null);
    let text_subject = matches!(
        subject,
        Subject::Header(_) | Subject::Query(_) | Subject::Body
    );
    Ok(match p {
        Pred::Eq(_) => equal(a, e, text_subject),
        Pred::Ne(_) => !equal(a, e, text_subject),
        Pred::Cmp(op, _) => {
            let ord = compare(a, e)
                .ok_or_else(|| format!("cannot compare {} with {}", kind(a), kind(e)))?;
            match op {
                Ord4::Gt => ord.is_gt(),
                Ord4::Ge => ord.is_ge(),
                Ord4::Lt => ord.is_lt(),
                Ord4::Le => ord.is_le(),
            }
        }
        Pred::Contains(_) => match a {
            Json::String(s) => s.contains(&json_text(e)),
            Json::Array(items) => items.iter().any(|i| equal(i, e, false)),
            Json::Object(o) => o.contains_key(&json_text(e)),
            other => {
                return Err(format!(
                    "`contains` needs a string, array or object, got {}",
                    kind(other)
                ));
            }
        },
        Pred::Matches(m) => {
            let re = match m {
                Matcher::Static(re) => re.clone(),
                Matcher::Template(_) => Regex::new(&json_text(e)).map_err(|err| {
                    format!("invalid regex: {}", crate::format::regex_reason(&err))
                })?,
            };
            re.is_match(&json_text(a))
        }
        Pred::Exists(b) => *b,
        Pred::Type(t) => type_is(a, t),
        Pred::Length(_) => {
            let n = length(a).ok_or_else(|| {
                format!("`length` needs a string, array or object, got {}", kind(a))
            })?;
            length_is(n, e)?
        }
        Pred::OneOf(_) => match e {
            Json::Array(options) => options.iter().any(|o| equal(a, o, text_subject)),
            _ => return Err("`one_of` expects a list".into()),
        },
        // The caller hashed the value: `a` is its digest in lowercase hex.
        Pred::Sha256(_) => json_text(a) == json_text(e).trim().to_ascii_lowercase(),
        Pred::Jwt(j) => match jwt(j, a, vars, secrets)? {
            (true, _) => true,
            (false, why) => return Err(why.unwrap_or_default()),
        },
    })
}

/// Whether a length `n` is the expected number.
pub(super) fn length_is(n: usize, e: &Json) -> Result<bool, String> {
    let want =
        number(e).ok_or_else(|| format!("`length` expects a number, got {}", json_text(e)))?;
    Ok((n as f64) == want)
}

/// Characters of a string, items of an array, keys of an object.
pub(super) fn length(v: &Json) -> Option<usize> {
    match v {
        Json::String(s) => Some(s.chars().count()),
        Json::Array(a) => Some(a.len()),
        Json::Object(o) => Some(o.len()),
        _ => None,
    }
}

pub(super) fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

fn type_is(v: &Json, t: &str) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "number" => v.is_number(),
        "integer" => v.as_f64().is_some_and(|f| f.fract() == 0.0) && v.is_number(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        // Text that is a well-formed XML document (a body, a header, a JSON string). A DTD
        // is read (its entities expanded, with roxmltree's guard against entity bombs);
        // external entities are never fetched.
        "xml" => v.as_str().is_some_and(|t| {
            let opts = roxmltree::ParsingOptions {
                allow_dtd: true,
                ..roxmltree::ParsingOptions::default()
            };
            roxmltree::Document::parse_with_options(t, opts).is_ok()
        }),
        _ => false,
    }
}

fn number(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Equality with numbers compared as numbers (1 == 1.0); for text subjects (headers, body)
/// both sides compare as text.
fn equal(a: &Json, e: &Json, as_text: bool) -> bool {
    if as_text {
        return json_text(a) == json_text(e);
    }
    match (a, e) {
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q, false))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w, false)))
        }
        _ => a == e,
    }
}

fn compare(a: &Json, e: &Json) -> Option<std::cmp::Ordering> {
    match (number(a), number(e)) {
        (Some(x), Some(y)) => x.partial_cmp(&y),
        _ => match (a, e) {
            (Json::String(x), Json::String(y)) => Some(x.cmp(y)),
            _ => None,
        },
    }
}

/// The value (a token, optionally after `Bearer `) verifies with the key, is within its
/// `exp`/`nbf`, and its claims hold: `(true, None)`, or `(false, why)`. `Err` when the check
/// cannot be made at all (a key that cannot be used), so `not: { jwt }` fails then too.
pub(super) fn jwt(
    j: &Jwt,
    a: &Json,
    vars: &Vars,
    secrets: &Secrets,
) -> Result<(bool, Option<String>), String> {
    use jsonwebtoken::{Validation, decode};
    let text = json_text(a);
    let token = text.trim();
    let token = token
        .strip_prefix("Bearer ")
        .or_else(|| token.strip_prefix("bearer "))
        .unwrap_or(token)
        .trim();
    let (alg, decoding) = jwt_key(j, vars, secrets)?;
    let mut validation = Validation::new(alg);
    validation.required_spec_claims.clear();
    validation.validate_aud = false;
    validation.validate_nbf = true;
    validation.leeway = 5;
    let data = match decode::<serde_json::Map<String, Json>>(token, &decoding, &validation) {
        Ok(data) => data,
        Err(e) => {
            use jsonwebtoken::errors::ErrorKind as K;
            let why = match e.kind() {
                K::InvalidSignature => "the token's signature does not verify with the key".into(),
                K::ExpiredSignature => "the token has expired (`exp`)".into(),
                K::ImmatureSignature => "the token is not valid yet (`nbf`)".into(),
                K::InvalidAlgorithm => format!("the token is not signed with {}", j.alg),
                _ => format!("not a valid JSON Web Token: {e}"),
            };
            return Ok((false, Some(why)));
        }
    };
    let failures = claim_failures(j, &data.claims, vars, secrets)?;
    if failures.is_empty() {
        Ok((true, None))
    } else {
        Ok((false, Some(failures.join("; "))))
    }
}

/// The algorithm and the key that verifies the signature (a secret from now on).
fn jwt_key(
    j: &Jwt,
    vars: &Vars,
    secrets: &Secrets,
) -> Result<(jsonwebtoken::Algorithm, jsonwebtoken::DecodingKey), String> {
    use jsonwebtoken::{Algorithm, DecodingKey};
    let key = j
        .key
        .render_string(vars)
        .map_err(|e| format!("cannot render the jwt key: {e}"))?;
    secrets.register(&key);
    Ok(match j.alg {
        "HS384" => (Algorithm::HS384, hmac_key(&key)?),
        "HS512" => (Algorithm::HS512, hmac_key(&key)?),
        "RS256" => (
            Algorithm::RS256,
            DecodingKey::from_rsa_pem(key.as_bytes())
                .map_err(|e| format!("the jwt key is not an RSA public key in PEM: {e}"))?,
        ),
        "ES256" => (
            Algorithm::ES256,
            DecodingKey::from_ec_pem(key.as_bytes())
                .map_err(|e| format!("the jwt key is not an EC public key in PEM: {e}"))?,
        ),
        _ => (Algorithm::HS256, hmac_key(&key)?),
    })
}

/// Each claim check that does not hold, said as `claim `NAME` PRED EXPECTED: got VALUE`.
fn claim_failures(
    j: &Jwt,
    claims: &serde_json::Map<String, Json>,
    vars: &Vars,
    secrets: &Secrets,
) -> Result<Vec<String>, String> {
    let mut failures = Vec::new();
    for (name, checks) in &j.claims {
        let got = claims.get(name);
        let subject = Subject::Body;
        for c in checks {
            let expected = match &c.pred {
                Pred::Eq(v)
                | Pred::Ne(v)
                | Pred::Cmp(_, v)
                | Pred::Contains(v)
                | Pred::OneOf(v)
                | Pred::Length(v) => {
                    Some(v.render(vars).map_err(|e| format!("claim `{name}`: {e}"))?)
                }
                _ => None,
            };
            let ok = match got {
                None => matches!(c.pred, Pred::Exists(false)),
                Some(g) => {
                    let claim_subject = if g.is_string() {
                        &subject
                    } else {
                        &Subject::Status
                    };
                    holds(claim_subject, &c.pred, g, expected.as_ref(), vars, secrets)?
                }
            } != c.negated;
            if !ok {
                let shown = got.map_or("(no such claim)".to_string(), |g| {
                    secrets.redact(&g.to_string())
                });
                let want = expected.map(|e| secrets.redact(&e.to_string()));
                failures.push(format!(
                    "claim `{name}` {}{}: got {shown}",
                    super::pred_name(&c.pred),
                    want.map(|w| format!(" {w}")).unwrap_or_default()
                ));
            }
        }
    }
    Ok(failures)
}

/// An HMAC key is a shared secret. A PEM key (a public key, most likely) given for HS* would
/// let anyone who has that public key forge a token (key confusion): refused.
fn hmac_key(key: &str) -> Result<jsonwebtoken::DecodingKey, String> {
    if key.trim_start().starts_with("-----BEGIN") {
        return Err("the jwt key is a PEM key, but the algorithm is HS256/HS384/HS512, which takes a shared secret: set `alg: RS256` or `alg: ES256` for a public key, or give the shared secret".into());
    }
    jsonwebtoken::DecodingKey::from_secret(key.as_bytes())
        .map_err(|e| format!("the jwt key cannot be used: {e}"))
}
