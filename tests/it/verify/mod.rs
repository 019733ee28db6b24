//! `lmh verify`: the provider against real HTTP servers on loopback (the mock, liars, requests
//! generated from the contract), and the consumer against the journals it left.

mod conformance;
mod consumer;
mod liars;
mod provider;
