//! baton: run declarative HTTP request collections written in YAML.
//!
//! The layers, bottom up (docs/architecture.md has the whole picture): `problem`, `secret`
//! and `duration` are the ground; `template` and `report` (events and their renderers) sit
//! on it; `format` reads the collection format into a checked model; `mock` and `http`
//! serve and send; `verdict` judges responses; `convert` imports and exports; `openapi`
//! reads OpenAPI documents; `plan` adds the values from outside; `run` executes a plan;
//! `engine` owns a run's lifecycle; `cli` is the front door.

// A function fits on a screen (80 lines, clippy.toml); CI denies every warning.
#![warn(clippy::too_many_lines)]

pub mod cli;
pub mod convert;
pub mod duration;
pub mod engine;
pub mod format;
pub mod http;
pub mod mock;
pub mod openapi;
pub mod plan;
pub mod problem;
pub mod report;
pub mod run;
pub mod secret;
pub mod template;
pub mod verdict;
