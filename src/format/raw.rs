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

/// A request, a `receive` step, or `include: path` to run another file's requests inline.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawItem {
    Include(RawInclude),
    Receive(Box<RawReceiveStep>),
    Request(Box<RawRequest>),
}

/// A step that sends nothing: it waits for an inbound request on baton's listener.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawReceiveStep {
    /// Unique within the file.
    pub name: String,
    /// Free text for people.
    pub description: Option<String>,
    pub receive: RawReceive,
    /// Run once per item of this list (or of the list a template gives).
    pub for_each: Option<Json>,
    /// Checks on the inbound request: headers, query, json, body, schema, snapshot.
    pub expect: Option<RawExpect>,
    #[schemars(extend("propertyNames" = { "pattern": "^[A-Za-z_][A-Za-z0-9_]*$" }))]
    pub capture: Option<BTreeMap<String, RawCapture>>,
    pub when: Option<Scalar>,
    pub delay: Option<DurationText>,
    pub tags: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawReceive {
    /// `/mo-sms`; `{param}` segments allowed.
    pub path: String,
    /// Default POST.
    pub method: Option<String>,
    /// Default 30s.
    pub timeout: Option<DurationText>,
    /// The answer (default 200, empty body).
    pub respond: Option<RawRespond>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRespond {
    #[schemars(range(min = 100, max = 599))]
    pub status: Option<u16>,
    pub headers: Option<BTreeMap<String, Scalar>>,
    pub json: Option<Json>,
    pub body: Option<String>,
}

/// A GraphQL request body, POSTed as JSON.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGraphql {
    pub query: String,
    pub variables: Option<Json>,
    pub operation_name: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawInclude {
    /// Path relative to this file.
    pub include: String,
}

/// A request to send. At most one body: json, form, multipart, body or graphql.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("not" = { "anyOf": [{ "required": ["json", "form"] }, { "required": ["json", "multipart"] }, { "required": ["json", "body"] }, { "required": ["json", "graphql"] }, { "required": ["form", "multipart"] }, { "required": ["form", "body"] }, { "required": ["form", "graphql"] }, { "required": ["multipart", "body"] }, { "required": ["multipart", "graphql"] }, { "required": ["body", "graphql"] }] }))]
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
    /// A GraphQL query (default method POST).
    pub graphql: Option<RawGraphql>,
    /// Run once per item of this list (or of the list a template gives), with `item` and `index`.
    pub for_each: Option<Json>,
    pub auth: Option<RawAuth>,
    pub expect: Option<RawExpect>,
    /// `VAR: $.jsonpath` or `VAR: { json|header|cookie|status|body|duration: ..., regex, default, secret }`.
    #[schemars(extend("propertyNames" = { "pattern": "^[A-Za-z_][A-Za-z0-9_]*$" }))]
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
    Digest {
        digest: RawDigest,
    },
    AwsSigV4 {
        aws_sigv4: RawAwsSigV4,
    },
}

/// HTTP Digest (RFC 7616: MD5, SHA-256 and their `-sess` forms, `qop=auth`), answered when
/// the server challenges; the credentials are secret.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDigest {
    pub username: String,
    pub password: String,
}

/// AWS Signature Version 4: every request signed; the keys are secret.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAwsSigV4 {
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Temporary credentials' token (sent as `X-Amz-Security-Token`).
    pub session_token: Option<String>,
    /// `us-east-1`
    pub region: String,
    /// `execute-api`, `s3`, ...
    pub service: String,
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
    pub status: Option<RawCheck>,
    /// Header name -> plain value (eq) or predicates.
    pub headers: Option<BTreeMap<String, RawCheck>>,
    /// JSONPath -> plain value (eq) or predicates.
    pub json: Option<BTreeMap<String, RawCheck>>,
    pub body: Option<RawCheck>,
    /// Predicates on the time taken (`{ lt: 500ms }`).
    pub duration: Option<RawPredicates>,
    /// A JSON Schema file (relative to this file) or an inline schema.
    pub schema: Option<Json>,
    /// `false`: do not check this response against the collection's `openapi` document.
    pub openapi: Option<bool>,
    /// Query parameter -> plain value (eq) or predicates (receive steps).
    pub query: Option<BTreeMap<String, RawCheck>>,
    /// `true`, or `{ ignore: [JSONPATH, ...] }`: compare the body with a file kept in git.
    pub snapshot: Option<RawSnapshot>,
    /// Variable name -> plain value (eq) or predicates, on its value as the response is
    /// checked (`exists: false` for unset).
    pub vars: Option<BTreeMap<String, RawCheck>>,
    /// Cookie name -> plain value (eq) or predicates, on its value in the collection's
    /// cookie jar for this request's URL once the response is in (`exists: false` for none).
    pub cookies: Option<BTreeMap<String, RawCheck>>,
}

/// A plain value (meaning `eq`) or a map of predicates.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawCheck {
    Predicates(Box<RawPredicates>),
    Plain(Plain),
}

/// Any value but a map (a map holds predicates; compare with a map through `eq`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Plain {
    Null(()),
    Bool(bool),
    Number(f64),
    Text(String),
    List(Vec<Json>),
}

/// Predicates; all must hold. Operands may be templates.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPredicates {
    pub eq: Option<Json>,
    pub ne: Option<Json>,
    pub gt: Option<Json>,
    pub ge: Option<Json>,
    pub lt: Option<Json>,
    pub le: Option<Json>,
    pub contains: Option<Json>,
    /// A regular expression.
    pub matches: Option<String>,
    pub exists: Option<bool>,
    /// null, boolean, number, integer, string, array or object; xml: text that is a
    /// well-formed XML document.
    #[serde(rename = "type")]
    pub type_: Option<Option<TypeName>>,
    /// A number, or predicates on the length.
    pub length: Option<RawLength>,
    pub one_of: Option<Vec<Json>>,
    pub jwt: Option<RawJwt>,
    /// The SHA-256 of the value's bytes (a body's as received), in hex.
    #[schemars(regex(pattern = r"^([0-9a-fA-F]{64}|.*\{\{.*)$"))]
    pub sha256: Option<String>,
    /// Predicates that must not hold.
    pub not: Option<Box<RawPredicates>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TypeName {
    Null,
    Boolean,
    Number,
    Integer,
    String,
    Array,
    Object,
    /// Text that is a well-formed XML document.
    Xml,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawLength {
    Count(u64),
    Template(String),
    Predicates(Box<RawPredicates>),
}

/// A JSON Web Token that verifies with `key`, unexpired, whose `claims` hold.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawJwt {
    /// The shared secret (HS*) or a PEM public key (RS256, ES256); a secret.
    pub key: String,
    pub alg: Option<JwtAlg>,
    /// Claim name -> plain value (eq) or predicates.
    pub claims: Option<BTreeMap<String, RawCheck>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub enum JwtAlg {
    HS256,
    HS384,
    HS512,
    RS256,
    ES256,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawSnapshot {
    On(bool),
    Ignoring(RawSnapshotIgnore),
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSnapshotIgnore {
    /// JSONPaths replaced by "[ignored]" before comparing.
    pub ignore: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawCapture {
    /// A JSONPath (starts with `$`).
    Path(String),
    Full(RawCaptureFull),
}

/// Exactly one source, and optionally regex, default, secret.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [
    { "required": ["json"] }, { "required": ["header"] }, { "required": ["cookie"] },
    { "required": ["status"] }, { "required": ["body"] }, { "required": ["duration"] }
]))]
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
