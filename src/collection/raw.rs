//! The collection format exactly as the YAML says it, as serde types: the source of
//! `baton schema` (the JSON Schema editors use) and a second reading of every collection
//! in the tests, so the schema and the loader cannot drift apart.
//!
//! The loader itself reads the spanned YAML tree (`yaml::Node`) so that it can report every
//! problem with its position; these types describe the same format for tools.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value as Json;

/// A baton collection: requests sent in order, sharing one variable scope.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "baton collection")]
pub struct RawCollection {
    /// Format version; only 1 exists.
    #[schemars(range(min = 1, max = 1))]
    pub version: Option<u32>,
    /// Defaults to the file stem.
    pub name: Option<String>,
    /// An OpenAPI document (relative to this file): every response is checked against it.
    pub openapi: Option<String>,
    /// Collection variables (lowest precedence). String values are MiniJinja templates.
    pub vars: Option<BTreeMap<String, Json>>,
    /// One cookie jar per collection (default true).
    pub cookies: Option<bool>,
    pub defaults: Option<RawDefaults>,
    pub requests: Vec<RawItem>,
}

/// Merged into every request of this file (the request wins).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDefaults {
    pub headers: Option<BTreeMap<String, Option<Scalar>>>,
    pub query: Option<BTreeMap<String, Json>>,
    pub timeout: Option<DurationText>,
    pub auth: Option<RawAuth>,
    pub follow_redirects: Option<bool>,
}

/// A request, or `include: path` to run another file's requests inline.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawItem {
    Include(RawInclude),
    Request(Box<RawRequest>),
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawInclude {
    /// Path relative to this file.
    pub include: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRequest {
    /// Unique within the file.
    pub name: String,
    /// Default GET; any HTTP method token.
    pub method: Option<String>,
    pub url: String,
    pub query: Option<BTreeMap<String, Json>>,
    /// A header set to null removes a default header.
    pub headers: Option<BTreeMap<String, Option<Scalar>>>,
    /// Body sent as JSON (any value).
    pub json: Option<Json>,
    /// Body sent URL-encoded.
    pub form: Option<BTreeMap<String, Json>>,
    pub multipart: Option<BTreeMap<String, RawPart>>,
    /// Raw body text, or `{ file: PATH }`.
    pub body: Option<RawBody>,
    pub auth: Option<RawAuth>,
    pub expect: Option<RawExpect>,
    /// `VAR: $.jsonpath` or `VAR: { json|header|cookie|status|body|duration: ..., regex, default, secret }`.
    pub capture: Option<BTreeMap<String, RawCapture>>,
    pub timeout: Option<DurationText>,
    pub follow_redirects: Option<bool>,
    pub retry: Option<RawRetry>,
    /// A MiniJinja expression; the request is skipped when false.
    pub when: Option<Scalar>,
    pub delay: Option<DurationText>,
    pub tags: Option<Vec<String>>,
    /// Free text for people.
    pub description: Option<String>,
}

/// A plain value: string, number or boolean.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Scalar {
    Text(String),
    Number(f64),
    Bool(bool),
}

/// A duration with a unit: `250ms`, `10s`, `1m`, `1m30s`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct DurationText(#[schemars(regex(pattern = r"^\s*\d+(\.\d+)?\s*[a-zA-Z]+"))] pub String);

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawPart {
    File(RawFilePart),
    Value(Json),
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFilePart {
    pub file: String,
    pub content_type: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawBody {
    File(RawBodyFile),
    Text(String),
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBodyFile {
    pub file: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawAuth {
    /// `none`
    None(AuthNone),
    Basic {
        basic: RawBasic,
    },
    Bearer {
        bearer: String,
    },
    ApiKey {
        api_key: RawApiKey,
    },
    OAuth2 {
        oauth2: RawOAuth2,
    },
}

#[derive(Debug, Deserialize, JsonSchema)]
pub enum AuthNone {
    #[serde(rename = "none")]
    None,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBasic {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawApiKey {
    /// Send as this header (or give `query`).
    pub header: Option<String>,
    /// Send as this query parameter (or give `header`).
    pub query: Option<String>,
    pub value: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOAuth2 {
    pub token_url: String,
    pub client_id: Scalar,
    pub client_secret: Scalar,
    pub scope: Option<String>,
    pub client_auth: Option<ClientAuthText>,
    /// Extra form fields of the token request (`audience`, `resource`); not `grant_type`,
    /// `client_id`, `client_secret` or `scope`, which have their own keys.
    #[schemars(extend("propertyNames" = { "not": { "enum": ["grant_type", "client_id", "client_secret", "scope"] } }))]
    pub params: Option<BTreeMap<String, Scalar>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ClientAuthText {
    Basic,
    Body,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRetry {
    /// Sends in all.
    #[schemars(range(min = 1, max = 1000))]
    pub attempts: u32,
    pub interval: Option<DurationText>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawExpect {
    /// A code, a list of codes, or predicates.
    pub status: Option<Json>,
    /// Header name -> plain value (eq) or predicates.
    pub headers: Option<BTreeMap<String, Json>>,
    /// JSONPath -> plain value (eq) or predicates.
    pub json: Option<BTreeMap<String, Json>>,
    pub body: Option<Json>,
    pub duration: Option<Json>,
    /// A JSON Schema file (relative to this file) or an inline schema.
    pub schema: Option<Json>,
    /// `false`: do not check this response against the collection's `openapi` document.
    pub openapi: Option<bool>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawCapture {
    /// A JSONPath (starts with `$`).
    Path(String),
    Full(RawCaptureFull),
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCaptureFull {
    pub json: Option<String>,
    pub header: Option<String>,
    pub cookie: Option<String>,
    pub status: Option<bool>,
    pub body: Option<bool>,
    pub duration: Option<bool>,
    /// Applied to the captured text; the first group if any.
    pub regex: Option<String>,
    /// Used when nothing matches.
    pub default: Option<Json>,
    pub secret: Option<bool>,
}

/// The JSON Schema of the collection format (draft-07, the one editors support best).
pub fn schema() -> Json {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<RawCollection>();
    serde_json::to_value(schema).unwrap_or(Json::Null)
}

/// The schema as committed in `schema/baton.schema.json`.
pub fn schema_text() -> String {
    let mut s = serde_json::to_string_pretty(&schema()).unwrap_or_default();
    s.push('\n');
    s
}
