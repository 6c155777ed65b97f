//! The charting commands as rules: start a visit, edit a section, sign, co-sign, add an
//! addendum. Pure: each takes the encounter as the actor sees it, the actor and the time, and
//! returns the record as the command leaves it, or the refusal (code and sentence) that both
//! the device and the server show. Nothing else decides these.
//!
//! - The device passes its cached copy with its own waiting signature and co-signature laid
//!   over it (a note signed here is locked here); the server passes its stored copy.
//! - The version is the server's counter: these rules never bump it; the server does when it
//!   stores the result (a new record is version 1).
//! - A retry of a command the server already applied (the same id with the same content) is the
//!   sync protocol's to answer, before these rules run.

use super::{content_hash, is_service_line, needs_cosign, sign_blockers, Draft, Section, SectionKey, SignBlocker};
use super::{PlannedTask, MAX_ADDENDUM_CHARS};
use crate::sync::Refusal;
use crate::{
    Addendum, AddendumId, Encounter, EncounterId, EncounterMode, EncounterStatus, PatientId, Practitioner,
    PractitionerId, Role, Task, TaskFocus, TaskId, TaskKind, TaskPriority, TaskStatus, UsState,
};
use chrono::{DateTime, Duration, Utc};

/// A new visit of `patient_id`, in the state the patient is in, charted by `author`: an empty
/// draft note. Only clinicians chart visits.
pub fn start(
    id: EncounterId,
    patient_id: PatientId,
    state_of_care: UsState,
    service_line: &str,
    mode: EncounterMode,
    author: &Practitioner,
    now: DateTime<Utc>,
) -> Result<Encounter, Refusal> {
    if !author.roles.iter().any(Role::is_licensed_clinician) {
        return Err(Refusal::forbidden("only clinicians chart visits"));
    }
    if !is_service_line(service_line) {
        return Err(Refusal::invalid("unknown service line"));
    }
    Ok(Encounter {
        id,
        patient_id,
        author_id: author.id,
        mode,
        service_line: service_line.into(),
        state_of_care,
        status: EncounterStatus::Draft,
        chief_complaints: vec![],
        note: String::new(),
        started_at: now,
        signed_at: None,
        version: 1,
        draft: Some(Box::new(Draft::new(mode, state_of_care, service_line))),
        signed_by: None,
        content_hash: None,
        cosign_required: false,
        cosigned_by: None,
        cosigned_at: None,
        addenda: vec![],
    })
}

/// Saves one section of the draft. `base` is the section's hash as the editor last saw it:
/// when the draft's section no longer hashes the same, someone else changed it first (the
/// device edits its own copy and passes None). `Ok(None)`: the draft already holds this
/// section, nothing changes.
pub fn edit_section(
    e: &Encounter,
    who: PractitionerId,
    section: &Section,
    base: Option<&str>,
) -> Result<Option<Encounter>, Refusal> {
    section.validate().map_err(Refusal::invalid)?;
    if e.author_id != who {
        return Err(Refusal::forbidden("only the author edits a draft; add an addendum once it is signed"));
    }
    if e.status.is_signed() {
        return Err(Refusal::invalid("the note is signed: changes are addenda"));
    }
    let Some(draft) = e.draft.as_deref() else {
        return Err(Refusal::invalid("this note was charted before structured charting; add an addendum"));
    };
    let theirs = draft.section_hash(section.key());
    if theirs == section.hash() {
        return Ok(None);
    }
    if base.is_some_and(|b| b != theirs) {
        return Err(Refusal::conflict(format!("{} was changed on another device", section.key().title())));
    }
    let mut draft = draft.clone();
    draft.set(section.clone());
    let mut next = e.clone();
    next.chief_complaints = draft.complaint_codes();
    next.mode = draft.context.mode;
    next.state_of_care = draft.context.state_of_care;
    next.service_line = draft.context.service_line.clone();
    next.draft = Some(Box::new(draft));
    Ok(Some(next))
}

/// Why a note cannot be signed, as one refusal listing every reason: forbidden when the signer
/// is not the author or holds no license for the visit, otherwise invalid.
pub fn refuse_signing(blockers: &[SignBlocker]) -> Result<(), Refusal> {
    if blockers.is_empty() {
        return Ok(());
    }
    let reasons: Vec<String> = blockers.iter().map(SignBlocker::message).collect();
    let message = format!("cannot sign yet: {}", reasons.join("; "));
    if blockers.iter().any(|b| matches!(b, SignBlocker::NotAuthor | SignBlocker::NoLicense { .. })) {
        Err(Refusal::forbidden(message))
    } else {
        Err(Refusal::invalid(message))
    }
}

/// A signed note and the tasks its signature creates (the plan's tasks, and the co-signature
/// when the organisation asks for one).
#[derive(Clone, Debug, PartialEq)]
pub struct Signed {
    pub encounter: Encounter,
    pub tasks: Vec<Task>,
}

/// Signs the note composed from the draft. `hash` is the SHA-256 of the note the signer saw: a
/// note that composes differently now changed elsewhere in between, and is not signed.
/// `unsettled` are sections changed on two devices that a person must choose between first.
pub fn sign(
    e: &Encounter,
    who: &Practitioner,
    hash: &str,
    unsettled: &[SectionKey],
    org_requires_cosign: bool,
    now: DateTime<Utc>,
) -> Result<Signed, Refusal> {
    if e.status.is_signed() {
        return Err(Refusal::invalid("the note is signed already: changes are addenda"));
    }
    let Some(draft) = e.draft.as_deref() else {
        return Err(Refusal::invalid("this note was charted before structured charting; add an addendum"));
    };
    let mut blockers = sign_blockers(draft, e.author_id, false, who, now.date_naive());
    blockers.extend(unsettled.iter().map(|s| SignBlocker::Conflict { section: *s }));
    refuse_signing(&blockers)?;
    let note = draft.compose_note();
    if content_hash(&note) != hash {
        return Err(Refusal::conflict(
            "the note changed on another device since it was signed here: review it and sign again",
        ));
    }
    let state = draft.context.state_of_care;
    let mut next = e.clone();
    next.status = EncounterStatus::Signed;
    next.content_hash = Some(hash.to_string());
    next.note = note;
    next.signed_by = Some(who.id);
    next.signed_at = Some(now);
    next.cosign_required = needs_cosign(who, org_requires_cosign);
    let mut tasks: Vec<Task> = draft.plan.tasks.iter().map(|p| planned_task(&next, p, state, now)).collect();
    if next.cosign_required {
        tasks.push(new_task(
            &next,
            TaskKind::CosignNote,
            Role::Physician,
            state,
            format!("Co-sign the {} note of {} (encounter {})", state, e.started_at.format("%Y-%m-%d"), e.id),
            now + Duration::days(2),
            now,
        ));
    }
    Ok(Signed { encounter: next, tasks })
}

fn planned_task(e: &Encounter, p: &PlannedTask, state: UsState, now: DateTime<Utc>) -> Task {
    new_task(e, p.kind, p.queue, state, p.description.clone(), now + Duration::days(1), now)
}

/// A routine task about the encounter, ready in `queue`.
fn new_task(
    e: &Encounter,
    kind: TaskKind,
    queue: Role,
    state: UsState,
    description: String,
    due_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Task {
    Task {
        id: TaskId::new_v7(now.timestamp_millis().max(0) as u64),
        kind,
        patient_id: e.patient_id,
        queue,
        license_state: state,
        priority: TaskPriority::Routine,
        status: TaskStatus::Ready,
        owner_id: None,
        description,
        due_at,
        version: 1,
        focus: Some(TaskFocus::Encounter(e.id)),
        history: vec![],
    }
}

/// Co-signs a signed note that waits for it: a physician licensed in the state of care.
/// `hash` is the note's hash as the co-signer saw it.
pub fn cosign(e: &Encounter, who: &Practitioner, hash: &str, now: DateTime<Utc>) -> Result<Encounter, Refusal> {
    if !who.has_role(Role::Physician) || who.license_for(e.state_of_care, now.date_naive()).is_none() {
        return Err(Refusal::forbidden(format!("co-signing needs a physician licensed in {}", e.state_of_care)));
    }
    if !e.status.is_signed() || !e.cosign_required || e.cosigned_by.is_some() {
        return Err(Refusal::invalid("this note is not waiting for a co-signature"));
    }
    if e.content_hash.as_deref() != Some(hash) {
        return Err(Refusal::conflict("the note differs from the one co-signed"));
    }
    let mut next = e.clone();
    next.cosigned_by = Some(who.id);
    next.cosigned_at = Some(now);
    Ok(next)
}

/// Appends a signed addendum (trimmed text) to a signed note: clinicians only.
pub fn add_addendum(
    e: &Encounter,
    who: &Practitioner,
    id: AddendumId,
    text: &str,
    now: DateTime<Utc>,
) -> Result<(Encounter, Addendum), Refusal> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_ADDENDUM_CHARS {
        return Err(Refusal::invalid(format!("an addendum needs 1 to {MAX_ADDENDUM_CHARS} characters")));
    }
    if !who.roles.iter().any(Role::is_licensed_clinician) {
        return Err(Refusal::forbidden("only clinicians add addenda"));
    }
    if !e.status.is_signed() {
        return Err(Refusal::invalid("the note is still a draft: edit it instead"));
    }
    let addendum =
        Addendum { id, author_id: who.id, text: text.to_string(), signed_at: now, content_hash: content_hash(text) };
    let mut next = e.clone();
    next.addenda.push(addendum.clone());
    next.status = EncounterStatus::Amended;
    Ok((next, addendum))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::tests::sore_throat;
    use super::*;
    use crate::charting::PlanSection;
    use crate::sync::RejectCode;
    use crate::{License, OrganizationId};

    fn now() -> DateTime<Utc> {
        "2026-11-22T15:00:00Z".parse().unwrap()
    }

    fn state(s: &str) -> UsState {
        s.parse().unwrap()
    }

    fn person(n: u64, role: Role, states: &[&str]) -> Practitioner {
        Practitioner {
            id: PractitionerId::new_v7(n),
            organization_id: OrganizationId::new_v7(1),
            display_name: format!("P{n}"),
            email: format!("p{n}@x"),
            roles: vec![role],
            licenses: states
                .iter()
                .map(|s| License {
                    state: state(s),
                    license_type: "MD".into(),
                    number: "1".into(),
                    expires_on: "2027-06-30".parse().unwrap(),
                })
                .collect(),
            supervisor_id: None,
            on_duty: true,
        }
    }

    fn doc() -> Practitioner {
        person(1, Role::Physician, &["TX"])
    }

    fn started(author: &Practitioner) -> Encounter {
        start(
            EncounterId::new_v7(5),
            PatientId::new_v7(2),
            state("TX"),
            "adult_primary",
            EncounterMode::Video,
            author,
            now(),
        )
        .unwrap()
    }

    /// A complete draft by `author`, in CA.
    fn charted(author: &Practitioner) -> Encounter {
        let mut e = started(author);
        let mut draft = sore_throat();
        let mut plan = draft.plan.clone();
        plan.tasks = vec![PlannedTask {
            kind: TaskKind::LabFollowUp,
            queue: Role::RegisteredNurse,
            description: "Call in two days".into(),
        }];
        draft.set(Section::Plan(plan));
        e.draft = Some(Box::new(draft));
        e
    }

    fn signed(author: &Practitioner, cosign: bool) -> Encounter {
        let e = charted(author);
        let hash = content_hash(&e.draft.as_ref().unwrap().compose_note());
        sign(&e, author, &hash, &[], cosign, now()).unwrap().encounter
    }

    fn refused<T: std::fmt::Debug>(r: Result<T, Refusal>) -> (RejectCode, String) {
        let e = r.unwrap_err();
        (e.code, e.message)
    }

    mod start_a_visit {
        use super::*;

        #[test]
        fn a_clinician_starts_an_empty_draft_at_version_one() {
            let d = doc();
            let e = started(&d);
            assert_eq!((e.author_id, e.status, e.version, e.started_at), (d.id, EncounterStatus::Draft, 1, now()));
            assert_eq!(e.state_of_care, state("TX"));
            assert_eq!(e.draft.as_deref(), Some(&Draft::new(EncounterMode::Video, state("TX"), "adult_primary")));
        }

        #[test]
        fn a_care_coordinator_cannot_and_a_malformed_service_line_is_refused() {
            let coordinator = person(2, Role::CareCoordinator, &[]);
            let r = start(
                EncounterId::new_v7(5),
                PatientId::new_v7(2),
                state("TX"),
                "adult_primary",
                EncounterMode::Phone,
                &coordinator,
                now(),
            );
            assert_eq!(refused(r), (RejectCode::Forbidden, "only clinicians chart visits".into()));
            let r = start(
                EncounterId::new_v7(5),
                PatientId::new_v7(2),
                state("TX"),
                "Bad Line!",
                EncounterMode::Phone,
                &doc(),
                now(),
            );
            assert_eq!(refused(r), (RejectCode::Invalid, "unknown service line".into()));
        }
    }

    mod edit_a_section {
        use super::*;

        fn plan(text: &str) -> Section {
            Section::Plan(PlanSection { instructions: text.into(), ..Default::default() })
        }

        #[test]
        fn the_author_saves_a_section_and_the_same_section_again_changes_nothing() {
            let d = doc();
            let e = started(&d);
            let base = e.draft.as_ref().unwrap().section_hash(SectionKey::Plan);
            let next = edit_section(&e, d.id, &plan("Fluids"), Some(&base)).unwrap().unwrap();
            assert_eq!(next.draft.as_ref().unwrap().section(SectionKey::Plan), plan("Fluids"));
            assert_eq!(next.version, e.version, "the server bumps the version when it stores it");
            assert_eq!(edit_section(&next, d.id, &plan("Fluids"), Some("stale")).unwrap(), None);
            // The device edits its own copy: no base to compare.
            assert!(edit_section(&next, d.id, &plan("Rest"), None).unwrap().is_some());
        }

        #[test]
        fn refusals() {
            let d = doc();
            let e = started(&d);
            let bad = Section::Plan(PlanSection { instructions: "x".repeat(30_000), ..Default::default() });
            assert_eq!(refused(edit_section(&e, d.id, &bad, None)).0, RejectCode::Invalid);
            assert_eq!(
                refused(edit_section(&e, PractitionerId::new_v7(9), &plan("a"), None)),
                (RejectCode::Forbidden, "only the author edits a draft; add an addendum once it is signed".into())
            );
            assert_eq!(
                refused(edit_section(&e, d.id, &plan("a"), Some("stale"))),
                (RejectCode::Conflict, "Plan was changed on another device".into())
            );
            assert_eq!(
                refused(edit_section(&signed(&d, false), d.id, &plan("a"), None)),
                (RejectCode::Invalid, "the note is signed: changes are addenda".into())
            );
            let old = Encounter { draft: None, ..e };
            assert_eq!(
                refused(edit_section(&old, d.id, &plan("a"), None)),
                (RejectCode::Invalid, "this note was charted before structured charting; add an addendum".into())
            );
        }
    }

    mod sign_a_note {
        use super::*;

        #[test]
        fn the_licensed_author_signs_the_note_they_saw_and_its_plan_becomes_tasks() {
            let d = doc();
            let e = charted(&d);
            let note = e.draft.as_ref().unwrap().compose_note();
            let out = sign(&e, &d, &content_hash(&note), &[], true, now()).unwrap();
            let s = &out.encounter;
            assert_eq!((s.status, s.signed_by, s.signed_at), (EncounterStatus::Signed, Some(d.id), Some(now())));
            assert_eq!(
                (s.note.as_str(), s.content_hash.as_deref()),
                (note.as_str(), Some(content_hash(&note).as_str()))
            );
            assert!(!s.cosign_required, "a physician's note needs no co-signature");
            let [task] = out.tasks.as_slice() else { panic!("one planned task: {:?}", out.tasks) };
            assert_eq!(
                (task.kind, task.queue, task.license_state),
                (TaskKind::LabFollowUp, Role::RegisteredNurse, state("TX"))
            );
            assert_eq!(
                (task.status, task.version, task.focus),
                (TaskStatus::Ready, 1, Some(TaskFocus::Encounter(e.id)))
            );
        }

        #[test]
        fn a_nurse_practitioners_note_waits_for_a_cosignature_where_the_organisation_asks() {
            let np = person(3, Role::NursePractitioner, &["TX"]);
            let e = charted(&np);
            let hash = content_hash(&e.draft.as_ref().unwrap().compose_note());
            let out = sign(&e, &np, &hash, &[], true, now()).unwrap();
            assert!(out.encounter.cosign_required);
            assert_eq!(out.tasks.len(), 2, "the planned task and the co-signature");
            let cosign = out.tasks.last().unwrap();
            assert_eq!(
                (cosign.kind, cosign.queue, cosign.license_state),
                (TaskKind::CosignNote, Role::Physician, state("TX"))
            );
            assert!(!sign(&e, &np, &hash, &[], false, now()).unwrap().encounter.cosign_required);
        }

        #[test]
        fn refusals() {
            let d = doc();
            let e = charted(&d);
            let hash = content_hash(&e.draft.as_ref().unwrap().compose_note());
            let (code, message) = refused(sign(&e, &person(4, Role::Physician, &["CA"]), &hash, &[], false, now()));
            assert_eq!(code, RejectCode::Forbidden);
            assert!(message.starts_with("cannot sign yet: Only the author signs this note"), "{message}");
            assert!(message.contains("no active license in TX"), "{message}");
            let fresh = started(&d);
            let (code, message) = refused(sign(&fresh, &d, &hash, &[], false, now()));
            assert_eq!(code, RejectCode::Invalid);
            assert!(message.contains("Chief complaint: needs a chief complaint"), "{message}");
            let (code, message) = refused(sign(&e, &d, &hash, &[SectionKey::Plan], false, now()));
            assert_eq!(code, RejectCode::Invalid);
            assert!(message.contains("Plan was changed on another device: choose a version"), "{message}");
            assert_eq!(refused(sign(&e, &d, "other", &[], false, now())).0, RejectCode::Conflict);
            assert_eq!(
                refused(sign(&signed(&d, false), &d, &hash, &[], false, now())),
                (RejectCode::Invalid, "the note is signed already: changes are addenda".into())
            );
            let old = Encounter { draft: None, ..e };
            assert_eq!(refused(sign(&old, &d, &hash, &[], false, now())).0, RejectCode::Invalid);
        }
    }

    mod cosign_a_note {
        use super::*;

        #[test]
        fn a_physician_licensed_in_the_state_cosigns_a_waiting_note() {
            let e = signed(&person(3, Role::NursePractitioner, &["TX"]), true);
            let d = doc();
            let next = cosign(&e, &d, e.content_hash.as_deref().unwrap(), now()).unwrap();
            assert_eq!((next.cosigned_by, next.cosigned_at), (Some(d.id), Some(now())));
        }

        #[test]
        fn refusals() {
            let np = person(3, Role::NursePractitioner, &["TX"]);
            let e = signed(&np, true);
            let hash = e.content_hash.clone().unwrap();
            let needs = (RejectCode::Forbidden, "co-signing needs a physician licensed in TX".to_string());
            assert_eq!(refused(cosign(&e, &np, &hash, now())), needs);
            assert_eq!(refused(cosign(&e, &person(4, Role::Physician, &["CA"]), &hash, now())), needs);
            let not_waiting = (RejectCode::Invalid, "this note is not waiting for a co-signature".to_string());
            assert_eq!(refused(cosign(&signed(&np, false), &doc(), &hash, now())), not_waiting);
            assert_eq!(refused(cosign(&charted(&np), &doc(), &hash, now())), not_waiting);
            let done = cosign(&e, &doc(), &hash, now()).unwrap();
            assert_eq!(refused(cosign(&done, &doc(), &hash, now())), not_waiting);
            assert_eq!(refused(cosign(&e, &doc(), "other", now())).0, RejectCode::Conflict);
        }
    }

    mod add_an_addendum {
        use super::*;

        #[test]
        fn a_clinician_appends_a_signed_addendum_to_a_signed_note() {
            let d = doc();
            let e = signed(&d, false);
            let nurse = person(6, Role::RegisteredNurse, &[]);
            let (next, a) = add_addendum(&e, &nurse, AddendumId::new_v7(7), "  Called back: better. ", now()).unwrap();
            assert_eq!((a.author_id, a.text.as_str(), a.signed_at), (nurse.id, "Called back: better.", now()));
            assert_eq!(a.content_hash, content_hash("Called back: better."));
            assert_eq!((next.status, next.addenda.clone()), (EncounterStatus::Amended, vec![a]));
        }

        #[test]
        fn refusals() {
            let d = doc();
            let e = signed(&d, false);
            let id = AddendumId::new_v7(7);
            let length = (RejectCode::Invalid, format!("an addendum needs 1 to {MAX_ADDENDUM_CHARS} characters"));
            assert_eq!(refused(add_addendum(&e, &d, id, "   ", now())), length);
            assert_eq!(refused(add_addendum(&e, &d, id, &"x".repeat(MAX_ADDENDUM_CHARS + 1), now())), length);
            assert_eq!(
                refused(add_addendum(&e, &person(2, Role::CareCoordinator, &[]), id, "a", now())),
                (RejectCode::Forbidden, "only clinicians add addenda".into())
            );
            assert_eq!(
                refused(add_addendum(&charted(&d), &d, id, "a", now())),
                (RejectCode::Invalid, "the note is still a draft: edit it instead".into())
            );
        }
    }
}
