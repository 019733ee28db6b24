//! Check results, and the forms people and CI read them in: terminal text, JSON, JUnit XML,
//! Markdown and GitHub annotations, and a self-contained HTML page.
//!
//! Every command that checks something (e2e, verify, config check, doctor, gate) turns its
//! findings into [`Check`]s inside a [`Report`]; this module knows nothing of where they came from.
//!
//! ```
//! use lmh::report::{Check, Report};
//! let mut report = Report::new("gate");
//! report.push(Check::pass("config", "port agreement", "hub and session-manager agree on 3011"));
//! report.push(Check::fail("contract", "GET /api/session-manager/sessions/sender_51", "no such operation"));
//! assert!(!report.passed());
//! assert!(report.to_junit().contains("<failure"));
//! ```

mod check;
mod github;
mod html;
mod human;
mod json;
mod junit;
mod markdown;
mod results;
mod text;
pub mod timeline;

pub use check::{Check, Location, NOT_EXERCISED, Outcome, failures};
pub use human::Brevity;
pub use results::{Report, Tally};
pub use text::{error_chain, printable, root_cause, terminal_line, terminal_text};
pub use timeline::Timeline;
