//! The complaint catalog of a service line: what the chief-complaint buttons offer.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ComplaintCatalogEntry {
    /// Stable code, e.g. "sore_throat".
    pub code: String,
    pub service_line: String,
    pub label: String,
    /// Position in the catalog's default order (used when a clinician has no history).
    pub rank: i32,
    pub hpi_prompts: Vec<String>,
    pub ros_systems: Vec<String>,
    pub exam_systems: Vec<String>,
    pub red_flags: Vec<String>,
    pub icd10_suggestions: Vec<String>,
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
