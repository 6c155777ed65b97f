//! Code sets shipped with the app (versioned snapshots, read-only on the device).

/// ICD-10-CM as shipped in data/icd10cm (see PROVENANCE.md there).
pub const ICD10CM_VERSION: &str = "FY2026 (April 1, 2026 update), from simple-icd-10-cm 1.5.0";
pub const ICD10CM_TSV: &str = include_str!("../../../data/icd10cm/codes.tsv");
