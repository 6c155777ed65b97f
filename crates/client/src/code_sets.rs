//! Code sets shipped with the app (versioned snapshots, read-only on the device).

/// ICD-10-CM as shipped in data/icd10cm (see PROVENANCE.md there).
pub const ICD10CM_VERSION: &str = "FY2026 (April 1, 2026 update), from simple-icd-10-cm 1.5.0";
pub const ICD10CM_TSV: &str = include_str!("../../../data/icd10cm/codes.tsv");

/// The complaint catalogs shipped with the app, by service line (data/complaints).
pub const COMPLAINT_CATALOGS: [(&str, &str); 2] = [
    ("adult_primary", include_str!("../../../data/complaints/adult_primary.json")),
    ("pediatric_sms", include_str!("../../../data/complaints/pediatric_sms.json")),
];

/// A catalog's version: the SHA-256 of its file, so an edited catalog is loaded again.
pub fn version_of(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes()).iter().take(12).map(|b| format!("{b:02x}")).collect()
}
