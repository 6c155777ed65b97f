//! Encounters in the cache: drafts saved section by section, signed notes (immutable here too,
//! by trigger), addenda (append-only), the vitals of signed notes as observations, and the
//! order catalogs (labs, medications).

use crate::codec::{enum_str, from_json, parse, parse_enum, to_json};
use crate::records::time;
use crate::{Result, StoreError, Tx};
use rounds_domain::chart::{Drug, EncounterSummary, LabTest, ObservationView};
use rounds_domain::charting::Draft;
use rounds_domain::sync::{Command, Mutation, Outcome};
use rounds_domain::vitals::VitalKind;
use rounds_domain::*;
use rusqlite::{OptionalExtension, Row};

const ENCOUNTER_COLUMNS: &str = "id, patient_id, author_id, mode, service_line, state_of_care, status,
    chief_complaints, note, started_at, signed_at, version, draft, signed_by, content_hash, cosign_required,
    cosigned_by, cosigned_at";

/// The commands of this device about one encounter, not yet settled with the server.
#[derive(Debug, Default)]
pub struct EncounterCommands {
    /// Waiting to be pushed or answered.
    pub pending: Vec<Command>,
    /// Refused by the server and not yet dismissed, with the refusal.
    pub rejected: Vec<(Command, Outcome)>,
}

impl EncounterCommands {
    pub fn sign_pending(&self) -> bool {
        self.pending.iter().any(|c| matches!(c.mutation, Mutation::SignEncounter { .. }))
    }
}

impl Tx<'_> {
    /// Stores an encounter from the server (or a new local draft): replaces a cached copy of the
    /// same or an older version, adds its addenda, and records the vitals of a signed note.
    /// A draft copy of a note the cache holds as signed is refused by the database.
    pub fn upsert_encounter(&self, e: &Encounter) -> Result<bool> {
        let n = self
            .conn
            .prepare_cached(
                "INSERT INTO encounters (id, patient_id, author_id, mode, service_line, state_of_care, status,
                     chief_complaints, note, started_at, signed_at, version, draft, signed_by, content_hash,
                     cosign_required, cosigned_by, cosigned_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
                 ON CONFLICT (id) DO UPDATE SET mode = excluded.mode, service_line = excluded.service_line,
                    state_of_care = excluded.state_of_care, status = excluded.status,
                    chief_complaints = excluded.chief_complaints, note = excluded.note,
                    signed_at = excluded.signed_at, version = excluded.version, draft = excluded.draft,
                    signed_by = excluded.signed_by, content_hash = excluded.content_hash,
                    cosign_required = excluded.cosign_required, cosigned_by = excluded.cosigned_by,
                    cosigned_at = excluded.cosigned_at
                 WHERE excluded.version >= encounters.version",
            )?
            .execute(rusqlite::params![
                e.id.to_string(),
                e.patient_id.to_string(),
                e.author_id.to_string(),
                enum_str(&e.mode)?,
                e.service_line,
                e.state_of_care.as_str(),
                enum_str(&e.status)?,
                to_json(&e.chief_complaints)?,
                e.note,
                e.started_at.to_rfc3339(),
                e.signed_at.map(|t| t.to_rfc3339()),
                e.version,
                e.draft.as_deref().map(to_json).transpose()?,
                e.signed_by.map(|p| p.to_string()),
                e.content_hash,
                e.cosign_required,
                e.cosigned_by.map(|p| p.to_string()),
                e.cosigned_at.map(|t| t.to_rfc3339()),
            ])?;
        for a in &e.addenda {
            // The server's copy of an addendum written here (its time and hash) replaces ours.
            self.conn.execute(
                "DELETE FROM addenda WHERE id = ?1 AND (signed_at <> ?2 OR content_hash <> ?3 OR text <> ?4)",
                (a.id.to_string(), a.signed_at.to_rfc3339(), &a.content_hash, &a.text),
            )?;
            self.insert_addendum(e.id, a)?;
        }
        if n > 0 && e.status.is_signed() {
            self.record_observations(e)?;
        }
        Ok(n > 0)
    }

    fn insert_addendum(&self, encounter: EncounterId, a: &Addendum) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO addenda (id, encounter_id, author_id, text, signed_at, content_hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO NOTHING",
            )?
            .execute((
                a.id.to_string(),
                encounter.to_string(),
                a.author_id.to_string(),
                &a.text,
                a.signed_at.to_rfc3339(),
                &a.content_hash,
            ))?;
        Ok(())
    }

    /// An addendum written on this device, shown at once and sent with the outbox.
    pub fn insert_addendum_local(&self, encounter: EncounterId, a: &Addendum) -> Result<()> {
        self.insert_addendum(encounter, a)
    }

    /// Takes back an addendum the server refused.
    pub(crate) fn remove_local_addendum(&self, id: AddendumId) -> Result<()> {
        self.conn.execute("DELETE FROM addenda WHERE id = ?1", [id.to_string()])?;
        Ok(())
    }

    fn record_observations(&self, e: &Encounter) -> Result<()> {
        let Some(draft) = e.draft.as_deref() else { return Ok(()) };
        let at = e.signed_at.unwrap_or(e.started_at).to_rfc3339();
        self.conn.execute("DELETE FROM observations WHERE encounter_id = ?1", [e.id.to_string()])?;
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO observations (encounter_id, patient_id, loinc, value, unit, effective_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for r in draft.vitals.readings() {
            stmt.execute((
                e.id.to_string(),
                e.patient_id.to_string(),
                r.kind.loinc(),
                r.value,
                r.kind.canonical_unit(),
                &at,
            ))?;
        }
        Ok(())
    }

    pub fn encounter(&self, id: EncounterId) -> Result<Encounter> {
        let mut e = self
            .conn
            .prepare_cached(&format!("SELECT {ENCOUNTER_COLUMNS} FROM encounters WHERE id = ?1"))?
            .query_row([id.to_string()], |r| Ok(encounter_from_row(r)))
            .optional()?
            .ok_or(StoreError::NotFound)??;
        e.addenda = self.addenda(id)?;
        Ok(e)
    }

    fn addenda(&self, id: EncounterId) -> Result<Vec<Addendum>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, author_id, text, signed_at, content_hash FROM addenda WHERE encounter_id = ?1
             ORDER BY signed_at, id",
        )?;
        let rows = stmt.query_map([id.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?, r.get::<_, String>(3)?, r.get(4)?))
        })?;
        rows.map(|r| {
            let (id, author, text, at, hash) = r?;
            Ok(Addendum {
                id: parse(&id, "addendum id")?,
                author_id: parse(&author, "author id")?,
                text,
                signed_at: time(&at)?,
                content_hash: hash,
            })
        })
        .collect()
    }

    /// The patient's encounters, newest first (with their addenda).
    pub fn encounters_for_patient(&self, patient: PatientId) -> Result<Vec<Encounter>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ENCOUNTER_COLUMNS} FROM encounters WHERE patient_id = ?1 ORDER BY started_at DESC"
        ))?;
        let rows = stmt.query_map([patient.to_string()], |r| Ok(encounter_from_row(r)))?;
        let mut out: Vec<Encounter> = rows.map(|r| r?).collect::<Result<_>>()?;
        for e in &mut out {
            e.addenda = self.addenda(e.id)?;
        }
        Ok(out)
    }

    /// One page of the patient's history, newest first, with authors' names where the cache
    /// knows them, and the total.
    pub fn encounter_summaries(&self, patient: PatientId, limit: usize) -> Result<(Vec<EncounterSummary>, i64)> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT e.id, e.started_at, e.mode, e.status, e.chief_complaints, p.display_name
             FROM encounters e LEFT JOIN practitioners p ON p.id = e.author_id
             WHERE e.patient_id = ?1 ORDER BY e.started_at DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map((patient.to_string(), limit as i64), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })?;
        let list = rows
            .map(|r| {
                let (id, at, mode, status, complaints, author) = r?;
                Ok(EncounterSummary {
                    id: parse(&id, "encounter id")?,
                    started_at: time(&at)?,
                    mode: parse_enum(&mode)?,
                    status: parse_enum(&status)?,
                    chief_complaints: from_json(&complaints)?,
                    author_name: author,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let count = self
            .conn
            .prepare_cached("SELECT count(*) FROM encounters WHERE patient_id = ?1")?
            .query_row([patient.to_string()], |r| r.get(0))?;
        Ok((list, count))
    }

    /// The newest draft `author` has open for the patient, to resume.
    pub fn open_draft(&self, patient: PatientId, author: PractitionerId) -> Result<Option<EncounterId>> {
        let id: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT id FROM encounters WHERE author_id = ?1 AND status = 'draft' AND patient_id = ?2
                 AND draft IS NOT NULL ORDER BY started_at DESC LIMIT 1",
            )?
            .query_row((author.to_string(), patient.to_string()), |r| r.get(0))
            .optional()?;
        id.map(|id| parse(&id, "encounter id")).transpose()
    }

    /// The latest value of each vital sign (one index seek per sign).
    pub fn latest_vitals(&self, patient: PatientId) -> Result<Vec<ObservationView>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT value, unit, effective_at FROM observations WHERE patient_id = ?1 AND loinc = ?2
             ORDER BY effective_at DESC LIMIT 1",
        )?;
        let mut out = Vec::new();
        for kind in [
            VitalKind::Temperature,
            VitalKind::HeartRate,
            VitalKind::RespiratoryRate,
            VitalKind::Systolic,
            VitalKind::Diastolic,
            VitalKind::Spo2,
            VitalKind::Weight,
            VitalKind::Height,
            VitalKind::Pain,
        ] {
            let row: Option<(f64, String, String)> = stmt
                .query_row((patient.to_string(), kind.loinc()), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            if let Some((value, unit, at)) = row {
                out.push(ObservationView {
                    loinc: kind.loinc().into(),
                    label: kind.label().into(),
                    value,
                    unit,
                    effective_at: time(&at)?,
                });
            }
        }
        Ok(out)
    }

    /// Writes a local draft's sections (and the columns they decide). The rules of who may
    /// edit what are the domain's (`charting::edit_section`); this only refuses to write over
    /// a note the cache holds as signed, which is never a draft again.
    pub fn save_draft(&self, id: EncounterId, draft: &Draft) -> Result<()> {
        let written = self
            .conn
            .prepare_cached(
                "UPDATE encounters SET draft = ?2, chief_complaints = ?3, mode = ?4, state_of_care = ?5,
                    service_line = ?6
                 WHERE id = ?1 AND status = 'draft'",
            )?
            .execute((
                id.to_string(),
                to_json(draft)?,
                to_json(&draft.complaint_codes())?,
                enum_str(&draft.context.mode)?,
                draft.context.state_of_care.as_str(),
                &draft.context.service_line,
            ))?;
        if written == 0 {
            return Err(StoreError::InvalidData(format!("encounter {id} is not a draft in this cache")));
        }
        Ok(())
    }

    /// This device's unsettled commands about one encounter, oldest first.
    pub fn encounter_commands(&self, id: EncounterId) -> Result<EncounterCommands> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT command, state, outcome FROM outbox
             WHERE json_extract(command, '$.mutation.encounter_id') = ?1 ORDER BY client_seq",
        )?;
        let rows = stmt.query_map([id.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?))
        })?;
        let mut out = EncounterCommands::default();
        for row in rows {
            let (command, state, outcome) = row?;
            let command: Command = from_json(&command)?;
            match (state.as_str(), outcome) {
                ("rejected", Some(o)) => out.rejected.push((command, from_json(&o)?)),
                _ => out.pending.push(command),
            }
        }
        Ok(out)
    }

    /// Applies this device's pending section edits again on top of a draft fresh from the
    /// server (a signed note takes none: the server will refuse them).
    pub(crate) fn rebase_encounter(&self, id: EncounterId) -> Result<()> {
        let e = self.encounter(id)?;
        let Some(mut draft) = e.draft.filter(|_| !e.status.is_signed()) else { return Ok(()) };
        let before = draft.clone();
        for c in self.encounter_commands(id)?.pending {
            if let Mutation::EditSection { section, .. } = c.mutation {
                draft.set(section);
            }
        }
        if *draft != *before {
            self.save_draft(id, &draft)?;
        }
        Ok(())
    }

    /// Replaces the orderable labs (a versioned snapshot from the app's data files).
    pub fn replace_lab_tests(&self, version: &str, tests: &[LabTest]) -> Result<()> {
        self.conn.execute("DELETE FROM lab_tests", [])?;
        let mut stmt = self
            .conn
            .prepare_cached("INSERT INTO lab_tests (loinc, name, display, category) VALUES (?1, ?2, ?3, ?4)")?;
        for t in tests {
            stmt.execute((&t.loinc, &t.name, &t.display, &t.category))?;
        }
        self.set_code_set_version("loinc", version)
    }

    pub fn replace_drugs(&self, version: &str, drugs: &[Drug]) -> Result<()> {
        self.conn.execute("DELETE FROM drugs", [])?;
        let mut stmt = self
            .conn
            .prepare_cached("INSERT INTO drugs (rxcui, name, display, default_sig) VALUES (?1, ?2, ?3, ?4)")?;
        for d in drugs {
            stmt.execute((&d.rxcui, &d.name, &d.display, &d.default_sig))?;
        }
        self.set_code_set_version("rxnorm", version)
    }

    fn set_code_set_version(&self, name: &str, version: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO code_sets (name, version) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET version = excluded.version",
            (name, version),
        )?;
        Ok(())
    }

    /// Labs whose code, name or label contains every word of `query`.
    pub fn search_lab_tests(&self, query: &str, limit: u32) -> Result<Vec<LabTest>> {
        let rows = self.word_search(
            "SELECT loinc, name, display, category FROM lab_tests",
            "(loinc || ' ' || name || ' ' || display)",
            query,
            limit,
        )?;
        Ok(rows
            .into_iter()
            .map(|[loinc, name, display, category]| LabTest { loinc, name, display, category })
            .collect())
    }

    pub fn search_drugs(&self, query: &str, limit: u32) -> Result<Vec<Drug>> {
        let rows = self.word_search(
            "SELECT rxcui, name, display, default_sig FROM drugs",
            "(rxcui || ' ' || name || ' ' || display)",
            query,
            limit,
        )?;
        Ok(rows
            .into_iter()
            .map(|[rxcui, name, display, default_sig]| Drug { rxcui, name, display, default_sig })
            .collect())
    }

    /// Small catalogs (hundreds of rows): every word must appear; shorter labels first.
    fn word_search(&self, select: &str, haystack: &str, query: &str, limit: u32) -> Result<Vec<[String; 4]>> {
        let words: Vec<String> = query
            .split_whitespace()
            .take(6)
            .map(|w| format!("%{}%", w.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")))
            .collect();
        let mut sql = format!("{select} WHERE 1");
        for i in 0..words.len() {
            sql.push_str(&format!(" AND {haystack} LIKE ?{} ESCAPE '\\'", i + 2));
        }
        sql.push_str(" ORDER BY length(display), display LIMIT ?1");
        let mut params: Vec<Box<dyn rusqlite::ToSql>> = vec![Box::new(i64::from(limit))];
        for w in words {
            params.push(Box::new(w));
        }
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(params.iter()), |r| {
            Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?])
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn encounter_from_row(r: &Row<'_>) -> Result<Encounter> {
    let opt_id = |i: usize, what: &str| -> Result<Option<PractitionerId>> {
        r.get::<_, Option<String>>(i)?.as_deref().map(|s| parse(s, what)).transpose()
    };
    Ok(Encounter {
        id: parse(&r.get::<_, String>(0)?, "encounter id")?,
        patient_id: parse(&r.get::<_, String>(1)?, "patient id")?,
        author_id: parse(&r.get::<_, String>(2)?, "author id")?,
        mode: parse_enum(&r.get::<_, String>(3)?)?,
        service_line: r.get(4)?,
        state_of_care: parse(&r.get::<_, String>(5)?, "state")?,
        status: parse_enum(&r.get::<_, String>(6)?)?,
        chief_complaints: from_json(&r.get::<_, String>(7)?)?,
        note: r.get(8)?,
        started_at: time(&r.get::<_, String>(9)?)?,
        signed_at: r.get::<_, Option<String>>(10)?.as_deref().map(time).transpose()?,
        version: r.get(11)?,
        draft: r.get::<_, Option<String>>(12)?.as_deref().map(from_json).transpose()?,
        signed_by: opt_id(13, "signer id")?,
        content_hash: r.get(14)?,
        cosign_required: r.get(15)?,
        cosigned_by: opt_id(16, "co-signer id")?,
        cosigned_at: r.get::<_, Option<String>>(17)?.as_deref().map(time).transpose()?,
        addenda: Vec::new(),
    })
}
