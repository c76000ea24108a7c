//! Captures: response -> variables. (Being written.)

#[derive(Debug, Clone)]
pub struct Capture {
    pub var: String,
}
