//! OAuth2 client credentials and the run-wide token cache (being written).
