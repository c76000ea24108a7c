//! Reporters: events -> a writer or a file. The terminal one is always on; the others on request.

pub mod github;
pub mod html;
pub mod json;
pub mod junit;
pub mod progress;
pub mod terminal;
