//! Target `masking`: `Secrets::register` + `redact` on random secrets and texts that embed
//! them in every form the masking promises to cover: as is, base64 (standard, unpadded,
//! URL-safe), percent-encoded (any case, any mix of encoded and plain characters, `+` for a
//! space), JSON-escaped (`\/`, `\uXXXX`, ASCII-only), and a multi-line secret a line at a time
//! as a diff shows it.
//!
//! Property: no 8-character window of a secret (or of the form it was embedded in) survives,
//! beyond those the surrounding text itself holds.

use base64::Engine as _;
use baton::secret::Secrets;
use rand::Rng as _;
use rand::seq::IndexedRandom as _;
use serde::{Deserialize, Serialize};

use super::engine::{Rng, Target, Worker, sig};
use super::expect::{ascii_json, random_secret};
use super::mutate;
use super::seeds;

pub struct Masking;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Input {
    pub secrets: Vec<String>,
    pub parts: Vec<Part>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Part {
    /// `secrets[secret]` embedded in `form`, as `text`.
    Secret {
        secret: usize,
        form: String,
        text: String,
    },
    Text {
        text: String,
    },
}

/// The forms a secret takes on the way out.
const FORMS: &[&str] = &[
    "plain",
    "base64",
    "base64-nopad",
    "base64url",
    "base64url-pad",
    "percent",
    "percent-lower",
    "percent-mixed",
    "form",
    "json",
    "json-slash",
    "json-ascii",
    "json-unicode",
    "char-mix",
    "lines",
];

fn pct_byte(rng: &mut Rng, b: u8, out: &mut String, case: Option<bool>) {
    let upper = case.unwrap_or_else(|| rng.random());
    let hex = if upper {
        format!("%{b:02X}")
    } else {
        format!("%{b:02x}")
    };
    out.push_str(&hex);
}

fn json_escape(c: char) -> Option<&'static str> {
    Some(match c {
        '"' => "\\\"",
        '\\' => "\\\\",
        '/' => "\\/",
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        '\u{8}' => "\\b",
        '\u{c}' => "\\f",
        _ => return None,
    })
}

fn u_escape(c: char, upper: bool) -> String {
    let mut buf = [0u16; 2];
    c.encode_utf16(&mut buf)
        .iter()
        .map(|u| {
            if upper {
                format!("\\u{u:04X}")
            } else {
                format!("\\u{u:04x}")
            }
        })
        .collect()
}

/// `secret` written in `form`.
fn encode(rng: &mut Rng, secret: &str, form: &str) -> String {
    let b64 = |e: &base64::engine::GeneralPurpose| e.encode(secret);
    use base64::engine::general_purpose as gp;
    match form {
        "base64" => b64(&gp::STANDARD),
        "base64-nopad" => b64(&gp::STANDARD_NO_PAD),
        "base64url" => b64(&gp::URL_SAFE_NO_PAD),
        "base64url-pad" => b64(&gp::URL_SAFE),
        "percent" | "percent-lower" => {
            let mut out = String::new();
            for b in secret.bytes() {
                pct_byte(rng, b, &mut out, Some(form == "percent"));
            }
            out
        }
        "percent-mixed" => {
            let mut out = String::new();
            for c in secret.chars() {
                if rng.random_bool(0.5) {
                    out.push(c);
                } else {
                    for b in c.to_string().bytes() {
                        pct_byte(rng, b, &mut out, None);
                    }
                }
            }
            out
        }
        "form" => url::form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
        "json" | "json-slash" | "json-ascii" => {
            let j = serde_json::to_string(secret).unwrap_or_default();
            let j = j[1..j.len() - 1].to_string();
            match form {
                "json-slash" => j.replace('/', "\\/"),
                "json-ascii" => ascii_json(&j),
                _ => j,
            }
        }
        "json-unicode" => {
            let upper = rng.random();
            secret.chars().map(|c| u_escape(c, upper)).collect()
        }
        "char-mix" => {
            let mut out = String::new();
            for c in secret.chars() {
                match rng.random_range(0..4) {
                    0 => out.push(c),
                    1 => {
                        for b in c.to_string().bytes() {
                            pct_byte(rng, b, &mut out, None);
                        }
                    }
                    2 => match json_escape(c) {
                        Some(e) => out.push_str(e),
                        None => out.push(c),
                    },
                    _ => out.push_str(&u_escape(c, rng.random())),
                }
            }
            out
        }
        "lines" => secret
            .lines()
            .map(|l| format!("{}{l}", ["-", "+", " "].choose(rng).unwrap()))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => secret.to_string(),
    }
}

/// What the text should become: each embedded secret masked (a diff's lines one by one).
fn ideal(secret: &str, form: &str, text: &str) -> String {
    if form != "lines" {
        return "***".into();
    }
    let registered: Vec<&str> = if secret.contains('\n') {
        secret
            .lines()
            .map(str::trim)
            .filter(|l| l.chars().count() >= 8)
            .collect()
    } else {
        Vec::new()
    };
    text.split('\n')
        .map(|l| {
            let (mark, rest) = l.split_at(l.chars().next().map_or(0, char::len_utf8));
            let t = rest.trim();
            if registered.contains(&t) && !t.is_empty() {
                let lead = &rest[..rest.len() - rest.trim_start().len()];
                let trail = &rest[rest.trim_end().len()..];
                format!("{mark}{lead}***{trail}")
            } else if !secret.contains('\n') && rest == secret {
                format!("{mark}***")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn pem_like(rng: &mut Rng) -> String {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let lines = rng.random_range(2..30);
    let mut s = String::from("-----BEGIN PRIVATE KEY-----\n");
    for _ in 0..lines {
        let l: String = (0..64).map(|_| *B64.choose(rng).unwrap() as char).collect();
        s.push_str(&l);
        s.push('\n');
    }
    s.push_str("-----END PRIVATE KEY-----");
    s
}

fn new_secret(rng: &mut Rng, others: &[String]) -> String {
    let s = match rng.random_range(0..10) {
        // A PEM key is slow to build a pattern for: one in forty.
        0 if rng.random_bool(0.25) => pem_like(rng),
        1 if !others.is_empty() => {
            // Related to another secret: a piece of it, or of its base64.
            let o = others.choose(rng).unwrap();
            let base = if rng.random_bool(0.5) {
                o.clone()
            } else {
                base64::engine::general_purpose::STANDARD.encode(o)
            };
            let chars: Vec<char> = base.chars().collect();
            let a = rng.random_range(0..chars.len());
            let b = (a + rng.random_range(3..20)).min(chars.len());
            chars[a..b].iter().collect()
        }
        2 => {
            let short: String = random_secret(rng)
                .chars()
                .take(rng.random_range(3..8))
                .collect();
            short
        }
        3 => format!(
            "line one {}\nline two {}",
            random_secret(rng),
            random_secret(rng)
        ),
        _ => random_secret(rng),
    };
    if s.chars().count() < 3 {
        random_secret(rng)
    } else {
        s
    }
}

fn filler(rng: &mut Rng, secrets: &[String]) -> String {
    let alphabet: Vec<char> = "abc xyz019%\\u+/=-_\"'\n\t{}:,é".chars().collect();
    match rng.random_range(0..6) {
        0 => String::new(),
        1 if !secrets.is_empty() => {
            // A piece of a secret, not the whole of it. Set apart from what is around it:
            // running straight into a spelling of the secret it could overlap a match, and a
            // single left-to-right pass cannot mask two overlapping occurrences.
            let s: Vec<char> = secrets.choose(rng).unwrap().chars().collect();
            let n = rng.random_range(0..s.len());
            let piece: String = if rng.random_bool(0.5) {
                s[..n].iter().collect()
            } else {
                s[s.len() - n..].iter().collect()
            };
            format!("\u{1}{piece}\u{1}")
        }
        2 => "{\"token\":\"".into(),
        3 => "?q=".into(),
        _ => (0..rng.random_range(1..30))
            .map(|_| *alphabet.choose(rng).unwrap())
            .collect(),
    }
}

fn generate(rng: &mut Rng) -> Input {
    let n = if rng.random_bool(0.02) {
        rng.random_range(4..20)
    } else {
        rng.random_range(1..4)
    };
    let mut secrets: Vec<String> = Vec::new();
    for _ in 0..n {
        let s = new_secret(rng, &secrets);
        secrets.push(s);
    }
    let mut parts = Vec::new();
    for _ in 0..rng.random_range(1..6) {
        parts.push(Part::Text {
            text: filler(rng, &secrets),
        });
        let i = rng.random_range(0..secrets.len());
        let form = FORMS.choose(rng).unwrap().to_string();
        let text = encode(rng, &secrets[i], &form);
        parts.push(Part::Secret {
            secret: i,
            form,
            text,
        });
    }
    parts.push(Part::Text {
        text: filler(rng, &secrets),
    });
    Input { secrets, parts }
}

impl Target for Masking {
    type Input = Input;
    type Worker = Runner;
    const NAME: &'static str = "masking";
    const ITERATIONS: u64 = 1_000;

    fn seeds() -> Vec<Input> {
        let mut out: Vec<Input> = seeds::corpus(Self::NAME)
            .into_iter()
            .map(|(p, b)| Self::decode(&b).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
            .collect();
        let mut rng = <Rng as rand::SeedableRng>::seed_from_u64(2);
        out.extend((0..20).map(|_| generate(&mut rng)));
        out
    }

    fn mutate(rng: &mut Rng, input: &Input, _corpus: &[Input]) -> Input {
        if rng.random_bool(0.5) {
            return generate(rng);
        }
        let mut out = input.clone();
        match rng.random_range(0..4) {
            0 => {
                // Re-embed one secret in another form.
                let idx: Vec<usize> = (0..out.parts.len())
                    .filter(|i| matches!(out.parts[*i], Part::Secret { .. }))
                    .collect();
                if let Some(&i) = idx.choose(rng)
                    && let Part::Secret { secret, .. } = out.parts[i]
                {
                    let form = FORMS.choose(rng).unwrap().to_string();
                    let text = encode(rng, &out.secrets[secret], &form);
                    out.parts[i] = Part::Secret { secret, form, text };
                }
            }
            1 => {
                let i = rng.random_range(0..out.parts.len());
                let t = filler(rng, &out.secrets);
                out.parts.insert(i, Part::Text { text: t });
            }
            2 => {
                // Another secret, related or not, embedded once.
                let s = new_secret(rng, &out.secrets);
                out.secrets.push(s);
                let i = out.secrets.len() - 1;
                let form = FORMS.choose(rng).unwrap().to_string();
                let text = encode(rng, &out.secrets[i], &form);
                let at = rng.random_range(0..=out.parts.len());
                out.parts.insert(
                    at,
                    Part::Secret {
                        secret: i,
                        form,
                        text,
                    },
                );
            }
            _ => {
                // Text pieces mutated (they may now hold pieces of a secret's encoding).
                let idx: Vec<usize> = (0..out.parts.len())
                    .filter(|i| matches!(out.parts[*i], Part::Text { .. }))
                    .collect();
                if let Some(&i) = idx.choose(rng)
                    && let Part::Text { text } = &out.parts[i]
                {
                    let t = mutate::text(rng, text, &[], &["%", "\\", "\\u00", "+", "=", "\n"]);
                    out.parts[i] = Part::Text { text: t };
                }
            }
        }
        out
    }

    fn encode(input: &Input) -> Vec<u8> {
        seeds::encode(input)
    }

    fn decode(bytes: &[u8]) -> Result<Input, String> {
        seeds::decode(bytes)
    }

    fn shrink(input: &Input) -> Vec<Input> {
        let mut out = Vec::new();
        for i in 0..input.parts.len() {
            let mut c = input.clone();
            c.parts.remove(i);
            out.push(c);
        }
        for i in 0..input.parts.len() {
            if let Part::Text { text } = &input.parts[i]
                && !text.is_empty()
            {
                let mut c = input.clone();
                c.parts[i] = Part::Text {
                    text: String::new(),
                };
                out.push(c);
            }
        }
        out
    }
}

pub struct Runner;

impl Worker<Input> for Runner {
    fn new() -> Self {
        Self
    }

    fn run(&mut self, input: &Input) -> Result<u64, String> {
        let secrets = Secrets::new();
        for s in &input.secrets {
            secrets.register(s);
        }
        let mut text = String::new();
        let mut want = String::new();
        let mut windows: Vec<String> = Vec::new();
        for p in &input.parts {
            match p {
                Part::Text { text: t } => {
                    text.push_str(t);
                    want.push_str(t);
                }
                Part::Secret {
                    secret,
                    form,
                    text: t,
                } => {
                    let s = input
                        .secrets
                        .get(*secret)
                        .ok_or("a part names a secret that is not there")?;
                    text.push_str(t);
                    if s.chars().count() < 3 {
                        // Not registered: too short to mask.
                        want.push_str(t);
                        continue;
                    }
                    want.push_str(&ideal(s, form, t));
                    windows.extend(windows_of(t));
                    if form == "lines" {
                        for l in s.lines() {
                            windows.extend(
                                windows_of(l.trim())
                                    .into_iter()
                                    .filter(|w| w.chars().count() >= 8),
                            );
                        }
                    } else {
                        windows.extend(windows_of(s));
                    }
                }
            }
        }
        let got = secrets.redact(&text);
        windows.sort();
        windows.dedup();
        for w in &windows {
            let (n, allowed) = (count(&got, w), count(&want, w));
            if n > allowed {
                return Err(format!(
                    "{w:?}, a piece of a secret, survives masking ({n} times, {allowed} expected)\n  secrets: {:?}\n  text:   {text:?}\n  masked: {got:?}\n  want:   {want:?}",
                    input.secrets
                ));
            }
        }
        let forms: Vec<&str> = input
            .parts
            .iter()
            .filter_map(|p| match p {
                Part::Secret { form, .. } => Some(form.as_str()),
                Part::Text { .. } => None,
            })
            .collect();
        Ok(sig(&forms))
    }
}

/// The 8-character windows of `s`, or `s` itself when it is shorter.
fn windows_of(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 8 {
        return if chars.is_empty() {
            Vec::new()
        } else {
            vec![s.to_string()]
        };
    }
    chars.windows(8).map(|w| w.iter().collect()).collect()
}

/// Occurrences of `needle` in `hay`, overlapping ones too.
fn count(hay: &str, needle: &str) -> usize {
    let mut n = 0;
    let mut from = 0;
    while let Some(i) = hay[from..].find(needle) {
        n += 1;
        from += i + needle.chars().next().map_or(1, char::len_utf8);
    }
    n
}
