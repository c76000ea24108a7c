//! baton: run declarative HTTP request collections written in YAML.
//!
//! The way through (docs/architecture.md has the whole picture): a file becomes spanned
//! YAML (`yaml`), then a checked model (`collection`); `plan` adds the values from outside
//! (`vars`) and gives each collection its starting scope; `runner` executes the plan,
//! building each request with `build` and sending it with `http`, checking it with `expect`
//! and `capture`, and emits `event`s that `report` renders. `cli` is the front door.

pub mod build;
pub mod capture;
pub mod cli;
pub mod collection;
pub mod diag;
pub mod discover;
pub mod duration;
pub mod event;
pub mod expect;
pub mod export;
pub mod fmt;
pub mod http;
pub mod import;
pub mod mock;
pub mod oauth2;
pub mod openapi;
pub mod plan;
pub mod read;
pub mod record;
pub mod report;
pub mod response;
pub mod runner;
pub mod secret;
pub mod snapshot;
pub mod source;
pub mod template;
pub mod vars;
pub mod yaml;
