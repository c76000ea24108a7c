//! A received HTTP response, as captures and expectations see it.

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value as Json;

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// In received order; names as sent by the server.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// From sending the request to the last byte of the body.
    pub duration: Duration,
    json: OnceLock<Option<Json>>,
}

impl Response {
    pub fn new(
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        duration: Duration,
    ) -> Self {
        Self {
            status,
            headers,
            body,
            duration,
            json: OnceLock::new(),
        }
    }

    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of that header (case-insensitive).
    pub fn header_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A cookie the response sets (`Set-Cookie: name=value; ...`).
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.header_all("set-cookie").find_map(|sc| {
            let pair = sc.split(';').next()?;
            let (k, v) = pair.split_once('=')?;
            (k.trim() == name).then(|| v.trim().to_string())
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON, once; `None` when it is not JSON.
    pub fn json(&self) -> Option<&Json> {
        self.json
            .get_or_init(|| serde_json::from_slice(&self.body).ok())
            .as_ref()
    }
}
