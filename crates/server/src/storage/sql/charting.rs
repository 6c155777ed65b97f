//! Encounters (notes): starting, editing, signing, co-signing and addenda.

use super::{Store, Tx};
use crate::storage::rows::*;
use crate::storage::sql::Batch;
use crate::storage::*;
use async_trait::async_trait;
use rounds_domain::sync::*;
use rounds_domain::*;
use sqlx::types::Json;
use uuid::Uuid;

impl Store {
    pub(super) async fn write_encounter(tx: &mut Tx, org: OrganizationId, e: &Encounter) -> Result<()> {
        sqlx::query(
            "INSERT INTO encounters (id, organization_id, patient_id, author_id, mode, service_line, state_of_care,
                status, chief_complaints, note, started_at, signed_at, version, draft, signed_by, content_hash,
                cosign_required, cosigned_by, cosigned_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
             ON CONFLICT (id) DO UPDATE SET mode = excluded.mode, state_of_care = excluded.state_of_care,
                service_line = excluded.service_line, status = excluded.status, chief_complaints = excluded.chief_complaints, note = excluded.note,
                signed_at = excluded.signed_at, version = excluded.version, draft = excluded.draft,
                signed_by = excluded.signed_by, content_hash = excluded.content_hash,
                cosign_required = excluded.cosign_required, cosigned_by = excluded.cosigned_by,
                cosigned_at = excluded.cosigned_at",
        )
        .bind(e.id.0)
        .bind(org.0)
        .bind(e.patient_id.0)
        .bind(e.author_id.0)
        .bind(name_of(&e.mode))
        .bind(&e.service_line)
        .bind(e.state_of_care.as_str())
        .bind(name_of(&e.status))
        .bind(Json(&e.chief_complaints))
        .bind(&e.note)
        .bind(e.started_at)
        .bind(e.signed_at)
        .bind(e.version)
        .bind(e.draft.as_deref().map(Json))
        .bind(e.signed_by.map(|p| p.0))
        .bind(&e.content_hash)
        .bind(e.cosign_required)
        .bind(e.cosigned_by.map(|p| p.0))
        .bind(e.cosigned_at)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// An encounter of a patient `who` may see, with its addenda.
    pub(super) async fn encounter_for(tx: &mut Tx, who: PractitionerId, id: EncounterId) -> Result<Option<Encounter>> {
        let row: Option<EncounterRow> = sqlx::query_as(&format!(
            "SELECT {ENCOUNTER_COLUMNS} FROM encounters e WHERE e.id = $2 AND e.patient_id IN ({SCOPE})"
        ))
        .bind(who.0)
        .bind(id.0)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut e = row.into_domain()?;
        let addenda: Vec<AddendumRow> = sqlx::query_as(
            "SELECT id, author_id, text, signed_at, content_hash FROM addenda WHERE encounter_id = $1
             ORDER BY signed_at, id",
        )
        .bind(id.0)
        .fetch_all(&mut **tx)
        .await?;
        e.addenda = addenda.into_iter().map(AddendumRow::into_domain).collect();
        Ok(Some(e))
    }

    pub(super) async fn insert_addendum(tx: &mut Tx, encounter: EncounterId, a: &Addendum) -> Result<()> {
        sqlx::query(
            "INSERT INTO addenda (id, encounter_id, author_id, text, signed_at, content_hash)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(a.id.0)
        .bind(encounter.0)
        .bind(a.author_id.0)
        .bind(&a.text)
        .bind(a.signed_at)
        .bind(&a.content_hash)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The charting commands (start, edit a section, sign, co-sign, addenda) and task
    /// creation. Every refusal is decided before anything is written.
    pub(super) async fn apply_charting(
        tx: &mut Tx,
        batch: &mut Batch,
        who: &Practitioner,
        m: &Mutation,
        now: Time,
    ) -> Result<(Outcome, Option<Record>)> {
        use rounds_domain::charting::{content_hash, needs_cosign, Draft, MAX_ADDENDUM_CHARS};
        let org = who.organization_id;
        let today = now.date_naive();
        let refuse = |code, message: &str| Ok((Outcome::rejected(code, message), None));
        match m {
            Mutation::StartEncounter { encounter_id, patient_id, service_line, mode, state_of_care } => {
                if Self::patient_for(tx, who.id, *patient_id).await?.is_none() {
                    return refuse(RejectCode::NotFound, "patient not found");
                }
                if !who.roles.iter().any(Role::is_licensed_clinician) {
                    return refuse(RejectCode::Forbidden, "only clinicians chart visits");
                }
                if !rounds_domain::charting::is_service_line(service_line) {
                    return refuse(RejectCode::Invalid, "unknown service line");
                }
                let existing: Option<(Uuid, Uuid)> =
                    sqlx::query_as("SELECT patient_id, author_id FROM encounters WHERE id = $1")
                        .bind(encounter_id.0)
                        .fetch_optional(&mut **tx)
                        .await?;
                if let Some((p, a)) = existing {
                    return if p == patient_id.0 && a == who.id.0 {
                        Ok((Outcome::Applied, None))
                    } else {
                        refuse(RejectCode::Invalid, "a different encounter already has this id")
                    };
                }
                let e = Encounter {
                    id: *encounter_id,
                    patient_id: *patient_id,
                    author_id: who.id,
                    mode: *mode,
                    service_line: service_line.clone(),
                    state_of_care: *state_of_care,
                    status: EncounterStatus::Draft,
                    chief_complaints: vec![],
                    note: String::new(),
                    started_at: now,
                    signed_at: None,
                    version: 1,
                    draft: Some(Box::new(Draft::new(*mode, *state_of_care, service_line))),
                    signed_by: None,
                    content_hash: None,
                    cosign_required: false,
                    cosigned_by: None,
                    cosigned_at: None,
                    addenda: vec![],
                };
                Self::write_encounter(tx, org, &e).await?;
                batch.change(Some(e.patient_id), Record::Encounter(e));
                Ok((Outcome::Applied, None))
            }
            Mutation::EditSection { encounter_id, base, section } => {
                if let Err(reason) = section.validate() {
                    return refuse(RejectCode::Invalid, &reason);
                }
                let Some(mut e) = Self::encounter_for(tx, who.id, *encounter_id).await? else {
                    return refuse(RejectCode::NotFound, "encounter not found");
                };
                let current = Record::Encounter(e.clone());
                if e.author_id != who.id {
                    return Ok((
                        Outcome::rejected(RejectCode::Forbidden, "only the author edits a draft"),
                        Some(current),
                    ));
                }
                if e.status.is_signed() {
                    return Ok((
                        Outcome::rejected(RejectCode::Invalid, "the note is signed: changes are addenda"),
                        Some(current),
                    ));
                }
                let Some(mut draft) = e.draft.take() else {
                    return Ok((Outcome::rejected(RejectCode::Invalid, "this note has no sections"), Some(current)));
                };
                let theirs = draft.section_hash(section.key());
                if theirs == section.hash() {
                    return Ok((Outcome::Applied, None)); // already so (a retry, or the same edit twice)
                }
                if &theirs != base {
                    return Ok((
                        Outcome::rejected(
                            RejectCode::Conflict,
                            format!("{} was changed on another device", section.key().title()),
                        ),
                        Some(current),
                    ));
                }
                draft.set(section.clone());
                e.chief_complaints = draft.complaint_codes();
                e.mode = draft.context.mode;
                e.state_of_care = draft.context.state_of_care;
                e.service_line = draft.context.service_line.clone();
                e.draft = Some(draft);
                e.version += 1;
                Self::write_encounter(tx, org, &e).await?;
                batch.change(Some(e.patient_id), Record::Encounter(e));
                Ok((Outcome::Applied, None))
            }
            Mutation::SignEncounter { encounter_id, content_hash: hash } => {
                let Some(mut e) = Self::encounter_for(tx, who.id, *encounter_id).await? else {
                    return refuse(RejectCode::NotFound, "encounter not found");
                };
                let current = Record::Encounter(e.clone());
                if e.status.is_signed() {
                    return Ok(if e.signed_by == Some(who.id) && e.content_hash.as_ref() == Some(hash) {
                        (Outcome::Applied, None)
                    } else {
                        (Outcome::rejected(RejectCode::Invalid, "the note is signed already"), Some(current))
                    });
                }
                if e.author_id != who.id {
                    return Ok((
                        Outcome::rejected(RejectCode::Forbidden, "only the author signs this note"),
                        Some(current),
                    ));
                }
                let Some(draft) = e.draft.as_deref() else {
                    return Ok((Outcome::rejected(RejectCode::Invalid, "this note has no sections"), Some(current)));
                };
                let state = draft.context.state_of_care;
                if who.license_for(state, today).is_none() {
                    return Ok((
                        Outcome::rejected(
                            RejectCode::Forbidden,
                            format!("no active license in {state}, where the patient is"),
                        ),
                        Some(current),
                    ));
                }
                let missing = draft.incomplete();
                if !missing.is_empty() {
                    let reasons: Vec<String> = missing.iter().map(|b| b.message()).collect();
                    return Ok((Outcome::rejected(RejectCode::Invalid, reasons.join("; ")), Some(current)));
                }
                let note = draft.compose_note();
                if &content_hash(&note) != hash {
                    return Ok((
                        Outcome::rejected(
                            RejectCode::Conflict,
                            "the note changed on another device since it was signed here: review it and sign again",
                        ),
                        Some(current),
                    ));
                }
                let (cosign_setting,): (bool,) =
                    sqlx::query_as("SELECT cosign_np_notes FROM organizations WHERE id = $1")
                        .bind(org.0)
                        .fetch_one(&mut **tx)
                        .await?;
                let planned = draft.plan.tasks.clone();
                e.status = EncounterStatus::Signed;
                e.content_hash = Some(hash.clone());
                e.note = note;
                e.signed_by = Some(who.id);
                e.signed_at = Some(now);
                e.cosign_required = needs_cosign(who, cosign_setting);
                e.version += 1;
                Self::write_encounter(tx, org, &e).await?;
                let millis = now.timestamp_millis().max(0) as u64;
                for p in planned {
                    let t = Task {
                        id: TaskId::new_v7(millis),
                        kind: p.kind,
                        patient_id: e.patient_id,
                        queue: p.queue,
                        license_state: state,
                        priority: TaskPriority::Routine,
                        status: TaskStatus::Ready,
                        owner_id: None,
                        description: p.description,
                        due_at: now + chrono::Duration::days(1),
                        version: 1,
                        focus: Some(TaskFocus::Encounter(e.id)),
                        history: vec![],
                    };
                    Self::create_task(tx, batch, org, &Self::created(t, Some(who.id), now)).await?;
                }
                if e.cosign_required {
                    let t = Task {
                        id: TaskId::new_v7(millis),
                        kind: TaskKind::CosignNote,
                        patient_id: e.patient_id,
                        queue: Role::Physician,
                        license_state: state,
                        priority: TaskPriority::Routine,
                        status: TaskStatus::Ready,
                        owner_id: None,
                        description: format!(
                            "Co-sign the {} note of {} (encounter {})",
                            state,
                            e.started_at.format("%Y-%m-%d"),
                            e.id
                        ),
                        due_at: now + chrono::Duration::days(2),
                        version: 1,
                        focus: Some(TaskFocus::Encounter(e.id)),
                        history: vec![],
                    };
                    Self::create_task(tx, batch, org, &Self::created(t, Some(who.id), now)).await?;
                }
                batch.change(Some(e.patient_id), Record::Encounter(e));
                Ok((Outcome::Applied, None))
            }
            Mutation::CosignEncounter { encounter_id, content_hash: hash } => {
                let Some(mut e) = Self::encounter_for(tx, who.id, *encounter_id).await? else {
                    return refuse(RejectCode::NotFound, "encounter not found");
                };
                let current = Record::Encounter(e.clone());
                if e.cosigned_by == Some(who.id) {
                    return Ok((Outcome::Applied, None));
                }
                if !who.has_role(Role::Physician) || who.license_for(e.state_of_care, today).is_none() {
                    return Ok((
                        Outcome::rejected(
                            RejectCode::Forbidden,
                            format!("co-signing needs a physician licensed in {}", e.state_of_care),
                        ),
                        Some(current),
                    ));
                }
                if !e.status.is_signed() || !e.cosign_required || e.cosigned_by.is_some() {
                    return Ok((
                        Outcome::rejected(RejectCode::Invalid, "this note is not waiting for a co-signature"),
                        Some(current),
                    ));
                }
                if e.content_hash.as_ref() != Some(hash) {
                    return Ok((
                        Outcome::rejected(RejectCode::Conflict, "the note differs from the one co-signed"),
                        Some(current),
                    ));
                }
                e.cosigned_by = Some(who.id);
                e.cosigned_at = Some(now);
                e.version += 1;
                Self::write_encounter(tx, org, &e).await?;
                batch.change(Some(e.patient_id), Record::Encounter(e));
                Ok((Outcome::Applied, None))
            }
            Mutation::AddAddendum { addendum_id, encounter_id, text } => {
                let text = text.trim();
                if text.is_empty() || text.chars().count() > MAX_ADDENDUM_CHARS {
                    return refuse(
                        RejectCode::Invalid,
                        &format!("an addendum needs 1 to {MAX_ADDENDUM_CHARS} characters"),
                    );
                }
                let Some(mut e) = Self::encounter_for(tx, who.id, *encounter_id).await? else {
                    return refuse(RejectCode::NotFound, "encounter not found");
                };
                if let Some(a) = e.addenda.iter().find(|a| a.id == *addendum_id) {
                    return Ok((
                        if a.text == text {
                            Outcome::Applied
                        } else {
                            Outcome::rejected(RejectCode::Invalid, "a different addendum already has this id")
                        },
                        None,
                    ));
                }
                let current = Record::Encounter(e.clone());
                if !who.roles.iter().any(Role::is_licensed_clinician) {
                    return Ok((
                        Outcome::rejected(RejectCode::Forbidden, "only clinicians add addenda"),
                        Some(current),
                    ));
                }
                if !e.status.is_signed() {
                    return Ok((
                        Outcome::rejected(RejectCode::Invalid, "the note is still a draft: edit it instead"),
                        Some(current),
                    ));
                }
                let taken: Option<(Uuid,)> = sqlx::query_as("SELECT encounter_id FROM addenda WHERE id = $1")
                    .bind(addendum_id.0)
                    .fetch_optional(&mut **tx)
                    .await?;
                if taken.is_some() {
                    return refuse(RejectCode::Invalid, "a different addendum already has this id");
                }
                let a = Addendum {
                    id: *addendum_id,
                    author_id: who.id,
                    text: text.to_string(),
                    signed_at: now,
                    content_hash: content_hash(text),
                };
                Self::insert_addendum(tx, e.id, &a).await?;
                e.addenda.push(a);
                e.status = EncounterStatus::Amended;
                e.version += 1;
                Self::write_encounter(tx, org, &e).await?;
                batch.change(Some(e.patient_id), Record::Encounter(e));
                Ok((Outcome::Applied, None))
            }
            Mutation::CreateTask {
                task_id,
                patient_id,
                task_kind,
                queue,
                license_state,
                priority,
                description,
                focus,
            } => {
                let description = description.trim();
                if description.is_empty() || description.chars().count() > 2000 {
                    return refuse(RejectCode::Invalid, "a task needs a description of 1 to 2,000 characters");
                }
                if *queue == Some(Role::Admin) {
                    return refuse(RejectCode::Invalid, "clinical work goes to a care queue, not to administrators");
                }
                let rules = Self::routing_rules(tx, org).await?;
                let (routed, due_at) = rules.route(*task_kind, now);
                let queue = queue.unwrap_or(routed);
                if Self::patient_for(tx, who.id, *patient_id).await?.is_none() {
                    return refuse(RejectCode::NotFound, "patient not found");
                }
                let existing: Option<(Uuid, String)> =
                    sqlx::query_as("SELECT patient_id, description FROM tasks WHERE id = $1")
                        .bind(task_id.0)
                        .fetch_optional(&mut **tx)
                        .await?;
                if let Some((p, d)) = existing {
                    return if p == patient_id.0 && d == description {
                        Ok((Outcome::Applied, None))
                    } else {
                        refuse(RejectCode::Invalid, "a different task already has this id")
                    };
                }
                let t = Task {
                    id: *task_id,
                    kind: *task_kind,
                    patient_id: *patient_id,
                    queue,
                    license_state: *license_state,
                    priority: *priority,
                    status: TaskStatus::Ready,
                    owner_id: None,
                    description: description.to_string(),
                    due_at: match priority {
                        TaskPriority::Stat => now + chrono::Duration::hours(1),
                        TaskPriority::Urgent => due_at.min(now + chrono::Duration::hours(4)),
                        TaskPriority::Routine => due_at,
                    },
                    version: 1,
                    focus: *focus,
                    history: vec![],
                };
                Self::create_task(tx, batch, org, &Self::created(t, Some(who.id), now)).await?;
                Ok((Outcome::Applied, None))
            }
            _ => Ok((Outcome::rejected(RejectCode::Invalid, "not a charting command"), None)),
        }
    }
}

#[async_trait]
impl ChartingStore for Store {
    #[tracing::instrument(skip_all)]
    async fn insert_encounter(&self, org: OrganizationId, e: &Encounter, now: Time) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        Self::lock_org(&mut tx, org).await?;
        Self::write_encounter(&mut tx, org, e).await?;
        for a in &e.addenda {
            Self::insert_addendum(&mut tx, e.id, a).await?;
        }
        Self::append(&mut tx, org, Some(e.patient_id), &Record::Encounter(e.clone()), now).await?;
        tx.commit().await?;
        Ok(())
    }
}
