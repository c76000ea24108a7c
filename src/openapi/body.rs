//! A request body from the operation's media types: JSON, form-urlencoded, multipart or
//! text, its value the document's example when that matches the schema (else a warning and
//! the smallest value the schema allows).

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::doc::{Media, Operation};
use super::import::{Gen, json_y, op_label};
use super::sample::sample;
use crate::import::emit::Y;
use crate::import::escape_jinja;

/// The body key (`json`, `form`, `multipart`, `body`, or none with a comment), its value,
/// and a `Content-Type` header when the key does not imply the media type.
pub(super) type Generated = (Option<&'static str>, Y, Option<String>);

fn essence(k: &str) -> String {
    k.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn is_json(k: &str) -> bool {
    let e = essence(k);
    e == "application/json" || e.ends_with("+json") || e == "*/*"
}

/// The media type to send: JSON, else form, else multipart, else text, else the first.
fn pick(content: &IndexMap<String, Media>) -> Option<(&String, &Media)> {
    let find = |f: &dyn Fn(&str) -> bool| content.iter().find(|(k, _)| f(&essence(k)));
    content
        .iter()
        .find(|(k, _)| is_json(k))
        .or_else(|| find(&|e| e == "application/x-www-form-urlencoded"))
        .or_else(|| find(&|e| e == "multipart/form-data"))
        .or_else(|| find(&|e| e.starts_with("text/")))
        .or_else(|| content.iter().next())
}

impl Gen<'_> {
    pub(super) fn body(&mut self, op: &Operation, content: &IndexMap<String, Media>) -> Generated {
        let Some((media_type, media)) = pick(content) else {
            return (None, Y::Comment(Vec::new()), None);
        };
        let e = essence(media_type);
        if is_json(media_type) {
            let ct = (e != "application/json" && e != "*/*").then(|| media_type.clone());
            return (Some("json"), json_y(&self.value(op, media_type, media)), ct);
        }
        match e.as_str() {
            "application/x-www-form-urlencoded" => {
                let v = self.value(op, media_type, media);
                (Some("form"), fields(&v, true), None)
            }
            "multipart/form-data" => {
                let v = self.value(op, media_type, media);
                (Some("multipart"), fields(&v, false), None)
            }
            _ if e.starts_with("text/") || e == "application/xml" => {
                let text = match &media.example {
                    Some(Json::String(s)) => s.clone(),
                    _ => String::new(),
                };
                (
                    Some("body"),
                    Y::Str(escape_jinja(&text)),
                    Some(media_type.clone()),
                )
            }
            _ => self.not_generated(op, media_type),
        }
    }

    /// The media type's example when it matches the schema, else the schema's smallest value.
    fn value(&mut self, op: &Operation, media_type: &str, media: &Media) -> Json {
        let from_schema = |g: &Gen| match &media.schema {
            Some(s) => sample(g.docs, s),
            None => Json::Object(Default::default()),
        };
        let Some(example) = &media.example else {
            return from_schema(self);
        };
        let problem = media
            .schema
            .as_ref()
            .and_then(|s| self.examples.problem(s, example));
        match problem {
            None => example.clone(),
            Some(why) => {
                self.warnings.push(format!(
                    "the {media_type} example of the request body of {} does not match its schema ({why}); the smallest value the schema allows is sent instead",
                    op_label(op)
                ));
                from_schema(self)
            }
        }
    }

    fn not_generated(&mut self, op: &Operation, media_type: &str) -> Generated {
        self.warnings.once(
            &format!("body {media_type}"),
            format!(
                "request bodies of type {media_type} are not generated ({}); add them by hand (see the comments)",
                op_label(op)
            ),
        );
        (
            None,
            Y::Comment(vec![format!(
                "request body {media_type}: add it by hand, e.g. `body: {{ file: PATH }}`"
            )]),
            None,
        )
    }
}

/// An object's properties as form or multipart fields: text as it is, a list repeated (form
/// only), anything else as JSON text.
fn fields(v: &Json, lists: bool) -> Y {
    let mut out = Y::map();
    if let Json::Object(map) = v {
        for (k, v) in map {
            let text = match v {
                Json::String(s) => Y::Str(escape_jinja(s)),
                Json::Array(_) if lists => json_y(v),
                Json::Object(_) | Json::Array(_) => Y::Str(escape_jinja(&v.to_string())),
                other => json_y(other),
            };
            out.put(k.clone(), text);
        }
    }
    out
}
