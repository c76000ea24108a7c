//! The mock server: serves a mock file's routes (being written).
