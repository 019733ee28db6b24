//! The contract files: how they load, route and validate (`files`), and what changes between
//! two of them (`diff`).

mod diff;
mod files;
