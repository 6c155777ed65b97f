//! The complaint catalog of a service line: what the chief-complaint buttons offer.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One history question, answered by tapping its options (plus free text on the page).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HpiPrompt {
    pub id: String,
    pub label: String,
    pub options: Vec<String>,
    /// Several options may be chosen (e.g. associated symptoms).
    pub multiple: bool,
}

/// A review-of-systems or exam system: "normal" with one key, or abnormal findings as buttons.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemFindings {
    pub system: String,
    pub label: String,
    /// The sentence charted when the system is normal.
    pub normal: String,
    pub abnormal: Vec<String>,
}

/// A chief complaint of a service line: its button, prompts, systems, red flags and codes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintCatalog {
    pub service_line: String,
    pub title: String,
    /// How soon a patient's message on this line should be answered, in minutes (the inbox's
    /// countdown); the organisation default when absent.
    #[serde(default)]
    pub response_target_minutes: Option<u32>,
    pub complaints: Vec<ComplaintCatalogEntry>,
}

/// An ICD-10-CM code (FY2026 on this device: data/icd10cm/PROVENANCE.md).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct Icd10Code {
    /// Dotted, e.g. "J02.9".
    pub code: String,
    /// Billable (a leaf of the classification); headers are not.
    pub billable: bool,
    pub description: String,
}

/// Most complaints in one service line's catalog.
pub const MAX_COMPLAINTS: usize = 200;

/// Checks a catalog an administrator supplies: a service line name, 1 to 200 complaints with
/// unique codes, non-empty labels, prompts with options, systems with a normal sentence, and
/// ICD-10-CM suggestions of the right shape. Every problem is listed.
pub fn validate(catalog: &ComplaintCatalog) -> Result<(), String> {
    let mut problems = Vec::new();
    if !crate::charting::is_service_line(&catalog.service_line) {
        problems.push(format!("'{}' is not a service line name (lower-case letters and _)", catalog.service_line));
    }
    if catalog.response_target_minutes.is_some_and(|m| m == 0 || m > 7 * 24 * 60) {
        problems.push("the response target is 1 minute to 7 days".into());
    }
    if catalog.complaints.is_empty() || catalog.complaints.len() > MAX_COMPLAINTS {
        problems.push(format!("a catalog has 1 to {MAX_COMPLAINTS} complaints"));
    }
    let mut seen = std::collections::HashSet::new();
    for c in &catalog.complaints {
        let at = format!("complaint '{}'", c.code);
        if c.code.is_empty() || !c.code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            problems.push(format!("{at}: the code must be lower-case letters, digits and _"));
        }
        if !seen.insert(c.code.as_str()) {
            problems.push(format!("{at} appears twice"));
        }
        if c.label.trim().is_empty() {
            problems.push(format!("{at}: a label is needed"));
        }
        for p in &c.hpi {
            if p.id.trim().is_empty() || p.label.trim().is_empty() || p.options.is_empty() {
                problems.push(format!("{at}: history prompt '{}' needs an id, a label and options", p.id));
            }
        }
        for s in c.ros.iter().chain(&c.exam) {
            if s.system.trim().is_empty() || s.normal.trim().is_empty() {
                problems.push(format!("{at}: system '{}' needs a name and a normal sentence", s.system));
            }
        }
        for code in &c.icd10 {
            if !crate::charting::is_icd10cm_shape(code) {
                problems.push(format!("{at}: '{code}' is not an ICD-10-CM code"));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}
