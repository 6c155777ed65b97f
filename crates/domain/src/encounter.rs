//! Encounters: one visit, charted as a note.

use crate::{EncounterId, PatientId, PractitionerId, UsState};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EncounterMode {
    InPerson,
    Video,
    Phone,
    /// An exchange of messages (e-visit).
    Async,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EncounterStatus {
    Draft,
    Signed,
    /// Signed, with one or more signed addenda.
    Amended,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Encounter {
    pub id: EncounterId,
    pub patient_id: PatientId,
    pub author_id: PractitionerId,
    pub mode: EncounterMode,
    /// e.g. "pediatric_sms", "adult_primary".
    pub service_line: String,
    /// The state the patient was in: the license that covers this visit.
    pub state_of_care: UsState,
    pub status: EncounterStatus,
    pub chief_complaints: Vec<String>,
    /// The composed note text (empty while a fresh draft).
    pub note: String,
    pub started_at: DateTime<Utc>,
    pub signed_at: Option<DateTime<Utc>>,
    #[ts(type = "number")]
    pub version: i64,
}
