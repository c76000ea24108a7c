//! The parts of an OpenAPI document baton uses, as plain types: operations in document
//! order with their parameters, bodies, responses and security, every `$ref` followed.
//! Schemas stay JSON values (with absolute `$ref`s) for `sample` and the validator.

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::OpenApiError;
use super::refs::Docs;

/// HTTP methods an OpenAPI path item may hold, as its keys.
const METHODS: [&str; 9] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace", "query",
];

#[derive(Debug, Clone)]
pub struct Api {
    pub title: String,
    pub servers: Vec<Server>,
    pub operations: Vec<Operation>,
    pub security: Option<Vec<Requirement>>,
    pub schemes: IndexMap<String, SecurityScheme>,
}

#[derive(Debug, Clone)]
pub struct Server {
    /// The URL with its variables replaced by their defaults.
    pub url: String,
}

impl Server {
    /// The path part of the URL, without a trailing slash (`""` for the root).
    pub fn base_path(&self) -> String {
        let path = match url::Url::parse(&self.url) {
            Ok(u) if u.has_host() || u.scheme() == "file" => u.path().to_string(),
            _ => {
                // A relative server URL (`/v3`, `v3`): the path is the URL itself.
                let p = self.url.split(['?', '#']).next().unwrap_or("");
                if p.starts_with('/') {
                    p.to_string()
                } else {
                    format!("/{p}")
                }
            }
        };
        path.trim_end_matches('/').to_string()
    }
}

/// One security requirement: every named scheme must be satisfied, with these scopes.
pub type Requirement = IndexMap<String, Vec<String>>;

#[derive(Debug, Clone)]
pub struct Operation {
    /// Upper case, as sent.
    pub method: String,
    /// The path template as the document writes it (`/pets/{petId}`).
    pub path: String,
    pub operation_id: Option<String>,
    pub summary: Option<String>,
    pub tags: Vec<String>,
    pub deprecated: bool,
    pub parameters: Vec<Parameter>,
    pub body: Option<Body>,
    /// Status keys (`200`, `2XX`, `default`) in document order.
    pub responses: Vec<(String, Response)>,
    /// `None` means the document-wide requirement applies.
    pub security: Option<Vec<Requirement>>,
    /// The operation's own servers, else its path item's, else the document's.
    pub servers: Vec<Server>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum In {
    Path,
    Query,
    Header,
    Cookie,
}

#[derive(Debug, Clone)]
pub struct Parameter {
    pub name: String,
    pub location: In,
    pub required: bool,
    /// The parameter's example, first of its `examples`, or its schema's example/default.
    pub example: Option<Json>,
    /// Whether `example` is the parameter's own (not its schema's): it is then checked
    /// against the schema.
    pub own_example: bool,
    /// The schema (`$ref` followed at the top), from `schema` or the first `content` entry.
    pub schema: Option<Json>,
    /// `style` and `explode` as written (OpenAPI's defaults apply when absent).
    pub style: Option<String>,
    pub explode: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct Body {
    pub content: IndexMap<String, Media>,
}

#[derive(Debug, Clone)]
pub struct Media {
    pub schema: Option<Json>,
    /// The media type's `example`, or the value of the first of its `examples` (request
    /// bodies only).
    pub example: Option<Json>,
}

#[derive(Debug, Clone, Default)]
pub struct Response {
    pub content: IndexMap<String, Media>,
    /// Header name -> required.
    pub headers: Vec<(String, bool)>,
}

#[derive(Debug, Clone)]
pub enum SecurityScheme {
    Basic,
    Bearer,
    /// Another `http` scheme (digest, ...).
    Http(String),
    ApiKey {
        location: String,
        name: String,
    },
    OAuth2 {
        /// The client credentials flow's token URL, if the scheme has that flow.
        token_url: Option<String>,
        /// The flows it has (for messages when there is no client credentials flow).
        flows: Vec<String>,
    },
    OpenIdConnect,
    MutualTls,
    Unknown(String),
}

fn str_of(v: &Json, key: &str) -> Option<String> {
    v.get(key).and_then(Json::as_str).map(str::to_string)
}

impl Api {
    pub fn read(docs: &Docs) -> Result<Api, OpenApiError> {
        let root = docs.root();
        let title = root
            .pointer("/info/title")
            .and_then(Json::as_str)
            .unwrap_or("API")
            .to_string();
        let servers = servers(docs, root.get("servers"))?;
        let security = requirements(root.get("security"));
        let mut schemes = IndexMap::new();
        if let Some(Json::Object(map)) = root.pointer("/components/securitySchemes") {
            for (name, s) in map {
                let s = docs.deref(s)?;
                schemes.insert(name.clone(), scheme(s));
            }
        }
        let mut operations = Vec::new();
        match root.get("paths") {
            Some(Json::Object(paths)) => {
                for (path, item) in paths {
                    let item = docs.deref(item)?;
                    read_path_item(docs, path, item, &servers, &mut operations)?;
                }
            }
            None | Some(Json::Null) => {}
            Some(_) => {
                return Err(OpenApiError::Invalid {
                    at: docs.at("/paths"),
                    message: "`paths` is not a map".into(),
                    help: "help: `paths` maps each path (`/pets/{id}`) to its operations".into(),
                });
            }
        }
        Ok(Api {
            title,
            servers,
            operations,
            security,
            schemes,
        })
    }
}

fn read_path_item(
    docs: &Docs,
    path: &str,
    item: &Json,
    doc_servers: &[Server],
    out: &mut Vec<Operation>,
) -> Result<(), OpenApiError> {
    let Some(map) = item.as_object() else {
        return Ok(());
    };
    let common = parameters(docs, item.get("parameters"))?;
    let item_servers = match item.get("servers") {
        Some(s) => servers(docs, Some(s))?,
        None => doc_servers.to_vec(),
    };
    let mut ops: Vec<(String, &Json)> = map
        .iter()
        .filter(|(k, _)| METHODS.contains(&k.as_str()))
        .map(|(k, v)| (k.to_ascii_uppercase(), v))
        .collect();
    // OpenAPI 3.2: other methods under `additionalOperations`.
    if let Some(Json::Object(more)) = map.get("additionalOperations") {
        ops.extend(more.iter().map(|(k, v)| (k.clone(), v)));
    }
    for (method, op) in ops {
        let op = docs.deref(op)?;
        let mut params = common.clone();
        for p in parameters(docs, op.get("parameters"))? {
            match params
                .iter_mut()
                .find(|q| q.name == p.name && q.location == p.location)
            {
                Some(q) => *q = p,
                None => params.push(p),
            }
        }
        let body = match op.get("requestBody") {
            Some(b) => {
                let b = docs.deref(b)?;
                Some(Body {
                    content: content(docs, b.get("content"), true)?,
                })
            }
            None => None,
        };
        let servers = match op.get("servers") {
            Some(s) => servers(docs, Some(s))?,
            None => item_servers.clone(),
        };
        out.push(Operation {
            method,
            path: path.to_string(),
            operation_id: str_of(op, "operationId").filter(|s| !s.trim().is_empty()),
            summary: str_of(op, "summary").filter(|s| !s.trim().is_empty()),
            tags: strings(op.get("tags")),
            deprecated: op
                .get("deprecated")
                .and_then(Json::as_bool)
                .unwrap_or(false),
            parameters: params,
            body,
            responses: responses(docs, op)?,
            security: requirements(op.get("security")),
            servers,
        });
    }
    Ok(())
}

fn strings(v: Option<&Json>) -> Vec<String> {
    v.and_then(Json::as_array)
        .map(|t| {
            t.iter()
                .filter_map(Json::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// An operation's responses in document order, with their content and headers.
fn responses(docs: &Docs, op: &Json) -> Result<Vec<(String, Response)>, OpenApiError> {
    let mut out = Vec::new();
    let Some(Json::Object(map)) = op.get("responses") else {
        return Ok(out);
    };
    for (status, r) in map {
        if status.starts_with("x-") {
            continue;
        }
        let r = docs.deref(r)?;
        let mut headers = Vec::new();
        if let Some(Json::Object(hs)) = r.get("headers") {
            for (name, h) in hs {
                let h = docs.deref(h)?;
                let required = h.get("required").and_then(Json::as_bool).unwrap_or(false);
                headers.push((name.clone(), required));
            }
        }
        out.push((
            status.clone(),
            Response {
                content: content(docs, r.get("content"), false)?,
                headers,
            },
        ));
    }
    Ok(out)
}

fn servers(docs: &Docs, v: Option<&Json>) -> Result<Vec<Server>, OpenApiError> {
    let mut out = Vec::new();
    for s in v.and_then(Json::as_array).into_iter().flatten() {
        let s = docs.deref(s)?;
        let Some(mut url) = str_of(s, "url") else {
            continue;
        };
        if let Some(Json::Object(vars)) = s.get("variables") {
            for (name, var) in vars {
                let default = match var.get("default") {
                    Some(Json::String(d)) => d.clone(),
                    Some(Json::Null) | None => String::new(),
                    Some(other) => other.to_string(),
                };
                url = url.replace(&format!("{{{name}}}"), &default);
            }
        }
        out.push(Server { url });
    }
    Ok(out)
}

fn requirements(v: Option<&Json>) -> Option<Vec<Requirement>> {
    let list = v?.as_array()?;
    Some(
        list.iter()
            .map(|r| {
                r.as_object()
                    .map(|m| {
                        m.iter()
                            .map(|(k, scopes)| {
                                let scopes = scopes
                                    .as_array()
                                    .map(|s| {
                                        s.iter()
                                            .filter_map(Json::as_str)
                                            .map(str::to_string)
                                            .collect()
                                    })
                                    .unwrap_or_default();
                                (k.clone(), scopes)
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .collect(),
    )
}

fn scheme(s: &Json) -> SecurityScheme {
    let kind = str_of(s, "type").unwrap_or_default();
    match kind.as_str() {
        "http" => {
            let scheme = str_of(s, "scheme").unwrap_or_default().to_ascii_lowercase();
            match scheme.as_str() {
                "basic" => SecurityScheme::Basic,
                "bearer" => SecurityScheme::Bearer,
                _ => SecurityScheme::Http(scheme),
            }
        }
        "apiKey" => SecurityScheme::ApiKey {
            location: str_of(s, "in").unwrap_or_else(|| "header".into()),
            name: str_of(s, "name").unwrap_or_default(),
        },
        "oauth2" => {
            let flows = s.get("flows").and_then(Json::as_object);
            SecurityScheme::OAuth2 {
                token_url: flows
                    .and_then(|f| f.get("clientCredentials"))
                    .and_then(|c| str_of(c, "tokenUrl")),
                flows: flows
                    .map(|f| f.keys().filter(|k| !k.starts_with("x-")).cloned().collect())
                    .unwrap_or_default(),
            }
        }
        "openIdConnect" => SecurityScheme::OpenIdConnect,
        "mutualTLS" => SecurityScheme::MutualTls,
        other => SecurityScheme::Unknown(other.to_string()),
    }
}

fn parameters(docs: &Docs, v: Option<&Json>) -> Result<Vec<Parameter>, OpenApiError> {
    let mut out = Vec::new();
    for p in v.and_then(Json::as_array).into_iter().flatten() {
        let p = docs.deref(p)?;
        let Some(name) = str_of(p, "name") else {
            continue;
        };
        let location = match str_of(p, "in").as_deref() {
            Some("path") => In::Path,
            Some("query") | Some("querystring") => In::Query,
            Some("header") => In::Header,
            Some("cookie") => In::Cookie,
            _ => continue,
        };
        let mut schema = p.get("schema").cloned();
        // A parameter may describe its value by `content` (one media type) instead.
        if schema.is_none()
            && let Some(Json::Object(c)) = p.get("content")
            && let Some((_, media)) = c.iter().next()
        {
            schema = media.get("schema").cloned();
        }
        let schema = match schema {
            Some(s) => Some(docs.deref(&s)?.clone()),
            None => None,
        };
        let own = match p.get("example") {
            Some(e) => Some(e.clone()),
            None => first_example(docs, p.get("examples"))?,
        };
        let own_example = own.is_some();
        let example = own.or_else(|| {
            let s = schema.as_ref()?;
            s.get("example")
                .or_else(|| s.get("examples").and_then(|e| e.get(0)))
                .or_else(|| s.get("default"))
                .or_else(|| s.get("enum").and_then(|e| e.get(0)))
                .cloned()
        });
        out.push(Parameter {
            name,
            location,
            required: location == In::Path
                || p.get("required").and_then(Json::as_bool).unwrap_or(false),
            example,
            own_example,
            schema,
            style: str_of(p, "style"),
            explode: p.get("explode").and_then(Json::as_bool),
        });
    }
    Ok(out)
}

/// The value of the first Example object of an `examples` map.
fn first_example(docs: &Docs, v: Option<&Json>) -> Result<Option<Json>, OpenApiError> {
    let Some(Json::Object(map)) = v else {
        return Ok(None);
    };
    for e in map.values() {
        let e = docs.deref(e)?;
        if let Some(v) = e.get("value") {
            return Ok(Some(v.clone()));
        }
    }
    Ok(None)
}

/// Media types by name; `examples` are only read for request bodies (responses' examples
/// can be large and nothing uses them).
fn content(
    docs: &Docs,
    v: Option<&Json>,
    examples: bool,
) -> Result<IndexMap<String, Media>, OpenApiError> {
    let mut out = IndexMap::new();
    if let Some(Json::Object(map)) = v {
        for (media, m) in map {
            let example = match (examples, m.get("example")) {
                (false, _) => None,
                (true, Some(e)) => Some(e.clone()),
                (true, None) => first_example(docs, m.get("examples"))?,
            };
            out.insert(
                media.clone(),
                Media {
                    schema: m.get("schema").cloned(),
                    example,
                },
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn api(text: &str) -> Api {
        let docs = Docs::from_text(text, Path::new("/tmp/api.yaml")).unwrap();
        Api::read(&docs).unwrap()
    }

    #[test]
    fn operations_in_document_order_with_merged_parameters() {
        let a = api(r##"
openapi: 3.0.3
servers:
  - url: "https://{region}.example.com/v{version}"
    variables: { region: { default: eu }, version: { default: "2" } }
paths:
  /pets/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
      - { name: trace, in: header, schema: { type: string } }
    post:
      operationId: updatePet
      parameters:
        - { name: trace, in: header, required: true, example: abc }
      responses: { "200": { description: ok } }
    get:
      responses:
        "200":
          description: ok
          headers: { X-Rate: { $ref: "#/components/headers/Rate" } }
components:
  headers:
    Rate: { required: true, schema: { type: integer } }
"##);
        assert_eq!(a.servers[0].url, "https://eu.example.com/v2");
        assert_eq!(a.servers[0].base_path(), "/v2");
        let ops: Vec<String> = a
            .operations
            .iter()
            .map(|o| format!("{} {}", o.method, o.path))
            .collect();
        assert_eq!(ops, ["POST /pets/{id}", "GET /pets/{id}"]);
        let post = &a.operations[0];
        assert_eq!(post.parameters.len(), 2);
        assert!(post.parameters[1].required);
        assert_eq!(post.parameters[1].example, Some(Json::from("abc")));
        assert_eq!(
            a.operations[1].responses[0].1.headers,
            [("X-Rate".to_string(), true)]
        );
    }

    #[test]
    fn relative_servers_have_their_path_as_base() {
        assert_eq!(Server { url: "/v3/".into() }.base_path(), "/v3");
        assert_eq!(Server { url: "v3".into() }.base_path(), "/v3");
        assert_eq!(
            Server {
                url: "https://x.test".into()
            }
            .base_path(),
            ""
        );
    }
}
