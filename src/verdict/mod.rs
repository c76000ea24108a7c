//! Verdicts on a response: expectations, captures and snapshots, evaluated against a
//! checked collection's specs. Plain functions over plain data; nothing here sends.

pub mod capture;
pub mod expectation;
mod jsonpath;
pub mod snapshot;
