//! The reference scheduler against a real MariaDB and the mock: its rules and the historical
//! bugs the invariants catch, bounded attempts, per-client lanes, and the one transaction of a
//! confirmed send.

mod attempts;
mod lanes;
mod reference;
mod send_transaction;
