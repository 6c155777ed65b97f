//! What the operations screens show: role queues, the provider directory with license warnings,
//! and coverage by state. Built by the device from its cache (queues, directory) or by the
//! server across the organisation (coverage).

use crate::{License, PatientId, Practitioner, Role, Task, UsState};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Which tasks a queue screen lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind", content = "role")]
pub enum QueueFilter {
    /// Tasks I own.
    Mine,
    /// Unowned tasks in one role's queue (one of mine).
    Role(Role),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum QueueSort {
    /// Oldest due first.
    Due,
    /// Most urgent first, then oldest due.
    Priority,
}

/// Counts stop here: beyond it a queue reads "1000+" (counting is then bounded work, however
/// deep the backlog).
pub const QUEUE_COUNT_CAP: i64 = 1000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct QueueCount {
    pub queue: Role,
    /// Open, unowned tasks, at most [`QUEUE_COUNT_CAP`].
    #[ts(type = "number")]
    pub ready: i64,
    /// Of those, overdue (also capped).
    #[ts(type = "number")]
    pub overdue: i64,
    /// The queue holds more than the cap.
    pub more: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct QueueItem {
    pub task: Task,
    pub patient_id: PatientId,
    /// "Family, Given", from the cache.
    pub patient_name: String,
    pub overdue: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct QueueView {
    /// Open work per queue of my roles (unowned), plus mine.
    pub counts: Vec<QueueCount>,
    #[ts(type = "number")]
    pub mine: i64,
    pub items: Vec<QueueItem>,
}

/// One practitioner in the directory, with the licenses that need attention.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct DirectoryEntry {
    pub practitioner: Practitioner,
    /// Active, expiring within 30 days.
    pub expiring: Vec<License>,
    pub expired: Vec<License>,
    pub supervisor_name: Option<String>,
}

/// Licensed clinicians on duty and work waiting, for one state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct StateCoverage {
    pub state: UsState,
    /// Clinicians with an active license here and on duty.
    #[ts(type = "number")]
    pub on_duty: i64,
    /// Clinicians with an active license here (on duty or not).
    #[ts(type = "number")]
    pub licensed: i64,
    /// Open, unowned clinical tasks needing this state's license.
    #[ts(type = "number")]
    pub waiting: i64,
    #[ts(type = "number")]
    pub overdue: i64,
    pub oldest_due: Option<DateTime<Utc>>,
}

/// What an administrator may change about a practitioner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PractitionerUpdate {
    pub display_name: String,
    pub roles: Vec<Role>,
    pub licenses: Vec<License>,
    pub supervisor_id: Option<crate::PractitionerId>,
    pub on_duty: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sorts and filters arrive as these enums, never as column names: anything else is refused
    /// when the command's arguments are decoded, before any SQL is built.
    #[test]
    fn only_the_allow_listed_sorts_and_filters_decode() {
        assert_eq!(serde_json::from_str::<QueueSort>("\"priority\"").expect("priority"), QueueSort::Priority);
        for bad in ["\"due_at\"", "\"priority; DROP TABLE tasks\"", "\"k.due_at DESC\"", "1", "null"] {
            assert!(serde_json::from_str::<QueueSort>(bad).is_err(), "{bad}");
        }
        assert_eq!(serde_json::from_str::<QueueFilter>(r#"{"kind":"mine"}"#).expect("mine"), QueueFilter::Mine);
        for bad in [r#"{"kind":"all"}"#, r#"{"kind":"role","role":"superuser"}"#, r#"{"kind":"owner_id"}"#, r#""mine""#]
        {
            assert!(serde_json::from_str::<QueueFilter>(bad).is_err(), "{bad}");
        }
    }
}
