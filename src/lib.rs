//! baton: run declarative HTTP request collections written in YAML.

pub mod capture;
pub mod collection;
pub mod diag;
pub mod duration;
pub mod event;
pub mod expect;
pub mod http;
pub mod response;
pub mod secret;
pub mod runner;
pub mod source;
pub mod template;
pub mod vars;
pub mod yaml;
pub mod import;
pub mod mock;
pub mod oauth2;
pub mod report;
