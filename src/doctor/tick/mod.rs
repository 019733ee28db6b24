//! The next-tick preview: what the scheduler would do if it ticked at `now`, judged by the
//! domain's gates (docs/system.md §5) in the scheduler's own order, without sending,
//! claiming or writing anything.
//!
//! - `read`: what the preview reads (columns present, programaciones as stored, campaigns,
//!   their rows, counters);
//! - `session`: one `GET /status` per client, and what an unreadable session means;
//! - `judge`: a programación's values, then [`crate::domain::Gate::ORDER`] on its facts;
//! - `pending`: a campaign's `pendiente` rows, classified as the scheduler would;
//! - `preview`: the verdicts and the facts they were judged on;
//! - `next`: the one pass that reads, asks and judges.

mod judge;
mod next;
mod pending;
mod preview;
mod read;
mod session;

pub use next::next_tick;
pub use pending::{Pending, TimestampSource};
pub use preview::{Lock, NextTick, ProgramacionPreview, Verdict};
pub use session::{SessionCheck, SessionProblem, describe_session_error};
