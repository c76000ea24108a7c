//! The collection format: the only code that reads it. A file becomes spanned YAML
//! (`yaml`), then a checked `model::Collection`; `keys` is the format's one list of keys,
//! `reader` the typed readers shared with mock and `--env` files, `canonical` the key order
//! `baton fmt` writes.

mod auth;
mod body;
pub mod canonical;
mod capture;
pub mod check;
pub mod events;
mod expect;
pub mod keys;
pub mod load;
pub mod model;
mod node;
pub mod raw;
pub mod reader;
mod request;
mod saphyr;
pub mod yaml;

pub use expect::{parse_path, path_help, regex_reason};
pub use load::{Keep, LoadErrors, Loaded, load, load_partial, load_str};
pub use request::path_pattern;
