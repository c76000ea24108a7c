//! A text as its reader would see it, in one canonical spelling: percent escapes, JSON escapes
//! at any depth of escaping and HTML character references decoded, with a way back to the
//! byte offsets of the text as given.
//!
//! The canonical spelling is chosen so that a value and any of its spellings read the same:
//! every escape reads as the character it stands for, and backslashes that escape nothing read
//! as nothing. One level of JSON escaping doubles every backslash, and a text may mix raw and
//! escaped characters, so a run of backslashes cannot say which of them are characters; read
//! as nothing, the question never comes up (`\\\"`, `\"` and `"` all read `"`). Secrets are put
//! through the same reading, so searching the canonical text for a secret's canonical
//! spelling finds it in any of these forms, and any mix of them, in one pass.

/// Bytes that can start something other than themselves in the canonical text.
const SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    let bytes = b"%\\&";
    while i < bytes.len() {
        t[bytes[i] as usize] = true;
        i += 1;
    }
    t
};

/// Whether the canonical text differs from `text` (then it is worth a pass of its own).
pub fn needs_reading(text: &[u8]) -> bool {
    text.iter().any(|b| SPECIAL[*b as usize])
}

/// One piece of the canonical text and the bytes of the original it comes from.
#[derive(Clone, Copy, Debug)]
pub enum Unit {
    /// `text[start..end]` unchanged.
    Plain { start: usize, end: usize },
    /// `text[start..end]` read as `out[..len]`.
    Read {
        start: usize,
        end: usize,
        out: [u8; 4],
        len: u8,
    },
}

impl Unit {
    pub fn len(&self) -> usize {
        match self {
            Unit::Plain { start, end } => end - start,
            Unit::Read { len, .. } => *len as usize,
        }
    }

    fn read(start: usize, end: usize, bytes: &[u8]) -> Unit {
        let mut out = [0; 4];
        out[..bytes.len()].copy_from_slice(bytes);
        Unit::Read {
            start,
            end,
            out,
            len: bytes.len() as u8,
        }
    }

    /// Where canonical offset `at` (counted from this unit's start) begins in the original.
    pub fn start_of(&self, at: usize) -> usize {
        match self {
            Unit::Plain { start, .. } => start + at,
            Unit::Read { start, .. } => *start,
        }
    }

    /// Where canonical byte `at` (counted from this unit's start) ends in the original.
    pub fn end_of(&self, at: usize) -> usize {
        match self {
            Unit::Plain { start, .. } => start + at + 1,
            Unit::Read { end, .. } => *end,
        }
    }
}

/// A token of the original: what it reads as.
enum Token {
    /// A backslash (or a run of them) that escapes nothing: it reads as nothing.
    Backslash,
    /// A character.
    Char(u32),
    /// A percent-decoded byte (it may be part of a character's UTF-8).
    Byte(u8),
}

/// Reads a text unit by unit, from any place where a unit starts.
pub struct Reader<'a> {
    text: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub fn new(text: &'a [u8], at: usize) -> Self {
        Reader { text, at }
    }

    /// Where reading goes on from.
    pub fn at(&self) -> usize {
        self.at
    }
}

impl Iterator for Reader<'_> {
    type Item = Unit;

    fn next(&mut self) -> Option<Unit> {
        let text = self.text;
        loop {
            let start = self.at;
            if start >= text.len() {
                return None;
            }
            if !SPECIAL[text[start] as usize] {
                let mut end = start + 1;
                while end < text.len() && !SPECIAL[text[end] as usize] {
                    end += 1;
                }
                self.at = end;
                return Some(Unit::Plain { start, end });
            }
            let (len, token) = token_at(text, start);
            let end = start + len;
            self.at = end;
            match token {
                Token::Backslash => {}
                Token::Byte(b) => return Some(Unit::read(start, end, &[b])),
                Token::Char(c) => {
                    let ch = char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER);
                    let mut buf = [0; 4];
                    return Some(Unit::read(start, end, ch.encode_utf8(&mut buf).as_bytes()));
                }
            }
        }
    }
}

fn hex(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

fn hex4(text: &[u8], at: usize) -> Option<u32> {
    let d = text.get(at..at + 4)?;
    d.iter().try_fold(0, |n, b| Some(n * 16 + hex(*b)?))
}

/// The token at `text[at]` and its length in bytes.
fn token_at(text: &[u8], at: usize) -> (usize, Token) {
    match text[at] {
        b'%' => match (text.get(at + 1), text.get(at + 2)) {
            (Some(a), Some(b)) if hex(*a).is_some() && hex(*b).is_some() => {
                let v = hex(*a).unwrap_or(0) * 16 + hex(*b).unwrap_or(0);
                if v == 0x5c {
                    (3, Token::Backslash)
                } else {
                    (3, Token::Byte(v as u8))
                }
            }
            _ => (1, Token::Char(u32::from(b'%'))),
        },
        b'\\' => backslashes(text, at),
        b'&' => match entity(text, at) {
            Some((len, 0x5c)) => (len, Token::Backslash),
            Some((len, c)) => (len, Token::Char(c)),
            None => (1, Token::Char(u32::from(b'&'))),
        },
        b => (1, Token::Char(u32::from(b))),
    }
}

/// A run of backslashes and what follows it: a JSON escape at any depth of escaping, or
/// backslashes that read as nothing.
fn backslashes(text: &[u8], at: usize) -> (usize, Token) {
    let mut n = 0;
    while text.get(at + n) == Some(&b'\\') {
        n += 1;
    }
    let j = at + n;
    let c = match text.get(j) {
        Some(b'n') => 0x0a,
        Some(b'r') => 0x0d,
        Some(b't') => 0x09,
        Some(b'b') => 0x08,
        Some(b'f') => 0x0c,
        Some(c @ (b'"' | b'/')) => u32::from(*c),
        Some(b'u') => return unicode(text, at, n),
        _ => return (n, Token::Backslash),
    };
    (n + 1, Token::Char(c))
}

/// `\uXXXX` after `n` backslashes at `at`: the character (a surrogate pair, its second half
/// escaped at any depth too), or the backslashes alone.
fn unicode(text: &[u8], at: usize, n: usize) -> (usize, Token) {
    let j = at + n;
    match hex4(text, j + 1) {
        Some(hi @ 0xD800..=0xDBFF) => {
            let mut k = j + 5;
            while text.get(k) == Some(&b'\\') {
                k += 1;
            }
            match (k > j + 5 && text.get(k) == Some(&b'u'), hex4(text, k + 1)) {
                (true, Some(lo @ 0xDC00..=0xDFFF)) => {
                    let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                    (k + 5 - at, Token::Char(c))
                }
                _ => (n, Token::Backslash),
            }
        }
        Some(0xDC00..=0xDFFF) | None => (n, Token::Backslash),
        Some(0x5c) => (n + 5, Token::Backslash),
        Some(c) => (n + 5, Token::Char(c)),
    }
}

/// An HTML character reference: `&#83;`, `&#x53;`, or one of the few named ones escaping
/// writers use. Its length and the character.
fn entity(text: &[u8], at: usize) -> Option<(usize, u32)> {
    let rest = text.get(at + 1..)?;
    let end = rest.iter().take(12).position(|b| *b == b';')?;
    let name = &rest[..end];
    let c = match name {
        b"amp" => 0x26,
        b"lt" => 0x3c,
        b"gt" => 0x3e,
        b"quot" => 0x22,
        b"apos" => 0x27,
        [b'#', b'x' | b'X', digits @ ..] if !digits.is_empty() && digits.len() <= 8 => digits
            .iter()
            .try_fold(0u32, |n, b| Some(n.checked_mul(16)? + hex(*b)?))?,
        [b'#', digits @ ..] if !digits.is_empty() && digits.len() <= 10 => {
            digits.iter().try_fold(0u32, |n, b| {
                Some(n.checked_mul(10)? + (*b as char).to_digit(10)?)
            })?
        }
        _ => return None,
    };
    char::from_u32(c)?;
    Some((end + 2, c))
}

/// Where the backslashes that read as nothing from `at` on end (a secret's trailing backslash
/// reads as nothing, so a mask goes on over them).
pub fn silent_end(text: &[u8], mut at: usize) -> usize {
    while at < text.len() && SPECIAL[text[at] as usize] {
        match token_at(text, at) {
            (len, Token::Backslash) => at += len,
            _ => break,
        }
    }
    at
}

/// Where the backslashes that read as nothing up to `at` start (a secret's leading
/// backslash, in any spelling: `\`, `%5C`, `\u005C`, `&#92;`).
pub fn silent_start(text: &[u8], mut at: usize) -> usize {
    const SPELLINGS: [&[u8]; 7] = [
        b"\\u005c", b"\\u005C", b"&#x5c;", b"&#x5C;", b"&#92;", b"%5c", b"%5C",
    ];
    loop {
        let before = &text[..at];
        if before.last() == Some(&b'\\') {
            at -= 1;
        } else if let Some(s) = SPELLINGS.iter().find(|s| before.ends_with(s)) {
            at -= s.len();
        } else {
            return at;
        }
    }
}

/// A value in the canonical spelling.
pub fn canonical(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    for u in Reader::new(value, 0) {
        push(&mut out, value, &u);
    }
    out
}

fn push(out: &mut Vec<u8>, text: &[u8], u: &Unit) {
    match u {
        Unit::Plain { start, end } => out.extend_from_slice(&text[*start..*end]),
        Unit::Read { out: o, len, .. } => out.extend_from_slice(&o[..*len as usize]),
    }
}

/// How often (in canonical bytes) a place to resume reading is kept.
const STRIDE: usize = 1 << 12;

/// A text's canonical reading, with places to resume reading from to map offsets back.
pub struct Canon {
    pub bytes: Vec<u8>,
    /// (canonical offset, original offset) where reading can start afresh.
    resume: Vec<(usize, usize)>,
}

impl Canon {
    pub fn read(text: &[u8]) -> Canon {
        let mut bytes = Vec::with_capacity(text.len() + text.len() / 8);
        let mut resume = vec![(0, 0)];
        let mut reader = Reader::new(text, 0);
        loop {
            if bytes.len() >= resume[resume.len() - 1].0 + STRIDE {
                resume.push((bytes.len(), reader.at()));
            }
            let Some(u) = reader.next() else { break };
            push(&mut bytes, text, &u);
        }
        Canon { bytes, resume }
    }

    /// The original ranges of sorted, disjoint canonical ranges, in one walk over the text.
    pub fn map_back(&self, text: &[u8], ranges: &[(usize, usize)]) -> Vec<(usize, usize)> {
        let mut out = Vec::with_capacity(ranges.len());
        let mut walk = Walk {
            text,
            resume: &self.resume,
            reader: Reader::new(text, 0),
            unit: None,
            d: 0,
        };
        for &(s, e) in ranges {
            let start = walk.locate(s).map(|(u, off)| u.start_of(off));
            let end = walk.locate(e - 1).map(|(u, off)| u.end_of(off));
            if let (Some(start), Some(end)) = (start, end) {
                out.push((start, end));
            }
        }
        out
    }
}

/// A forward walk over the units of a text.
struct Walk<'a> {
    text: &'a [u8],
    resume: &'a [(usize, usize)],
    reader: Reader<'a>,
    unit: Option<Unit>,
    /// The canonical offset of `unit`'s start.
    d: usize,
}

impl Walk<'_> {
    /// The unit holding canonical byte `at`, and `at`'s offset in it. `at` never goes back.
    fn locate(&mut self, at: usize) -> Option<(Unit, usize)> {
        loop {
            if let Some(u) = self.unit {
                if at < self.d + u.len() {
                    return Some((u, at - self.d));
                }
                self.d += u.len();
                self.unit = None;
            }
            // Far ahead: start reading again from the last resume place before `at`.
            let i = self.resume.partition_point(|r| r.0 <= at);
            if i > 0 && self.resume[i - 1].0 > self.d {
                let (d, o) = self.resume[i - 1];
                self.reader = Reader::new(self.text, o);
                self.d = d;
            }
            self.unit = Some(self.reader.next()?);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> String {
        String::from_utf8(canonical(s.as_bytes())).unwrap()
    }

    #[test]
    fn spellings_read_the_same() {
        let want = "a\"b/c\nd";
        assert_eq!(c("a\"b/c\nd"), want);
        assert_eq!(c(r#"a\"b\/c\nd"#), want);
        assert_eq!(c(r#"a\\\"b\\\/c\\\nd"#), want);
        assert_eq!(c("%61%22b%2Fc%0ad"), want);
        assert_eq!(c("&#97;&quot;b&#x2F;c&#10;d"), want);
        assert_eq!(c(r"\u0061\u0022b\\u002fc\u000Ad"), want);
        // Backslashes read as nothing, however many levels of escaping wrote them.
        assert_eq!(c("x\\\ny"), c(r"x\\\ny"));
        assert_eq!(c("+\\+"), c(r"+\\\u002b"));
        assert_eq!(c(r"\ud83d\ude00"), "\u{1F600}");
        assert_eq!(c("o&#039;reilly"), "o'reilly");
    }

    #[test]
    fn offsets_map_back() {
        let text = "ab%41%42\\\"cd\nxyz";
        let canon = Canon::read(text.as_bytes());
        assert_eq!(String::from_utf8_lossy(&canon.bytes), "abAB\"cd\nxyz");
        let back = canon.map_back(text.as_bytes(), &[(2, 4), (4, 7), (7, 9)]);
        assert_eq!(back, vec![(2, 8), (8, 12), (12, 14)]);
    }
}
