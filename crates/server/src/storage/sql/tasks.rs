//! Tasks, their routing rules and escalation, and state coverage.

use super::{Store, Tx};
use crate::storage::rows::{self, *};
use crate::storage::sql::Batch;
use crate::storage::*;
use async_trait::async_trait;
use rounds_domain::sync::*;
use rounds_domain::*;
use sqlx::types::Json;
use uuid::Uuid;

impl Store {
    pub(super) async fn write_task(tx: &mut Tx, org: OrganizationId, t: &Task) -> Result<()> {
        sqlx::query(
            "INSERT INTO tasks (id, organization_id, kind, patient_id, queue, license_state, priority, status,
                owner_id, description, due_at, version, focus, history)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             ON CONFLICT (id) DO UPDATE SET status = excluded.status, owner_id = excluded.owner_id,
                queue = excluded.queue, priority = excluded.priority, due_at = excluded.due_at,
                version = excluded.version, history = excluded.history",
        )
        .bind(t.id.0)
        .bind(org.0)
        .bind(name_of(&t.kind))
        .bind(t.patient_id.0)
        .bind(t.queue.as_str())
        .bind(t.license_state.as_str())
        .bind(name_of(&t.priority))
        .bind(name_of(&t.status))
        .bind(t.owner_id.map(|p| p.0))
        .bind(&t.description)
        .bind(t.due_at)
        .bind(t.version)
        .bind(t.focus.map(Json))
        .bind(Json(&t.history))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Writes a new task and its change.
    pub(super) async fn create_task(tx: &mut Tx, batch: &mut Batch, org: OrganizationId, t: &Task) -> Result<()> {
        Self::write_task(tx, org, t).await?;
        batch.change(Some(t.patient_id), Record::Task(t.clone()));
        Ok(())
    }

    /// A new task's first history entry: who made it and where it went.
    pub(super) fn created(mut t: Task, by: Option<PractitionerId>, now: Time) -> Task {
        let note = format!("to the {} queue", t.queue.as_str().replace('_', " "));
        t.record(now, by, TaskAction::Created, note);
        t
    }

    pub(super) async fn task_for(tx: &mut Tx, who: PractitionerId, id: TaskId) -> Result<Option<Task>> {
        let row: Option<TaskRow> = sqlx::query_as(&format!(
            "SELECT {TASK_COLUMNS} FROM tasks k WHERE k.id = $2 AND k.patient_id IN ({SCOPE})"
        ))
        .bind(who.0)
        .bind(id.0)
        .fetch_optional(&mut **tx)
        .await?;
        row.map(TaskRow::into_domain).transpose()
    }

    /// The organisation's routing rules (its document, else the standard ones).
    pub(super) async fn routing_rules(
        tx: &mut Tx,
        org: OrganizationId,
    ) -> Result<rounds_domain::routing::RoutingRules> {
        let body: Option<(String,)> = sqlx::query_as(
            "SELECT body FROM org_documents WHERE organization_id = $1 AND kind = 'routing_rules' AND name = 'default'",
        )
        .bind(org.0)
        .fetch_optional(&mut **tx)
        .await?;
        match body {
            Some((b,)) => {
                serde_json::from_str(&b).map_err(|e| StorageError::InvalidData(format!("routing rules: {e}")))
            }
            None => Ok(rounds_domain::routing::RoutingRules::standard()),
        }
    }

    /// Claiming, completing, cancelling and handing off a task: the task in the user's scope,
    /// the domain's rule for the action, then the task written with the action in its history.
    /// Every refusal is decided before anything is written.
    pub(super) async fn apply_task(
        tx: &mut Tx,
        batch: &mut Batch,
        who: &Practitioner,
        m: &Mutation,
        now: Time,
    ) -> Result<(Outcome, Option<Record>)> {
        let org = who.organization_id;
        let today = now.date_naive();
        let task_id = match m {
            Mutation::ClaimTask { task_id, .. }
            | Mutation::CompleteTask { task_id }
            | Mutation::CancelTask { task_id }
            | Mutation::HandOffTask { task_id, .. } => *task_id,
            _ => return Ok((Outcome::rejected(RejectCode::Invalid, "not a task command"), None)),
        };
        let Some(task) = Self::task_for(tx, who.id, task_id).await? else {
            return Ok((Outcome::rejected(RejectCode::NotFound, "task not found"), None));
        };
        let (next, action, note) = match m {
            Mutation::ClaimTask { base_version, .. } => {
                (tasks::claim(&task, who, *base_version, today), TaskAction::Claimed, String::new())
            }
            Mutation::CompleteTask { .. } => (tasks::complete(&task, who, today), TaskAction::Completed, String::new()),
            Mutation::CancelTask { .. } => (tasks::cancel(&task, who, today), TaskAction::Cancelled, String::new()),
            Mutation::HandOffTask { base_version, to, queue, .. } => {
                let Some(colleague) = Self::practitioner_in(tx, org, *to).await? else {
                    return Ok((
                        Outcome::rejected(RejectCode::NotFound, "no such colleague"),
                        Some(Record::Task(task)),
                    ));
                };
                let note = format!("to {} ({})", colleague.display_name, queue.as_str().replace('_', " "));
                (tasks::hand_off(&task, who, &colleague, *queue, *base_version, today), TaskAction::HandedOff, note)
            }
            _ => return Ok((Outcome::rejected(RejectCode::Invalid, "not a task command"), None)),
        };
        let mut next = match next {
            Ok(next) => next,
            Err(outcome) => return Ok((outcome, Some(Record::Task(task)))),
        };
        if next != task {
            next.record(now, Some(who.id), action, note);
            Self::write_task(tx, org, &next).await?;
            batch.change(Some(next.patient_id), Record::Task(next));
        }
        Ok((Outcome::Applied, None))
    }
}

#[async_trait]
impl TaskStore for Store {
    #[tracing::instrument(skip_all)]
    async fn escalate_overdue(&self, now: Time) -> Result<Vec<(OrganizationId, i64)>> {
        let orgs: Vec<(Uuid,)> = sqlx::query_as(
            "SELECT DISTINCT organization_id FROM tasks WHERE status = 'ready' AND owner_id IS NULL AND due_at < $1",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        let mut changed = Vec::new();
        for (org,) in orgs {
            let org = OrganizationId(org);
            let mut tx = self.pool.begin().await?;
            Self::lock_org(&mut tx, org).await?;
            let rules = Self::routing_rules(&mut tx, org).await?;
            let rows: Vec<TaskRow> = sqlx::query_as(&format!(
                "SELECT {TASK_COLUMNS} FROM tasks k WHERE k.organization_id = $1 AND k.status = 'ready'
                 AND k.owner_id IS NULL AND k.due_at < $2"
            ))
            .bind(org.0)
            .bind(now)
            .fetch_all(&mut *tx)
            .await?;
            let mut batch = Batch::default();
            for row in rows {
                let task = row.into_domain()?;
                if let Some(mut next) = rules.escalate(&task, now) {
                    let note =
                        format!("overdue: to the {} queue, {:?}", next.queue.as_str().replace('_', " "), next.priority);
                    next.record(now, None, TaskAction::Escalated, note);
                    Self::write_task(&mut tx, org, &next).await?;
                    batch.change(Some(next.patient_id), Record::Task(next));
                }
            }
            let n = batch.changes.len();
            // No device and no person: the change-log rows are the record of it.
            Self::flush(&mut tx, org, DeviceId(Uuid::nil()), now, batch).await?;
            tx.commit().await?;
            if n > 0 {
                tracing::info!(tasks = n, "overdue tasks escalated");
                changed.push((org, self.head(org).await?));
            }
        }
        Ok(changed)
    }

    #[tracing::instrument(skip_all)]
    async fn coverage(&self, org: OrganizationId, now: Time) -> Result<Vec<rounds_domain::ops::StateCoverage>> {
        let today = now.date_naive();
        let clinicians: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT l.state, count(DISTINCT p.id),
                    count(DISTINCT CASE WHEN p.on_duty THEN p.id END)
             FROM licenses l JOIN practitioners p ON p.id = l.practitioner_id
             WHERE p.organization_id = $1 AND l.expires_on >= $2
               AND EXISTS (SELECT 1 FROM practitioner_roles r WHERE r.practitioner_id = p.id
                           AND r.role IN ('physician', 'nurse_practitioner', 'physician_assistant', 'registered_nurse'))
             GROUP BY l.state",
        )
        .bind(org.0)
        .bind(today)
        .fetch_all(&self.pool)
        .await?;
        let work: Vec<(String, i64, i64, Option<Time>)> = sqlx::query_as(
            "SELECT license_state, count(*), count(CASE WHEN due_at < $2 THEN 1 END), min(due_at)
             FROM tasks
             WHERE organization_id = $1 AND status = 'ready' AND owner_id IS NULL
               AND queue IN ('physician', 'nurse_practitioner', 'physician_assistant', 'registered_nurse')
             GROUP BY license_state",
        )
        .bind(org.0)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        let mut by_state: std::collections::BTreeMap<String, rounds_domain::ops::StateCoverage> = Default::default();
        for (st, licensed, on_duty) in clinicians {
            let state = rows::state(&st)?;
            by_state.insert(
                st,
                rounds_domain::ops::StateCoverage {
                    state,
                    on_duty,
                    licensed,
                    waiting: 0,
                    overdue: 0,
                    oldest_due: None,
                },
            );
        }
        for (st, waiting, overdue, oldest) in work {
            let state = rows::state(&st)?;
            let entry = by_state.entry(st).or_insert(rounds_domain::ops::StateCoverage {
                state,
                on_duty: 0,
                licensed: 0,
                waiting: 0,
                overdue: 0,
                oldest_due: None,
            });
            entry.waiting = waiting;
            entry.overdue = overdue;
            entry.oldest_due = oldest;
        }
        Ok(by_state.into_values().collect())
    }

    #[tracing::instrument(skip_all)]
    async fn insert_task(&self, org: OrganizationId, t: &Task, now: Time) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        Self::lock_org(&mut tx, org).await?;
        Self::write_task(&mut tx, org, t).await?;
        Self::append(&mut tx, org, Some(t.patient_id), &Record::Task(t.clone()), now).await?;
        tx.commit().await?;
        Ok(())
    }
}
