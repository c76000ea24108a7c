//! Target `template`: `Tmpl::compile` (and `compile_condition`) on fuzzed sources, rendered
//! with `render_string`, `render_value` and `render_bool` in odd scopes (numbers at the edges,
//! deep values, names that shadow functions, the host's env files and secrets).
//!
//! Properties: a template without template syntax renders as itself; the fast path (plain
//! text and `{{ name }}` references) renders exactly what the template engine renders; a
//! whole `{{ name }}` keeps its value and type; a string value renders as the same text.

use std::collections::BTreeMap;

use baton::problem::source::Pos;
use baton::secret::Secrets;
use baton::template::{Host, Tmpl, Vars};
use rand::Rng as _;
use rand::seq::IndexedRandom as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json, json};

use super::engine::{Rng, Target, Worker, sig};
use super::mutate;
use super::seeds::{self, SECRET};

pub struct Template;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Input {
    pub template: String,
    #[serde(default)]
    pub vars: Map<String, Json>,
}

/// A scope with a bit of everything.
pub fn default_vars() -> Map<String, Json> {
    let v = json!({
        "x": 1,
        "n": 3,
        "s": "a b",
        "base_url": "http://127.0.0.1:9",
        "list": [1, "two", null, [3]],
        "obj": {"a": {"b": [1, {"c": "d"}]}, "": "empty key", "k e y": 1},
        "big": 18446744073709551615u64,
        "neg": -9223372036854775808i64,
        "f": 1e308,
        "tiny": 5e-324,
        "nz": -0.0,
        "t": true,
        "nul": null,
        "empty": "",
        "uni": "é😀\u{0}\u{202e}",
        "html": "<b>&amp;</b>",
        "tmpl": "{{ x }}",
        "item": {"id": 7},
        "index": 0,
        "resp": {"id": 1, "items": [{"id": 2}]},
        "range": "shadowed",
        "uuid": "shadowed",
        "secret_var": SECRET,
        "loop": 1,
        "self": 2,
        "none": 3,
        "True": 4,
    });
    match v {
        Json::Object(m) => m,
        _ => unreachable!(),
    }
}

/// What a template may be made of.
const TOKENS: &[&str] = &[
    "{{ ",
    " }}",
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "#}",
    "{{-",
    "-}}",
    "{%-",
    "-%}",
    " x ",
    " n ",
    " s ",
    " list ",
    " obj ",
    " big ",
    " neg ",
    " f ",
    " nul ",
    " uni ",
    " item ",
    " resp ",
    " range ",
    " loop ",
    " self ",
    " none ",
    " missing ",
    " secret_var ",
    ".a",
    ".b",
    "[0]",
    "[-1]",
    "[9223372036854775807]",
    "['a']",
    "[1:]",
    "[::-1]",
    " | ",
    "|int",
    "|float",
    "|string",
    "|length",
    "|list",
    "|upper",
    "|lower",
    "|title",
    "|trim",
    "|join(',')",
    "|default('d')",
    "|replace('a','b')",
    "|tojson",
    "|urlencode",
    "|b64encode",
    "|b64decode",
    "|sha256",
    "|format('%Y')",
    "|format(1, 2)",
    "|items",
    "|dictsort",
    "|reverse",
    "|sort",
    "|unique",
    "|first",
    "|last",
    "|abs",
    "|round",
    "|batch(0)",
    "|slice(0)",
    "|indent(99999)",
    "|center(99999)",
    "|wordcount",
    "|attr('a')",
    "|map(attribute='id')",
    "|select",
    "|selectattr('id')",
    "|sum",
    "|min",
    "|max",
    "|pprint",
    "|escape",
    "|safe",
    "|bool",
    "|split",
    "|lines",
    "|capitalize",
    "|truncate(1)",
    "|filesizeformat",
    "|d",
    "|e",
    " + ",
    " - ",
    " * ",
    " / ",
    " // ",
    " % ",
    " ** ",
    " ~ ",
    " == ",
    " != ",
    " < ",
    " >= ",
    " and ",
    " or ",
    " not ",
    " in ",
    " is ",
    " is defined",
    " is undefined",
    " is number",
    " is string",
    " if x else ",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "'",
    "\"",
    "'a'",
    "\"b\"",
    "''",
    "1",
    "0",
    "-1",
    "1.5",
    "1e308",
    "9223372036854775807",
    "true",
    "false",
    "none",
    "[1, 2]",
    "{'a': 1}",
    "uuid()",
    "now()",
    "random_int(1, 3)",
    "random_int(9223372036854775807, -9223372036854775808)",
    "env('FUZZ_SECRET')",
    "env('NOPE')",
    "env('NOPE', 1)",
    "secret('FUZZ_SECRET')",
    "secret('NOPE')",
    "jwt_hs256({'a': 1}, 'k')",
    "jwt_hs256(1, 2)",
    "range(10)",
    "range(100000)",
    "range(-1)",
    "range(0, 10, 0)",
    "dict(a=1)",
    "namespace()",
    "lipsum()",
    "cycler(1)",
    "joiner()",
    "debug()",
    "{% for i in range(10) %}",
    "{% endfor %}",
    "{% if x %}",
    "{% elif n %}",
    "{% else %}",
    "{% endif %}",
    "{% set y = x %}",
    "{% set z %}",
    "{% endset %}",
    "{% macro m(a) %}",
    "{% endmacro %}",
    "{{ m(1) }}",
    "{% call m(1) %}",
    "{% endcall %}",
    "{% filter upper %}",
    "{% endfilter %}",
    "{% raw %}",
    "{% endraw %}",
    "{% with a = 1 %}",
    "{% endwith %}",
    "{% autoescape true %}",
    "{% endautoescape %}",
    "{% include 'x' %}",
    "{% extends 'x' %}",
    "{% block b %}",
    "{% endblock %}",
    "{% import 'x' as y %}",
    "{% break %}",
    "{% continue %}",
    "{% do x %}",
    "loop.index",
    "loop.cycle(1, 2)",
    "caller()",
    "super()",
    "\n",
    "\t",
    "\\",
    "é",
    "😀",
    "\u{0}",
];

impl Target for Template {
    type Input = Input;
    type Worker = Runner;
    const NAME: &'static str = "template";
    const ITERATIONS: u64 = 20_000;

    fn seeds() -> Vec<Input> {
        let mut out: Vec<Input> = seeds::repository_templates()
            .into_iter()
            .map(|t| Input {
                template: t,
                vars: default_vars(),
            })
            .collect();
        for (p, b) in seeds::corpus(Self::NAME) {
            out.push(Self::decode(&b).unwrap_or_else(|e| panic!("{}: {e}", p.display())));
        }
        out
    }

    fn mutate(rng: &mut Rng, input: &Input, corpus: &[Input]) -> Input {
        let mut out = input.clone();
        if out.vars.is_empty() || rng.random_bool(0.2) {
            out.vars = default_vars();
        }
        if rng.random_bool(0.75) {
            let others: Vec<&str> = (0..3)
                .map(|_| corpus.choose(rng).unwrap().template.as_str())
                .collect();
            out.template = mutate::text(rng, &out.template, &others, TOKENS);
        } else {
            let keys: Vec<String> = out.vars.keys().cloned().collect();
            let name = if rng.random_bool(0.8) {
                keys.choose(rng).cloned().unwrap_or_else(|| "x".into())
            } else {
                ["a", "_", "é", "a.b", "", "for", "if", "secret", "env"]
                    .choose(rng)
                    .unwrap()
                    .to_string()
            };
            if rng.random_bool(0.1) {
                out.vars.remove(&name);
            } else {
                out.vars.insert(name, odd_json(rng, 0));
            }
        }
        out
    }

    fn encode(input: &Input) -> Vec<u8> {
        let mut s = serde_json::to_string_pretty(input).expect("JSON");
        s.push('\n');
        s.into_bytes()
    }

    fn decode(bytes: &[u8]) -> Result<Input, String> {
        super::seeds::decode(bytes)
    }

    fn shrink(input: &Input) -> Vec<Input> {
        let mut out: Vec<Input> = mutate::shrink_text(&input.template)
            .into_iter()
            .map(|t| Input {
                template: t,
                vars: input.vars.clone(),
            })
            .collect();
        for k in input.vars.keys() {
            let mut v = input.vars.clone();
            v.remove(k);
            out.push(Input {
                template: input.template.clone(),
                vars: v,
            });
        }
        out
    }
}

/// A JSON value from the odd end: edge numbers, deep or wide structures, odd strings.
pub fn odd_json(rng: &mut Rng, depth: usize) -> Json {
    match rng.random_range(0..14) {
        0 => Json::Null,
        1 => Json::Bool(rng.random()),
        2 => json!(
            *[0i64, -1, 1, i64::MAX, i64::MIN, 4294967296]
                .choose(rng)
                .unwrap()
        ),
        3 => json!(u64::MAX),
        4 => json!(
            *[0.5f64, -0.0, 1e308, -1e308, 5e-324, 1.0e15]
                .choose(rng)
                .unwrap()
        ),
        5 => Json::String(
            [
                "",
                " ",
                "a",
                "0",
                "1e5",
                "true",
                "none",
                "{{ x }}",
                "{% x %}",
                "é😀",
                "\u{0}",
                "\n",
                "\\",
                "'\"",
                "%s%s",
                "%Y",
                "2024-01-01T00:00:00Z",
                "aGVsbG8=",
                SECRET,
            ]
            .choose(rng)
            .unwrap()
            .to_string(),
        ),
        6 => Json::String("x".repeat(*[100usize, 10_000].choose(rng).unwrap())),
        7 if depth < 150 => {
            // Deep: a chain of lists or maps.
            let d = *[5usize, 60, 120].choose(rng).unwrap();
            let mut v = json!(1);
            for i in 0..d {
                v = if i % 2 == 0 {
                    json!([v])
                } else {
                    json!({"a": v})
                };
            }
            v
        }
        8 if depth < 4 => Json::Array(
            (0..rng.random_range(0..5))
                .map(|_| odd_json(rng, depth + 1))
                .collect(),
        ),
        9 if depth < 4 => {
            let mut m = Map::new();
            for _ in 0..rng.random_range(0..5) {
                let k = ["a", "b", "id", "", "0", "items", "é", "__proto__"]
                    .choose(rng)
                    .unwrap();
                m.insert(k.to_string(), odd_json(rng, depth + 1));
            }
            Json::Object(m)
        }
        10 => json!((0..1000).collect::<Vec<i32>>()),
        _ => json!(rng.random_range(-1000..1000)),
    }
}

pub struct Runner {
    host: Host,
}

impl Worker<Input> for Runner {
    fn new() -> Self {
        let mut env = BTreeMap::new();
        env.insert("FUZZ_SECRET".to_string(), SECRET.to_string());
        Self {
            host: Host::new(env, Secrets::new()),
        }
    }

    fn run(&mut self, input: &Input) -> Result<u64, String> {
        let mut vars = Vars::with_host(self.host.clone());
        for (k, v) in &input.vars {
            vars.set(k.clone(), v);
        }
        let src = &input.template;
        let mut shape: Vec<String> = Vec::new();
        // Functions whose value changes from one call to the next.
        let varies = ["uuid", "now", "random_int", "jwt_hs256", "cycler", "lipsum"]
            .iter()
            .any(|f| src.contains(f));
        match Tmpl::compile(src, Pos::new(1, 1)) {
            Err(e) => shape.push(format!("syntax {}", seeds::shape(&e.to_string()))),
            Ok(t) => {
                let _ = t.variables();
                let s = t.render_string(&vars);
                let v = t.render_value(&vars);
                let b = t.render_bool(&vars);
                shape.push(format!("{} {} {}", outcome(&s), outcome(&v), outcome(&b)));
                if t.is_literal() && s.as_ref().ok() != Some(src) {
                    return Err(format!("a literal renders as something else: {s:?}"));
                }
                if !varies {
                    properties(src, &t, &vars, &s, &v)?;
                }
            }
        }
        match Tmpl::compile_condition(src, Pos::new(1, 1)) {
            Err(e) => shape.push(format!("cond syntax {}", seeds::shape(&e.to_string()))),
            Ok(t) => shape.push(format!("cond {}", outcome(&t.render_bool(&vars)))),
        }
        Ok(sig(&shape))
    }
}

fn outcome<T, E: std::fmt::Display>(r: &Result<T, E>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(e) => seeds::shape(&e.to_string()),
    }
}

fn properties(
    src: &str,
    t: &Tmpl,
    vars: &Vars,
    s: &Result<String, baton::template::TemplateError>,
    v: &Result<Json, baton::template::TemplateError>,
) -> Result<(), String> {
    if let (Ok(s), Ok(Json::String(v))) = (s, v)
        && s != v
    {
        return Err(format!(
            "render_string and render_value disagree: {s:?} vs {v:?}"
        ));
    }
    // Only plain text and `{{ name }}` references have a fast path.
    if t.render_with(&mut |n| n.to_string()).is_some() && !t.is_literal() {
        // The same template through the engine: a tag in front turns the fast path off.
        let slow = Tmpl::compile(
            &format!("{{% if false %}}{{% endif %}}{src}"),
            Pos::new(1, 1),
        )
        .map_err(|e| format!("the fast path took a template the engine rejects: {e}"))?;
        let engine = slow.render_string(vars);
        match (s, &engine) {
            (Ok(a), Ok(b)) if a != b => {
                return Err(format!("the fast path renders {a:?}, the engine {b:?}"));
            }
            (Ok(a), Err(e)) => {
                return Err(format!(
                    "the fast path renders {a:?}, the engine fails: {e}"
                ));
            }
            (Err(e), Ok(b)) => {
                return Err(format!(
                    "the fast path fails ({e}), the engine renders {b:?}"
                ));
            }
            _ => {}
        }
        // `{{ name }}` alone keeps the value, type and all.
        let trimmed = src.trim();
        if let Some(inner) = trimmed
            .strip_prefix("{{")
            .and_then(|r| r.strip_suffix("}}"))
            && src == trimmed
            && let Some(want) = vars.get(inner.trim())
            && !inner.contains("{{")
            && !inner.contains("}}")
        {
            match v {
                Ok(got) if *got != want => {
                    return Err(format!("`{src}` gives {got}, the variable holds {want}"));
                }
                Err(e) => return Err(format!("`{src}` fails ({e}), the variable holds {want}")),
                _ => {}
            }
        }
    }
    Ok(())
}
