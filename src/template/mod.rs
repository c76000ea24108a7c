//! MiniJinja templates: compiled once at load, rendering to text or keeping a whole-value
//! expression's JSON type. `env` holds the functions and filters, `value` the scopes.

mod compiled;
mod env;
pub mod fake;
mod jwt;
mod value;

use std::sync::Arc;

use minijinja::value::{Value as MjValue, ValueKind};
use minijinja::{Error as MjError, ErrorKind};
use serde_json::Value as Json;

use crate::problem::source::Pos;
use compiled::{Compiled, Kind, Seg};
pub use compiled::{Sharing, share_compiled};
pub use env::{GLOBALS, Host};
use value::scalar_text;
pub use value::{TValue, Vars, is_identifier, json_text};

/// A template string from a collection, compiled once at load time (and, within a load,
/// shared with every template of the same text: `share_compiled`).
#[derive(Clone)]
pub struct Tmpl {
    pub source: Arc<str>,
    pub pos: Pos,
    compiled: Arc<Compiled>,
}

impl std::fmt::Debug for Tmpl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tmpl({:?})", self.source)
    }
}

/// A template that does not compile, or a render that fails.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TemplateError {
    #[error("template syntax error: {0}")]
    Syntax(String),
    #[error("variable `{name}` is not defined")]
    Undefined { name: String },
    #[error("{0}")]
    Render(String),
}

impl TemplateError {
    /// A value only the run's environment can give: an undefined variable, or `env()` /
    /// `secret()` of an environment variable that is not set (the messages `env.rs` writes).
    pub fn needs_outside_value(&self) -> bool {
        match self {
            Self::Undefined { .. } => true,
            Self::Render(m) => m.contains("environment variable `") && m.contains("` is not set"),
            Self::Syntax(_) => false,
        }
    }
}

impl Tmpl {
    /// Compile a string found at `pos`. Strings without template syntax cost nothing to render.
    pub fn compile(source: &str, pos: Pos) -> Result<Self, TemplateError> {
        let (source, compiled) = compiled::compile(source)?;
        Ok(Self {
            source,
            pos,
            compiled,
        })
    }

    /// Text that is never rendered, whatever it holds (a recorded body served verbatim).
    pub fn literal(source: &str, pos: Pos) -> Self {
        Self {
            source: Arc::from(source),
            pos,
            compiled: compiled::literal(),
        }
    }

    /// A bare expression (for `when`): `{{ x }}` or just `x`.
    pub fn compile_condition(source: &str, pos: Pos) -> Result<Self, TemplateError> {
        let inner = whole_expression(source).unwrap_or(source).trim();
        Self::compile(&format!("{{{{ {inner} }}}}"), pos)
    }

    pub fn is_literal(&self) -> bool {
        matches!(self.compiled.kind, Kind::Literal)
    }

    /// The variables this template reads, in no particular order.
    pub fn variables(&self) -> &[String] {
        &self.compiled.vars
    }

    /// Bytes `s` of the text.
    fn text(&self, s: &Seg) -> &str {
        &self.source[s.start as usize..s.end as usize]
    }

    /// The attributes of `root` this template reads: `["callback_url"]` for
    /// `{{ vars.callback_url }}/mo` and `root` = `vars`.
    pub fn members_of(&self, root: &str) -> Vec<String> {
        let nested = match &self.compiled.kind {
            Kind::Expr(e) => e.undeclared_variables(true),
            Kind::Text(t) => t.borrow_dependent().undeclared_variables(true),
            Kind::Literal | Kind::Var | Kind::Simple(_) => return Vec::new(),
        };
        let prefix = format!("{root}.");
        nested
            .into_iter()
            .filter_map(|n| {
                let rest = n.strip_prefix(&prefix)?;
                Some(rest.split('.').next().unwrap_or(rest).to_string())
            })
            .collect()
    }

    fn check_defined(&self, vars: &Vars) -> Result<(), TemplateError> {
        for name in self.variables() {
            if !vars.contains(name) {
                return Err(TemplateError::Undefined { name: name.clone() });
            }
        }
        Ok(())
    }

    /// The one variable of `{{ name }}`.
    fn var_value<'v>(&self, vars: &'v Vars) -> Result<&'v MjValue, TemplateError> {
        let name = self.variables().first().map_or("", String::as_str);
        vars.map.get(name).ok_or_else(|| TemplateError::Undefined {
            name: name.to_string(),
        })
    }

    /// Render keeping the JSON type of a whole-value expression.
    pub fn render_value(&self, vars: &Vars) -> Result<Json, TemplateError> {
        match &self.compiled.kind {
            Kind::Literal => Ok(Json::String(self.source.to_string())),
            Kind::Var => to_json(self.var_value(vars)?),
            Kind::Simple(_) => self.render_string(vars).map(Json::String),
            Kind::Expr(e) => {
                self.check_defined(vars)?;
                let v = e.eval(vars.context()).map_err(|e| render_error(&e))?;
                // An expression's value is not printed, so strict mode does not trip on a
                // missing attribute by itself: `{{ resp.missing }}` must fail, not send null.
                if v.is_undefined() {
                    return Err(TemplateError::Render(format!(
                        "`{}` is undefined (a missing attribute or key?)",
                        self.source
                            .trim()
                            .trim_start_matches("{{")
                            .trim_end_matches("}}")
                            .trim()
                    )));
                }
                to_json(&v)
            }
            Kind::Text(_) => self.render_string(vars).map(Json::String),
        }
    }

    /// Render as text (numbers and booleans in their plain form).
    pub fn render_string(&self, vars: &Vars) -> Result<String, TemplateError> {
        match &self.compiled.kind {
            Kind::Literal => Ok(self.source.to_string()),
            Kind::Var => Ok(plain_text(self.var_value(vars)?)),
            Kind::Simple(segs) => {
                let mut out = String::with_capacity(self.source.len() + 32);
                for seg in segs.iter() {
                    let text = self.text(seg);
                    if !seg.var {
                        out.push_str(text);
                        continue;
                    }
                    match vars.map.get(text) {
                        Some(v) => out.push_str(&plain_text(v)),
                        None => {
                            return Err(TemplateError::Undefined {
                                name: text.to_string(),
                            });
                        }
                    }
                }
                Ok(out)
            }
            Kind::Expr(_) => Ok(match self.render_value(vars)? {
                Json::Null => "null".into(),
                v => json_text(&v),
            }),
            Kind::Text(t) => {
                self.check_defined(vars)?;
                t.borrow_dependent()
                    .render(vars.context())
                    .map_err(|e| render_error(&e))
            }
        }
    }

    /// Text and `{{ name }}` references only: each reference replaced by what `lookup` gives
    /// for its name. `None` for a template that is more than that (an expression, a filter).
    pub fn render_with(&self, lookup: &mut dyn FnMut(&str) -> String) -> Option<String> {
        match &self.compiled.kind {
            Kind::Literal => Some(self.source.to_string()),
            Kind::Var => Some(lookup(self.variables().first()?)),
            Kind::Simple(segs) => Some(
                segs.iter()
                    .map(|s| match s.var {
                        false => self.text(s).to_string(),
                        true => lookup(self.text(s)),
                    })
                    .collect(),
            ),
            Kind::Expr(_) | Kind::Text(_) => None,
        }
    }

    /// Render as a condition: Jinja truthiness.
    pub fn render_bool(&self, vars: &Vars) -> Result<bool, TemplateError> {
        match &self.compiled.kind {
            Kind::Expr(e) => {
                self.check_defined(vars)?;
                e.eval(vars.context())
                    .map(|v| v.is_true())
                    .map_err(|e| render_error(&e))
            }
            _ => Ok(truthy(&self.render_value(vars)?)),
        }
    }
}

/// A value as `{{ x }}` prints it (strings bare, the rest as JSON writes it).
fn plain_text(v: &MjValue) -> String {
    scalar_text(v)
}

fn truthy(v: &Json) -> bool {
    match v {
        Json::Null => false,
        Json::Bool(b) => *b,
        Json::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Json::String(s) => !s.is_empty(),
        Json::Array(a) => !a.is_empty(),
        Json::Object(o) => !o.is_empty(),
    }
}

fn to_json(v: &MjValue) -> Result<Json, TemplateError> {
    if v.kind() == ValueKind::Plain {
        return Err(TemplateError::Render(
            "a function or macro is not a value (call it: `name()`)".into(),
        ));
    }
    serde_json::to_value(v)
        .map_err(|e| TemplateError::Render(format!("value cannot be used as JSON: {e}")))
}

/// `{{ expr }}` with nothing around it and no other tag inside.
fn whole_expression(s: &str) -> Option<&str> {
    let t = s.trim();
    let inner = t.strip_prefix("{{")?.strip_suffix("}}")?;
    if inner.contains("{{") || inner.contains("}}") || inner.contains("{%") {
        return None;
    }
    Some(
        inner
            .trim()
            .trim_start_matches('-')
            .trim_end_matches('-')
            .trim(),
    )
}

/// `fake('KIND')` with a literal kind that is not one: found when the file loads.
fn unknown_fake_kind(source: &str) -> Option<String> {
    if !source.contains("fake(") {
        return None;
    }
    static CALL: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"\bfake\(\s*(?:'([^']*)'|"([^"]*)")\s*\)"#).expect("a valid regex")
    });
    CALL.captures_iter(source).find_map(|c| {
        let kind = c.get(1).or_else(|| c.get(2))?.as_str();
        fake::canonical(kind).is_none().then(|| fake::unknown(kind))
    })
}

/// A tag that needs a template loader (baton has none). MiniJinja 2.24 also panics, rather
/// than failing, on `{% import 'x' as 1 %}`, so these never reach it.
fn loader_tag(source: &str) -> Option<&'static str> {
    source.match_indices("{%").find_map(|(i, _)| {
        let rest = source[i + 2..].trim_start_matches(['-', '+']).trim_start();
        ["import", "from", "include", "extends"]
            .into_iter()
            .find(|tag| {
                rest.strip_prefix(tag).is_some_and(|after| {
                    !after.starts_with(|c: char| c.is_alphanumeric() || c == '_')
                })
            })
    })
}

fn describe(e: &MjError) -> String {
    match e.detail() {
        Some(d) => d.to_string(),
        None => e.kind().to_string(),
    }
}

fn render_error(e: &MjError) -> TemplateError {
    match e.kind() {
        ErrorKind::UndefinedError => {
            TemplateError::Render(format!("undefined value: {}", describe(e)))
        }
        _ => TemplateError::Render(describe(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, Json)]) -> Vars {
        let mut v = Vars::new();
        for (k, j) in pairs {
            v.set(*k, j);
        }
        v
    }

    #[test]
    fn whole_value_keeps_type() {
        let t = Tmpl::compile("{{ n }}", Pos::default()).unwrap();
        assert_eq!(
            t.render_value(&vars(&[("n", Json::from(3))])).unwrap(),
            Json::from(3)
        );
        let t = Tmpl::compile("n={{ n }}", Pos::default()).unwrap();
        assert_eq!(
            t.render_value(&vars(&[("n", Json::from(3))])).unwrap(),
            Json::from("n=3")
        );
    }

    #[test]
    fn undefined_names_the_variable() {
        let t = Tmpl::compile("Bearer {{ Auth_Token }}", Pos::default()).unwrap();
        assert_eq!(t.variables(), ["Auth_Token".to_string()]);
        let e = t.render_string(&Vars::new()).unwrap_err();
        assert!(matches!(e, TemplateError::Undefined { name } if name == "Auth_Token"));
    }

    #[test]
    fn filters_and_functions() {
        let v = vars(&[("s", Json::from("a b"))]);
        let r = |src: &str| {
            Tmpl::compile(src, Pos::default())
                .unwrap()
                .render_string(&v)
                .unwrap()
        };
        assert_eq!(r("{{ s | b64encode }}"), "YSBi");
        assert_eq!(r("{{ 'YSBi' | b64decode }}"), "a b");
        assert_eq!(r("{{ s | urlencode }}"), "a%20b");
        assert_eq!(r("{{ s | tojson }}"), "\"a b\"");
        assert_eq!(
            r("{{ 'abc' | sha256 }}"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(r("{{ uuid() | length }}"), "36");
        let n: i64 = r("{{ random_int(3, 5) }}").parse().unwrap();
        assert!((3..=5).contains(&n));
        assert_eq!(r("{{ now() | format('%Y') }}").len(), 4);
        assert_eq!(r("{{ env('BATON_SURELY_UNSET_X', 'd') }}"), "d");
    }

    #[test]
    fn syntax_errors_are_reported() {
        assert!(matches!(
            Tmpl::compile("{{ a + }}", Pos::default()),
            Err(TemplateError::Syntax(_))
        ));
        assert!(matches!(
            Tmpl::compile("{% if %}", Pos::default()),
            Err(TemplateError::Syntax(_))
        ));
    }

    #[test]
    fn fast_path_renders_like_minijinja() {
        for value in [
            serde_json::json!("text"),
            serde_json::json!(42),
            serde_json::json!(1.5),
            serde_json::json!(true),
            serde_json::json!(null),
            serde_json::json!([1, "a"]),
            serde_json::json!({"k": 1}),
        ] {
            let v = vars(&[("x", value.clone())]);
            let fast = Tmpl::compile("a{{ x }}b", Pos::default()).unwrap();
            assert!(matches!(fast.compiled.kind, Kind::Simple(_)));
            let engine =
                Tmpl::compile("a{{ x }}b{% if false %}{% endif %}", Pos::default()).unwrap();
            assert!(matches!(engine.compiled.kind, Kind::Text(_)));
            assert_eq!(
                fast.render_string(&v).unwrap(),
                engine.render_string(&v).unwrap(),
                "{value}"
            );
            let whole = Tmpl::compile("{{ x }}", Pos::default()).unwrap();
            assert!(matches!(whole.compiled.kind, Kind::Var));
            assert_eq!(whole.render_value(&v).unwrap(), value);
        }
    }

    #[test]
    fn a_missing_attribute_in_a_whole_value_expression_fails() {
        let v = vars(&[("resp", serde_json::json!({"id": 1}))]);
        let t = Tmpl::compile("{{ resp.missing }}", Pos::default()).unwrap();
        let e = t.render_value(&v).unwrap_err().to_string();
        assert!(e.contains("`resp.missing` is undefined"), "{e}");
        assert!(
            Tmpl::compile("x{{ resp.missing }}", Pos::default())
                .unwrap()
                .render_string(&v)
                .is_err()
        );
        assert_eq!(
            Tmpl::compile("{{ resp.id }}", Pos::default())
                .unwrap()
                .render_value(&v)
                .unwrap(),
            serde_json::json!(1)
        );
        // `default` still works for optional values.
        let d = Tmpl::compile("{{ resp.missing | default('x') }}", Pos::default()).unwrap();
        assert_eq!(d.render_value(&v).unwrap(), serde_json::json!("x"));
    }

    #[test]
    fn tags_that_load_templates_are_syntax_errors() {
        for src in [
            "(1{% import 'x' as y is g %})t",
            "{%- import 'x' as 1 -%}",
            "{% from 'x' import y %}",
            "a{% include 'x' %}",
            "{%extends 'x' %}",
        ] {
            let e = Tmpl::compile(src, Pos::default()).unwrap_err().to_string();
            assert!(e.contains("cannot load other templates"), "{src}: {e}");
        }
        assert!(Tmpl::compile("{% for imports in x %}{% endfor %}", Pos::default()).is_ok());
    }

    #[test]
    fn a_function_is_not_printed() {
        let v = vars(&[("n", Json::from(1))]);
        for src in [
            "{{ env }}",
            "x{{ uuid }}{% if n %}{% endif %}",
            "{{ (now) }}",
        ] {
            let t = Tmpl::compile(src, Pos::default()).unwrap();
            let e = t.render_string(&v).unwrap_err().to_string();
            assert!(!e.contains("baton::"), "{src}: {e}");
        }
        let t = Tmpl::compile(
            "{{ uuid() | length }}{% if n %}!{% endif %}",
            Pos::default(),
        )
        .unwrap();
        assert_eq!(t.render_string(&v).unwrap(), "36!");
    }

    #[test]
    fn values_inside_text_render_as_json_scalars() {
        let v = vars(&[
            ("t", Json::from(true)),
            ("n", Json::Null),
            ("f", serde_json::json!(1.0)),
            ("i", Json::from(7)),
            ("l", serde_json::json!([1, "a", null])),
            ("m", serde_json::json!({"k": false})),
        ]);
        let want = "t=true n=null f=1.0 i=7 l=[1,\"a\",null] m={\"k\":false}";
        for src in [
            "t={{ t }} n={{ n }} f={{ f }} i={{ i }} l={{ l }} m={{ m }}",
            "t={{ t }} n={{ n }} f={{ f }} i={{ i }} l={{ l }} m={{ m }}{% if t %}{% endif %}",
            "t={{ t and t }} n={{ n }} f={{ f }} i={{ i }} l={{ l }} m={{ m }}",
        ] {
            let t = Tmpl::compile(src, Pos::default()).unwrap();
            assert_eq!(t.render_string(&v).unwrap(), want, "{src}");
        }
        for (src, text) in [
            ("{{ t }}", "true"),
            ("{{ n }}", "null"),
            ("{{ n or n }}", "null"),
        ] {
            let t = Tmpl::compile(src, Pos::default()).unwrap();
            assert_eq!(t.render_string(&v).unwrap(), text, "{src}");
        }
    }

    #[test]
    fn fake_kinds_are_checked_when_compiled() {
        let e = Tmpl::compile("{{ fake('emial') }}", Pos::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("did you mean `email`?"), "{e}");
        let t = Tmpl::compile(
            "{{ fake('iban') }}-{{ fake(\"FirstName\") }}",
            Pos::default(),
        )
        .unwrap();
        let text = t.render_string(&Vars::new()).unwrap();
        assert!(text.starts_with("DE"), "{text}");
        let t = Tmpl::compile("{{ fake('boolean') }}", Pos::default()).unwrap();
        assert!(t.render_value(&Vars::new()).unwrap().is_boolean());
    }

    #[test]
    fn conditions() {
        let v = vars(&[("a", Json::from(true)), ("n", Json::from(2))]);
        assert!(
            Tmpl::compile_condition("a and n > 1", Pos::default())
                .unwrap()
                .render_bool(&v)
                .unwrap()
        );
        assert!(
            !Tmpl::compile_condition("{{ n > 5 }}", Pos::default())
                .unwrap()
                .render_bool(&v)
                .unwrap()
        );
    }
}
