//! Collections: the only code that reads the collection format. A file becomes spanned
//! YAML, then a checked `model::Collection`; `keys` is the format's one list of keys.

mod auth;
mod body;
mod capture;
pub mod check;
mod expect;
pub mod keys;
pub mod load;
pub mod model;
pub mod raw;
mod request;

pub use expect::{parse_path, path_help, regex_reason};
pub use load::{LoadErrors, Loaded, load, load_partial, load_str};
pub use request::path_pattern;
