//! Expectations: response -> assertion results. (Being written.)

#[derive(Debug, Clone, Default)]
pub struct Expect {}
