//! The one integration-test binary: one module per area, one `helpers` module that gives
//! each test its own scratch database, mock session-manager and virtual clock.

mod helpers;

mod adapter;
mod adapter_wire;
mod chaos;
mod cli;
mod cli_run;
mod config;
mod container;
mod contract;
mod db;
mod diff;
mod doctor;
mod e2e;
mod files;
mod fixtures;
mod gate;
mod mock;
mod scheduler;
mod verify;
