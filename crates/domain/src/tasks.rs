//! Rules for working a task: who may claim it (role and state license) and how its status moves.
//! Pure: the caller passes today's date and the task as stored.

use crate::sync::{Outcome, RejectCode};
use crate::{Practitioner, Task, TaskStatus};
use chrono::NaiveDate;

/// Why `who` may not take `task`, if they may not. A task needs the queue's role and, for a
/// clinical role, an active license in the task's state.
pub fn may_take(who: &Practitioner, task: &Task, today: NaiveDate) -> Result<(), String> {
    if !who.has_role(task.queue) {
        return Err(format!("this task is for the {} queue", task.queue.as_str().replace('_', " ")));
    }
    if task.queue.is_licensed_clinician() && who.license_for(task.license_state, today).is_none() {
        return Err(format!("needs an active license in {}", task.license_state));
    }
    Ok(())
}

/// Whether a task is in `who`'s scope: their own, or in the queue of one of their roles and,
/// for a clinical queue, in a state where they hold an active license (top-of-license care:
/// a clinician sees the work they may do).
pub fn visible_to(who: &Practitioner, task: &Task, today: NaiveDate) -> bool {
    task.owner_id == Some(who.id) || may_take(who, task, today).is_ok()
}

/// Compare-and-set claim: only a ready, unowned task at `base_version` can be claimed.
pub fn claim(task: &Task, who: &Practitioner, base_version: i64, today: NaiveDate) -> Result<Task, Outcome> {
    if task.owner_id == Some(who.id) && task.status == TaskStatus::InProgress {
        return Ok(task.clone()); // already ours: a retried claim
    }
    may_take(who, task, today).map_err(|m| Outcome::rejected(RejectCode::Forbidden, m))?;
    if task.status != TaskStatus::Ready || task.owner_id.is_some() || task.version != base_version {
        return Err(Outcome::rejected(RejectCode::AlreadyClaimed, "someone else took this task first"));
    }
    let mut next = task.clone();
    next.status = TaskStatus::InProgress;
    next.owner_id = Some(who.id);
    next.version += 1;
    Ok(next)
}

/// An owned task is its owner's to act on; an unowned one, anyone's who may take it.
fn owner_or_may_take(task: &Task, who: &Practitioner, today: NaiveDate) -> Result<(), Outcome> {
    match task.owner_id {
        Some(owner) if owner != who.id => {
            Err(Outcome::rejected(RejectCode::Forbidden, "this task belongs to someone else"))
        }
        Some(_) => Ok(()),
        None => may_take(who, task, today).map_err(|m| Outcome::rejected(RejectCode::Forbidden, m)),
    }
}

/// Completing is idempotent; only the owner completes an owned task.
pub fn complete(task: &Task, who: &Practitioner, today: NaiveDate) -> Result<Task, Outcome> {
    match task.status {
        TaskStatus::Completed => return Ok(task.clone()),
        TaskStatus::Cancelled => return Err(Outcome::rejected(RejectCode::Invalid, "the task was cancelled")),
        TaskStatus::Ready | TaskStatus::InProgress => {}
    }
    owner_or_may_take(task, who, today)?;
    let mut next = task.clone();
    next.status = TaskStatus::Completed;
    next.owner_id = Some(who.id);
    next.version += 1;
    Ok(next)
}

/// Cancelling is idempotent; the owner, or anyone who may take the task, cancels it.
pub fn cancel(task: &Task, who: &Practitioner, today: NaiveDate) -> Result<Task, Outcome> {
    match task.status {
        TaskStatus::Cancelled => return Ok(task.clone()),
        TaskStatus::Completed => return Err(Outcome::rejected(RejectCode::Invalid, "the task is already completed")),
        TaskStatus::Ready | TaskStatus::InProgress => {}
    }
    owner_or_may_take(task, who, today)?;
    let mut next = task.clone();
    next.status = TaskStatus::Cancelled;
    next.version += 1;
    Ok(next)
}

/// Hands a task to a named colleague in `queue`, compare-and-set on the version: the owner (or,
/// for an unowned task, anyone in its queue) hands it on; the colleague must hold the queue's
/// role and, for a clinical queue, an active license in the task's state.
pub fn hand_off(
    task: &Task,
    who: &Practitioner,
    to: &Practitioner,
    queue: crate::Role,
    base_version: i64,
    today: NaiveDate,
) -> Result<Task, Outcome> {
    if task.owner_id == Some(to.id) && task.queue == queue && task.status == TaskStatus::InProgress {
        return Ok(task.clone()); // already so: a retry
    }
    if matches!(task.status, TaskStatus::Completed | TaskStatus::Cancelled) {
        return Err(Outcome::rejected(RejectCode::Invalid, "the task is closed"));
    }
    match task.owner_id {
        Some(owner) if owner != who.id => {
            return Err(Outcome::rejected(RejectCode::Forbidden, "only the task's owner hands it on"))
        }
        // Unowned work: anyone in its queue may route it, licensed in its state or not (that
        // is how a clinician without the license passes it to a colleague who has one).
        None if !who.has_role(task.queue) => {
            return Err(Outcome::rejected(
                RejectCode::Forbidden,
                format!("this task is for the {} queue", task.queue.as_str().replace('_', " ")),
            ))
        }
        _ => {}
    }
    if task.version != base_version {
        return Err(Outcome::rejected(RejectCode::AlreadyClaimed, "the task changed meanwhile"));
    }
    let mut moved = task.clone();
    moved.queue = queue;
    may_take(to, &moved, today)
        .map_err(|m| Outcome::rejected(RejectCode::Forbidden, format!("{} cannot take it: {m}", to.display_name)))?;
    moved.owner_id = Some(to.id);
    moved.status = TaskStatus::InProgress;
    moved.version += 1;
    Ok(moved)
}

/// Who on the team could take `task` today: the role, and for a clinical queue an active
/// license in the task's state. For "who has the license I lack".
pub fn who_can_take<'a>(task: &Task, team: &'a [Practitioner], today: NaiveDate) -> Vec<&'a Practitioner> {
    team.iter().filter(|p| may_take(p, task, today).is_ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn np(expires: &str) -> Practitioner {
        Practitioner {
            id: PractitionerId::new_v7(1),
            organization_id: OrganizationId::new_v7(1),
            display_name: "NP".into(),
            email: "np@x".into(),
            roles: vec![Role::NursePractitioner],
            licenses: vec![License {
                state: "CA".parse().expect("CA"),
                license_type: "APRN".into(),
                number: "1".into(),
                expires_on: d(expires),
            }],
            supervisor_id: None,
            on_duty: false,
        }
    }

    fn task(state: &str, queue: Role) -> Task {
        Task {
            id: TaskId::new_v7(1),
            kind: TaskKind::RefillRequest,
            patient_id: PatientId::new_v7(1),
            queue,
            license_state: state.parse().expect("state"),
            priority: TaskPriority::Routine,
            status: TaskStatus::Ready,
            owner_id: None,
            description: "Refill".into(),
            due_at: chrono::DateTime::UNIX_EPOCH,
            version: 1,
            focus: None,
            history: vec![],
        }
    }

    #[test]
    fn claim_needs_role_and_active_license_in_the_task_state() {
        let today = d("2026-11-22");
        let t = task("CA", Role::NursePractitioner);
        let nurse = np("2027-01-01");
        let claimed = claim(&t, &nurse, 1, today).expect("licensed NP claims");
        assert_eq!((claimed.status, claimed.owner_id, claimed.version), (TaskStatus::InProgress, Some(nurse.id), 2));
        for (who, task) in [
            (np("2026-11-21"), task("CA", Role::NursePractitioner)), // expired yesterday
            (np("2027-01-01"), task("TX", Role::NursePractitioner)), // no TX license
            (np("2027-01-01"), task("CA", Role::Physician)),         // wrong queue
        ] {
            assert!(matches!(claim(&task, &who, 1, today), Err(Outcome::Rejected { code: RejectCode::Forbidden, .. })));
        }
    }

    #[test]
    fn the_second_claim_loses_and_complete_is_idempotent() {
        let today = d("2026-11-22");
        let first = np("2027-01-01");
        let mut second = np("2027-01-01");
        second.id = PractitionerId::new_v7(2);
        let t = claim(&task("CA", Role::NursePractitioner), &first, 1, today).expect("first");
        assert!(matches!(
            claim(&t, &second, 1, today),
            Err(Outcome::Rejected { code: RejectCode::AlreadyClaimed, .. })
        ));
        assert_eq!(claim(&t, &first, 1, today).expect("retry is fine"), t);
        assert!(matches!(complete(&t, &second, today), Err(Outcome::Rejected { code: RejectCode::Forbidden, .. })));
        let done = complete(&t, &first, today).expect("owner completes");
        assert_eq!(complete(&done, &first, today).expect("again"), done);
    }
}
