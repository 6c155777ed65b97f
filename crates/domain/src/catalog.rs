//! The complaint catalog of a service line: what the chief-complaint buttons offer.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One history question, answered by tapping its options (plus free text on the page).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct HpiPrompt {
    pub id: String,
    pub label: String,
    pub options: Vec<String>,
    /// Several options may be chosen (e.g. associated symptoms).
    pub multiple: bool,
}

/// A review-of-systems or exam system: "normal" with one key, or abnormal findings as buttons.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SystemFindings {
    pub system: String,
    pub label: String,
    /// The sentence charted when the system is normal.
    pub normal: String,
    pub abnormal: Vec<String>,
}

/// A chief complaint of a service line: its button, prompts, systems, red flags and codes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ComplaintCatalogEntry {
    /// Stable code, e.g. "sore_throat".
    pub code: String,
    pub label: String,
    /// Position in the catalog's default order (used when a clinician has no history).
    pub rank: i32,
    pub hpi: Vec<HpiPrompt>,
    pub ros: Vec<SystemFindings>,
    pub exam: Vec<SystemFindings>,
    /// Findings that call for escalation.
    pub red_flags: Vec<String>,
    /// Suggested ICD-10-CM codes, most likely first.
    pub icd10: Vec<String>,
}

/// A service line's whole catalog, as shipped in data/complaints/<service_line>.json.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ComplaintCatalog {
    pub service_line: String,
    pub title: String,
    pub complaints: Vec<ComplaintCatalogEntry>,
}

/// An ICD-10-CM code (FY2026 on this device: data/icd10cm/PROVENANCE.md).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Icd10Code {
    /// Dotted, e.g. "J02.9".
    pub code: String,
    /// Billable (a leaf of the classification); headers are not.
    pub billable: bool,
    pub description: String,
}
