//! What the charting screens show: an encounter with everything derived from it (pages done,
//! the composed note, what blocks signing, vitals flags, the billing suggestion, conflicts), and
//! a patient's chart. Built by the device from its cache; the UI only displays them.

use crate::billing::BillingSuggestion;
use crate::charting::{Page, Section, SectionKey, SignBlocker};
use crate::vitals::VitalFlag;
use crate::{Encounter, EncounterId, EncounterMode, EncounterStatus, Icd10Code, License, Patient, UsState};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct PageState {
    pub page: Page,
    pub title: String,
    /// Has what a signed note needs (vitals are never required).
    pub complete: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct SignIssue {
    pub blocker: SignBlocker,
    pub message: String,
}

/// The license that covers this visit, if the signed-in clinician holds one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct LicenseCheck {
    pub state: UsState,
    pub license: Option<License>,
    /// e.g. "Licensed in TX (MD 12345) until 2027-06-30".
    pub message: String,
    /// Expires within 30 days.
    pub expiring_soon: bool,
}

/// A section changed on another device while this one changed it too: both versions, for the
/// clinician to keep one or merge. Signing waits until it is settled.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct SectionConflict {
    /// The refused command (to settle it).
    #[ts(type = "number")]
    pub client_seq: i64,
    pub section: SectionKey,
    /// As the server has it now.
    pub theirs: Section,
    /// What this device saved.
    pub ours: Section,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct EncounterView {
    pub encounter: Encounter,
    pub patient: Patient,
    pub pages: Vec<PageState>,
    /// The composed note (the signed text once signed).
    pub note: String,
    /// Empty when the note can be signed by this clinician now.
    pub blockers: Vec<SignIssue>,
    pub license: LicenseCheck,
    pub vitals_flags: Vec<VitalFlag>,
    pub billing: BillingSuggestion,
    /// ICD-10-CM suggestions of the chosen complaints, as found in the code set.
    pub suggested_codes: Vec<Icd10Code>,
    pub conflicts: Vec<SectionConflict>,
    /// Commands about this encounter not yet accepted by the server.
    pub unsynced: u32,
}

/// One line of a patient's encounter history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct EncounterSummary {
    pub id: EncounterId,
    pub started_at: DateTime<Utc>,
    pub mode: EncounterMode,
    pub status: EncounterStatus,
    pub chief_complaints: Vec<String>,
    pub author_name: Option<String>,
}

/// The latest value of one vital sign.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct ObservationView {
    pub loinc: String,
    pub label: String,
    pub value: f64,
    pub unit: String,
    pub effective_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct PatientChart {
    pub patient: Patient,
    /// Newest first, at most `CHART_ENCOUNTERS`.
    pub encounters: Vec<EncounterSummary>,
    #[ts(type = "number")]
    pub encounter_count: i64,
    /// The open draft of the signed-in clinician, if any (to resume).
    pub open_draft: Option<EncounterId>,
    pub latest_vitals: Vec<ObservationView>,
}

/// Encounters listed on a chart; older ones page in.
pub const CHART_ENCOUNTERS: usize = 50;

/// A lab test that can be ordered (data/loinc).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct LabTest {
    pub loinc: String,
    pub name: String,
    pub display: String,
    pub category: String,
}

/// A medication that can be prescribed (data/rxnorm).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct Drug {
    pub rxcui: String,
    pub name: String,
    pub display: String,
    pub default_sig: String,
}
