//! Checking a document's own examples against their schemas before an import copies them:
//! an example that a validating server would refuse is reported, and a value from the
//! schema is sent instead.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use jsonschema::{Draft, Registry, Validator};
use serde_json::Value as Json;

use super::refs::Docs;

/// The most compiled validators kept at once.
const MAX_COMPILED: usize = 64;

/// Validates values against schemas of one document (`$ref`s resolve into its files).
pub(super) struct Examples {
    registry: Option<Registry<'static>>,
    /// Validators by their schema's text: an import checks many values against the same
    /// few schemas, and compiling one follows every `$ref` it reaches.
    compiled: RefCell<HashMap<String, Option<Rc<Validator>>>>,
}

impl Examples {
    pub fn new(docs: &Docs) -> Examples {
        let resources: Vec<(String, jsonschema::Resource)> = docs
            .files
            .iter()
            .map(|(uri, l)| {
                (
                    uri.clone(),
                    Draft::Draft202012.create_resource(l.value.clone()),
                )
            })
            .collect();
        let registry = Registry::new()
            .draft(Draft::Draft202012)
            .extend(resources)
            .and_then(|b| b.prepare())
            .ok();
        Examples {
            registry,
            compiled: RefCell::new(HashMap::new()),
        }
    }

    /// Why `value` does not match `schema` (the first error, at its JSONPath), or `None`
    /// when it does or the schema cannot be compiled (then nothing is known).
    pub fn problem(&self, schema: &Json, value: &Json) -> Option<String> {
        let validator = self.validator(schema)?;
        let e = validator.iter_errors(value).next()?;
        let at = super::contract::json_path(e.instance_path().as_str(), value);
        Some(format!("{at}: {}", super::prepare::shorten(&e.to_string())))
    }

    fn validator(&self, schema: &Json) -> Option<Rc<Validator>> {
        let registry = self.registry.as_ref()?;
        let key = schema.to_string();
        let mut compiled = self.compiled.borrow_mut();
        if compiled.len() >= MAX_COMPILED && !compiled.contains_key(&key) {
            // A validator holds every schema its `$ref`s reach: keep memory bounded.
            compiled.clear();
        }
        compiled
            .entry(key)
            .or_insert_with(|| {
                jsonschema::options()
                    .with_draft(Draft::Draft202012)
                    .should_validate_formats(true)
                    .with_registry(registry)
                    .build(schema)
                    .ok()
                    .map(Rc::new)
            })
            .clone()
    }

    pub fn valid(&self, schema: &Json, value: &Json) -> bool {
        self.problem(schema, value).is_none()
    }
}
