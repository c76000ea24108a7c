//! What a script knows of its own request at import: `pm.request` (its URL, method and
//! headers), the legacy `request` object and `pm.info.requestName`.

use serde_json::Value as Json;

/// The request a script runs around, as far as the import knows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ReqInfo {
    pub name: String,
    pub description: Option<String>,
    pub method: String,
    /// The URL with its variables filled in, when every one is known at import.
    pub url: Option<String>,
    /// Headers the request sends, its auth's included; `None` when its auth's are not
    /// known at import.
    pub headers: Option<Vec<(String, String)>>,
}

/// Headers Newman adds to every request (and `Host`, which every HTTP/1.1 client sends):
/// whether one is there is not known at import, except `Host`.
const ADDED: [&str; 9] = [
    "user-agent",
    "accept",
    "cache-control",
    "postman-token",
    "accept-encoding",
    "connection",
    "content-type",
    "content-length",
    "cookie",
];

impl ReqInfo {
    /// Whether the request has header `name` (with value `value`, when given); `None`
    /// when that is not known at import.
    pub fn has_header(&self, name: &str, value: Option<&str>) -> Option<bool> {
        let lower = name.to_ascii_lowercase();
        if ADDED.contains(&lower.as_str()) {
            return None;
        }
        if lower == "host" {
            return value.is_none().then_some(true);
        }
        let found = self
            .headers
            .as_ref()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name));
        Some(match (found, value) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some((_, v)), Some(want)) => v == want,
        })
    }

    /// A property of the legacy `request` object or of `pm.request`, known at import.
    pub fn prop(&self, p: &str) -> Option<Json> {
        Some(Json::String(match p {
            "name" => self.name.clone(),
            "description" => self.description.clone()?,
            "method" => self.method.clone(),
            "url" => self.url.clone()?,
            _ => return None,
        }))
    }
}
