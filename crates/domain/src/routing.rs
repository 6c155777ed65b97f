//! Routing rules, as organisation data: which role's queue each kind of task goes to, and where
//! it escalates when nobody has taken it by its due time. Pure: callers pass the time.

use crate::{Role, Task, TaskKind, TaskPriority, TaskStatus};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoutingRule {
    pub kind: TaskKind,
    /// The queue new tasks of this kind go to.
    pub queue: Role,
    /// How long a new task may wait before it is due.
    pub due_minutes: u32,
    /// Where an unclaimed task goes once it is overdue (None: it stays, its priority rises).
    pub escalate_to: Option<Role>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoutingRules {
    pub rules: Vec<RoutingRule>,
}

impl RoutingRules {
    /// What Rounds starts an organisation with (data/routing/default.json has the same).
    pub fn standard() -> RoutingRules {
        use Role::*;
        use TaskKind::*;
        let rule = |kind, queue, due_minutes, escalate_to| RoutingRule { kind, queue, due_minutes, escalate_to };
        RoutingRules {
            rules: vec![
                rule(ReviewThread, NursePractitioner, 15, Some(Physician)),
                rule(CosignNote, Physician, 48 * 60, None),
                rule(RefillRequest, NursePractitioner, 24 * 60, Some(Physician)),
                rule(LabFollowUp, Physician, 24 * 60, None),
                rule(Outreach, CareCoordinator, 72 * 60, Some(RegisteredNurse)),
                rule(HandOff, Physician, 4 * 60, None),
                rule(Scheduling, CareCoordinator, 24 * 60, None),
            ],
        }
    }

    /// Refuses rules an organisation could not work with, naming each problem: a kind routed
    /// twice, a queue or escalation target that is not a care role, an escalation to the same
    /// queue, a due time of zero or over 30 days.
    pub fn validate(&self) -> Result<(), String> {
        let mut problems = Vec::new();
        for (i, r) in self.rules.iter().enumerate() {
            let name = format!("{:?}", r.kind);
            if self.rules[..i].iter().any(|o| o.kind == r.kind) {
                problems.push(format!("{name} is routed twice"));
            }
            if r.queue == Role::Admin {
                problems.push(format!("{name}: administrators have no work queue"));
            }
            if r.escalate_to == Some(Role::Admin) {
                problems.push(format!("{name}: cannot escalate to administrators"));
            }
            if r.escalate_to == Some(r.queue) {
                problems.push(format!("{name}: escalates to the queue it is already in"));
            }
            if r.due_minutes == 0 || r.due_minutes > 30 * 24 * 60 {
                problems.push(format!("{name}: due time must be 1 minute to 30 days"));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    pub fn rule(&self, kind: TaskKind) -> Option<&RoutingRule> {
        self.rules.iter().find(|r| r.kind == kind)
    }

    /// The queue and due time of a new task of `kind` created at `now`.
    pub fn route(&self, kind: TaskKind, now: DateTime<Utc>) -> (Role, DateTime<Utc>) {
        match self.rule(kind) {
            Some(r) => (r.queue, now + Duration::minutes(i64::from(r.due_minutes))),
            None => (Role::Physician, now + Duration::hours(24)),
        }
    }

    /// The task as it should be once overdue at `now`: an unclaimed task moves to the
    /// escalation queue (or stays, more urgent) with a fresh due time; None when nothing changes.
    pub fn escalate(&self, task: &Task, now: DateTime<Utc>) -> Option<Task> {
        if task.status != TaskStatus::Ready || task.owner_id.is_some() || now <= task.due_at {
            return None;
        }
        let rule = self.rule(task.kind)?;
        let mut next = task.clone();
        next.priority = match task.priority {
            TaskPriority::Routine => TaskPriority::Urgent,
            TaskPriority::Urgent | TaskPriority::Stat => TaskPriority::Stat,
        };
        if let Some(to) = rule.escalate_to.filter(|to| *to != task.queue) {
            next.queue = to;
        } else if next.priority == task.priority {
            return None; // already as urgent as it gets, with nowhere to go
        }
        next.due_at = now + Duration::minutes(i64::from(rule.due_minutes));
        next.version += 1;
        Some(next)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::*;
    use chrono::TimeZone;

    fn task(kind: TaskKind, queue: Role, due: DateTime<Utc>) -> Task {
        Task {
            id: TaskId::new_v7(1),
            kind,
            patient_id: PatientId::new_v7(1),
            queue,
            license_state: "TX".parse().unwrap(),
            priority: TaskPriority::Routine,
            status: TaskStatus::Ready,
            owner_id: None,
            description: "x".into(),
            due_at: due,
            version: 1,
            focus: None,
            history: vec![],
        }
    }

    #[test]
    fn the_standard_rules_are_valid_route_each_kind_and_match_the_shipped_file() {
        let rules = RoutingRules::standard();
        let shipped: RoutingRules = serde_json::from_str(include_str!("../../../data/routing/default.json")).unwrap();
        assert_eq!(shipped, rules);
        assert_eq!(rules.validate(), Ok(()));
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
        assert_eq!(rules.route(TaskKind::RefillRequest, now), (Role::NursePractitioner, now + Duration::hours(24)));
        assert_eq!(rules.route(TaskKind::Scheduling, now).0, Role::CareCoordinator);
        assert_eq!(rules.route(TaskKind::LabFollowUp, now).0, Role::Physician);
    }

    #[test]
    fn bad_rules_are_refused_with_every_problem() {
        let mut rules = RoutingRules::standard();
        rules.rules.push(rules.rules[0].clone());
        rules.rules[1].queue = Role::Admin;
        rules.rules[2].escalate_to = Some(rules.rules[2].queue);
        rules.rules[3].due_minutes = 0;
        let err = rules.validate().unwrap_err();
        for part in ["routed twice", "no work queue", "already in", "due time"] {
            assert!(err.contains(part), "{err}");
        }
        // Unknown roles never get this far: the role enum refuses them when reading.
        let unknown =
            r#"{"rules":[{"kind":"refill_request","queue":"pharmacist","due_minutes":60,"escalate_to":null}]}"#;
        assert!(serde_json::from_str::<RoutingRules>(unknown).is_err());
    }

    #[test]
    fn an_overdue_unclaimed_task_escalates_once_per_due_time() {
        let rules = RoutingRules::standard();
        let due = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
        let t = task(TaskKind::RefillRequest, Role::NursePractitioner, due);
        assert_eq!(rules.escalate(&t, due), None, "not yet overdue");
        let later = due + Duration::minutes(1);
        let up = rules.escalate(&t, later).unwrap();
        assert_eq!((up.queue, up.priority, up.version), (Role::Physician, TaskPriority::Urgent, 2));
        assert_eq!(up.due_at, later + Duration::hours(24));
        assert_eq!(rules.escalate(&up, later), None, "its new due time has not passed");
        // Claimed work does not escalate; a rule without a target raises the priority only.
        let mut claimed = t.clone();
        claimed.owner_id = Some(PractitionerId::new_v7(2));
        claimed.status = TaskStatus::InProgress;
        assert_eq!(rules.escalate(&claimed, later), None);
        let lab = task(TaskKind::LabFollowUp, Role::Physician, due);
        let up = rules.escalate(&lab, later).unwrap();
        assert_eq!((up.queue, up.priority), (Role::Physician, TaskPriority::Urgent));
        let stat = rules.escalate(&rules.escalate(&up, later + Duration::days(2)).unwrap(), later + Duration::days(4));
        assert_eq!(stat, None, "stat with nowhere to go stays as it is");
    }
}
