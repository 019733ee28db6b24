//! The one integration-test binary: one module per area, one `helpers` module that gives
//! each test its own scratch database, mock session-manager and virtual clock.

mod helpers;

mod adapter;
mod adapter_wire;
mod cli;
mod config;
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
mod mock;
mod proxy;
mod scheduler;
mod source;
mod verify;
