//! The sync vocabulary (see docs/sync.md): commands a device pushes, the results the
//! server stores for them, and the change log it pulls. Also the pure rules both sides run:
//! per-field compare-and-set on patient demographics.

use crate::charting::Section;
use crate::{
    AddendumId, DeviceId, Encounter, EncounterId, EncounterMode, Message, MessageId, Patient, PatientId, Role, Task,
    TaskId, TaskKind, TaskPriority, Thread, ThreadId, UsState,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;
use uuid::Uuid;

/// The version of the command format this build writes. A server accepts every version up to
/// its own, converting older ones ([`read_command`]); a newer one is rejected with a reason,
/// never dropped.
///
/// - 1: edit_patient, post_message, claim_task, complete_task.
/// - 2: adds start_encounter, edit_section, sign_encounter, add_addendum, cosign_encounter,
///   create_task, cancel_task, hand_off_task. A format-1 command reads unchanged as format 2.
/// - 3: adds thread_action, log_thread_time and record_access. Older commands read unchanged.
pub const COMMAND_SCHEMA_VERSION: u32 = 3;

/// The command kinds each format knows, oldest first.
const KINDS_BY_FORMAT: [&[&str]; 3] = [
    &["edit_patient", "post_message", "claim_task", "complete_task"],
    &[
        "start_encounter",
        "edit_section",
        "sign_encounter",
        "add_addendum",
        "cosign_encounter",
        "create_task",
        "cancel_task",
        "hand_off_task",
    ],
    &["thread_action", "log_thread_time", "record_access"],
];

/// A command as it arrives, before the server reads its mutation (which may be in an older
/// format, or one this server cannot read).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCommand {
    pub client_seq: i64,
    pub mutation_id: Uuid,
    pub schema_version: u32,
    pub mutation: Value,
}

/// What the server makes of one arriving command: a command in today's format, or the reason
/// it cannot be applied (stored as its result like any refusal).
pub fn read_command(raw: RawCommand) -> Result<Command, Outcome> {
    let version = raw.schema_version;
    if version == 0 || version > COMMAND_SCHEMA_VERSION {
        return Err(Outcome::rejected(
            RejectCode::UnsupportedSchema,
            format!("command format {version} is not known to this server (it knows up to {COMMAND_SCHEMA_VERSION})"),
        ));
    }
    let mutation = upgrade(version, raw.mutation)?;
    let mutation: Mutation = serde_json::from_value(mutation)
        .map_err(|e| Outcome::rejected(RejectCode::Invalid, format!("the server cannot read this command: {e}")))?;
    Ok(Command {
        client_seq: raw.client_seq,
        mutation_id: raw.mutation_id,
        schema_version: COMMAND_SCHEMA_VERSION,
        mutation,
    })
}

/// Converts a mutation written in format `from` to today's format, one format at a time.
fn upgrade(from: u32, mutation: Value) -> Result<Value, Outcome> {
    let kind = mutation.get("kind").and_then(Value::as_str).unwrap_or_default().to_string();
    let known: Vec<&str> = KINDS_BY_FORMAT[..from as usize].iter().flat_map(|k| k.iter().copied()).collect();
    if !known.contains(&kind.as_str()) {
        return Err(Outcome::rejected(RejectCode::Invalid, format!("'{kind}' is not a command of format {from}")));
    }
    // 1 -> 2: no command changed shape (format 2 only added kinds). A later format that
    // reshapes a command converts it here, step by step.
    Ok(mutation)
}

/// Most commands in one push; more wait for the next round.
pub const MAX_PUSH_COMMANDS: usize = 200;
/// Longest message body accepted.
pub const MAX_MESSAGE_CHARS: usize = 4000;

/// A patient field that can be edited on its own. Different fields edited on two devices
/// merge; the same field edited on both is a conflict for a person to resolve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PatientField {
    GivenName,
    FamilyName,
    BirthDate,
    Sex,
    Phone,
    Email,
    PreferredChannel,
    CurrentState,
    Guardian,
    Allergies,
    Medications,
    Problems,
}

impl PatientField {
    pub fn key(&self) -> &'static str {
        match self {
            PatientField::GivenName => "given_name",
            PatientField::FamilyName => "family_name",
            PatientField::BirthDate => "birth_date",
            PatientField::Sex => "sex",
            PatientField::Phone => "phone",
            PatientField::Email => "email",
            PatientField::PreferredChannel => "preferred_channel",
            PatientField::CurrentState => "current_state",
            PatientField::Guardian => "guardian",
            PatientField::Allergies => "allergies",
            PatientField::Medications => "medications",
            PatientField::Problems => "problems",
        }
    }
}

/// One field's edit: the value the device saw (`base`) and the value it wants.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldChange {
    pub field: PatientField,
    #[ts(type = "unknown")]
    pub base: Value,
    #[ts(type = "unknown")]
    pub value: Value,
}

/// The same field changed elsewhere first: both values, for the clinician to choose.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct FieldConflict {
    pub field: PatientField,
    #[ts(type = "unknown")]
    pub base: Value,
    /// What the server has now.
    #[ts(type = "unknown")]
    pub theirs: Value,
    /// What this device wanted.
    #[ts(type = "unknown")]
    pub ours: Value,
}

/// What a device asks the server to do. Each is applied exactly once, in the device's order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[serde(deny_unknown_fields)]
pub enum Mutation {
    EditPatient {
        patient_id: PatientId,
        changes: Vec<FieldChange>,
    },
    /// Insert-only by client id: the same id twice is one message; with another body, refused.
    PostMessage {
        message_id: MessageId,
        thread_id: ThreadId,
        body: String,
    },
    /// Compare-and-set on the task's version: the first claim to reach the server wins.
    ClaimTask {
        task_id: TaskId,
        #[ts(type = "number")]
        base_version: i64,
    },
    /// Idempotent.
    CompleteTask {
        task_id: TaskId,
    },
    /// Opens a draft note. Insert-only by client id.
    StartEncounter {
        encounter_id: EncounterId,
        patient_id: PatientId,
        service_line: String,
        mode: EncounterMode,
        state_of_care: UsState,
    },
    /// Saves one section of a draft, compared and set on `base`: the hash of the section as
    /// this device last saw it. Changed elsewhere since: a conflict for the clinician.
    EditSection {
        encounter_id: EncounterId,
        base: String,
        section: Section,
    },
    /// Signs the note whose composed text hashes to `content_hash`; applied only while the note
    /// is a draft and its sections still compose to that text on the server.
    SignEncounter {
        encounter_id: EncounterId,
        content_hash: String,
    },
    /// Appends a signed addendum to a signed note. Insert-only by client id.
    AddAddendum {
        addendum_id: AddendumId,
        encounter_id: EncounterId,
        text: String,
    },
    /// A physician co-signs a note that needs it (the text they saw hashes to `content_hash`).
    CosignEncounter {
        encounter_id: EncounterId,
        content_hash: String,
    },
    /// Puts work in a role's queue (a hand-off, a follow-up). Insert-only by client id. Without
    /// a queue, the organisation's routing rules choose it (and the due time).
    CreateTask {
        task_id: TaskId,
        patient_id: PatientId,
        task_kind: TaskKind,
        queue: Option<Role>,
        license_state: UsState,
        priority: TaskPriority,
        description: String,
        /// What the work is about (an encounter, a thread).
        #[serde(default)]
        focus: Option<crate::TaskFocus>,
    },
    /// Idempotent; the owner, or anyone who may take an unowned task.
    CancelTask {
        task_id: TaskId,
    },
    /// Hands a task to a named colleague in `queue`, compare-and-set on the version; the
    /// colleague must hold the role and, for a clinical queue, a license in the task's state.
    HandOffTask {
        task_id: TaskId,
        #[ts(type = "number")]
        base_version: i64,
        to: crate::PractitionerId,
        queue: Role,
    },
    /// Claims, assigns, escalates, reviews, closes or links a thread; each action idempotent.
    ThreadAction {
        thread_id: ThreadId,
        action: crate::ThreadAction,
    },
    /// A slice of this clinician's time on a thread (e-visit billing). Insert-only by id.
    LogThreadTime {
        #[ts(type = "string")]
        entry_id: Uuid,
        thread_id: ThreadId,
        started_at: chrono::DateTime<chrono::Utc>,
        seconds: u32,
    },
    /// A clinician looked at a patient's record on the device (offline too): the server's audit
    /// trail gets it when the device is back.
    RecordAccess {
        patient_id: PatientId,
        what: AccessKind,
        /// The device's clock when it happened (the audit row's time is the server's).
        at: chrono::DateTime<chrono::Utc>,
    },
}

/// What a clinician read on the device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccessKind {
    /// The patient's banner and chart (visits included).
    Chart,
    /// A message thread.
    Thread,
}

impl AccessKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            AccessKind::Chart => "chart",
            AccessKind::Thread => "thread",
        }
    }
}

impl Mutation {
    /// The patient the command touches, when there is one (for scope checks and conflicts).
    pub fn patient(&self) -> Option<PatientId> {
        match self {
            Mutation::EditPatient { patient_id, .. }
            | Mutation::StartEncounter { patient_id, .. }
            | Mutation::CreateTask { patient_id, .. }
            | Mutation::RecordAccess { patient_id, .. } => Some(*patient_id),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Command {
    /// 1, 2, 3... per device, without gaps: the server's idempotency key with the device id.
    pub client_seq: i64,
    /// Unique per command, for tracing a command across devices and logs.
    pub mutation_id: Uuid,
    pub schema_version: u32,
    pub mutation: Mutation,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub device_id: DeviceId,
    pub commands: Vec<Command>,
}

/// A push as the server reads it: each command's mutation is read on its own, so one it cannot
/// read is refused with a reason while the others are applied.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IncomingPush {
    pub device_id: DeviceId,
    pub commands: Vec<RawCommand>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RejectCode {
    /// The same data changed elsewhere first (see `conflicts`).
    Conflict,
    /// Someone else claimed the task first.
    AlreadyClaimed,
    Forbidden,
    NotFound,
    Invalid,
    /// A command format newer than this server knows.
    UnsupportedSchema,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Applied,
    Rejected { code: RejectCode, message: String, conflicts: Vec<FieldConflict> },
}

impl Outcome {
    pub fn rejected(code: RejectCode, message: impl Into<String>) -> Outcome {
        Outcome::Rejected { code, message: message.into(), conflicts: vec![] }
    }
}

/// A command refused by a domain rule: its code and the one sentence both the device and the
/// server show for it. Nothing was changed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    pub code: RejectCode,
    pub message: String,
}

impl Refusal {
    pub fn new(code: RejectCode, message: impl Into<String>) -> Refusal {
        Refusal { code, message: message.into() }
    }

    pub fn invalid(message: impl Into<String>) -> Refusal {
        Refusal::new(RejectCode::Invalid, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Refusal {
        Refusal::new(RejectCode::Forbidden, message)
    }

    pub fn conflict(message: impl Into<String>) -> Refusal {
        Refusal::new(RejectCode::Conflict, message)
    }
}

impl From<Refusal> for Outcome {
    fn from(r: Refusal) -> Outcome {
        Outcome::rejected(r.code, r.message)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CommandResult {
    pub client_seq: i64,
    pub outcome: Outcome,
    /// For a refused command, the record as the server has it, so the device can take its
    /// optimistic edit back out without waiting for a change that may never come.
    #[serde(default)]
    pub current: Option<Record>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PushResponse {
    /// One per accepted command, in order (duplicates answered from the stored results).
    pub results: Vec<CommandResult>,
    /// The server's last applied client_seq for this device.
    pub last_seq: i64,
}

/// A record as it is after a committed change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "type", content = "record", rename_all = "snake_case")]
pub enum Record {
    Patient(Patient),
    Encounter(Encounter),
    Thread(Thread),
    Message(Message),
    Task(Task),
    /// Organisation data every device of the organisation holds: a complaint catalog or the
    /// service menu, replaced whole by an administrator.
    OrgDocument(OrgDocument),
    /// A practitioner of the organisation (the provider directory).
    Practitioner(crate::Practitioner),
    /// The record changed in a way that takes it out of this user's scope (a task now in
    /// another queue, owned by someone else, or needing a license the user lacks): a device
    /// holding a copy drops it. Its pending commands stay in the outbox for the server to judge.
    Withdrawn(Withdrawn),
    /// A slice of a clinician's time on a thread.
    ThreadTime(crate::ThreadTime),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgDocumentKind {
    /// A service line's complaint catalog (JSON, as data/complaints/*.json); named by its line.
    ComplaintCatalog,
    /// What the organisation bills for (CSV `code,description,rule`); named "default".
    ServiceMenu,
    /// Which queue each kind of task goes to and where it escalates (JSON); named "default".
    RoutingRules,
    /// The organisation's security settings (JSON [`crate::api::SecurityPolicy`]); named "default".
    SecurityPolicy,
}

impl OrgDocumentKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            OrgDocumentKind::ComplaintCatalog => "complaint_catalog",
            OrgDocumentKind::ServiceMenu => "service_menu",
            OrgDocumentKind::RoutingRules => "routing_rules",
            OrgDocumentKind::SecurityPolicy => "security_policy",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OrgDocument {
    pub kind: OrgDocumentKind,
    pub name: String,
    /// A hash of `body`: devices replace their copy when it changes.
    pub version: String,
    pub body: String,
}

impl OrgDocument {
    /// Checks a document and stamps its version. The error names what is wrong (each bad
    /// line of a service menu, each bad complaint of a catalog).
    pub fn new(kind: OrgDocumentKind, name: &str, body: &str) -> Result<OrgDocument, String> {
        match kind {
            OrgDocumentKind::ServiceMenu => {
                if name != "default" {
                    return Err("an organisation has one service menu, named \"default\"".into());
                }
                let menu = crate::billing::parse_service_menu(body)?;
                if menu.is_empty() {
                    return Err("the service menu has no lines".into());
                }
            }
            OrgDocumentKind::RoutingRules => {
                if name != "default" {
                    return Err("an organisation has one set of routing rules, named \"default\"".into());
                }
                let rules: crate::routing::RoutingRules =
                    serde_json::from_str(body).map_err(|e| format!("the routing rules do not read: {e}"))?;
                rules.validate()?;
            }
            OrgDocumentKind::SecurityPolicy => {
                if name != "default" {
                    return Err("an organisation has one security policy, named \"default\"".into());
                }
                let policy: crate::api::SecurityPolicy =
                    serde_json::from_str(body).map_err(|e| format!("the security policy does not read: {e}"))?;
                policy.validate()?;
            }
            OrgDocumentKind::ComplaintCatalog => {
                let catalog: crate::ComplaintCatalog =
                    serde_json::from_str(body).map_err(|e| format!("the catalog does not read: {e}"))?;
                if catalog.service_line != name {
                    return Err(format!("the catalog is for '{}', not '{name}'", catalog.service_line));
                }
                crate::catalog::validate(&catalog)?;
            }
        }
        use sha2::{Digest, Sha256};
        let version = Sha256::digest(body.as_bytes()).iter().take(12).map(|b| format!("{b:02x}")).collect();
        Ok(OrgDocument { kind, name: name.to_string(), version, body: body.to_string() })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Withdrawn {
    /// "task".
    pub entity: String,
    pub id: Uuid,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Change {
    /// Position in the organisation's change log: commit order, gapless per organisation.
    pub position: i64,
    pub record: Record,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PullResponse {
    /// Changes when the server's log was reset or restored: the device then re-snapshots.
    pub epoch: Uuid,
    pub changes: Vec<Change>,
    /// Pass back as `cursor` next time.
    pub cursor: i64,
    /// More changes are waiting beyond this page.
    pub more: bool,
    /// The log's head when this page was read (for progress: cursor of head).
    #[serde(default)]
    pub head: i64,
    /// What this user's scope is made of today (see [`scope_key`]). When it differs from the
    /// one the device last pulled with, the device reads the log again from the start: the
    /// records it gained arrive, and those it lost arrive withdrawn.
    #[serde(default)]
    pub scope: String,
}

/// A short fingerprint of what decides a user's task scope: their roles and the states where
/// they hold an active license on `today`.
pub fn scope_key(who: &crate::Practitioner, today: chrono::NaiveDate) -> String {
    use sha2::{Digest, Sha256};
    let mut roles: Vec<&str> = who.roles.iter().map(|r| r.as_str()).collect();
    roles.sort();
    let mut states: Vec<&str> =
        who.licenses.iter().filter(|l| l.is_active_on(today)).map(|l| l.state.as_str()).collect();
    states.sort();
    states.dedup();
    let text = format!("{}|{}", roles.join(","), states.join(","));
    Sha256::digest(text.as_bytes()).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Applies per-field compare-and-set edits to `current`: a field whose value still equals the
/// edit's base takes the new value; one already equal to the new value is fine; otherwise it is
/// a conflict, and nothing at all is applied. Values are checked by type (the result must still
/// be a valid patient) and names may not be blank.
pub fn apply_patient_changes(current: &Patient, changes: &[FieldChange]) -> Result<Patient, PatientEditError> {
    if changes.is_empty() {
        return Err(PatientEditError::Invalid("no changes".into()));
    }
    let mut doc = serde_json::to_value(current).map_err(|e| PatientEditError::Invalid(e.to_string()))?;
    let Some(obj) = doc.as_object_mut() else {
        return Err(PatientEditError::Invalid("patient is not an object".into()));
    };
    let mut conflicts = Vec::new();
    for c in changes {
        let now = obj.get(c.field.key()).cloned().unwrap_or(Value::Null);
        if now == c.value {
            continue;
        }
        if now != c.base {
            conflicts.push(FieldConflict { field: c.field, base: c.base.clone(), theirs: now, ours: c.value.clone() });
            continue;
        }
        obj.insert(c.field.key().to_string(), c.value.clone());
    }
    if !conflicts.is_empty() {
        return Err(PatientEditError::Conflict(conflicts));
    }
    let next: Patient =
        serde_json::from_value(doc).map_err(|e| PatientEditError::Invalid(format!("invalid value: {e}")))?;
    if next.given_name.trim().is_empty() || next.family_name.trim().is_empty() {
        return Err(PatientEditError::Invalid("a patient needs a given and a family name".into()));
    }
    if next.given_name.chars().count() > 100 || next.family_name.chars().count() > 100 {
        return Err(PatientEditError::Invalid("names are limited to 100 characters".into()));
    }
    Ok(next)
}

#[derive(Clone, Debug, PartialEq)]
pub enum PatientEditError {
    Conflict(Vec<FieldConflict>),
    Invalid(String),
}

impl PatientEditError {
    pub fn into_outcome(self) -> Outcome {
        match self {
            PatientEditError::Conflict(conflicts) => Outcome::Rejected {
                code: RejectCode::Conflict,
                message: format!(
                    "changed on another device first: {}",
                    conflicts.iter().map(|c| c.field.key()).collect::<Vec<_>>().join(", ")
                ),
                conflicts,
            },
            PatientEditError::Invalid(m) => Outcome::rejected(RejectCode::Invalid, m),
        }
    }
}

/// The current value of `field` on `p`, as JSON (what a [`FieldChange`] carries).
pub fn patient_field(p: &Patient, field: PatientField) -> Value {
    serde_json::to_value(p).ok().and_then(|v| v.get(field.key()).cloned()).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Channel, Sex};
    use serde_json::json;

    fn patient() -> Patient {
        Patient {
            id: PatientId::new_v7(1),
            mrn: "1".into(),
            given_name: "Ava".into(),
            family_name: "Martinez".into(),
            birth_date: "2019-04-12".parse().expect("date"),
            sex: Sex::Female,
            phone: Some("+14155550123".into()),
            email: None,
            preferred_channel: Channel::Sms,
            current_state: "CA".parse().expect("CA"),
            guardian: None,
            allergies: vec![],
            medications: vec![],
            problems: vec![],
            version: 3,
        }
    }

    fn change(field: PatientField, base: Value, value: Value) -> FieldChange {
        FieldChange { field, base, value }
    }

    #[test]
    fn a_field_whose_base_matches_takes_the_new_value() {
        let next = apply_patient_changes(&patient(), &[change(PatientField::CurrentState, json!("CA"), json!("NV"))])
            .expect("applies");
        assert_eq!(next.current_state.as_str(), "NV");
        assert_eq!(next.version, 3, "versions are the server's business");
    }

    #[test]
    fn the_same_field_changed_elsewhere_is_a_conflict_and_nothing_applies() {
        let mut server = patient();
        server.phone = Some("+14155550999".into());
        let err = apply_patient_changes(
            &server,
            &[
                change(PatientField::FamilyName, json!("Martinez"), json!("Lopez")),
                change(PatientField::Phone, json!("+14155550123"), json!("+14155550111")),
            ],
        )
        .expect_err("conflict");
        let PatientEditError::Conflict(conflicts) = err else { panic!("expected conflict") };
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].theirs, json!("+14155550999"));
        assert_eq!(conflicts[0].ours, json!("+14155550111"));
    }

    #[test]
    fn reapplying_an_edit_that_already_landed_is_not_a_conflict() {
        let mut server = patient();
        server.family_name = "Lopez".into();
        let next =
            apply_patient_changes(&server, &[change(PatientField::FamilyName, json!("Martinez"), json!("Lopez"))])
                .expect("idempotent");
        assert_eq!(next.family_name, "Lopez");
    }

    #[test]
    fn invalid_values_are_refused() {
        for (field, value) in [
            (PatientField::CurrentState, json!("ZZ")),
            (PatientField::BirthDate, json!("yesterday")),
            (PatientField::GivenName, json!("   ")),
            (PatientField::Sex, json!(42)),
            (PatientField::FamilyName, json!("x".repeat(101))),
        ] {
            let base = patient_field(&patient(), field);
            assert!(
                matches!(
                    apply_patient_changes(&patient(), &[change(field, base, value.clone())]),
                    Err(PatientEditError::Invalid(_))
                ),
                "{field:?} = {value}"
            );
        }
        assert!(matches!(apply_patient_changes(&patient(), &[]), Err(PatientEditError::Invalid(_))));
    }

    #[test]
    fn mutations_have_a_stable_wire_form() {
        let m = Mutation::ClaimTask { task_id: TaskId::new_v7(1), base_version: 2 };
        let v = serde_json::to_value(&m).expect("json");
        assert_eq!(v["kind"], "claim_task");
        assert_eq!(v["base_version"], 2);
        let unknown = json!({"kind": "delete_everything"});
        assert!(serde_json::from_value::<Mutation>(unknown).is_err());
    }
}

/// What the sync indicator shows: synced / N pending / offline since HH:MM / N refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct SyncStatus {
    /// Local changes not yet acknowledged by the server.
    pub pending: u32,
    /// Changes the server refused, waiting for the clinician to look at them.
    pub rejected: u32,
    pub last_synced_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When the server stopped answering; None while it answers.
    pub offline_since: Option<chrono::DateTime<chrono::Utc>>,
    /// While a long download runs (the first sync): how far it is.
    pub progress: Option<SyncProgress>,
    /// The server accepted this device's session since the app started (a session kept from
    /// before a restart counts once it has been renewed).
    #[serde(default)]
    pub session_live: bool,
}

/// Change-log positions received of those the server had when the download started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct SyncProgress {
    #[ts(type = "number")]
    pub done: i64,
    #[ts(type = "number")]
    pub total: i64,
}

/// A refused change, as the clinician sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct RejectedChange {
    #[ts(type = "number")]
    pub client_seq: i64,
    pub mutation: Mutation,
    pub outcome: Outcome,
}

/// One field edit asked for by the UI.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldEdit {
    pub field: PatientField,
    #[ts(type = "unknown")]
    pub value: Value,
}
