//! Rendering a step's templates with the collection's scope, and the errors a step can stop
//! with, each naming where in which file it happened.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value as Json;

use crate::http::builder::Render;
use crate::http::oauth2::TokenError;
use crate::http::{HttpError, PrepareError};
use crate::problem::source::Pos;
use crate::report::event::Outcome;
use crate::secret::Secrets;
use crate::template::{TValue, TemplateError, Tmpl, Vars};

/// Why a step stopped before it had a result to check.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error("{what}: {source}\n--> {at}")]
    Render {
        what: String,
        at: String,
        source: TemplateError,
    },
    /// It needs what an earlier request failed to give: reported skipped, with the reason
    /// (`capture `token` of `login` failed`, `login could not complete`).
    #[error("skipped: {0}")]
    Skipped(String),
    /// It needs a variable whose definition failed at run time (an included file's `vars`).
    #[error("`{name}` is not set: {why}")]
    Unset { name: String, why: String },
    #[error(
        "`{name}` is not set: it is captured by request `{request}`, which --filter or --tag left out"
    )]
    NotRun { name: String, request: String },
    #[error("{source}\n--> {at}")]
    Prepare { source: PrepareError, at: String },
    /// A step that failed for a reason of its own: a `for_each` that gives no list, a
    /// receive step whose request did not come.
    #[error("{0}")]
    Failed(String),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Http(#[from] HttpError),
    #[error("interrupted")]
    Interrupted,
}

impl StepError {
    pub fn outcome(&self) -> Outcome {
        match self {
            StepError::Http(HttpError::Send(_)) => Outcome::Error,
            StepError::Http(HttpError::Setup(_)) => Outcome::Error,
            StepError::Interrupted => Outcome::Interrupted,
            StepError::Skipped(_) => Outcome::Skipped,
            _ => Outcome::Failed,
        }
    }
}

/// Why a variable an earlier step should have set is not there.
#[derive(Debug, Clone)]
pub enum Missing {
    /// An earlier request failed to give it: a request that needs it is skipped, with this
    /// reason (`capture `token` of `login` failed`, `login could not complete`).
    Skip(String),
    /// Its definition failed (an included file's `vars` entry): a request that needs it
    /// fails, saying why.
    Broken(String),
}

/// `file:line:col`
pub fn location(file: &Path, pos: Pos) -> String {
    format!("{}:{}:{}", file.display(), pos.line, pos.col)
}

/// The run's renderer: the scope's values; credentials become secrets as they render.
pub struct RunRender<'a> {
    pub scope: &'a Vars,
    pub secrets: &'a Secrets,
    pub file: &'a Path,
    pub missing: &'a HashMap<String, Missing>,
    pub not_run: &'a HashMap<String, String>,
}

impl RunRender<'_> {
    pub fn error(&self, what: &str, pos: Pos, e: TemplateError) -> StepError {
        if let TemplateError::Undefined { name } = &e {
            match self.missing.get(name) {
                Some(Missing::Skip(reason)) => return StepError::Skipped(reason.clone()),
                Some(Missing::Broken(why)) => {
                    return StepError::Unset {
                        name: name.clone(),
                        why: why.clone(),
                    };
                }
                None => {}
            }
            if let Some(req) = self.not_run.get(name) {
                return StepError::NotRun {
                    name: name.clone(),
                    request: req.clone(),
                };
            }
        }
        StepError::Render {
            what: what.to_string(),
            at: location(self.file, pos),
            source: e,
        }
    }

    pub fn condition(&self, t: &Tmpl) -> Result<bool, StepError> {
        t.render_bool(self.scope)
            .map_err(|e| self.error("when", t.pos, e))
    }
}

fn first_pos(v: &TValue) -> Pos {
    let mut ts = Vec::new();
    v.templates(&mut ts);
    ts.first().map(|t| t.pos).unwrap_or_default()
}

impl Render for RunRender<'_> {
    type Error = StepError;

    fn text(&mut self, what: &str, t: &Tmpl) -> Result<String, StepError> {
        t.render_string(self.scope)
            .map_err(|e| self.error(what, t.pos, e))
    }

    fn value(&mut self, what: &str, v: &TValue) -> Result<Json, StepError> {
        v.render(self.scope)
            .map_err(|e| self.error(what, first_pos(v), e))
    }

    fn credential(&mut self, what: &str, t: &Tmpl) -> Result<String, StepError> {
        let s = self.text(what, t)?;
        // A user name is not secret (masking `admin` everywhere would hide nothing and
        // shred every report); passwords, tokens, keys and client ids are.
        if !what.ends_with("username") {
            self.secrets.register(&s);
        }
        Ok(s)
    }

    fn derived(&mut self, value: &str) {
        self.secrets.register(value);
    }
}
