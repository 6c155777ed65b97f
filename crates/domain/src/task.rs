//! Tasks: units of work routed to role queues (modelled after FHIR Task).

use crate::{PatientId, PractitionerId, Role, TaskId, UsState};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    ReviewThread,
    CosignNote,
    RefillRequest,
    LabFollowUp,
    Outreach,
    HandOff,
    Scheduling,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TaskPriority {
    Routine,
    Urgent,
    Stat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Ready,
    InProgress,
    Completed,
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Task {
    pub id: TaskId,
    pub kind: TaskKind,
    pub patient_id: PatientId,
    /// The role whose queue holds the task.
    pub queue: Role,
    /// The state whose license the work needs (the patient's state of care).
    pub license_state: UsState,
    pub priority: TaskPriority,
    pub status: TaskStatus,
    pub owner_id: Option<PractitionerId>,
    pub description: String,
    pub due_at: DateTime<Utc>,
    #[ts(type = "number")]
    pub version: i64,
}
