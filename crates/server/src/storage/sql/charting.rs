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
        use rounds_domain::charting;
        let org = who.organization_id;
        let refuse = |code, message: &str| Ok((Outcome::rejected(code, message), None));
        // A domain rule's refusal goes back with the server's copy, which replaces the device's
        // optimistic one (decision 15).
        let refused = |r: Refusal, e: &Encounter| Ok((r.into(), Some(Record::Encounter(e.clone()))));
        match m {
            Mutation::StartEncounter { encounter_id, patient_id, service_line, mode, state_of_care } => {
                if Self::patient_for(tx, who.id, *patient_id).await?.is_none() {
                    return refuse(RejectCode::NotFound, "patient not found");
                }
                let e = match charting::start(*encounter_id, *patient_id, *state_of_care, service_line, *mode, who, now)
                {
                    Ok(e) => e,
                    Err(r) => return Ok((r.into(), None)),
                };
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
                Self::write_encounter(tx, org, &e).await?;
                batch.change(Some(e.patient_id), Record::Encounter(e));
                Ok((Outcome::Applied, None))
            }
            Mutation::EditSection { encounter_id, base, section } => {
                let Some(e) = Self::encounter_for(tx, who.id, *encounter_id).await? else {
                    return refuse(RejectCode::NotFound, "encounter not found");
                };
                let mut next = match charting::edit_section(&e, who.id, section, Some(base)) {
                    Ok(Some(next)) => next,
                    Ok(None) => return Ok((Outcome::Applied, None)), // already so (a retry, or the same edit twice)
                    Err(r) => return refused(r, &e),
                };
                next.version += 1;
                Self::write_encounter(tx, org, &next).await?;
                batch.change(Some(next.patient_id), Record::Encounter(next));
                Ok((Outcome::Applied, None))
            }
            Mutation::SignEncounter { encounter_id, content_hash: hash } => {
                let Some(e) = Self::encounter_for(tx, who.id, *encounter_id).await? else {
                    return refuse(RejectCode::NotFound, "encounter not found");
                };
                if e.status.is_signed() && e.signed_by == Some(who.id) && e.content_hash.as_ref() == Some(hash) {
                    return Ok((Outcome::Applied, None)); // a retry
                }
                let (cosign_setting,): (bool,) =
                    sqlx::query_as("SELECT cosign_np_notes FROM organizations WHERE id = $1")
                        .bind(org.0)
                        .fetch_one(&mut **tx)
                        .await?;
                let mut signed = match charting::sign(&e, who, hash, &[], cosign_setting, now) {
                    Ok(signed) => signed,
                    Err(r) => return refused(r, &e),
                };
                signed.encounter.version += 1;
                Self::write_encounter(tx, org, &signed.encounter).await?;
                for t in signed.tasks {
                    Self::create_task(tx, batch, org, &Self::created(t, Some(who.id), now)).await?;
                }
                batch.change(Some(signed.encounter.patient_id), Record::Encounter(signed.encounter));
                Ok((Outcome::Applied, None))
            }
            Mutation::CosignEncounter { encounter_id, content_hash: hash } => {
                let Some(e) = Self::encounter_for(tx, who.id, *encounter_id).await? else {
                    return refuse(RejectCode::NotFound, "encounter not found");
                };
                if e.cosigned_by == Some(who.id) {
                    return Ok((Outcome::Applied, None)); // a retry
                }
                let mut next = match charting::cosign(&e, who, hash, now) {
                    Ok(next) => next,
                    Err(r) => return refused(r, &e),
                };
                next.version += 1;
                Self::write_encounter(tx, org, &next).await?;
                batch.change(Some(next.patient_id), Record::Encounter(next));
                Ok((Outcome::Applied, None))
            }
            Mutation::AddAddendum { addendum_id, encounter_id, text } => {
                let Some(e) = Self::encounter_for(tx, who.id, *encounter_id).await? else {
                    return refuse(RejectCode::NotFound, "encounter not found");
                };
                if let Some(a) = e.addenda.iter().find(|a| a.id == *addendum_id) {
                    return Ok((
                        if a.text == text.trim() {
                            Outcome::Applied
                        } else {
                            Outcome::rejected(RejectCode::Invalid, "a different addendum already has this id")
                        },
                        None,
                    ));
                }
                let (mut next, a) = match charting::add_addendum(&e, who, *addendum_id, text, now) {
                    Ok(added) => added,
                    Err(r) => return refused(r, &e),
                };
                let taken: Option<(Uuid,)> = sqlx::query_as("SELECT encounter_id FROM addenda WHERE id = $1")
                    .bind(addendum_id.0)
                    .fetch_optional(&mut **tx)
                    .await?;
                if taken.is_some() {
                    return refuse(RejectCode::Invalid, "a different addendum already has this id");
                }
                Self::insert_addendum(tx, e.id, &a).await?;
                next.version += 1;
                Self::write_encounter(tx, org, &next).await?;
                batch.change(Some(next.patient_id), Record::Encounter(next));
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
