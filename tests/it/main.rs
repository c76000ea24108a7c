//! The integration tests: one binary, a module per area, one helper module (`support`).
//! They drive the built `baton` binary against servers started in this process on
//! 127.0.0.1 (never the network), and a few call the library directly.

mod support;

mod architecture;
mod callbacks;
mod check;
mod check_scopes;
mod completions;
mod curl_round_trip;
mod demo;
mod docs_examples;
mod expectations;
mod expectations_json_paths;
mod features_auth;
mod features_bodies;
mod features_sigv4;
mod features_templates;
mod first_hour_debugging;
mod first_hour_messages;
mod first_hour_skipped;
mod first_hour_unset_env;
mod fmt;
mod fuzz;
mod import;
mod import_run;
mod mock;
mod oauth2;
mod openapi;
mod openapi_contract;
mod openapi_contract_keywords;
mod openapi_import_fixes;
mod openapi_refs;
mod openapi_violations;
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
