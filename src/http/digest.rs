//! HTTP Digest authentication (RFC 7616).
