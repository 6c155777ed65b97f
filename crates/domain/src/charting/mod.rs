//! Charting an encounter: the draft note's sections, the pages that fill them, the note composed
//! from them, and the rules for signing. Pure: the caller passes dates and the signer.
//!
//! A draft is a set of sections, one per page. Each section is saved whole and versioned by the
//! hash of its content, so a device's edits chain on one another without waiting for the server,
//! and an edit made on another device in the meantime is caught as a conflict (docs/sync.md).

use crate::vitals::{display_number, TemperatureUnit, Vitals, WeightUnit};
use crate::{EncounterMode, License, Practitioner, Role, TaskKind, UsState};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

mod commands;
pub use commands::{add_addendum, cosign, edit_section, refuse_signing, sign, start, Signed};

/// Longest free text of one field, in characters.
pub const MAX_TEXT_CHARS: usize = 20_000;
/// Most items of one list in a section (complaints, diagnoses, orders...).
pub const MAX_ITEMS: usize = 50;
/// Longest addendum, in characters.
pub const MAX_ADDENDUM_CHARS: usize = 20_000;

/// The pages of the charting workflow, in order.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Page {
    Context,
    Complaint,
    History,
    Systems,
    Vitals,
    Assessment,
    Plan,
    Review,
}

impl Page {
    pub const ALL: [Page; 8] = [
        Page::Context,
        Page::Complaint,
        Page::History,
        Page::Systems,
        Page::Vitals,
        Page::Assessment,
        Page::Plan,
        Page::Review,
    ];

    pub fn index(&self) -> usize {
        Page::ALL.iter().position(|p| p == self).unwrap_or(0)
    }

    pub fn title(&self) -> &'static str {
        match self {
            Page::Context => "Context",
            Page::Complaint => "Chief complaint",
            Page::History => "History",
            Page::Systems => "Review of systems & exam",
            Page::Vitals => "Vitals",
            Page::Assessment => "Assessment",
            Page::Plan => "Plan",
            Page::Review => "Review & sign",
        }
    }

    pub fn next(&self) -> Option<Page> {
        Page::ALL.get(self.index() + 1).copied()
    }

    pub fn prev(&self) -> Option<Page> {
        self.index().checked_sub(1).map(|i| Page::ALL[i])
    }

    /// The section this page edits (the review page edits none).
    pub fn section(&self) -> Option<SectionKey> {
        Some(match self {
            Page::Context => SectionKey::Context,
            Page::Complaint => SectionKey::Complaints,
            Page::History => SectionKey::History,
            Page::Systems => SectionKey::Systems,
            Page::Vitals => SectionKey::Vitals,
            Page::Assessment => SectionKey::Assessment,
            Page::Plan => SectionKey::Plan,
            Page::Review => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SectionKey {
    Context,
    Complaints,
    History,
    Systems,
    Vitals,
    Assessment,
    Plan,
}

impl SectionKey {
    pub const ALL: [SectionKey; 7] = [
        SectionKey::Context,
        SectionKey::Complaints,
        SectionKey::History,
        SectionKey::Systems,
        SectionKey::Vitals,
        SectionKey::Assessment,
        SectionKey::Plan,
    ];

    pub fn title(&self) -> &'static str {
        match self {
            SectionKey::Context => "Context",
            SectionKey::Complaints => "Chief complaint",
            SectionKey::History => "History",
            SectionKey::Systems => "Review of systems & exam",
            SectionKey::Vitals => "Vitals",
            SectionKey::Assessment => "Assessment",
            SectionKey::Plan => "Plan",
        }
    }

    pub fn page(&self) -> Page {
        match self {
            SectionKey::Context => Page::Context,
            SectionKey::Complaints => Page::Complaint,
            SectionKey::History => Page::History,
            SectionKey::Systems => Page::Systems,
            SectionKey::Vitals => Page::Vitals,
            SectionKey::Assessment => Page::Assessment,
            SectionKey::Plan => Page::Plan,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContextSection {
    pub mode: EncounterMode,
    /// Where the patient is during the visit: the license that covers it.
    pub state_of_care: UsState,
    /// Which complaint catalog the visit charts from, e.g. "adult_primary".
    pub service_line: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChosenComplaint {
    pub code: String,
    pub label: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ComplaintsSection {
    pub chosen: Vec<ChosenComplaint>,
}

/// One answered history prompt: the options tapped, with their labels (so the note reads
/// without the catalog).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HpiAnswer {
    pub complaint: String,
    pub prompt: String,
    pub label: String,
    pub chosen: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct HistorySection {
    pub answers: Vec<HpiAnswer>,
    pub narrative: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SystemStatus {
    Normal,
    Abnormal,
}

/// A documented review-of-systems or exam system.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemEntry {
    pub system: String,
    pub label: String,
    pub status: SystemStatus,
    /// The catalog's "normal" sentence, charted when the status is normal.
    pub normal_text: String,
    /// Abnormal findings tapped.
    pub findings: Vec<String>,
    /// Free text for this system.
    pub note: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SystemsSection {
    pub ros: Vec<SystemEntry>,
    pub exam: Vec<SystemEntry>,
    pub narrative: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Diagnosis {
    /// ICD-10-CM, dotted.
    pub code: String,
    pub description: String,
    pub billable: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AssessmentSection {
    pub diagnoses: Vec<Diagnosis>,
    pub narrative: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LabOrder {
    pub loinc: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MedicationOrder {
    pub rxcui: String,
    pub name: String,
    /// Directions for use.
    pub sig: String,
}

/// Work for someone else, created as a task in their role's queue when the note is signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlannedTask {
    pub queue: Role,
    pub kind: TaskKind,
    pub description: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PlanSection {
    pub labs: Vec<LabOrder>,
    pub medications: Vec<MedicationOrder>,
    pub instructions: String,
    pub follow_up: String,
    pub tasks: Vec<PlannedTask>,
}

/// One section, saved whole.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(tag = "section", rename_all = "snake_case")]
pub enum Section {
    Context(ContextSection),
    Complaints(ComplaintsSection),
    History(HistorySection),
    Systems(SystemsSection),
    Vitals(Vitals),
    Assessment(AssessmentSection),
    Plan(PlanSection),
}

impl Section {
    pub fn key(&self) -> SectionKey {
        match self {
            Section::Context(_) => SectionKey::Context,
            Section::Complaints(_) => SectionKey::Complaints,
            Section::History(_) => SectionKey::History,
            Section::Systems(_) => SectionKey::Systems,
            Section::Vitals(_) => SectionKey::Vitals,
            Section::Assessment(_) => SectionKey::Assessment,
            Section::Plan(_) => SectionKey::Plan,
        }
    }

    /// The section's version: a hash of its content (see the module comment).
    pub fn hash(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        hex(&Sha256::digest(&json))
    }

    /// Refuses what no page should save: overlong text, too many items, duplicates, malformed
    /// codes, impossible vitals. The message says what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Section::Context(c) => {
                if !is_service_line(&c.service_line) {
                    return Err(format!("'{}' is not a service line", c.service_line));
                }
                Ok(())
            }
            Section::Complaints(c) => {
                items("complaints", &c.chosen)?;
                unique("complaint", c.chosen.iter().map(|c| c.code.as_str()))?;
                for x in &c.chosen {
                    short("complaint code", &x.code)?;
                    short("complaint label", &x.label)?;
                }
                Ok(())
            }
            Section::History(h) => {
                items("history answers", &h.answers)?;
                text("history", &h.narrative)?;
                unique("history prompt", h.answers.iter().map(|a| (a.complaint.as_str(), a.prompt.as_str())))?;
                for a in &h.answers {
                    short("prompt", &a.prompt)?;
                    short("prompt label", &a.label)?;
                    items("options", &a.chosen)?;
                    for o in &a.chosen {
                        short("option", o)?;
                    }
                }
                Ok(())
            }
            Section::Systems(s) => {
                text("exam narrative", &s.narrative)?;
                for (what, list) in [("review of systems", &s.ros), ("exam", &s.exam)] {
                    items(what, list)?;
                    unique("system", list.iter().map(|e| e.system.as_str()))?;
                    for e in list {
                        short("system", &e.system)?;
                        text("system note", &e.note)?;
                        items("findings", &e.findings)?;
                        if e.status == SystemStatus::Abnormal && e.findings.is_empty() && e.note.trim().is_empty() {
                            return Err(format!("{}: say what is abnormal (a finding or a note)", e.label));
                        }
                    }
                }
                Ok(())
            }
            Section::Vitals(v) => v.validate(),
            Section::Assessment(a) => {
                items("diagnoses", &a.diagnoses)?;
                text("assessment", &a.narrative)?;
                unique("diagnosis", a.diagnoses.iter().map(|d| d.code.as_str()))?;
                for d in &a.diagnoses {
                    if !is_icd10cm_shape(&d.code) {
                        return Err(format!("'{}' is not an ICD-10-CM code", d.code));
                    }
                }
                Ok(())
            }
            Section::Plan(p) => {
                items("lab orders", &p.labs)?;
                items("medications", &p.medications)?;
                items("tasks", &p.tasks)?;
                text("instructions", &p.instructions)?;
                text("follow-up", &p.follow_up)?;
                unique("lab order", p.labs.iter().map(|l| l.loinc.as_str()))?;
                for l in &p.labs {
                    if !is_loinc(&l.loinc) {
                        return Err(format!("'{}' is not a LOINC code", l.loinc));
                    }
                }
                for m in &p.medications {
                    if m.rxcui.is_empty() || m.rxcui.len() > 10 || !m.rxcui.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(format!("'{}' is not an RxNorm concept id", m.rxcui));
                    }
                    short("medication", &m.name)?;
                    text("directions", &m.sig)?;
                }
                for t in &p.tasks {
                    if t.queue == Role::Admin {
                        return Err("clinical tasks go to a care queue, not to administrators".into());
                    }
                    if t.description.trim().is_empty() {
                        return Err("a task needs a description".into());
                    }
                    text("task", &t.description)?;
                }
                Ok(())
            }
        }
    }
}

fn items<T>(what: &str, list: &[T]) -> Result<(), String> {
    if list.len() > MAX_ITEMS {
        return Err(format!("at most {MAX_ITEMS} {what}"));
    }
    Ok(())
}

fn text(what: &str, s: &str) -> Result<(), String> {
    if s.chars().count() > MAX_TEXT_CHARS {
        return Err(format!("the {what} text is longer than {MAX_TEXT_CHARS} characters"));
    }
    Ok(())
}

fn short(what: &str, s: &str) -> Result<(), String> {
    if s.trim().is_empty() || s.chars().count() > 300 {
        return Err(format!("a {what} needs 1 to 300 characters"));
    }
    Ok(())
}

fn unique<T: PartialEq>(what: &str, it: impl Iterator<Item = T>) -> Result<(), String> {
    let all: Vec<T> = it.collect();
    for (i, x) in all.iter().enumerate() {
        if all[..i].contains(x) {
            return Err(format!("the same {what} appears twice"));
        }
    }
    Ok(())
}

/// A service line's name: 1 to 40 lower-case letters and underscores.
pub fn is_service_line(s: &str) -> bool {
    !s.is_empty() && s.len() <= 40 && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

/// The shape of an ICD-10-CM code: a letter, a digit, a letter or digit, then optionally a dot
/// and one to four letters or digits. Whether the code exists is checked against the code set.
pub fn is_icd10cm_shape(code: &str) -> bool {
    let b = code.as_bytes();
    let head_ok = b.len() >= 3
        && b[0].is_ascii_uppercase()
        && b[1].is_ascii_digit()
        && (b[2].is_ascii_digit() || b[2].is_ascii_uppercase());
    if !head_ok {
        return false;
    }
    match &b[3..] {
        [] => true,
        [b'.', rest @ ..] => {
            (1..=4).contains(&rest.len()) && rest.iter().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        }
        _ => false,
    }
}

/// A LOINC code: digits, a hyphen and a mod-10 check digit.
pub fn is_loinc(code: &str) -> bool {
    let Some((body, check)) = code.split_once('-') else { return false };
    if body.is_empty() || body.len() > 7 || check.len() != 1 || !body.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let Some(check) = check.bytes().next().filter(u8::is_ascii_digit).map(|b| u32::from(b - b'0')) else {
        return false;
    };
    // Luhn mod 10 over the body (LOINC's check digit).
    let mut sum = 0;
    for (i, b) in body.bytes().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 0 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    (10 - sum % 10) % 10 == check
}

/// The whole draft: every section, as last saved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Draft {
    pub context: ContextSection,
    #[serde(default)]
    pub complaints: ComplaintsSection,
    #[serde(default)]
    pub history: HistorySection,
    #[serde(default)]
    pub systems: SystemsSection,
    #[serde(default)]
    pub vitals: Vitals,
    #[serde(default)]
    pub assessment: AssessmentSection,
    #[serde(default)]
    pub plan: PlanSection,
}

impl Draft {
    pub fn new(mode: EncounterMode, state_of_care: UsState, service_line: &str) -> Draft {
        Draft {
            context: ContextSection { mode, state_of_care, service_line: service_line.to_string() },
            complaints: Default::default(),
            history: Default::default(),
            systems: Default::default(),
            vitals: Default::default(),
            assessment: Default::default(),
            plan: Default::default(),
        }
    }

    pub fn section(&self, key: SectionKey) -> Section {
        match key {
            SectionKey::Context => Section::Context(self.context.clone()),
            SectionKey::Complaints => Section::Complaints(self.complaints.clone()),
            SectionKey::History => Section::History(self.history.clone()),
            SectionKey::Systems => Section::Systems(self.systems.clone()),
            SectionKey::Vitals => Section::Vitals(self.vitals.clone()),
            SectionKey::Assessment => Section::Assessment(self.assessment.clone()),
            SectionKey::Plan => Section::Plan(self.plan.clone()),
        }
    }

    pub fn set(&mut self, section: Section) {
        match section {
            Section::Context(s) => self.context = s,
            Section::Complaints(s) => self.complaints = s,
            Section::History(s) => self.history = s,
            Section::Systems(s) => self.systems = s,
            Section::Vitals(s) => self.vitals = s,
            Section::Assessment(s) => self.assessment = s,
            Section::Plan(s) => self.plan = s,
        }
    }

    pub fn section_hash(&self, key: SectionKey) -> String {
        self.section(key).hash()
    }

    /// The chosen complaint codes, in order (kept on the encounter for ranking the buttons).
    pub fn complaint_codes(&self) -> Vec<String> {
        self.complaints.chosen.iter().map(|c| c.code.clone()).collect()
    }

    /// Whether a page has what a signed note needs from it (the review page: everything).
    pub fn page_complete(&self, page: Page) -> bool {
        match page {
            Page::Context => true,
            Page::Complaint => !self.complaints.chosen.is_empty(),
            Page::History => {
                !self.history.narrative.trim().is_empty() || self.history.answers.iter().any(|a| !a.chosen.is_empty())
            }
            Page::Systems => {
                !self.systems.ros.is_empty()
                    || !self.systems.exam.is_empty()
                    || !self.systems.narrative.trim().is_empty()
            }
            // Not every visit can measure vitals (an SMS visit); the page is never required.
            Page::Vitals => !self.vitals.is_empty(),
            Page::Assessment => self.assessment.diagnoses.iter().any(|d| d.billable),
            Page::Plan => {
                let p = &self.plan;
                !p.labs.is_empty()
                    || !p.medications.is_empty()
                    || !p.instructions.trim().is_empty()
                    || !p.follow_up.trim().is_empty()
            }
            Page::Review => Page::ALL[..7].iter().all(|p| *p == Page::Vitals || self.page_complete(*p)),
        }
    }

    /// What stops this draft from being signed, whoever signs it.
    pub fn incomplete(&self) -> Vec<SignBlocker> {
        let mut out = Vec::new();
        if self.complaints.chosen.is_empty() {
            out.push(SignBlocker::Missing { page: Page::Complaint, what: "a chief complaint".into() });
        }
        if !self.page_complete(Page::History) {
            out.push(SignBlocker::Missing { page: Page::History, what: "the history (a prompt or narrative)".into() });
        }
        if !self.page_complete(Page::Systems) {
            out.push(SignBlocker::Missing { page: Page::Systems, what: "a review of systems or exam".into() });
        }
        if self.assessment.diagnoses.is_empty() {
            out.push(SignBlocker::Missing { page: Page::Assessment, what: "a diagnosis".into() });
        } else if !self.page_complete(Page::Assessment) {
            out.push(SignBlocker::Missing {
                page: Page::Assessment,
                what: "a billable diagnosis (a category header is not enough)".into(),
            });
        }
        if !self.page_complete(Page::Plan) {
            out.push(SignBlocker::Missing {
                page: Page::Plan,
                what: "a plan (orders, instructions or follow-up)".into(),
            });
        }
        if let Err(e) = self.vitals.validate() {
            out.push(SignBlocker::Missing { page: Page::Vitals, what: format!("possible vitals: {e}") });
        }
        out
    }

    /// The note, composed from the sections. Deterministic: the device and the server compose
    /// the same text from the same sections, and the signature covers its hash.
    pub fn compose_note(&self) -> String {
        let mut n = String::new();
        let ctx = &self.context;
        n.push_str(&format!("Visit: {}, patient in {}.\n", mode_words(ctx.mode), ctx.state_of_care));

        let complaints: Vec<&str> = self.complaints.chosen.iter().map(|c| c.label.as_str()).collect();
        n.push_str(&format!("Chief complaint: {}.\n", join_or(&complaints, "not recorded")));

        let mut hpi = Vec::new();
        for c in &self.complaints.chosen {
            let parts: Vec<String> = self
                .history
                .answers
                .iter()
                .filter(|a| a.complaint == c.code && !a.chosen.is_empty())
                .map(|a| format!("{}: {}", a.label, a.chosen.join(", ")))
                .collect();
            if !parts.is_empty() {
                hpi.push(format!("{}. {}.", c.label, parts.join("; ")));
            }
        }
        if !self.history.narrative.trim().is_empty() {
            hpi.push(self.history.narrative.trim().to_string());
        }
        if !hpi.is_empty() {
            n.push_str("\nHistory of present illness:\n");
            for line in hpi {
                n.push_str(&format!("{line}\n"));
            }
        }

        for (title, list) in [("Review of systems", &self.systems.ros), ("Examination", &self.systems.exam)] {
            if list.is_empty() {
                continue;
            }
            n.push_str(&format!("\n{title}:\n"));
            for e in list {
                n.push_str(&format!("- {}: {}\n", e.label, system_words(e)));
            }
        }
        if !self.systems.narrative.trim().is_empty() {
            n.push_str(&format!("{}\n", self.systems.narrative.trim()));
        }

        if !self.vitals.is_empty() {
            n.push_str(&format!(
                "\nVitals{}: {}.\n",
                if self.vitals.reported { " (reported)" } else { "" },
                vitals_words(&self.vitals)
            ));
        }

        n.push_str("\nAssessment:\n");
        for d in &self.assessment.diagnoses {
            n.push_str(&format!("- {} {}\n", d.code, d.description));
        }
        if !self.assessment.narrative.trim().is_empty() {
            n.push_str(&format!("{}\n", self.assessment.narrative.trim()));
        }

        n.push_str("\nPlan:\n");
        let p = &self.plan;
        if !p.labs.is_empty() {
            let labs: Vec<String> = p.labs.iter().map(|l| format!("{} (LOINC {})", l.name, l.loinc)).collect();
            n.push_str(&format!("- Labs: {}.\n", labs.join("; ")));
        }
        for m in &p.medications {
            let sig = if m.sig.trim().is_empty() { String::new() } else { format!(": {}", m.sig.trim()) };
            n.push_str(&format!("- Medication: {} (RxNorm {}){sig}\n", m.name, m.rxcui));
        }
        if !p.instructions.trim().is_empty() {
            n.push_str(&format!("- Instructions: {}\n", p.instructions.trim()));
        }
        if !p.follow_up.trim().is_empty() {
            n.push_str(&format!("- Follow-up: {}\n", p.follow_up.trim()));
        }
        for t in &p.tasks {
            n.push_str(&format!("- Task for {}: {}\n", t.queue.as_str().replace('_', " "), t.description.trim()));
        }
        n
    }
}

fn mode_words(mode: EncounterMode) -> &'static str {
    match mode {
        EncounterMode::InPerson => "in person",
        EncounterMode::Video => "video",
        EncounterMode::Phone => "phone",
        EncounterMode::Async => "asynchronous (messages)",
    }
}

fn join_or(items: &[&str], empty: &str) -> String {
    if items.is_empty() {
        empty.to_string()
    } else {
        items.join(", ")
    }
}

fn system_words(e: &SystemEntry) -> String {
    let mut s = match e.status {
        SystemStatus::Normal => e.normal_text.trim().trim_end_matches('.').to_string(),
        SystemStatus::Abnormal => e.findings.join(", "),
    };
    if !e.note.trim().is_empty() {
        if !s.is_empty() {
            s.push_str("; ");
        }
        s.push_str(e.note.trim().trim_end_matches('.'));
    }
    s.push('.');
    s
}

fn vitals_words(v: &Vitals) -> String {
    let mut parts = Vec::new();
    if let Some(t) = v.temperature {
        let unit = if t.unit == TemperatureUnit::Celsius { "°C" } else { "°F" };
        parts.push(format!("T {} {unit}", display_number(t.value)));
    }
    if let Some(x) = v.heart_rate {
        parts.push(format!("HR {}/min", display_number(x)));
    }
    if let Some(x) = v.respiratory_rate {
        parts.push(format!("RR {}/min", display_number(x)));
    }
    match (v.systolic, v.diastolic) {
        (Some(s), Some(d)) => parts.push(format!("BP {}/{} mmHg", display_number(s), display_number(d))),
        (Some(s), None) => parts.push(format!("SBP {} mmHg", display_number(s))),
        (None, Some(d)) => parts.push(format!("DBP {} mmHg", display_number(d))),
        (None, None) => {}
    }
    if let Some(x) = v.spo2 {
        parts.push(format!("SpO2 {}%", display_number(x)));
    }
    if let Some(w) = v.weight {
        let unit = if w.unit == WeightUnit::Kg { "kg" } else { "lb" };
        parts.push(format!("Wt {} {unit}", display_number(w.value)));
    }
    if let Some(h) = v.height {
        let unit = if h.unit == crate::vitals::LengthUnit::Cm { "cm" } else { "in" };
        parts.push(format!("Ht {} {unit}", display_number(h.value)));
    }
    if let Some(x) = v.pain {
        parts.push(format!("pain {}/10", display_number(x)));
    }
    parts.join(", ")
}

/// The SHA-256 of a note's text, hex: what a signature covers.
pub fn content_hash(note: &str) -> String {
    hex(&Sha256::digest(note.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Why a note cannot be signed now. Each says what to do about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SignBlocker {
    /// A page still lacks what a signed note needs.
    Missing { page: Page, what: String },
    /// The signer holds no active license in the patient's state of care.
    NoLicense { state: UsState },
    /// Only the note's author signs it.
    NotAuthor,
    /// The note is signed already; changes are addenda.
    AlreadySigned,
    /// A section was changed on two devices and a person must choose.
    Conflict { section: SectionKey },
}

impl SignBlocker {
    pub fn message(&self) -> String {
        match self {
            SignBlocker::Missing { page, what } => format!("{}: needs {what}", page.title()),
            SignBlocker::NoLicense { state } => {
                format!("You hold no active license in {state}, where the patient is: hand the note off to a clinician licensed there")
            }
            SignBlocker::NotAuthor => "Only the author signs this note; add an addendum instead".into(),
            SignBlocker::AlreadySigned => "The note is signed; changes are addenda".into(),
            SignBlocker::Conflict { section } => {
                format!("{} was changed on another device: choose a version before signing", section.title())
            }
        }
    }
}

/// Whether `signer` holds the license this visit needs, and which.
pub fn license_for_visit(signer: &Practitioner, state: UsState, today: NaiveDate) -> Option<&License> {
    signer.license_for(state, today)
}

/// Everything that stops `signer` from signing this draft of `author`'s note today.
pub fn sign_blockers(
    draft: &Draft,
    author: crate::PractitionerId,
    signed: bool,
    signer: &Practitioner,
    today: NaiveDate,
) -> Vec<SignBlocker> {
    if signed {
        return vec![SignBlocker::AlreadySigned];
    }
    let mut out = Vec::new();
    if signer.id != author {
        out.push(SignBlocker::NotAuthor);
    }
    if license_for_visit(signer, draft.context.state_of_care, today).is_none() {
        out.push(SignBlocker::NoLicense { state: draft.context.state_of_care });
    }
    out.extend(draft.incomplete());
    out
}

/// Whether a note by `signer` needs a physician's co-signature under the organisation's setting.
pub fn needs_cosign(signer: &Practitioner, org_requires_cosign: bool) -> bool {
    org_requires_cosign
        && !signer.has_role(Role::Physician)
        && (signer.has_role(Role::NursePractitioner) || signer.has_role(Role::PhysicianAssistant))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::vitals::Temperature;
    use crate::*;
    use uuid::Uuid;

    fn state(s: &str) -> UsState {
        s.parse().unwrap()
    }

    fn doc(states: &[&str]) -> Practitioner {
        Practitioner {
            id: PractitionerId(Uuid::now_v7()),
            organization_id: OrganizationId(Uuid::now_v7()),
            display_name: "Maya Chen, MD".into(),
            email: "maya@example.org".into(),
            roles: vec![Role::Physician],
            licenses: states
                .iter()
                .map(|s| License {
                    state: state(s),
                    license_type: "MD".into(),
                    number: "A1".into(),
                    expires_on: "2027-06-30".parse().unwrap(),
                })
                .collect(),
            supervisor_id: None,
            on_duty: false,
        }
    }

    /// The reference sore-throat visit.
    pub(crate) fn sore_throat() -> Draft {
        let mut d = Draft::new(EncounterMode::Video, state("TX"), "adult_primary");
        d.set(Section::Complaints(ComplaintsSection {
            chosen: vec![ChosenComplaint { code: "sore_throat".into(), label: "Sore throat".into() }],
        }));
        d.set(Section::History(HistorySection {
            answers: vec![HpiAnswer {
                complaint: "sore_throat".into(),
                prompt: "onset".into(),
                label: "Onset".into(),
                chosen: vec!["2 days ago".into()],
            }],
            narrative: String::new(),
        }));
        d.set(Section::Systems(SystemsSection {
            ros: vec![],
            exam: vec![SystemEntry {
                system: "throat".into(),
                label: "Throat".into(),
                status: SystemStatus::Abnormal,
                normal_text: "Pharynx normal.".into(),
                findings: vec!["Tonsillar exudate".into()],
                note: String::new(),
            }],
            narrative: String::new(),
        }));
        d.set(Section::Vitals(Vitals {
            temperature: Some(Temperature { value: 38.4, unit: crate::vitals::TemperatureUnit::Celsius }),
            ..Default::default()
        }));
        d.set(Section::Assessment(AssessmentSection {
            diagnoses: vec![Diagnosis {
                code: "J02.0".into(),
                description: "Streptococcal pharyngitis".into(),
                billable: true,
            }],
            narrative: String::new(),
        }));
        d.set(Section::Plan(PlanSection {
            labs: vec![LabOrder { loinc: "78012-2".into(), name: "Rapid strep".into() }],
            medications: vec![],
            instructions: "Fluids, rest.".into(),
            follow_up: String::new(),
            tasks: vec![],
        }));
        d
    }

    #[test]
    fn a_complete_draft_signs_and_a_fresh_one_lists_every_missing_page() {
        let me = doc(&["TX"]);
        let today = "2026-11-23".parse().unwrap();
        assert_eq!(sign_blockers(&sore_throat(), me.id, false, &me, today), vec![]);
        let fresh = Draft::new(EncounterMode::Video, state("TX"), "adult_primary");
        let pages: Vec<Page> = sign_blockers(&fresh, me.id, false, &me, today)
            .into_iter()
            .map(|b| match b {
                SignBlocker::Missing { page, .. } => page,
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(pages, vec![Page::Complaint, Page::History, Page::Systems, Page::Assessment, Page::Plan]);
        assert!(!fresh.page_complete(Page::Review));
        assert!(sore_throat().page_complete(Page::Review));
    }

    #[test]
    fn signing_needs_the_author_an_active_license_in_the_state_of_care_and_a_draft() {
        let today: NaiveDate = "2026-11-23".parse().unwrap();
        let me = doc(&["CA"]);
        let blockers = sign_blockers(&sore_throat(), me.id, false, &me, today);
        assert_eq!(blockers, vec![SignBlocker::NoLicense { state: state("TX") }]);
        assert!(blockers[0].message().contains("no active license in TX"));
        let expired = doc(&["TX"]);
        let later: NaiveDate = "2027-07-01".parse().unwrap();
        assert_eq!(sign_blockers(&sore_throat(), expired.id, false, &expired, later).len(), 1);
        let other = doc(&["TX"]);
        assert_eq!(sign_blockers(&sore_throat(), me.id, false, &other, today), vec![SignBlocker::NotAuthor]);
        assert_eq!(sign_blockers(&sore_throat(), other.id, true, &other, today), vec![SignBlocker::AlreadySigned]);
    }

    #[test]
    fn a_category_header_is_not_a_billable_diagnosis_and_impossible_vitals_block() {
        let mut d = sore_throat();
        d.assessment.diagnoses[0] =
            Diagnosis { code: "J02".into(), description: "Acute pharyngitis".into(), billable: false };
        d.vitals.heart_rate = Some(900.0);
        let blockers = d.incomplete();
        assert_eq!(blockers.len(), 2, "{blockers:?}");
        assert!(blockers[0].message().contains("billable"));
        assert!(blockers[1].message().contains("Heart rate 900"));
    }

    #[test]
    fn the_note_reads_as_a_note_and_its_hash_follows_its_content() {
        let d = sore_throat();
        let note = d.compose_note();
        assert_eq!(
            note,
            "Visit: video, patient in TX.\nChief complaint: Sore throat.\n\nHistory of present illness:\n\
             Sore throat. Onset: 2 days ago.\n\nExamination:\n- Throat: Tonsillar exudate.\n\n\
             Vitals: T 38.4 °C.\n\nAssessment:\n- J02.0 Streptococcal pharyngitis\n\nPlan:\n\
             - Labs: Rapid strep (LOINC 78012-2).\n- Instructions: Fluids, rest.\n"
        );
        assert_eq!(content_hash(&note), content_hash(&d.compose_note()));
        let mut e = d.clone();
        e.plan.instructions.push('!');
        assert_ne!(content_hash(&note), content_hash(&e.compose_note()));
    }

    #[test]
    fn section_versions_are_content_hashes() {
        let d = sore_throat();
        let a = d.section_hash(SectionKey::Plan);
        assert_eq!(a, d.clone().section_hash(SectionKey::Plan));
        let mut e = d.clone();
        e.plan.follow_up = "2 days".into();
        assert_ne!(a, e.section_hash(SectionKey::Plan));
        assert_eq!(d.section_hash(SectionKey::Vitals), e.section_hash(SectionKey::Vitals));
    }

    #[test]
    fn bad_sections_are_refused_with_a_reason() {
        let bad_code = Section::Assessment(AssessmentSection {
            diagnoses: vec![Diagnosis { code: "strep".into(), description: "x".into(), billable: true }],
            narrative: String::new(),
        });
        assert_eq!(bad_code.validate(), Err("'strep' is not an ICD-10-CM code".into()));
        let bad_loinc = Section::Plan(PlanSection {
            labs: vec![LabOrder { loinc: "78012-3".into(), name: "Rapid strep".into() }],
            ..Default::default()
        });
        assert_eq!(bad_loinc.validate(), Err("'78012-3' is not a LOINC code".into()));
        let twice = Section::Complaints(ComplaintsSection {
            chosen: vec![
                ChosenComplaint { code: "fever".into(), label: "Fever".into() },
                ChosenComplaint { code: "fever".into(), label: "Fever".into() },
            ],
        });
        assert!(twice.validate().unwrap_err().contains("twice"));
        let huge = Section::History(HistorySection { answers: vec![], narrative: "x".repeat(MAX_TEXT_CHARS + 1) });
        assert!(huge.validate().is_err());
        for s in SectionKey::ALL {
            assert_eq!(sore_throat().section(s).validate(), Ok(()), "{s:?}");
        }
    }

    #[test]
    fn code_shapes() {
        for ok in ["J02", "J02.0", "S52.521A", "Z00.00", "U07.1"] {
            assert!(is_icd10cm_shape(ok), "{ok}");
        }
        for bad in ["", "J0", "j02.0", "J02.", "J02.12345", "02.1", "J02-1"] {
            assert!(!is_icd10cm_shape(bad), "{bad}");
        }
        for ok in ["78012-2", "8310-5", "2345-7", "4548-4", "59408-5"] {
            assert!(is_loinc(ok), "{ok}");
        }
        for bad in ["78012", "78012-", "-2", "abc-1", "8310-4", "12345678-1"] {
            assert!(!is_loinc(bad), "{bad}");
        }
    }

    #[test]
    fn nurse_practitioners_need_a_cosign_only_where_the_organisation_says_so() {
        let mut np = doc(&["TX"]);
        np.roles = vec![Role::NursePractitioner];
        assert!(needs_cosign(&np, true));
        assert!(!needs_cosign(&np, false));
        assert!(!needs_cosign(&doc(&["TX"]), true));
    }
}
