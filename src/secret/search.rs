//! Finding every secret in a text in one pass: one Aho-Corasick automaton over every spelling
//! of every secret, run over the text as given and over its canonical reading, and over the
//! decoded content of base64-looking runs (a secret inside `base64("user:" + secret)`).

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use base64::Engine as _;

use super::canon::{self, Canon};

/// The shortest base64 run whose content is searched: 9 bytes, a 3-character secret with a
/// little around it. Shorter runs hold a secret only as its own base64, which is a pattern.
const MIN_RUN: usize = 12;

/// The spellings of one secret the automaton looks for.
pub fn patterns(value: &str, out: &mut Vec<Vec<u8>>) {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let mut forms = vec![value.to_string()];
    if value.contains(' ') {
        forms.push(value.replace(' ', "+"));
    }
    // A `+` sent as is in a query string reads as a space.
    if value.contains('+') {
        forms.push(value.replace('+', " "));
    }
    // What the URL parser leaves of it in an http(s) path.
    let path: String = value
        .chars()
        .filter(|c| !matches!(c, '\n' | '\r' | '\t'))
        .map(|c| if c == '\\' { '/' } else { c })
        .collect();
    if path != value && path.chars().count() >= 3 {
        forms.push(path);
    }
    for e in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
        forms.push(e.encode(value));
    }
    for f in forms {
        // Spelled character by character, it reads as itself without its backslashes.
        let stripped = f.replace('\\', "");
        if stripped.len() >= 3 {
            out.push(stripped.into_bytes());
        }
        let mut read = edges(&f);
        read.push(f.clone());
        for r in read {
            let c = canon::canonical(r.as_bytes());
            if c.len() >= 3 {
                out.push(c);
            }
        }
        out.push(f.into_bytes());
    }
}

/// A value without what may join the text around it into one escape: a leading hex digit or
/// escape letter (after a `%` or a backslash in the text), a trailing `%`, `%X` or `&...`
/// (before hex digits or a `;` in the text).
fn edges(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let b = value.as_bytes();
    let hex = |i: usize| b.get(i).is_some_and(u8::is_ascii_hexdigit);
    if hex(0) || b.first().is_some_and(|c| b"nrtbfu\"/".contains(c)) {
        out.push(value[1..].to_string());
        if hex(0) && hex(1) {
            out.push(value[2..].to_string());
        }
    }
    let cut = match value.rfind(['%', '&']) {
        Some(i) if value.len() - i <= 2 && b[i] == b'%' => Some(i),
        Some(i) if b[i] == b'&' && value.len() - i <= 10 && !value[i..].contains(';') => Some(i),
        _ => None,
    };
    if let Some(i) = cut {
        out.push(value[..i].to_string());
    }
    out
}

/// A DFA (a table lookup per byte) while it stays small; past that, an NFA.
pub fn automaton(patterns: &[Vec<u8>]) -> Option<AhoCorasick> {
    let bytes: usize = patterns.iter().map(Vec::len).sum();
    let kind = if bytes <= DFA_BYTES {
        AhoCorasickKind::DFA
    } else {
        AhoCorasickKind::ContiguousNFA
    };
    AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .byte_classes(true)
        .kind(Some(kind))
        .build(patterns)
        .ok()
}

/// The pattern bytes up to which the automaton is a DFA (about 25 secrets of 40 characters in
/// all their spellings). A DFA searches about twice as fast as the contiguous NFA, but takes
/// five times as long to build and twenty times the memory (500 secrets: 261 ms and 116 MB
/// against 86 ms and 6 MB), and a run masks far less text than it would take to win that back
/// (the NFA costs about 6 ms more per 10 MB).
const DFA_BYTES: usize = 32_000;

/// Sorted ranges, overlapping ones joined (touching ones kept apart: two secrets side by
/// side are two masks).
fn join(mut found: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    found.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(found.len());
    for (s, e) in found {
        match out.last_mut() {
            Some(last) if s < last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// Every match, overlapping ones too, joined.
///
/// The plain search (much faster) finds a match wherever there is one, and any match it
/// steps over overlaps one it found: the overlapping search runs only around those.
fn matches(ac: &AhoCorasick, hay: &[u8]) -> Vec<(usize, usize)> {
    let longest = ac.max_pattern_len();
    let mut found = Vec::new();
    // A match longer than the part of a window not searched before lies in that window.
    let mut searched = 0;
    for m in ac.find_iter(hay) {
        let from = m.start().saturating_sub(longest).max(searched);
        let to = (m.end() + longest).min(hay.len());
        let window = aho_corasick::Input::new(hay).range(from..to);
        for o in ac.find_overlapping_iter(window) {
            found.push((o.start(), o.end()));
        }
        searched = to.saturating_sub(longest).max(from);
        // A text full of one short secret: keep the list at the size of its joined ranges.
        if found.len() >= 1 << 20 {
            found = join(found);
        }
    }
    join(found)
}

/// The places in `text` that hold a secret, sorted and joined.
pub fn find(ac: &AhoCorasick, text: &str) -> Vec<(usize, usize)> {
    let raw = text.as_bytes();
    let mut found = matches(ac, raw);
    if canon::needs_reading(raw) {
        let canon = Canon::read(raw);
        let mut inner = matches(ac, &canon.bytes);
        inner.extend(in_base64(ac, &canon.bytes));
        found.extend(canon.map_back(raw, &join(inner)));
    } else {
        found.extend(in_base64(ac, raw));
    }
    // Backslashes read as nothing, so a match stops short of a secret's first or last ones.
    for (s, e) in &mut found {
        *s = canon::silent_start(raw, *s);
        *e = canon::silent_end(raw, *e);
    }
    join(found)
}

fn is_b64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

/// The places of base64-looking runs whose decoded content holds a secret.
fn in_base64(ac: &AhoCorasick, hay: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut buf = Vec::new();
    let mut i = 0;
    while i < hay.len() {
        if !is_b64(hay[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < hay.len() && is_b64(hay[i]) {
            i += 1;
        }
        if i - start < MIN_RUN {
            continue;
        }
        let mut pad = i;
        while pad < hay.len() && pad - i < 2 && hay[pad] == b'=' {
            pad += 1;
        }
        // The run may start a little before the base64 does (`key:dXNl...`).
        for skip in 0..4 {
            decode(&hay[start + skip..i], &mut buf);
            for m in ac.find_overlapping_iter(&buf) {
                let s = start + skip + m.start() / 3 * 4;
                let e = (start + skip + m.end().div_ceil(3) * 4).min(i);
                out.push((s, if e == i { pad } else { e }));
            }
        }
    }
    out
}

/// Base64 of either alphabet, whole groups of four; a last partial group as far as it goes.
fn decode(run: &[u8], out: &mut Vec<u8>) {
    fn val(b: u8) -> u32 {
        match b {
            b'A'..=b'Z' => u32::from(b - b'A'),
            b'a'..=b'z' => u32::from(b - b'a') + 26,
            b'0'..=b'9' => u32::from(b - b'0') + 52,
            b'+' | b'-' => 62,
            _ => 63,
        }
    }
    out.clear();
    for chunk in run.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (k, b)| n | val(*b) << (18 - 6 * k));
        let bytes = n.to_be_bytes();
        let keep = match chunk.len() {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => 0,
        };
        out.extend_from_slice(&bytes[1..1 + keep]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_secret_inside_a_longer_base64_text() {
        let mut p = Vec::new();
        patterns("hunter2-secret", &mut p);
        let ac = automaton(&p).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode("admin:hunter2-secret");
        let text = format!("Authorization: Basic {b64}");
        let found = find(&ac, &text);
        assert_eq!(found.len(), 1, "{found:?}");
        let (s, e) = found[0];
        // The part holding the secret and the padding, `admin:` (the first group) kept.
        assert_eq!(&text[e..], "");
        assert!(s > text.len() - b64.len(), "{s}");
        let b = base64::engine::general_purpose::STANDARD.encode(b"x");
        assert!(find(&ac, &b).is_empty());
    }
}
