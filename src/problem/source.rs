//! Source positions and rendering a position as a caret snippet, like rustc or Hurl.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// A 1-based line and column in a source file. `line == 0` means unknown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

impl Pos {
    pub const fn new(line: u32, col: u32) -> Self {
        Self { line, col }
    }
}

/// A file's path and text, shared by everything that points into it.
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    /// Where each line starts, found on first use: a file with thousands of problems
    /// renders each one's line without scanning the text again.
    line_starts: OnceLock<Vec<usize>>,
}

impl std::fmt::Debug for SourceFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceFile")
            .field("path", &self.path)
            .field("text", &self.text)
            .finish()
    }
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: String) -> Arc<Self> {
        Arc::new(Self {
            path: path.into(),
            text,
            line_starts: OnceLock::new(),
        })
    }

    /// The directory paths in this file are relative to.
    pub fn dir(&self) -> PathBuf {
        self.path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    /// Line `line` (1-based), without its line break. Lines are counted as YAML counts them
    /// (and so as the parser's positions do): `\n`, `\r\n`, and a `\r` on its own.
    pub fn line(&self, line: u32) -> Option<&str> {
        let starts = self.line_starts.get_or_init(|| {
            let b = self.text.as_bytes();
            std::iter::once(0)
                .chain((0..b.len()).filter_map(|i| match b[i] {
                    b'\n' => Some(i + 1),
                    b'\r' if b.get(i + 1) != Some(&b'\n') => Some(i + 1),
                    _ => None,
                }))
                .collect()
        });
        let i = (line as usize).checked_sub(1)?;
        let start = *starts.get(i)?;
        if start >= self.text.len() {
            return None;
        }
        let text = match starts.get(i + 1) {
            Some(next) => {
                let l = &self.text[start..*next];
                let l = l.strip_suffix('\n').unwrap_or(l);
                l.strip_suffix('\r').unwrap_or(l)
            }
            None => &self.text[start..],
        };
        Some(text)
    }
}

/// A position inside a known file.
#[derive(Clone, Debug)]
pub struct Span {
    pub file: Arc<SourceFile>,
    pub pos: Pos,
}

impl Span {
    pub fn new(file: &Arc<SourceFile>, pos: Pos) -> Self {
        Self {
            file: Arc::clone(file),
            pos,
        }
    }

    pub fn path(&self) -> &Path {
        &self.file.path
    }

    /// `path:line:col`, or the path alone for a problem with the whole file (line 0).
    pub fn location(&self) -> String {
        if self.pos.line == 0 {
            return self.file.path.display().to_string();
        }
        format!(
            "{}:{}:{}",
            self.file.path.display(),
            self.pos.line,
            self.pos.col
        )
    }
}

/// Renders `error: message`, the location, the source line and a caret under the column,
/// then each `help`/`note` line, in the style of rustc.
pub fn render_snippet(span: &Span, message: &str, label: &str, notes: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "error: {message}");
    let line_no = span.pos.line.to_string();
    let pad = " ".repeat(line_no.len());
    let _ = writeln!(out, "{pad}--> {}", span.location());
    if let Some(text) = span.file.line(span.pos.line) {
        let _ = writeln!(out, "{pad} |");
        let _ = writeln!(out, "{line_no} | {text}");
        let col = span.pos.col.max(1) as usize - 1;
        // Columns count characters; keep tabs so the caret lines up under them.
        let lead: String = text
            .chars()
            .take(col)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let width = caret_width(text, col);
        let carets = "^".repeat(width.max(1));
        if label.is_empty() {
            let _ = writeln!(out, "{pad} | {lead}{carets}");
        } else {
            let _ = writeln!(out, "{pad} | {lead}{carets} {label}");
        }
    }
    for n in notes {
        let _ = writeln!(out, "{pad} = {n}");
    }
    out
}

/// Underline the token at `col`: a quoted string, or a run up to `:`, `,` or white space.
fn caret_width(line: &str, col: usize) -> usize {
    let rest: Vec<char> = line.chars().skip(col).collect();
    match rest.first() {
        None => 1,
        Some('"') | Some('\'') => {
            let q = rest[0];
            rest.iter()
                .skip(1)
                .position(|c| *c == q)
                .map_or(rest.len(), |p| p + 2)
        }
        Some(_) => rest
            .iter()
            .position(|c| matches!(c, ':' | ',' | '}' | ']') || c.is_whitespace())
            .unwrap_or(rest.len())
            .max(1),
    }
}

/// The closest candidate to `word`, if any is close enough to be a plausible typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(&str, f64)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(&word.to_lowercase(), &c.to_lowercase());
        if score > 0.8 && best.is_none_or(|(_, s)| score > s) {
            best = Some((c, score));
        }
    }
    best.map(|(c, _)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_under_key() {
        let f = SourceFile::new("a.yaml", "requests:\n  - methd: GET\n".into());
        let s = render_snippet(
            &Span::new(&f, Pos::new(2, 5)),
            "unknown key `methd`",
            "",
            &[],
        );
        assert!(s.contains("--> a.yaml:2:5"), "{s}");
        assert!(s.contains("2 |   - methd: GET\n  |     ^^^^^\n"), "{s}");
    }

    #[test]
    fn lines_are_counted_as_yaml_counts_them() {
        for (text, want) in [
            ("", &[][..]),
            ("a", &["a"][..]),
            ("a\n", &["a"]),
            ("a\r\nb", &["a", "b"]),
            ("a\n\nb", &["a", "", "b"]),
            ("\n", &[""]),
            ("\r\n\r\n", &["", ""]),
            // A carriage return on its own (old Mac files, or CRLF converted twice) breaks a line.
            ("x\ry\nz\n", &["x", "y", "z"]),
            ("a\r\r\nb", &["a", "", "b"]),
            ("a\r", &["a"]),
        ] {
            let f = SourceFile::new("t.yaml", text.to_string());
            let got: Vec<&str> = (1..).map_while(|n| f.line(n)).collect();
            assert_eq!(got, want, "{text:?}");
            assert_eq!(f.line(0), None);
        }
        // The parser's positions agree.
        let e = crate::format::yaml::parse("a: 1\r\rb: [\r").unwrap_err();
        assert_eq!(e.pos, Pos::new(3, 4), "{e:?}");
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("methd", ["method", "url", "name"]),
            Some("method")
        );
        assert_eq!(did_you_mean("zzz", ["method", "url"]), None);
    }
}
