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

/// Orderable labs (data/loinc, see NOTICE.md there) and medications (data/rxnorm, see
/// PROVENANCE.md), versioned by the hash of their files.
pub const LOINC_TSV: &str = include_str!("../../../data/loinc/labs.tsv");
pub const RXNORM_TSV: &str = include_str!("../../../data/rxnorm/medications.tsv");
pub static LOINC_VERSION: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| version_of(LOINC_TSV));
pub static RXNORM_VERSION: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| version_of(RXNORM_TSV));

/// The demo organisation's service menu (data/service-menu).
pub const SERVICE_MENU_CSV: &str = include_str!("../../../data/service-menu/default.csv");

/// Rows of a shipped TSV file under its expected header.
fn tsv_rows<'a>(text: &'a str, header: &str, what: &str) -> crate::Result<Vec<Vec<&'a str>>> {
    let mut lines = text.lines();
    if lines.next() != Some(header) {
        return Err(crate::ClientError::new(
            rounds_domain::ErrorCode::Internal,
            format!("the shipped {what} file has an unexpected header"),
        ));
    }
    let columns = header.split('\t').count();
    lines
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(i, l)| {
            let fields: Vec<&str> = l.split('\t').collect();
            if fields.len() == columns {
                Ok(fields)
            } else {
                Err(crate::ClientError::new(
                    rounds_domain::ErrorCode::Internal,
                    format!("the shipped {what} file has a bad line {}", i + 2),
                ))
            }
        })
        .collect()
}

pub fn lab_tests() -> crate::Result<Vec<rounds_domain::chart::LabTest>> {
    Ok(tsv_rows(LOINC_TSV, "loinc\tname\tdisplay\tcategory", "LOINC")?
        .into_iter()
        .map(|f| rounds_domain::chart::LabTest {
            loinc: f[0].into(),
            name: f[1].into(),
            display: f[2].into(),
            category: f[3].into(),
        })
        .collect())
}

pub fn drugs() -> crate::Result<Vec<rounds_domain::chart::Drug>> {
    Ok(tsv_rows(RXNORM_TSV, "rxcui\tname\ttty\tdisplay\tdefault_sig", "RxNorm")?
        .into_iter()
        .map(|f| rounds_domain::chart::Drug {
            rxcui: f[0].into(),
            name: f[1].into(),
            display: f[3].into(),
            default_sig: f[4].into(),
        })
        .collect())
}
