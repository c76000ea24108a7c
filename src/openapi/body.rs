//! A request body from the operation's media types: JSON, form-urlencoded, multipart or
//! text, its value the document's example when that matches the schema (else a warning and
//! the smallest value the schema allows).

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::doc::{Media, Operation};
use super::import::{Gen, json_y, op_label};
use super::sample::{sample, sample_without_examples};
use crate::convert::escape_jinja;
use crate::convert::writer::Y;

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

    /// The media type's example when it matches the schema, else the schema's smallest value
    /// (without the schema's own examples when those do not match it either).
    fn value(&mut self, op: &Operation, media_type: &str, media: &Media) -> Json {
        let Some(schema) = &media.schema else {
            return media
                .example
                .clone()
                .unwrap_or(Json::Object(Default::default()));
        };
        if let Some(example) = &media.example {
            match self.examples.problem(schema, example) {
                None => return example.clone(),
                Some(why) => self.warnings.push(format!(
                    "the {media_type} example of the request body of {} does not match its schema ({why}); a value from the schema is sent instead",
                    op_label(op)
                )),
            }
        }
        let v = sample(self.docs, schema);
        match self.examples.problem(schema, &v) {
            None => v,
            Some(why) => {
                self.warnings.push(format!(
                    "the examples in the schema of the request body of {} do not match it ({why}); they are left out",
                    op_label(op)
                ));
                sample_without_examples(self.docs, schema)
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
