//! Expectations: response -> assertion results. (Being written on another branch; this is the interface.)

use std::path::Path;

use crate::diag::Diags;
use crate::event::AssertionResult;
use crate::response::Response;
use crate::template::{Tmpl, Vars};
use crate::yaml::Node;

#[derive(Debug, Clone, Default)]
pub struct Expect {}

pub fn parse_expect(node: &Node, base_dir: &Path, diags: &mut Diags) -> Expect {
    let _ = (node, base_dir, diags);
    Expect {}
}

impl Expect {
    pub fn is_empty(&self) -> bool {
        true
    }
    pub fn templates(&self) -> Vec<&Tmpl> {
        Vec::new()
    }
    pub fn check(&self, response: &Response, vars: &Vars) -> Vec<AssertionResult> {
        let _ = (response, vars);
        Vec::new()
    }
}
