//! Encounters: one visit, charted page by page into a draft, then signed as a note.

use crate::charting::Draft;
use crate::{AddendumId, EncounterId, PatientId, PractitionerId, UsState};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EncounterMode {
    InPerson,
    Video,
    Phone,
    /// An exchange of messages (e-visit).
    Async,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EncounterStatus {
    Draft,
    Signed,
    /// Signed, with one or more signed addenda.
    Amended,
}

impl EncounterStatus {
    pub fn is_signed(&self) -> bool {
        !matches!(self, EncounterStatus::Draft)
    }
}

/// A signed addition to a signed note. Append-only: never edited, never removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct Addendum {
    pub id: AddendumId,
    pub author_id: PractitionerId,
    pub text: String,
    pub signed_at: DateTime<Utc>,
    /// SHA-256 of `text`.
    pub content_hash: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, schemars::JsonSchema)]
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
    /// The composed note text: empty while a draft, fixed once signed.
    pub note: String,
    pub started_at: DateTime<Utc>,
    pub signed_at: Option<DateTime<Utc>>,
    #[ts(type = "number")]
    pub version: i64,
    /// The structured sections (None for notes charted before structured charting).
    #[serde(default)]
    pub draft: Option<Box<Draft>>,
    #[serde(default)]
    pub signed_by: Option<PractitionerId>,
    /// SHA-256 of `note`, set when signed.
    #[serde(default)]
    pub content_hash: Option<String>,
    /// A physician must co-sign (organisation setting for NP and PA notes).
    #[serde(default)]
    pub cosign_required: bool,
    #[serde(default)]
    pub cosigned_by: Option<PractitionerId>,
    #[serde(default)]
    pub cosigned_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub addenda: Vec<Addendum>,
}
