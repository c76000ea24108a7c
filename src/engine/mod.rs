//! One run of baton, from resolved settings to an outcome.
