//! Charting on the device: start a visit, save its sections as the clinician types (each save
//! one transaction with its outbox command), sign, add addenda, hand off. Everything works
//! offline; the server applies the same rules again when the commands arrive.

use crate::{code_sets, not_found, parse_id, ClientError, Result, Workspace, MAX_QUERY_CHARS};
use chrono::NaiveDate;
use rounds_domain::billing::{self, ServiceMenuEntry};
use rounds_domain::chart::*;
use rounds_domain::charting::{self, content_hash, sign_blockers, Draft, Page, Section, SectionKey, SignBlocker};
use rounds_domain::sync::{Mutation, OrgDocumentKind, Outcome, RejectCode};
use rounds_domain::*;
use rounds_store::{EncounterCommands, StoreError, Tx};

/// Most results of a lab or medication search.
pub const MAX_ORDER_RESULTS: u32 = 50;

impl Workspace {
    /// A patient's chart: the newest encounters, the latest vitals, and this clinician's open
    /// draft to resume.
    pub fn patient_chart(&self, patient_id: &str) -> Result<PatientChart> {
        let id: PatientId = parse_id(patient_id, "patient")?;
        let me = self.require_session()?;
        // The store's lock is let go before `record_read`, which takes it again (the lock is
        // not re-entrant: holding it there would deadlock).
        let chart = {
            let store = self.store()?;
            let tx = store.read();
            let patient = tx.patient(id).map_err(|e| not_found(e, "this patient is not on this device"))?;
            let (encounters, encounter_count) = tx.encounter_summaries(id, CHART_ENCOUNTERS)?;
            PatientChart {
                patient,
                encounters,
                encounter_count,
                open_draft: tx.open_draft(id, me)?,
                latest_vitals: tx.latest_vitals(id)?,
            }
        };
        self.record_read(id, rounds_domain::sync::AccessKind::Chart)?;
        Ok(chart)
    }

    /// Opens a new draft note for the patient, in the state they are in now. Only clinicians
    /// chart visits (`charting::start`, the rule the server applies).
    pub fn start_encounter(&self, patient_id: &str, service_line: &str, mode: EncounterMode) -> Result<EncounterView> {
        let patient_id: PatientId = parse_id(patient_id, "patient")?;
        let me = self.require_session()?;
        let now = self.now();
        let id = EncounterId::new_v7(now.timestamp_millis().max(0) as u64);
        self.store()?.transaction(|tx| {
            let patient = tx.patient(patient_id).map_err(|e| not_found(e, "this patient is not on this device"))?;
            let author = tx.practitioner(me)?;
            let e = charting::start(id, patient_id, patient.current_state, service_line, mode, &author, now)?;
            check_service_line(tx, service_line)?;
            tx.upsert_encounter(&e)?;
            tx.enqueue(
                Mutation::StartEncounter {
                    encounter_id: id,
                    patient_id,
                    service_line: service_line.into(),
                    mode,
                    state_of_care: e.state_of_care,
                },
                now,
            )?;
            Ok::<_, ClientError>(())
        })?;
        self.wake.notify_one();
        self.encounter_view(&id.to_string())
    }

    /// Saves one section as the clinician edits it (autosave). Bad input is refused with the
    /// reason and nothing is saved.
    pub fn save_section(&self, encounter_id: &str, section: Section) -> Result<EncounterView> {
        let id: EncounterId = parse_id(encounter_id, "encounter")?;
        let me = self.require_session()?;
        if matches!(section, Section::Assessment(_)) {
            self.ensure_icd10()?;
        }
        let now = self.now();
        let changed = self.store()?.transaction(|tx| {
            let seen = encounter_as_seen(tx, id, me)?;
            let Some(next) = charting::edit_section(&seen, me, &section, None)? else { return Ok(false) };
            check_codes(tx, &section)?;
            let base = seen.draft.as_deref().map(|d| d.section_hash(section.key())).unwrap_or_default();
            if let Some(draft) = next.draft.as_deref() {
                tx.save_draft(id, draft)?;
            }
            tx.enqueue_draft_edit(id, base, section.clone(), now)?;
            Ok::<_, ClientError>(true)
        })?;
        if changed {
            self.draft_edited();
        }
        self.encounter_view(encounter_id)
    }

    /// Signs the note as composed now. Refused, with every reason, when something blocks it.
    /// Offline, the signature waits in the outbox and the note is locked here meanwhile; the
    /// cached copy stays a draft until the server's signed copy arrives (decision 25).
    pub fn sign_encounter(&self, encounter_id: &str) -> Result<EncounterView> {
        let id: EncounterId = parse_id(encounter_id, "encounter")?;
        let me = self.require_session()?;
        let now = self.now();
        self.store()?.transaction(|tx| {
            let seen = encounter_as_seen(tx, id, me)?;
            let signer = tx.practitioner(me)?;
            let unsettled: Vec<SectionKey> = match seen.draft.as_deref() {
                Some(draft) => {
                    section_conflicts(draft, &tx.encounter_commands(id)?).iter().map(|c| c.section).collect()
                }
                None => vec![],
            };
            let hash = seen.draft.as_deref().map(|d| content_hash(&d.compose_note())).unwrap_or_default();
            // Only the refusal matters here (the organisation's co-sign setting is the server's).
            charting::sign(&seen, &signer, &hash, &unsettled, false, now)?;
            tx.enqueue(Mutation::SignEncounter { encounter_id: id, content_hash: hash }, now)?;
            Ok::<_, ClientError>(())
        })?;
        self.wake.notify_one();
        self.encounter_view(encounter_id)
    }

    /// Appends a signed addendum to a signed note (also while its signature waits to sync).
    pub fn add_addendum(&self, encounter_id: &str, text: &str) -> Result<EncounterView> {
        let id: EncounterId = parse_id(encounter_id, "encounter")?;
        let me = self.require_session()?;
        let now = self.now();
        self.store()?.transaction(|tx| {
            let seen = encounter_as_seen(tx, id, me)?;
            let who = tx.practitioner(me)?;
            let addendum_id = AddendumId::new_v7(now.timestamp_millis().max(0) as u64);
            let (_, addendum) = charting::add_addendum(&seen, &who, addendum_id, text, now)?;
            tx.insert_addendum_local(id, &addendum)?;
            tx.enqueue(Mutation::AddAddendum { addendum_id, encounter_id: id, text: addendum.text.clone() }, now)?;
            Ok::<_, ClientError>(())
        })?;
        self.wake.notify_one();
        self.encounter_view(encounter_id)
    }

    /// Co-signs a nurse practitioner's or physician assistant's signed note (physicians
    /// licensed in the patient's state; the server checks again).
    pub fn cosign_encounter(&self, encounter_id: &str) -> Result<EncounterView> {
        let id: EncounterId = parse_id(encounter_id, "encounter")?;
        let me = self.require_session()?;
        let now = self.now();
        self.store()?.transaction(|tx| {
            let seen = encounter_as_seen(tx, id, me)?;
            let who = tx.practitioner(me)?;
            let hash = seen.content_hash.clone().unwrap_or_default();
            charting::cosign(&seen, &who, &hash, now)?;
            tx.enqueue(Mutation::CosignEncounter { encounter_id: id, content_hash: hash }, now)?;
            Ok::<_, ClientError>(())
        })?;
        self.wake.notify_one();
        self.encounter_view(encounter_id)
    }

    /// Hands the visit to a clinician licensed in the patient's state: a task in the queue of
    /// the author's clinical role, for that state.
    pub fn hand_off_encounter(&self, encounter_id: &str, note: &str) -> Result<Task> {
        let id: EncounterId = parse_id(encounter_id, "encounter")?;
        let note = note.trim();
        if note.chars().count() > 1000 {
            return Err(ClientError::invalid("a hand-off note has at most 1,000 characters"));
        }
        let me = self.require_session()?;
        let now = self.now();
        let task = self.store()?.transaction(|tx| {
            let e = tx.encounter(id).map_err(|e| not_found(e, "this encounter is not on this device"))?;
            let practitioner = tx.practitioner(me)?;
            let queue = practitioner.roles.iter().copied().find(Role::is_licensed_clinician).unwrap_or(Role::Physician);
            let mut description = format!(
                "Hand-off: visit of {} needs a clinician licensed in {}",
                e.started_at.format("%Y-%m-%d"),
                e.state_of_care
            );
            if !note.is_empty() {
                description.push_str(&format!(". {note}"));
            }
            let task = Task {
                id: TaskId::new_v7(now.timestamp_millis().max(0) as u64),
                kind: TaskKind::HandOff,
                patient_id: e.patient_id,
                queue,
                license_state: e.state_of_care,
                priority: TaskPriority::Urgent,
                status: TaskStatus::Ready,
                owner_id: None,
                description: description.clone(),
                due_at: now + chrono::Duration::hours(4),
                version: 0,
                focus: Some(TaskFocus::Encounter(e.id)),
                history: vec![],
            };
            tx.upsert_task(&task)?;
            tx.enqueue(
                Mutation::CreateTask {
                    task_id: task.id,
                    patient_id: e.patient_id,
                    task_kind: TaskKind::HandOff,
                    queue: Some(queue),
                    license_state: e.state_of_care,
                    priority: TaskPriority::Urgent,
                    description,
                    focus: Some(TaskFocus::Encounter(e.id)),
                },
                now,
            )?;
            Ok::<_, ClientError>(task)
        })?;
        self.wake.notify_one();
        Ok(task)
    }

    /// Settles a section changed on two devices: `None` keeps the server's version; a section
    /// (this device's, or a merge) is saved on top of the server's version.
    pub fn settle_section_conflict(&self, client_seq: i64, section: Option<Section>) -> Result<EncounterView> {
        self.require_session()?;
        let rejected = self.store()?.read().rejected_commands()?;
        let Some(refused) = rejected.iter().find(|r| r.command.client_seq == client_seq) else {
            return Err(ClientError::new(ErrorCode::NotFound, "no such conflict"));
        };
        let Mutation::EditSection { encounter_id, section: ours, .. } = &refused.command.mutation else {
            return Err(ClientError::invalid("that refused change is not a note section"));
        };
        let key = ours.key();
        if let Some(s) = &section {
            if s.key() != key {
                return Err(ClientError::invalid(format!("expected the {} section", key.title())));
            }
        }
        // Every refused edit of this section is settled together (a later one was based on it).
        let settled: Vec<i64> = rejected
            .iter()
            .filter(|r| matches!(&r.command.mutation, Mutation::EditSection { encounter_id: e, section: s, .. } if e == encounter_id && s.key() == key))
            .map(|r| r.command.client_seq)
            .collect();
        let encounter = encounter_id.to_string();
        if let Some(s) = section {
            self.save_section(&encounter, s)?;
        }
        self.store()?.transaction(|tx| {
            for seq in &settled {
                tx.dismiss_rejected(*seq)?;
            }
            Ok::<_, StoreError>(())
        })?;
        self.encounter_view(&encounter)
    }

    /// Everything the charting screens show about one encounter.
    pub fn encounter_view(&self, encounter_id: &str) -> Result<EncounterView> {
        let id: EncounterId = parse_id(encounter_id, "encounter")?;
        let me = self.require_session()?;
        let today = self.now().date_naive();
        self.ensure_icd10()?;
        let store = self.store()?;
        let tx = store.read();
        let encounter = encounter_as_seen(&tx, id, me)?;
        let patient = tx.patient(encounter.patient_id)?;
        let signer = tx.practitioner(me)?;
        let commands = tx.encounter_commands(id)?;
        let draft = encounter.draft.as_deref().cloned();
        let state = draft.as_ref().map(|d| d.context.state_of_care).unwrap_or(encounter.state_of_care);
        let license = license_check(&signer, state, today);

        let Some(draft) = draft else {
            // A note from before structured charting: read-only.
            return Ok(EncounterView {
                note: encounter.note.clone(),
                encounter,
                patient,
                pages: vec![],
                blockers: vec![],
                license,
                vitals_flags: vec![],
                billing: billing::BillingSuggestion {
                    complexity: None,
                    code: None,
                    description: None,
                    rationale: vec![],
                },
                suggested_codes: vec![],
                conflicts: vec![],
                unsynced: commands.pending.len() as u32,
            });
        };

        let conflicts = section_conflicts(&draft, &commands);
        let signed_here = commands.sign_pending();
        let note = if encounter.status.is_signed() { encounter.note.clone() } else { draft.compose_note() };
        let mut blockers: Vec<SignIssue> =
            sign_blockers(&draft, encounter.author_id, encounter.status.is_signed(), &signer, today)
                .into_iter()
                .chain(conflicts.iter().map(|c| SignBlocker::Conflict { section: c.section }))
                .map(|b| SignIssue { message: b.message(), blocker: b })
                .collect();
        blockers.dedup();
        let pages = Page::ALL
            .iter()
            .map(|p| PageState { page: *p, title: p.title().into(), complete: draft.page_complete(*p) })
            .collect();
        let established = tx.encounter_summaries(patient.id, 2)?.0.iter().any(|s| s.id != id && s.status.is_signed());
        let menu = service_menu(tx.org_document(OrgDocumentKind::ServiceMenu, "default")?.as_deref());
        // E-visits bill the author's time on the patient's threads over the last seven days.
        let async_minutes = if draft.context.mode == EncounterMode::Async {
            let now = self.now();
            let since = now - chrono::Duration::days(rounds_domain::thread::EVISIT_WINDOW_DAYS);
            let slices = tx.time_on_patient_threads(encounter.author_id, patient.id, since)?;
            Some(rounds_domain::thread::evisit_minutes(&slices, now))
        } else {
            None
        };
        let billing = billing::suggest(&draft, !established, async_minutes, &menu);
        let mut suggested_codes = Vec::new();
        for chosen in &draft.complaints.chosen {
            let Some(entry) = tx.complaint(&encounter.service_line, &chosen.code)? else { continue };
            for code in &entry.icd10 {
                if let Ok(c) = tx.icd10(code) {
                    if !suggested_codes.iter().any(|s: &Icd10Code| s.code == c.code) {
                        suggested_codes.push(c);
                    }
                }
            }
        }
        Ok(EncounterView {
            vitals_flags: draft.vitals.flags(patient.birth_date, encounter.started_at.date_naive()),
            encounter,
            patient,
            pages,
            note,
            blockers: if signed_here { vec![] } else { blockers },
            license,
            billing,
            suggested_codes,
            conflicts,
            unsynced: commands.pending.len() as u32,
        })
    }

    /// Lab tests to order: type-ahead by code or words.
    pub fn search_labs(&self, query: &str, limit: u32) -> Result<Vec<LabTest>> {
        check_order_query(query, limit)?;
        self.require_session()?;
        let mut store = self.store()?;
        if store.read().code_set_version("loinc")?.as_deref() != Some(code_sets::LOINC_VERSION.as_str()) {
            let tests = code_sets::lab_tests()?;
            store.transaction(|tx| tx.replace_lab_tests(&code_sets::LOINC_VERSION, &tests))?;
        }
        Ok(store.read().search_lab_tests(query, limit)?)
    }

    /// Medications to prescribe: type-ahead by name or RxNorm id.
    pub fn search_drugs(&self, query: &str, limit: u32) -> Result<Vec<Drug>> {
        check_order_query(query, limit)?;
        self.require_session()?;
        let mut store = self.store()?;
        if store.read().code_set_version("rxnorm")?.as_deref() != Some(code_sets::RXNORM_VERSION.as_str()) {
            let drugs = code_sets::drugs()?;
            store.transaction(|tx| tx.replace_drugs(&code_sets::RXNORM_VERSION, &drugs))?;
        }
        Ok(store.read().search_drugs(query, limit)?)
    }

    /// Loads ICD-10-CM into the cache when this build ships a newer one.
    pub(crate) fn ensure_icd10(&self) -> Result<()> {
        use std::sync::atomic::Ordering;
        if self.icd10_ready.load(Ordering::Acquire) {
            return Ok(());
        }
        let mut store = self.store()?;
        if store.read().code_set_version("icd10cm")?.as_deref() != Some(code_sets::ICD10CM_VERSION) {
            let loaded =
                store.transaction(|tx| tx.replace_icd10(code_sets::ICD10CM_VERSION, code_sets::ICD10CM_TSV))?;
            tracing::info!(codes = loaded, "ICD-10-CM loaded into the cache");
        }
        self.icd10_ready.store(true, Ordering::Release);
        Ok(())
    }
}

fn check_order_query(query: &str, limit: u32) -> Result<()> {
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(ClientError::invalid(format!("search text is longer than {MAX_QUERY_CHARS} characters")));
    }
    if limit == 0 || limit > MAX_ORDER_RESULTS {
        return Err(ClientError::invalid(format!("limit must be between 1 and {MAX_ORDER_RESULTS}")));
    }
    Ok(())
}

/// The organisation's service menu as pulled, else the one shipped with the app.
pub(crate) fn service_menu(org: Option<&str>) -> Vec<ServiceMenuEntry> {
    billing::parse_service_menu(org.unwrap_or(code_sets::SERVICE_MENU_CSV)).unwrap_or_else(|e| {
        tracing::error!(error = %e, "the service menu does not parse");
        vec![]
    })
}

fn license_check(signer: &Practitioner, state: UsState, today: NaiveDate) -> LicenseCheck {
    let license = signer.license_for(state, today).cloned();
    let expiring_soon = license.as_ref().is_some_and(|l| (l.expires_on - today).num_days() <= 30);
    let message = match &license {
        Some(l) => format!("Licensed in {state} ({} {}) until {}", l.license_type, l.number, l.expires_on),
        None => format!("No active license in {state}, where the patient is: you can chart, but signing needs a clinician licensed in {state}"),
    };
    LicenseCheck { state, license, message, expiring_soon }
}

/// The encounter as this clinician sees it, and as the rules judge it here: a signature or
/// co-signature this device has sent and the server has not answered yet counts as done, so a
/// note signed here is locked here (the cached row stays as the server last sent it).
fn encounter_as_seen(tx: &Tx<'_>, id: EncounterId, me: PractitionerId) -> Result<Encounter> {
    let mut e = tx.encounter(id).map_err(|e| not_found(e, "this encounter is not on this device"))?;
    let pending = tx.encounter_commands(id)?.pending;
    let sign = pending.iter().find(|c| matches!(c.mutation, Mutation::SignEncounter { .. }));
    if let (Some(sign), false) = (sign, e.status.is_signed()) {
        let note = e.draft.as_deref().map(Draft::compose_note).unwrap_or_default();
        e.status = EncounterStatus::Signed;
        e.signed_by = Some(me);
        e.content_hash = Some(content_hash(&note));
        e.note = note;
        e.signed_at = tx.outbox_created_at(Some(sign.client_seq))?;
    }
    let cosign = pending.iter().find(|c| matches!(c.mutation, Mutation::CosignEncounter { .. }));
    if let (Some(cosign), None) = (cosign, e.cosigned_by) {
        e.cosigned_by = Some(me);
        e.cosigned_at = tx.outbox_created_at(Some(cosign.client_seq))?;
    }
    Ok(e)
}

/// A service line shipped with the app or one of the organisation's own.
fn check_service_line(tx: &Tx<'_>, line: &str) -> Result<()> {
    let shipped = code_sets::COMPLAINT_CATALOGS.iter().any(|(l, _)| *l == line);
    if shipped || tx.org_document(OrgDocumentKind::ComplaintCatalog, line)?.is_some() {
        Ok(())
    } else {
        Err(ClientError::invalid(format!("no service line called '{line}'")))
    }
}

/// What only the device can check, with the code sets it carries (decision 29): the service
/// line exists, and each diagnosis is in ICD-10-CM with its billable flag.
fn check_codes(tx: &Tx<'_>, section: &Section) -> Result<()> {
    match section {
        Section::Context(c) => check_service_line(tx, &c.service_line),
        Section::Assessment(a) => {
            for d in &a.diagnoses {
                let known = tx.icd10(&d.code).map_err(|_| {
                    ClientError::invalid(format!("{} is not in ICD-10-CM ({})", d.code, code_sets::ICD10CM_VERSION))
                })?;
                if known.billable != d.billable {
                    return Err(ClientError::invalid(format!("{} billable flag does not match the code set", d.code)));
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Refused section edits not yet settled: the newest per section, against the current draft.
fn section_conflicts(draft: &Draft, commands: &EncounterCommands) -> Vec<SectionConflict> {
    let mut out: Vec<SectionConflict> = Vec::new();
    for (command, outcome) in &commands.rejected {
        let Mutation::EditSection { section, .. } = &command.mutation else { continue };
        let message = match outcome {
            Outcome::Rejected { code: RejectCode::Conflict, .. } => {
                format!("{} was changed on another device while you edited it here", section.key().title())
            }
            Outcome::Rejected { message, .. } => message.clone(),
            Outcome::Applied => continue,
        };
        let key: SectionKey = section.key();
        out.retain(|c| c.section != key);
        out.push(SectionConflict {
            client_seq: command.client_seq,
            section: key,
            theirs: draft.section(key),
            ours: section.clone(),
            message,
        });
    }
    out
}
