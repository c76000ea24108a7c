//! Reading a request body: `json`, `form`, `multipart`, `body` or `graphql`.

use std::path::Path;

use super::keys;
use super::model::{Body, Part};
use crate::format::reader;
use crate::format::yaml::{Kind, Node};
use crate::problem::Diags;

pub fn body(key: &str, node: &Node, base: &Path, d: &mut Diags) -> Option<Body> {
    match key {
        "json" => Some(Body::Json(reader::tvalue(node, d))),
        "form" => Some(Body::Form(reader::tvalue_map(node, "form", d))),
        "multipart" => multipart(node, base, d),
        "graphql" => graphql(node, d),
        _ => match &node.kind {
            Kind::Map(m) => {
                reader::check_keys(m, keys::BODY_FILE, "body", d);
                let file = node.get("file")?;
                let p = reader::string(file, "file", d)?;
                reader::existing_file(&p, file.pos, base, d).map(Body::File)
            }
            _ => reader::template(node, "body", d).map(Body::Raw),
        },
    }
}

fn multipart(node: &Node, base: &Path, d: &mut Diags) -> Option<Body> {
    let map = reader::map(node, "multipart", d)?;
    let mut parts = Vec::new();
    for (k, v) in map {
        if let Some(file) = v.get("file") {
            if let Some(m) = v.as_map() {
                reader::check_keys(m, keys::MULTIPART_FILE, "multipart file part", d);
            }
            let path = reader::string(file, "file", d)
                .and_then(|p| reader::existing_file(&p, file.pos, base, d));
            let content_type = v
                .get("content_type")
                .and_then(|c| reader::string(c, "content_type", d));
            if let Some(path) = path {
                parts.push((k.name.clone(), Part::File { path, content_type }));
            }
        } else {
            parts.push((k.name.clone(), Part::Text(reader::tvalue(v, d))));
        }
    }
    Some(Body::Multipart(parts))
}

fn graphql(node: &Node, d: &mut Diags) -> Option<Body> {
    let map = reader::map(node, "graphql", d)?;
    reader::check_keys(map, keys::GRAPHQL, "graphql body", d);
    let query = match node.get("query") {
        Some(q) => reader::template(q, "query", d),
        None => {
            d.error(node.pos, "`graphql` needs a `query`")
                .help("e.g. `graphql: { query: \"query { viewer { login } }\" }`");
            None
        }
    };
    let variables = node.get("variables").and_then(|v| match &v.kind {
        Kind::Map(_) | Kind::Str(_) => Some(reader::tvalue(v, d)),
        _ => {
            d.error(v.pos, "`variables` is a map of names to values");
            None
        }
    });
    let operation_name = node
        .get("operation_name")
        .and_then(|n| reader::template(n, "operation_name", d));
    Some(Body::GraphQl {
        query: query?,
        variables,
        operation_name,
    })
}
