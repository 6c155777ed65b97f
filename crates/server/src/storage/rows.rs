//! Row shapes shared by both backends, and their conversion to domain values.

use super::{Result, StorageError};
use chrono::{DateTime, NaiveDate, Utc};
use rounds_domain::*;
use serde::{de::DeserializeOwned, Serialize};
use sqlx::types::Json;
use uuid::Uuid;

/// A unit-like enum as its serde name, e.g. `nurse_practitioner`.
pub(crate) fn name_of<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

pub(crate) fn from_name<T: DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string()))
        .map_err(|e| StorageError::InvalidData(format!("'{s}': {e}")))
}

pub(crate) fn state(s: &str) -> Result<UsState> {
    s.parse().map_err(|e: rounds_domain::state::UnknownState| StorageError::InvalidData(e.to_string()))
}

#[derive(sqlx::FromRow)]
pub(crate) struct PractitionerRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub display_name: String,
    pub email: String,
    pub supervisor_id: Option<Uuid>,
    pub on_duty: bool,
}

#[derive(sqlx::FromRow)]
pub(crate) struct LicenseRow {
    pub state: String,
    pub license_type: String,
    pub number: String,
    pub expires_on: NaiveDate,
}

impl LicenseRow {
    pub fn into_domain(self) -> Result<License> {
        Ok(License {
            state: state(&self.state)?,
            license_type: self.license_type,
            number: self.number,
            expires_on: self.expires_on,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PatientRow {
    pub id: Uuid,
    pub mrn: String,
    pub given_name: String,
    pub family_name: String,
    pub birth_date: NaiveDate,
    pub sex: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub preferred_channel: String,
    pub current_state: String,
    pub guardian: Option<Json<Guardian>>,
    pub allergies: Json<Vec<Allergy>>,
    pub medications: Json<Vec<Medication>>,
    pub problems: Json<Vec<Problem>>,
    pub version: i64,
}

impl PatientRow {
    pub fn into_domain(self) -> Result<Patient> {
        Ok(Patient {
            id: PatientId(self.id),
            mrn: self.mrn,
            given_name: self.given_name,
            family_name: self.family_name,
            birth_date: self.birth_date,
            sex: from_name(&self.sex)?,
            phone: self.phone,
            email: self.email,
            preferred_channel: from_name(&self.preferred_channel)?,
            current_state: state(&self.current_state)?,
            guardian: self.guardian.map(|g| g.0),
            allergies: self.allergies.0,
            medications: self.medications.0,
            problems: self.problems.0,
            version: self.version,
        })
    }
}

pub(crate) const PATIENT_COLUMNS: &str =
    "p.id, p.mrn, p.given_name, p.family_name, p.birth_date, p.sex, p.phone, p.email, \
     p.preferred_channel, p.current_state, p.guardian, p.allergies, p.medications, p.problems, p.version";

/// Times are stored as UTC; kept here so both backends read the same type.
pub(crate) type Time = DateTime<Utc>;

#[derive(sqlx::FromRow)]
pub(crate) struct ThreadRow {
    pub id: Uuid,
    pub patient_id: Option<Uuid>,
    pub channel: String,
    pub status: String,
    pub assignee_id: Option<Uuid>,
    pub service_line: String,
    pub last_message_at: Time,
    pub version: i64,
    pub urgent: bool,
    pub from_number: Option<String>,
    pub respond_by: Option<Time>,
    pub reviewed_by: Option<Uuid>,
    pub reviewed_at: Option<Time>,
    pub escalation: Option<Json<Escalation>>,
    pub encounter_id: Option<Uuid>,
    pub queue: String,
}

impl ThreadRow {
    pub fn into_domain(self) -> Result<Thread> {
        Ok(Thread {
            id: ThreadId(self.id),
            patient_id: self.patient_id.map(PatientId),
            channel: from_name(&self.channel)?,
            status: from_name(&self.status)?,
            assignee_id: self.assignee_id.map(PractitionerId),
            service_line: self.service_line,
            last_message_at: self.last_message_at,
            version: self.version,
            urgent: self.urgent,
            from_number: self.from_number,
            respond_by: self.respond_by,
            reviewed_by: self.reviewed_by.map(PractitionerId),
            reviewed_at: self.reviewed_at,
            escalation: self.escalation.map(|j| j.0),
            encounter_id: self.encounter_id.map(EncounterId),
            queue: Role::parse(&self.queue).ok_or_else(|| StorageError::InvalidData(format!("role {}", self.queue)))?,
        })
    }
}

pub(crate) const THREAD_COLUMNS: &str =
    "t.id, t.patient_id, t.channel, t.status, t.assignee_id, t.service_line, t.last_message_at, t.version, \
     t.urgent, t.from_number, t.respond_by, t.reviewed_by, t.reviewed_at, t.escalation, t.encounter_id, t.queue";

#[derive(sqlx::FromRow)]
pub(crate) struct MessageRow {
    pub id: Uuid,
    pub thread_id: Uuid,
    pub direction: String,
    pub author_id: Option<Uuid>,
    pub body: String,
    pub sent_at: Time,
    pub external_id: Option<String>,
    pub delivery: Option<String>,
}

impl MessageRow {
    pub fn into_domain(self) -> Result<Message> {
        Ok(Message {
            id: MessageId(self.id),
            thread_id: ThreadId(self.thread_id),
            direction: from_name(&self.direction)?,
            author_id: self.author_id.map(PractitionerId),
            body: self.body,
            sent_at: self.sent_at,
            external_id: self.external_id,
            delivery: self.delivery.as_deref().map(from_name).transpose()?,
        })
    }
}

pub(crate) const MESSAGE_COLUMNS: &str =
    "m.id, m.thread_id, m.direction, m.author_id, m.body, m.sent_at, m.external_id, m.delivery";

#[derive(sqlx::FromRow)]
pub(crate) struct TaskRow {
    pub id: Uuid,
    pub kind: String,
    pub patient_id: Uuid,
    pub queue: String,
    pub license_state: String,
    pub priority: String,
    pub status: String,
    pub owner_id: Option<Uuid>,
    pub description: String,
    pub due_at: Time,
    pub version: i64,
    pub focus: Option<Json<TaskFocus>>,
    pub history: Json<Vec<TaskEvent>>,
}

impl TaskRow {
    pub fn into_domain(self) -> Result<Task> {
        Ok(Task {
            id: TaskId(self.id),
            kind: from_name(&self.kind)?,
            patient_id: PatientId(self.patient_id),
            queue: Role::parse(&self.queue)
                .ok_or_else(|| StorageError::InvalidData(format!("role '{}'", self.queue)))?,
            license_state: state(&self.license_state)?,
            priority: from_name(&self.priority)?,
            status: from_name(&self.status)?,
            owner_id: self.owner_id.map(PractitionerId),
            description: self.description,
            due_at: self.due_at,
            version: self.version,
            focus: self.focus.map(|f| f.0),
            history: self.history.0,
        })
    }
}

pub(crate) const TASK_COLUMNS: &str =
    "k.id, k.kind, k.patient_id, k.queue, k.license_state, k.priority, k.status, k.owner_id, \
     k.description, k.due_at, k.version, k.focus, k.history";

/// The patients `$1` (a practitioner id) may see: those of their care teams.
pub(crate) const SCOPE: &str =
    "SELECT sp.id FROM patients sp JOIN care_team_members sm ON sm.care_team_id = sp.care_team_id \
     WHERE sm.practitioner_id = $1";

#[derive(sqlx::FromRow)]
pub(crate) struct AuditDbRow {
    pub organization_id: Uuid,
    pub seq: i64,
    pub at: Time,
    pub practitioner_id: Uuid,
    pub device_id: Option<Uuid>,
    pub patient_id: Option<Uuid>,
    pub action: String,
    pub detail: String,
    pub severity: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditDbRow {
    pub fn into_domain(self) -> Result<crate::audit::AuditRow> {
        Ok(crate::audit::AuditRow {
            seq: self.seq,
            event: crate::audit::AuditEvent {
                organization_id: OrganizationId(self.organization_id),
                at: self.at,
                practitioner_id: PractitionerId(self.practitioner_id),
                device_id: self.device_id.map(DeviceId),
                patient_id: self.patient_id.map(PatientId),
                action: self.action,
                detail: self.detail,
                severity: from_name(&self.severity)?,
            },
            prev_hash: self.prev_hash,
            hash: self.hash,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct EncounterRow {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub author_id: Uuid,
    pub mode: String,
    pub service_line: String,
    pub state_of_care: String,
    pub status: String,
    pub chief_complaints: sqlx::types::Json<Vec<String>>,
    pub note: String,
    pub started_at: Time,
    pub signed_at: Option<Time>,
    pub version: i64,
    pub draft: Option<sqlx::types::Json<rounds_domain::charting::Draft>>,
    pub signed_by: Option<Uuid>,
    pub content_hash: Option<String>,
    pub cosign_required: bool,
    pub cosigned_by: Option<Uuid>,
    pub cosigned_at: Option<Time>,
}

impl EncounterRow {
    /// The encounter without its addenda (read separately).
    pub fn into_domain(self) -> Result<Encounter> {
        Ok(Encounter {
            id: EncounterId(self.id),
            patient_id: PatientId(self.patient_id),
            author_id: PractitionerId(self.author_id),
            mode: from_name(&self.mode)?,
            service_line: self.service_line,
            state_of_care: state(&self.state_of_care)?,
            status: from_name(&self.status)?,
            chief_complaints: self.chief_complaints.0,
            note: self.note,
            started_at: self.started_at,
            signed_at: self.signed_at,
            version: self.version,
            draft: self.draft.map(|d| Box::new(d.0)),
            signed_by: self.signed_by.map(PractitionerId),
            content_hash: self.content_hash,
            cosign_required: self.cosign_required,
            cosigned_by: self.cosigned_by.map(PractitionerId),
            cosigned_at: self.cosigned_at,
            addenda: Vec::new(),
        })
    }
}

pub(crate) const ENCOUNTER_COLUMNS: &str =
    "e.id, e.patient_id, e.author_id, e.mode, e.service_line, e.state_of_care, e.status, e.chief_complaints, \
     e.note, e.started_at, e.signed_at, e.version, e.draft, e.signed_by, e.content_hash, e.cosign_required, \
     e.cosigned_by, e.cosigned_at";

#[derive(sqlx::FromRow)]
pub(crate) struct AddendumRow {
    pub id: Uuid,
    pub author_id: Uuid,
    pub text: String,
    pub signed_at: Time,
    pub content_hash: String,
}

impl AddendumRow {
    pub fn into_domain(self) -> Addendum {
        Addendum {
            id: AddendumId(self.id),
            author_id: PractitionerId(self.author_id),
            text: self.text,
            signed_at: self.signed_at,
            content_hash: self.content_hash,
        }
    }
}
