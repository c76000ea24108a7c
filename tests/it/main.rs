//! The integration tests: one binary, a module per area, one helper module (`support`).
//! They drive the built `baton` binary against servers started in this process on
//! 127.0.0.1 (never the network), and a few call the library directly.

mod support;

mod architecture;
mod callbacks;
mod check;
mod completions;
mod curl_round_trip;
mod demo;
mod expectations;
mod fmt;
mod fuzz;
mod import;
mod import_run;
mod mock;
mod oauth2;
mod openapi;
mod openapi_contract;
mod parallel;
mod record;
mod reports;
mod run;
mod schema;
mod secrets;
mod signals;
mod snapshots_run;
mod steps;
mod tls;
mod trust_bounded;
mod trust_forged;
mod trust_inputs;
mod trust_listener;
mod trust_masking;
mod trust_memory;
mod trust_record;
mod trust_redirect;
mod trust_smaller;
mod trust_terminal;
mod wire;
mod wire_inputs;
