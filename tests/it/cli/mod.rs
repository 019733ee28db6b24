//! The `lmh` binary, as a user and CI run it: exit codes, reports, and the seed incident.

mod bounded_runs;
mod doctor;
mod e2e;
mod gate;
mod mock_serve;
mod scheduler_run;
mod secrets;
mod usage;

use crate::helpers::{self, closed_port, lmh, root};

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
