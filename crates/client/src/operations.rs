//! Operations on the device: role queues (from the cache, in this user's scope), task actions
//! (applied at once, synced later, judged again by the server), the provider directory with
//! license warnings, and, online, coverage by state and directory edits for administrators.

use crate::{not_found, parse_id, ClientError, Result, Workspace};
use rounds_domain::ops::*;
use rounds_domain::practitioner::LICENSE_WARNING_DAYS;
use rounds_domain::sync::Mutation;
use rounds_domain::*;

/// Most tasks one queue screen lists (the counts cover them all).
pub const MAX_QUEUE_ITEMS: u32 = 500;

impl Workspace {
    /// One queue of this user (theirs, or a role's unowned work), sorted, with counts per queue.
    pub fn task_queue(&self, filter: QueueFilter, sort: QueueSort, limit: u32) -> Result<QueueView> {
        if limit == 0 || limit > MAX_QUEUE_ITEMS {
            return Err(ClientError::invalid(format!("limit must be between 1 and {MAX_QUEUE_ITEMS}")));
        }
        let me = self.require_session()?;
        let now = self.now();
        let store = self.store()?;
        let tx = store.read();
        let who = tx.practitioner(me)?;
        if let QueueFilter::Role(role) = filter {
            if !who.has_role(role) {
                return Err(ClientError::new(
                    ErrorCode::Forbidden,
                    format!("you are not in the {} queue", role.as_str().replace('_', " ")),
                ));
            }
        }
        let roles: Vec<Role> = who.roles.iter().copied().filter(|r| *r != Role::Admin).collect();
        let (counts, mine) = tx.queue_counts(&roles, me, now)?;
        let items = tx
            .queue_items(filter, me, sort, limit, now)?
            .into_iter()
            .map(|(task, patient_name)| QueueItem {
                patient_id: task.patient_id,
                overdue: task.due_at < now && matches!(task.status, TaskStatus::Ready | TaskStatus::InProgress),
                task,
                patient_name,
            })
            .collect();
        Ok(QueueView { counts, mine, items })
    }

    pub fn cancel_task(&self, task_id: &str) -> Result<Task> {
        let id: TaskId = parse_id(task_id, "task")?;
        let me = self.require_session()?;
        let today = self.now().date_naive();
        let now = self.now();
        let task = self.store()?.transaction(|tx| {
            let task = tx.task(id).map_err(|e| not_found(e, "this task is not on this device"))?;
            let who = tx.practitioner(me)?;
            let next = tasks::cancel(&task, &who, today).map_err(refusal)?;
            if next != task {
                let mutation = Mutation::CancelTask { task_id: id };
                tx.apply_task_locally(id, &mutation)?;
                tx.enqueue(mutation, now)?;
            }
            Ok::<_, ClientError>(tx.task(id)?)
        })?;
        self.wake.notify_one();
        Ok(task)
    }

    /// Hands a task to a colleague (checked here against the directory, and again by the server).
    pub fn hand_off_task(&self, task_id: &str, to: &str, queue: Role) -> Result<Task> {
        let id: TaskId = parse_id(task_id, "task")?;
        let to: PractitionerId = parse_id(to, "practitioner")?;
        let me = self.require_session()?;
        let today = self.now().date_naive();
        let now = self.now();
        let task = self.store()?.transaction(|tx| {
            let task = tx.task(id).map_err(|e| not_found(e, "this task is not on this device"))?;
            let who = tx.practitioner(me)?;
            let Ok(colleague) = tx.practitioner(to) else {
                return Err(ClientError::new(ErrorCode::NotFound, "no such colleague in the directory"));
            };
            let next = tasks::hand_off(&task, &who, &colleague, queue, task.version, today).map_err(refusal)?;
            if next != task {
                let mutation = Mutation::HandOffTask { task_id: id, base_version: task.version, to, queue };
                tx.apply_task_locally(id, &mutation)?;
                tx.enqueue(mutation, now)?;
            }
            Ok::<_, ClientError>(tx.task(id)?)
        })?;
        self.wake.notify_one();
        Ok(task)
    }

    /// Who on the team could take this task today (role, and license in its state).
    pub fn who_can_take(&self, task_id: &str) -> Result<Vec<Practitioner>> {
        let id: TaskId = parse_id(task_id, "task")?;
        self.require_session()?;
        let today = self.now().date_naive();
        let store = self.store()?;
        let tx = store.read();
        let task = tx.task(id).map_err(|e| not_found(e, "this task is not on this device"))?;
        let team = tx.practitioners()?;
        // Any role's queue: a hand-off may move the task to another role.
        Ok(team
            .iter()
            .filter(|p| {
                p.roles.iter().any(|r| {
                    let mut moved = task.clone();
                    moved.queue = *r;
                    *r != Role::Admin && tasks::may_take(p, &moved, today).is_ok()
                })
            })
            .cloned()
            .collect())
    }

    /// The organisation's practitioners with the licenses that need attention.
    pub fn directory(&self) -> Result<Vec<DirectoryEntry>> {
        self.require_session()?;
        let today = self.now().date_naive();
        let team = self.store()?.read().practitioners()?;
        Ok(team
            .iter()
            .map(|p| DirectoryEntry {
                expiring: p
                    .licenses
                    .iter()
                    .filter(|l| l.is_active_on(today) && (l.expires_on - today).num_days() <= LICENSE_WARNING_DAYS)
                    .cloned()
                    .collect(),
                expired: p.licenses.iter().filter(|l| !l.is_active_on(today)).cloned().collect(),
                supervisor_name: p
                    .supervisor_id
                    .and_then(|s| team.iter().find(|o| o.id == s))
                    .map(|s| s.display_name.clone()),
                practitioner: p.clone(),
            })
            .collect())
    }

    /// The organisation's routing rules as this device has them (the standard ones until the
    /// first pull brings the organisation's).
    pub fn routing_rules(&self) -> Result<rounds_domain::routing::RoutingRules> {
        self.require_session()?;
        let body = self.store()?.read().org_document(sync::OrgDocumentKind::RoutingRules, "default")?;
        match body {
            Some(b) => serde_json::from_str(&b)
                .map_err(|e| ClientError::new(ErrorCode::Internal, format!("the routing rules do not read: {e}"))),
            None => Ok(rounds_domain::routing::RoutingRules::standard()),
        }
    }

    /// An administrator replaces the routing rules (needs the server; refused whole, with every
    /// problem named, when they cannot work).
    pub async fn update_routing_rules(&self, rules: &rounds_domain::routing::RoutingRules) -> Result<()> {
        self.require_session()?;
        rules.validate().map_err(ClientError::invalid)?;
        self.remote.update_routing(rules).await?;
        self.wake.notify_one();
        Ok(())
    }

    /// Coverage by state (needs the server).
    pub async fn coverage(&self) -> Result<Vec<StateCoverage>> {
        self.require_session()?;
        self.remote.coverage().await
    }

    /// An administrator changes a practitioner (needs the server; the change comes back to
    /// every device through sync).
    pub async fn update_practitioner(&self, id: &str, update: &PractitionerUpdate) -> Result<Practitioner> {
        let id: PractitionerId = parse_id(id, "practitioner")?;
        self.require_session()?;
        let updated = self.remote.update_practitioner(id, update).await?;
        self.wake.notify_one();
        Ok(updated)
    }
}

/// A refusal from the shared task rules, as the error the clinician sees.
/// A task rule's refusal (the task rules answer with the outcome the server stores).
pub(crate) fn refusal(outcome: sync::Outcome) -> ClientError {
    match outcome {
        sync::Outcome::Rejected { code, message, .. } => sync::Refusal::new(code, message).into(),
        sync::Outcome::Applied => ClientError::new(ErrorCode::Internal, "nothing to refuse"),
    }
}
