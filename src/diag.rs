//! Diagnostics: user-facing problems with a collection or mock file, each with a place.

use std::fmt::Write as _;
use std::sync::Arc;

use crate::source::{Pos, SourceFile, Span, render_snippet};

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
    pub fn render(&self) -> String {
        render_snippet(&self.span, &self.message, &self.label, &self.notes)
    }
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

    pub fn span(&self, pos: Pos) -> Span {
        Span::new(&self.file, pos)
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
