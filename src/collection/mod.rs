//! Collections: the YAML file, checked and resolved into a model.

pub mod load;
pub mod model;
pub mod raw;
