//! The one integration-test binary: one module per area, one `helpers` module that gives
//! each test its own scratch database, mock session-manager and virtual clock.

mod helpers;

mod adapter;
mod adapter_wire;
mod agreement;
mod chaos;
mod cli;
mod cli_run;
mod config;
mod conformance;
mod container;
mod contract;
mod db;
mod diff;
mod doctor;
mod doctor_source;
mod e2e;
mod files;
mod fixtures;
mod gate;
mod journal;
mod junit_schema;
mod liars;
mod mock;
mod proxy;
mod reports;
mod scheduler;
mod scheduler_attempts;
mod scheduler_lanes;
mod send_transaction;
mod source;
mod verify;
mod verify_consumer;
