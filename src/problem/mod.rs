//! Problems: every user-facing problem with an input file (a collection, a mock file, an
//! `--env` file, an OpenAPI document), each with its place, rendered in one place
//! (`Diag::render`: the location, the source line and a caret, help and notes).

pub mod source;

use std::fmt::Write as _;
use std::sync::Arc;

use std::path::{Path, PathBuf};

use crate::problem::source::{Pos, SourceFile, Span, render_snippet};

/// One problem in an input file: where, what, and what to do about it.
#[derive(Clone, Debug)]
pub struct Diag {
    pub span: Span,
    pub message: String,
    /// Short text printed after the carets.
    pub label: String,
    /// `help: ...` / `note: ...` lines.
    pub notes: Vec<String>,
}

impl Diag {
    /// A problem with a whole file, or with a place that has no line (`doc.yaml#/paths`).
    pub fn whole(place: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        let file = SourceFile::new(place.into(), String::new());
        Diag {
            span: Span::new(&file, Pos::default()),
            message: message.into(),
            label: String::new(),
            notes: Vec::new(),
        }
    }

    /// The problem with its source line and caret, ready for a terminal: a control character
    /// from the file (an escape sequence could retitle the window or rewrite a line) is shown
    /// as its symbol, one character for one, so the caret still lines up.
    pub fn render(&self) -> String {
        visible(&render_snippet(
            &self.span,
            &self.message,
            &self.label,
            &self.notes,
        ))
    }
}

/// Control characters other than line breaks and tabs as the Unicode control pictures
/// (`␛` for ESC, `␇` for BEL, `␍` for CR); C1 controls as `�`.
pub fn visible(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\t' => c,
            '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
            '\u{7f}' => '\u{2421}',
            '\u{80}'..='\u{9f}' => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// Collects every problem of a file instead of stopping at the first.
#[derive(Debug)]
pub struct Diags {
    pub file: Arc<SourceFile>,
    pub list: Vec<Diag>,
}

impl Diags {
    pub fn new(file: &Arc<SourceFile>) -> Self {
        Self {
            file: Arc::clone(file),
            list: Vec::new(),
        }
    }

    /// Record a problem; returns a builder to add a label or notes.
    pub fn error(&mut self, pos: Pos, message: impl Into<String>) -> &mut Diag {
        self.list.push(Diag {
            span: Span::new(&self.file, pos),
            message: message.into(),
            label: String::new(),
            notes: Vec::new(),
        });
        self.list.last_mut().expect("just pushed")
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn render_all(&self) -> String {
        let mut out = String::new();
        for d in &self.list {
            let _ = writeln!(out, "{}", d.render());
        }
        out
    }
}

impl Diag {
    pub fn label(&mut self, label: impl Into<String>) -> &mut Self {
        self.label = label.into();
        self
    }
    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.notes.push(format!("help: {}", help.into()));
        self
    }
    pub fn note(&mut self, note: impl Into<String>) -> &mut Self {
        self.notes.push(format!("note: {}", note.into()));
        self
    }
}

/// A file that cannot be read at all.
pub fn io_error(path: &Path, e: &std::io::Error) -> Diag {
    let file = SourceFile::new(path, String::new());
    Diag {
        span: Span::new(&file, Pos::default()),
        message: format!("cannot read {}: {e}", path.display()),
        label: String::new(),
        notes: Vec::new(),
    }
}

/// The most baton reads of any one input file: a collection, an `include:`, a `schema:`, a
/// mock file, `--env`, `--data`, `--cacert`. Far above any real one (a large OpenAPI
/// document is a few MB), and what keeps `/dev/zero` or a wrong path from eating memory.
pub const MAX_INPUT_BYTES: usize = 64 << 20;

/// Read a whole input file, at most `MAX_INPUT_BYTES`: a bigger one (or an endless one, such
/// as `/dev/zero`) is an error, after reading no more than that. Memory stays at the cap.
pub fn read_bounded(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut f = std::fs::File::open(path)?;
    let hint = f
        .metadata()
        .ok()
        .filter(std::fs::Metadata::is_file)
        .map_or(1 << 16, |m| m.len() as usize);
    let mut bytes = Vec::with_capacity(hint.min(MAX_INPUT_BYTES) + 1);
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        let n = match f.read(&mut chunk) {
            Ok(0) => return Ok(bytes),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if bytes.len() + n > MAX_INPUT_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "larger than {} MiB, the most baton reads of an input file (is it the right file?)",
                    MAX_INPUT_BYTES >> 20
                ),
            ));
        }
        if bytes.len() + n > bytes.capacity() {
            // Grow by doubling, but never past the cap.
            let want = (bytes.capacity() * 2).min(MAX_INPUT_BYTES) - bytes.len();
            bytes.reserve_exact(want.max(n));
        }
        bytes.extend_from_slice(&chunk[..n]);
    }
}

/// `read_bounded`, as UTF-8 text.
pub fn read_bounded_string(path: &Path) -> std::io::Result<String> {
    String::from_utf8(read_bounded(path)?)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// Read a text file, at most `MAX_INPUT_BYTES`. A file that is not UTF-8 is an error at the
/// line and column of its first bad byte, not at `0:0`.
pub fn read_source(path: &Path) -> Result<Arc<SourceFile>, Diag> {
    let bytes = read_bounded(path).map_err(|e| io_error(path, &e))?;
    source_from_bytes(path, bytes)
}

pub fn source_from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Arc<SourceFile>, Diag> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(path, text)),
        Err(e) => {
            let bytes = e.as_bytes();
            let at = e.utf8_error().valid_up_to();
            let good = String::from_utf8_lossy(&bytes[..at]);
            // Lines as `SourceFile::line` counts them: `\n`, `\r\n` or a lone `\r`.
            let breaks = good
                .match_indices(['\n', '\r'])
                .filter(|(i, m)| *m == "\n" || good.as_bytes().get(i + 1) != Some(&b'\n'));
            let line = breaks.count() as u32 + 1;
            let col = good
                .rsplit(['\n', '\r'])
                .next()
                .map_or(0, |l| l.chars().count()) as u32
                + 1;
            // Show the file as far as it is readable, so the caret has a line to stand under.
            let text = String::from_utf8_lossy(bytes).into_owned();
            let file = SourceFile::new(path, text);
            let mut notes = Vec::new();
            if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
                notes.push("note: the file starts like UTF-16 text".to_string());
            }
            notes.push("help: save the file as UTF-8".into());
            Err(Diag {
                span: Span::new(&file, Pos::new(line, col)),
                message: format!(
                    "{} is not UTF-8 text: byte 0x{:02X} cannot start or continue a character here",
                    path.display(),
                    bytes[at]
                ),
                label: String::new(),
                notes,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_from_a_file_are_shown_as_symbols() {
        let file = SourceFile::new(
            Path::new("c.yaml"),
            "name: \"a\u{1b}]0;x\u{7}\u{8}\"\n".into(),
        );
        let d = Diag {
            span: Span::new(&file, Pos::new(1, 9)),
            message: "bad".into(),
            label: String::new(),
            notes: Vec::new(),
        };
        let text = d.render();
        assert!(text.contains("name: \"a␛]0;x␇␈\""), "{text}");
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text}");
        // The caret stays under the character it points at.
        assert!(text.contains("\n  |         ^"), "{text}");
    }
}
