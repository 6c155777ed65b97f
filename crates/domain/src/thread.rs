//! Asynchronous conversations with patients (SMS, in-app chat).

use crate::{Channel, MessageId, PatientId, PractitionerId, ThreadId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ThreadStatus {
    Open,
    AwaitingReview,
    Closed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Thread {
    pub id: ThreadId,
    /// None while the sender's number matches no patient (triage).
    pub patient_id: Option<PatientId>,
    pub channel: Channel,
    pub status: ThreadStatus,
    pub assignee_id: Option<PractitionerId>,
    pub service_line: String,
    pub last_message_at: DateTime<Utc>,
    #[ts(type = "number")]
    pub version: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MessageDirection {
    /// From the patient.
    Inbound,
    /// From the care team.
    Outbound,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Message {
    pub id: MessageId,
    pub thread_id: ThreadId,
    pub direction: MessageDirection,
    pub author_id: Option<PractitionerId>,
    pub body: String,
    /// Server time of receipt: display order is the server's, never a device clock.
    pub sent_at: DateTime<Utc>,
}
