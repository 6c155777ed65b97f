//! The audit trail: every read and write of PHI, who, which patient, what, when (server time),
//! from which device. Rows are hash-chained per organisation; `verify` names the first row whose
//! chain is broken.

use chrono::{DateTime, SecondsFormat, Utc};
use rounds_domain::{DeviceId, OrganizationId, PatientId, PractitionerId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash before the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Normal,
    /// Break-glass access, refused access, failed sign-ins: shown to an admin first.
    High,
}

impl Severity {
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Normal => "normal",
            Severity::High => "high",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub organization_id: OrganizationId,
    pub at: DateTime<Utc>,
    pub practitioner_id: PractitionerId,
    pub device_id: Option<DeviceId>,
    pub patient_id: Option<PatientId>,
    /// e.g. "patient.read", "sync.edit_patient".
    pub action: String,
    /// What else identifies the act (never free text a clinician typed).
    pub detail: String,
    pub severity: Severity,
}

impl AuditEvent {
    pub fn new(org: OrganizationId, at: DateTime<Utc>, who: PractitionerId, action: &str) -> Self {
        AuditEvent {
            organization_id: org,
            at,
            practitioner_id: who,
            device_id: None,
            patient_id: None,
            action: action.to_string(),
            detail: String::new(),
            severity: Severity::Normal,
        }
    }

    pub fn patient(mut self, p: PatientId) -> Self {
        self.patient_id = Some(p);
        self
    }

    pub fn device(mut self, d: DeviceId) -> Self {
        self.device_id = Some(d);
        self
    }

    pub fn detail(mut self, d: impl Into<String>) -> Self {
        self.detail = d.into();
        self
    }

    pub fn severity(mut self, s: Severity) -> Self {
        self.severity = s;
        self
    }
}

/// A stored row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRow {
    pub seq: i64,
    pub event: AuditEvent,
    pub prev_hash: String,
    pub hash: String,
}

/// The row's hash: SHA-256 over the previous hash and every field, in a fixed text form.
pub fn row_hash(prev_hash: &str, seq: i64, e: &AuditEvent) -> String {
    let opt = |v: Option<String>| v.unwrap_or_default();
    let text = [
        prev_hash.to_string(),
        seq.to_string(),
        e.organization_id.to_string(),
        e.at.to_rfc3339_opts(SecondsFormat::Micros, true),
        e.practitioner_id.to_string(),
        opt(e.device_id.map(|d| d.to_string())),
        opt(e.patient_id.map(|p| p.to_string())),
        e.action.clone(),
        e.detail.clone(),
        e.severity.as_str().to_string(),
    ]
    .join("\u{1f}");
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The seq of the first row whose chain does not hold, or None when the whole log verifies.
pub fn first_broken(rows: &[AuditRow]) -> Option<i64> {
    let mut prev = GENESIS.to_string();
    for (expected_seq, row) in (1..).zip(rows) {
        if row.seq != expected_seq || row.prev_hash != prev || row.hash != row_hash(&prev, row.seq, &row.event) {
            return Some(row.seq);
        }
        prev = row.hash.clone();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditRow> {
        let org = OrganizationId::new_v7(1);
        let who = PractitionerId::new_v7(1);
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let event =
                    AuditEvent::new(org, DateTime::UNIX_EPOCH, who, "patient.read").detail(format!("row {seq}"));
                let hash = row_hash(&prev, seq, &event);
                let row = AuditRow { seq, event, prev_hash: prev.clone(), hash: hash.clone() };
                prev = hash;
                row
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(first_broken(&chain(5)), None);
        assert_eq!(first_broken(&[]), None);
    }

    #[test]
    fn the_first_altered_or_missing_row_is_named() {
        let mut rows = chain(5);
        rows[2].event.detail = "edited".into();
        assert_eq!(first_broken(&rows), Some(3));
        let mut rows = chain(5);
        rows.remove(1);
        assert_eq!(first_broken(&rows), Some(3), "a deleted row breaks the sequence");
        let mut rows = chain(5);
        rows[4].event.patient_id = Some(PatientId::new_v7(9));
        assert_eq!(first_broken(&rows), Some(5));
    }
}
