//! What the scheduler decided: one [`Decision`] per event, its JSON name ([`Event`]), and what
//! a tick did ([`TickReport`]).

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::domain::Skip;

/// What the scheduler decided, one per event, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// Business-local time of the decision.
    pub at: NaiveDateTime,
    /// The programación concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub programacion_id: Option<i64>,
    /// The row concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub envio_id: Option<i64>,
    /// What happened.
    pub event: Event,
    /// Why, in words.
    pub detail: String,
}

impl Decision {
    /// The decision as one JSON line for logs.
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| format!("{self:?}"))
    }
}

/// The kinds of decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// No programación is approved with today in its date range.
    NothingApproved,
    /// Today's weekday is not in `dias_semana`.
    SkipWeekday,
    /// Now is outside `[hora_inicio, hora_fin]`.
    SkipWindow,
    /// Another live process holds the programación.
    SkipLocked,
    /// A stale lock of a dead process was taken over.
    LockTakenOver,
    /// The client's session is not READY.
    SkipSessionNotReady,
    /// The session-manager could not tell (unreachable, wrong route, broken answer).
    SkipSessionUnknown,
    /// The campaign does not exist.
    SkipCampaignMissing,
    /// The campaign is not `en_progreso`.
    SkipCampaignNotInProgress,
    /// Today's quota is used up.
    SkipQuotaExhausted,
    /// No `pendiente` row left to send.
    NothingPending,
    /// A row was sent and recorded `enviado`.
    Sent,
    /// DRY_RUN: the row would have been sent.
    DryRunWouldSend,
    /// The recipient was refused (invalid number, no text): row `error`.
    RecipientError,
    /// A session-level failure stopped the batch; untouched rows stay `pendiente`.
    BatchStopped,
    /// The window closed during the batch.
    WindowClosed,
    /// The send may have gone out but lmh cannot tell: left for a person, never re-sent.
    OutcomeUnknown,
    /// A row's sends certainly failed as many times as allowed: row `error`.
    AttemptsExhausted,
    /// The lane's next send is due after the tick's budget: the next tick goes on.
    PacedToNextTick,
    /// Rows stay `pendiente` although everything says they should go.
    Stuck,
    /// `AUTO_CAMPAIGNS_ENABLED` switches the scheduler off: no tick runs (so no tick's report
    /// holds it; `lmh scheduler run` prints it instead of ticking).
    SchedulerDisabled,
}

impl Event {
    /// Whether a person must look: a send whose outcome is unknown, or a batch a session-level
    /// failure stopped. `lmh scheduler run` fails when any decision was one.
    pub fn needs_a_person(self) -> bool {
        matches!(self, Event::OutcomeUnknown | Event::BatchStopped)
    }

    /// Whether, in a database nothing else writes to, only the clock (a window opening, a new
    /// day) can change this decision on the next tick.
    pub fn waits_for_the_clock(self) -> bool {
        matches!(
            self,
            Event::SkipWindow
                | Event::SkipWeekday
                | Event::NothingApproved
                | Event::NothingPending
                | Event::SkipQuotaExhausted
                | Event::SkipCampaignMissing
                | Event::SkipCampaignNotInProgress
        )
    }
}

/// What one tick did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TickReport {
    /// Every decision, in order.
    pub decisions: Vec<Decision>,
    /// Rows sent and recorded.
    pub sent: usize,
    /// Rows marked `error`.
    pub errors: usize,
    /// Rows whose send outcome is unknown (left for a person).
    pub unknown: Vec<i64>,
}

impl TickReport {
    /// Append another lane's report.
    pub(super) fn merge(&mut self, other: TickReport) {
        self.decisions.extend(other.decisions);
        self.sent += other.sent;
        self.errors += other.errors;
        self.unknown.extend(other.unknown);
    }

    /// How many decisions of this kind.
    pub fn count(&self, event: Event) -> usize {
        self.decisions.iter().filter(|d| d.event == event).count()
    }

    /// The detail of the first decision of this kind.
    pub fn detail_of(&self, event: Event) -> Option<&str> {
        self.decisions
            .iter()
            .find(|d| d.event == event)
            .map(|d| d.detail.as_str())
    }
}

impl Event {
    /// The decision a gate's [`Skip`] is reported as: the one mapping from the domain's
    /// vocabulary to the scheduler's JSON event names. A programación outside its dates is
    /// not taken at all, so it has none of its own (a tick that takes none says
    /// [`Event::NothingApproved`]).
    pub fn of_skip(skip: &Skip) -> Option<Event> {
        Some(match skip {
            Skip::OutsideDateRange { .. } => return None,
            Skip::Weekday { .. } => Event::SkipWeekday,
            Skip::OutsideWindow { .. } => Event::SkipWindow,
            Skip::QuotaExhausted { .. } => Event::SkipQuotaExhausted,
            Skip::SessionNotReady { .. } => Event::SkipSessionNotReady,
            Skip::SessionUnreadable { .. } => Event::SkipSessionUnknown,
            Skip::CampaignMissing { .. } => Event::SkipCampaignMissing,
            Skip::CampaignNotInProgress { .. } => Event::SkipCampaignNotInProgress,
            Skip::NothingPending { .. } => Event::NothingPending,
        })
    }
}
