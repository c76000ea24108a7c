//! baton: run declarative HTTP request collections written in YAML.

pub mod capture;
pub mod cli;
pub mod collection;
pub mod diag;
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
pub mod report;
pub mod response;
pub mod runner;
pub mod secret;
pub mod source;
pub mod template;
pub mod vars;
pub mod yaml;
