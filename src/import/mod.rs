//! Importers: Postman collections and curl commands into baton collections (being written).
