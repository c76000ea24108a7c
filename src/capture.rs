//! Captures: response -> variables. (Being written on another branch; this is the interface.)

use serde_json::Value as Json;

use crate::diag::Diags;
use crate::response::Response;
use crate::source::Pos;
use crate::yaml::Node;

#[derive(Debug, Clone)]
pub struct Capture {
    pub var: String,
    pub pos: Pos,
    pub secret: bool,
}

pub fn parse_captures(node: &Node, diags: &mut Diags) -> Vec<Capture> {
    let _ = diags;
    node.as_map()
        .unwrap_or_default()
        .iter()
        .map(|(k, _)| Capture {
            var: k.name.clone(),
            pos: k.pos,
            secret: false,
        })
        .collect()
}

pub fn run(capture: &Capture, response: &Response) -> Result<Json, String> {
    let _ = (capture, response);
    Err("not yet".into())
}
