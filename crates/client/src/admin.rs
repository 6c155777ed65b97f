//! What needs the server: the audit trail (administrators) and the user's own sessions.

use crate::{parse_id, ClientError, Result, Workspace};
use rounds_domain::api::{AuditEntry, AuditVerification, SessionSummary};
use rounds_domain::{ErrorCode, PatientId, PractitionerId, Role};
use std::path::PathBuf;

impl Workspace {
    fn require_admin(&self) -> Result<()> {
        let me = self.require_session()?;
        let admin = self.store()?.read().practitioner(me).is_ok_and(|p| p.roles.contains(&Role::Admin));
        if admin {
            Ok(())
        } else {
            Err(ClientError::new(ErrorCode::Forbidden, "the audit trail is for administrators"))
        }
    }

    fn audit_subject(
        patient: Option<&str>,
        practitioner: Option<&str>,
    ) -> Result<(Option<PatientId>, Option<PractitionerId>)> {
        let patient = patient.filter(|p| !p.trim().is_empty()).map(|p| parse_id(p, "patient")).transpose()?;
        let practitioner =
            practitioner.filter(|p| !p.trim().is_empty()).map(|p| parse_id(p, "practitioner")).transpose()?;
        if patient.is_none() && practitioner.is_none() {
            return Err(ClientError::invalid("choose a patient or a user whose trail to read"));
        }
        Ok((patient, practitioner))
    }

    /// The audit trail of a patient or a user, oldest first (administrators; from the server).
    pub async fn audit_trail(&self, patient: Option<&str>, practitioner: Option<&str>) -> Result<Vec<AuditEntry>> {
        let (patient, practitioner) = Self::audit_subject(patient, practitioner)?;
        self.require_admin()?;
        self.remote.audit(patient, practitioner).await
    }

    /// Whether the organisation's audit chain holds, and the first row where it does not.
    pub async fn verify_audit(&self) -> Result<AuditVerification> {
        self.require_admin()?;
        self.remote.audit_verify().await
    }

    /// Writes the trail of a patient or a user as CSV into `folder` (the user's Downloads when
    /// there is one) and returns the file's path. The export itself is audited by the server.
    pub async fn export_audit(
        &self,
        patient: Option<&str>,
        practitioner: Option<&str>,
        folder: Option<PathBuf>,
    ) -> Result<String> {
        let (patient_id, practitioner_id) = Self::audit_subject(patient, practitioner)?;
        self.require_admin()?;
        let csv = self.remote.audit_csv(patient_id, practitioner_id).await?;
        let folder = folder.unwrap_or_else(downloads);
        let subject = patient_id
            .map(|p| format!("patient-{p}"))
            .or(practitioner_id.map(|p| format!("user-{p}")))
            .unwrap_or_default();
        let path = folder.join(format!("rounds-audit-{subject}-{}.csv", self.now().format("%Y%m%d-%H%M%S")));
        std::fs::write(&path, csv)
            .map_err(|e| ClientError::new(ErrorCode::Internal, format!("cannot write {}: {e}", path.display())))?;
        Ok(path.display().to_string())
    }

    /// Starts enrolling an authenticator app: the secret to give it (shown once).
    pub async fn enroll_second_factor(&self) -> Result<rounds_domain::api::SecondFactorEnrollment> {
        self.require_session()?;
        self.remote.enroll_second_factor().await
    }

    /// Turns the second factor on with a code from the app being enrolled.
    pub async fn confirm_second_factor(&self, code: &str) -> Result<()> {
        let code = code.trim();
        if code.is_empty() || code.len() > 16 {
            return Err(ClientError::invalid("type the 6 digits the app shows"));
        }
        self.require_session()?;
        self.remote.confirm_second_factor(code).await
    }

    /// Emergency access (break-glass) to the chart of a patient outside the user's care teams,
    /// found by medical record number, with a reason. Read from the server, kept nowhere on the
    /// device, audited at high severity; for 30 minutes.
    pub async fn break_glass(&self, mrn: &str, reason: &str) -> Result<rounds_domain::api::BreakGlassView> {
        let mrn = mrn.trim();
        if mrn.is_empty() || mrn.len() > 64 {
            return Err(ClientError::invalid("enter the patient's medical record number"));
        }
        let reason = reason.trim();
        if reason.chars().count() < 10 || reason.chars().count() > rounds_domain::api::MAX_BREAK_GLASS_REASON {
            return Err(ClientError::invalid("say why you need this chart (at least 10 characters)"));
        }
        self.require_session()?;
        self.remote.break_glass(mrn, reason).await
    }

    /// The chart again while the break-glass grant lasts.
    pub async fn break_glass_chart(&self, patient_id: &str) -> Result<rounds_domain::api::BreakGlassView> {
        let id: PatientId = parse_id(patient_id, "patient")?;
        self.require_session()?;
        self.remote.break_glass_chart(id).await
    }

    /// The user's live sessions (this device's is `current`).
    pub async fn sessions(&self) -> Result<Vec<SessionSummary>> {
        self.require_session()?;
        self.remote.sessions().await
    }

    /// Ends one of the user's sessions (another device's; this one's is ended by signing out).
    pub async fn revoke_session(&self, id: &str) -> Result<()> {
        let id: uuid::Uuid = parse_id(id, "session")?;
        self.require_session()?;
        self.remote.revoke_session(id).await
    }
}

/// The user's Downloads folder, else their home, else the working folder.
fn downloads() -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    match home {
        Some(h) if h.join("Downloads").is_dir() => h.join("Downloads"),
        Some(h) => h,
        None => PathBuf::from("."),
    }
}
