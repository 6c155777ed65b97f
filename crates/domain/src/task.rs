//! Tasks: units of work routed to role queues (modelled after FHIR Task).

use crate::{EncounterId, PatientId, PractitionerId, Role, TaskId, ThreadId, UsState};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskPriority {
    Routine,
    Urgent,
    Stat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Ready,
    InProgress,
    Completed,
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
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
    /// What the work is about, beyond the patient.
    #[serde(default)]
    pub focus: Option<TaskFocus>,
    /// What happened to the task, oldest first (the newest [`MAX_TASK_HISTORY`] events).
    #[serde(default)]
    pub history: Vec<TaskEvent>,
}

/// The record a task is about (FHIR Task.focus).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum TaskFocus {
    Encounter(EncounterId),
    Thread(ThreadId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskAction {
    Created,
    Claimed,
    HandedOff,
    Completed,
    Cancelled,
    Escalated,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct TaskEvent {
    pub at: DateTime<Utc>,
    /// None for the server's own actions (escalation).
    pub by: Option<PractitionerId>,
    pub action: TaskAction,
    /// e.g. the queue it moved to.
    pub note: String,
}

/// Events kept on a task.
pub const MAX_TASK_HISTORY: usize = 50;

impl Task {
    /// Notes what happened, keeping the newest [`MAX_TASK_HISTORY`] events.
    pub fn record(
        &mut self,
        at: DateTime<Utc>,
        by: Option<PractitionerId>,
        action: TaskAction,
        note: impl Into<String>,
    ) {
        self.history.push(TaskEvent { at, by, action, note: note.into() });
        if self.history.len() > MAX_TASK_HISTORY {
            let extra = self.history.len() - MAX_TASK_HISTORY;
            self.history.drain(..extra);
        }
    }
}
