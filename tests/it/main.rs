//! The one integration-test binary: one module per area, one `helpers` module that gives
//! each test its own scratch database, mock session-manager and virtual clock.

mod helpers;

mod adapter;
mod agreement;
mod chaos;
mod cli;
mod config;
mod container;
mod contract;
mod db;
mod doctor;
mod e2e;
mod files;
mod fixtures;
mod gate;
mod journal;
mod junit_schema;
mod mock;
mod proxy;
mod reports;
mod scheduler;
mod source;
mod verify;
