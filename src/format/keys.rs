//! The collection format's keys, in one place and in canonical order. The loader accepts
//! exactly these, `baton fmt` and the importers write them in this order, and a test holds
//! the JSON Schema (`raw.rs`) to the same lists, so none of them can drift.

/// Top-level keys.
pub const TOP: &[&str] = &[
    "version", "name", "openapi", "vars", "cookies", "defaults", "requests",
];

/// `defaults:`, merged into each request of the file.
pub const DEFAULTS: &[&str] = &["headers", "query", "timeout", "auth", "follow_redirects"];

/// A request (and `include`, which stands alone in its list item).
pub const REQUEST: &[&str] = &[
    "include",
    "name",
    "description",
    "method",
    "url",
    "receive",
    "for_each",
    "query",
    "headers",
    "auth",
    "json",
    "form",
    "multipart",
    "body",
    "graphql",
    "expect",
    "capture",
    "timeout",
    "follow_redirects",
    "retry",
    "when",
    "delay",
    "tags",
];

/// The request keys that give a body; at most one per request.
pub const BODIES: &[&str] = &["json", "form", "multipart", "body", "graphql"];

/// The request keys a `receive` step cannot have: it sends nothing.
pub const NOT_IN_RECEIVE: &[&str] = &[
    "url",
    "method",
    "query",
    "headers",
    "auth",
    "json",
    "form",
    "multipart",
    "body",
    "graphql",
    "timeout",
    "follow_redirects",
    "retry",
];

/// `auth:` kinds (besides the string `none`) and the keys of each.
pub const AUTH_KINDS: &[&str] = &[
    "basic",
    "bearer",
    "api_key",
    "oauth2",
    "digest",
    "aws_sigv4",
];
pub const BASIC: &[&str] = &["username", "password"];
pub const DIGEST: &[&str] = &["username", "password"];
pub const AWS_SIGV4: &[&str] = &[
    "access_key_id",
    "secret_access_key",
    "session_token",
    "region",
    "service",
];
pub const API_KEY: &[&str] = &["header", "query", "value"];
pub const OAUTH2: &[&str] = &[
    "token_url",
    "client_id",
    "client_secret",
    "scope",
    "client_auth",
    "params",
];
pub const CLIENT_AUTH: &[&str] = &["basic", "body"];

/// A multipart field that uploads a file, and a raw body read from a file.
pub const MULTIPART_FILE: &[&str] = &["file", "content_type"];
pub const BODY_FILE: &[&str] = &["file"];
pub const GRAPHQL: &[&str] = &["query", "variables", "operation_name"];
pub const RETRY: &[&str] = &["attempts", "interval"];
pub const RECEIVE: &[&str] = &["path", "method", "timeout", "respond"];
pub const RECEIVE_RESPOND: &[&str] = &["status", "headers", "json", "body"];

/// `expect:` keys, and those a `receive` step may use (it reads an inbound request).
pub const EXPECT: &[&str] = &[
    "status", "headers", "query", "json", "body", "duration", "schema", "snapshot", "openapi",
    "vars", "cookies",
];
pub const EXPECT_IN_RECEIVE: &[&str] = &[
    "headers", "query", "json", "body", "schema", "snapshot", "vars",
];
pub const SNAPSHOT: &[&str] = &["ignore"];

/// Predicates (`not` wraps others).
pub const PREDICATES: &[&str] = &[
    "eq", "ne", "gt", "ge", "lt", "le", "contains", "matches", "exists", "type", "length",
    "one_of", "jwt", "sha256", "not",
];
pub const JWT: &[&str] = &["key", "alg", "claims"];
pub const JWT_ALGS: &[&str] = &["HS256", "HS384", "HS512", "RS256", "ES256"];
pub const TYPES: &[&str] = &[
    "null", "boolean", "number", "integer", "string", "array", "object", "xml",
];

/// Capture sources (one per capture) and options.
pub const CAPTURE_SOURCES: &[&str] = &["json", "header", "cookie", "status", "body", "duration"];
pub const CAPTURE_OPTIONS: &[&str] = &["regex", "default", "secret"];
