//! A template's compiled form, and its sharing: while a collection loads, templates of the
//! same text (the header, body and expectation every request repeats) share one text and
//! one compiled form, so 100,000 requests hold one `Bearer {{ token }}`, not 100,000.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, LazyLock};

use minijinja::{Environment, Expression, Template};

use super::TemplateError;
use super::env::{ENV, GLOBALS};

pub(super) struct Compiled {
    pub(super) kind: Kind,
    /// Top-level variable names the template reads (functions excluded), sorted.
    pub(super) vars: Box<[String]>,
}

pub(super) enum Kind {
    /// No `{{` or `{%`: the text itself.
    Literal,
    /// Exactly `{{ name }}` (the one name in `vars`): the variable's value, type kept (no
    /// template engine needed).
    Var,
    /// Text and `{{ name }}` references only, as ranges of the text: concatenated without
    /// the template engine.
    Simple(Box<[Seg]>),
    /// Exactly one `{{ expr }}`: the value keeps its type.
    Expr(Expression<'static, 'static>),
    /// Anything else: rendered to a string.
    Text(OwnedTemplate),
}

/// MiniJinja's templates borrow their source: this one owns it, so a compiled template is
/// freed with its collection (a long `check` or fuzz run does not grow).
type SourceTemplate<'a> = Template<'a, 'a>;

self_cell::self_cell!(
    pub(super) struct OwnedTemplate {
        owner: Box<str>,
        #[covariant]
        dependent: SourceTemplate,
    }
);

/// Bytes `start..end` of the template's text: literal text, or a variable's name.
#[derive(Clone, Copy)]
pub(super) struct Seg {
    pub(super) start: u32,
    pub(super) end: u32,
    pub(super) var: bool,
}

/// Every text without template syntax shares this compiled form.
static LITERAL: LazyLock<Arc<Compiled>> = LazyLock::new(|| {
    Arc::new(Compiled {
        kind: Kind::Literal,
        vars: Box::new([]),
    })
});

pub(super) fn literal() -> Arc<Compiled> {
    Arc::clone(&LITERAL)
}

thread_local! {
    /// Compiled forms by text, while a `Sharing` guard lives on this thread.
    static SHARED: RefCell<Option<Shared>> = const { RefCell::new(None) };
}

struct Shared {
    guards: usize,
    by_text: HashMap<Arc<str>, Arc<Compiled>>,
}

/// While it lives, templates compiled on this thread share the text and compiled form of
/// any template of the same text compiled before (see `share_compiled`).
pub struct Sharing(());

/// Share compiled templates by text until the guard is dropped (a collection's load).
pub fn share_compiled() -> Sharing {
    SHARED.with(|s| {
        let mut s = s.borrow_mut();
        match s.as_mut() {
            Some(shared) => shared.guards += 1,
            None => {
                *s = Some(Shared {
                    guards: 1,
                    by_text: HashMap::new(),
                })
            }
        }
    });
    Sharing(())
}

impl Drop for Sharing {
    fn drop(&mut self) {
        SHARED.with(|s| {
            let mut s = s.borrow_mut();
            if let Some(shared) = s.as_mut() {
                shared.guards -= 1;
                if shared.guards == 0 {
                    *s = None;
                }
            }
        });
    }
}

/// The text and compiled form of `source`: shared with an earlier template of the same text
/// while a `Sharing` guard lives, compiled otherwise.
pub(super) fn compile(source: &str) -> Result<(Arc<str>, Arc<Compiled>), TemplateError> {
    let found = SHARED.with(|s| {
        let s = s.borrow();
        let (text, compiled) = s.as_ref()?.by_text.get_key_value(source)?;
        Some((Arc::clone(text), Arc::clone(compiled)))
    });
    if let Some(found) = found {
        return Ok(found);
    }
    let compiled = Arc::new(Compiled::new(source)?);
    let text: Arc<str> = Arc::from(source);
    SHARED.with(|s| {
        if let Some(shared) = s.borrow_mut().as_mut() {
            shared
                .by_text
                .insert(Arc::clone(&text), Arc::clone(&compiled));
        }
    });
    Ok((text, compiled))
}

impl Compiled {
    fn new(source: &str) -> Result<Self, TemplateError> {
        if !source.contains("{{") && !source.contains("{%") && !source.contains("{#") {
            return Ok(Self {
                kind: Kind::Literal,
                vars: Box::new([]),
            });
        }
        if let Some(e) = super::unknown_fake_kind(source) {
            return Err(TemplateError::Render(e));
        }
        if let Some(segs) = simple_segments(source) {
            let names: BTreeSet<&str> = segs
                .iter()
                .filter(|s| s.var)
                .map(|s| &source[s.start as usize..s.end as usize])
                .collect();
            let vars: Box<[String]> = names.into_iter().map(str::to_string).collect();
            let kind = match segs.as_slice() {
                [s] if s.var && source.trim() == source => Kind::Var,
                _ => Kind::Simple(segs.into()),
            };
            return Ok(Self { kind, vars });
        }
        if let Some(inner) = super::whole_expression(source) {
            let expr = ENV
                .compile_expression_owned(inner.to_string())
                .map_err(|e| TemplateError::Syntax(super::describe(&e)))?;
            let vars = names(expr.undeclared_variables(false));
            return Ok(Self {
                kind: Kind::Expr(expr),
                vars,
            });
        }
        if let Some(tag) = super::loader_tag(source) {
            return Err(TemplateError::Syntax(format!(
                "`{{% {tag} %}}` is not available: a template cannot load other templates"
            )));
        }
        let tmpl = OwnedTemplate::try_new(source.into(), |src| {
            let env: &Environment<'_> = &ENV;
            env.template_from_str(src)
        })
        .map_err(|e| TemplateError::Syntax(super::describe(&e)))?;
        let vars = names(tmpl.borrow_dependent().undeclared_variables(false));
        Ok(Self {
            kind: Kind::Text(tmpl),
            vars,
        })
    }
}

fn names(set: std::collections::HashSet<String>) -> Box<[String]> {
    let sorted: BTreeSet<String> = set
        .into_iter()
        .filter(|n| !GLOBALS.contains(&n.as_str()))
        .collect();
    sorted.into_iter().collect()
}

/// Split `text` into literal and `{{ name }}` segments, if that is all it holds.
fn simple_segments(text: &str) -> Option<Vec<Seg>> {
    if text.contains("{%") || text.contains("{#") || text.contains("}}}") {
        return None;
    }
    let len = u32::try_from(text.len()).ok()?;
    let seg = |start: usize, end: usize, var: bool| Seg {
        start: start as u32,
        end: end as u32,
        var,
    };
    let mut segs = Vec::new();
    let mut at = 0usize;
    while let Some(i) = text[at..].find("{{") {
        let open = at + i;
        if open > at {
            segs.push(seg(at, open, false));
        }
        let inner_start = open + 2;
        let j = text[inner_start..].find("}}")?;
        let inner = &text[inner_start..inner_start + j];
        let name = inner.trim();
        if !is_plain_name(name) {
            return None;
        }
        let name_start = inner_start + (inner.len() - inner.trim_start().len());
        segs.push(seg(name_start, name_start + name.len(), true));
        at = inner_start + j + 2;
    }
    if text[at..].contains("}}") {
        return None;
    }
    if (at as u32) < len {
        segs.push(seg(at, text.len(), false));
    }
    Some(segs)
}

fn is_plain_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !matches!(
            s,
            "true" | "false" | "none" | "True" | "False" | "None" | "loop" | "self"
        )
}
