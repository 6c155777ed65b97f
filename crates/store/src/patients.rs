//! Patients in the cache, and the type-ahead search over them.

use crate::codec::{enum_str, from_json, parse, parse_enum, to_json};
use crate::{Result, StoreError, Tx};
use rounds_domain::patient::phone_digits;
use rounds_domain::{Patient, PatientId, PatientListItem};
use rusqlite::{OptionalExtension, Row};

const LIST_COLUMNS: &str = "p.id, p.mrn, p.given_name, p.family_name, p.birth_date, p.sex, p.phone, p.current_state";

/// National phone digits: a leading US country code is dropped so "+1 415..." and "415..." match.
fn national_digits(phone: &str) -> String {
    let d = phone_digits(phone);
    match d.strip_prefix('1') {
        Some(rest) if d.len() == 11 => rest.to_string(),
        _ => d,
    }
}

impl Tx<'_> {
    /// Inserts the patient, or replaces the cached copy when `patient.version` is the same or
    /// newer (the same version from the server replaces an optimistic local edit, which the
    /// caller then applies again). Returns whether anything changed.
    pub fn upsert_patient(&self, p: &Patient) -> Result<bool> {
        let changed = self.conn.execute(
            "INSERT INTO patients (id, mrn, given_name, family_name, birth_date, sex, phone, phone_digits,
                                   email, preferred_channel, current_state, guardian, allergies,
                                   medications, problems, version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
             ON CONFLICT (id) DO UPDATE SET
                mrn = excluded.mrn, given_name = excluded.given_name, family_name = excluded.family_name,
                birth_date = excluded.birth_date, sex = excluded.sex, phone = excluded.phone,
                phone_digits = excluded.phone_digits, email = excluded.email,
                preferred_channel = excluded.preferred_channel, current_state = excluded.current_state,
                guardian = excluded.guardian, allergies = excluded.allergies,
                medications = excluded.medications, problems = excluded.problems, version = excluded.version
             WHERE excluded.version >= patients.version",
            rusqlite::params![
                p.id.to_string(),
                p.mrn,
                p.given_name,
                p.family_name,
                p.birth_date.to_string(),
                enum_str(&p.sex)?,
                p.phone,
                p.phone.as_deref().map(national_digits).unwrap_or_default(),
                p.email,
                enum_str(&p.preferred_channel)?,
                p.current_state.as_str(),
                p.guardian.as_ref().map(to_json).transpose()?,
                to_json(&p.allergies)?,
                to_json(&p.medications)?,
                to_json(&p.problems)?,
                p.version,
            ],
        )?;
        Ok(changed > 0)
    }

    /// Writes a locally edited patient, keeping the cached (server) version.
    pub fn replace_patient_local(&self, p: &Patient) -> Result<()> {
        let changed = self.conn.execute(
            "UPDATE patients SET given_name = ?2, family_name = ?3, birth_date = ?4, sex = ?5, phone = ?6,
                phone_digits = ?7, email = ?8, preferred_channel = ?9, current_state = ?10, guardian = ?11,
                allergies = ?12, medications = ?13, problems = ?14
             WHERE id = ?1",
            rusqlite::params![
                p.id.to_string(),
                p.given_name,
                p.family_name,
                p.birth_date.to_string(),
                enum_str(&p.sex)?,
                p.phone,
                p.phone.as_deref().map(national_digits).unwrap_or_default(),
                p.email,
                enum_str(&p.preferred_channel)?,
                p.current_state.as_str(),
                p.guardian.as_ref().map(to_json).transpose()?,
                to_json(&p.allergies)?,
                to_json(&p.medications)?,
                to_json(&p.problems)?,
            ],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub fn patient(&self, id: PatientId) -> Result<Patient> {
        self.conn
            .query_row(
                "SELECT id, mrn, given_name, family_name, birth_date, sex, phone, email, preferred_channel,
                        current_state, guardian, allergies, medications, problems, version
                 FROM patients WHERE id = ?1",
                [id.to_string()],
                |r| Ok(patient_from_row(r)),
            )
            .optional()?
            .ok_or(StoreError::NotFound)?
    }

    pub fn patient_count(&self) -> Result<u32> {
        Ok(self.conn.query_row("SELECT count(*) FROM patients", [], |r| r.get(0))?)
    }

    /// Type-ahead search by name, MRN, date of birth or phone. Every word of the query must
    /// match the start of a word of the patient's record. An empty query lists patients by name.
    pub fn search_patients(&self, query: &str, limit: u32) -> Result<Vec<PatientListItem>> {
        let limit = limit.clamp(1, 500);
        let fts = parse_search(query);
        let mut out = Vec::new();
        if fts.is_empty() {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {LIST_COLUMNS} FROM patients p
                 ORDER BY p.family_name COLLATE NOCASE, p.given_name COLLATE NOCASE LIMIT ?1"
            ))?;
            let rows = stmt.query_map([limit], |r| Ok(list_item_from_row(r)))?;
            for row in rows {
                out.push(row??);
            }
        } else {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {LIST_COLUMNS} FROM patients_fts f JOIN patients p ON p.seq = f.rowid
                 WHERE patients_fts MATCH ?1
                 ORDER BY f.rank, p.family_name COLLATE NOCASE, p.given_name COLLATE NOCASE LIMIT ?2"
            ))?;
            let rows = stmt.query_map((fts, limit), |r| Ok(list_item_from_row(r)))?;
            for row in rows {
                out.push(row??);
            }
        }
        Ok(out)
    }
}

/// Turns what a clinician typed into an FTS5 query: each word becomes a quoted prefix term, so
/// no input can be read as FTS syntax. Dates (MM/DD/YYYY, M/D/YY is not guessed) become the
/// indexed YYYYMMDD form; phone-like input becomes national digits.
pub fn parse_search(query: &str) -> String {
    let mut terms: Vec<String> = Vec::new();
    // A phone number typed with spaces, "(212) 555 01", is one number, not three words.
    let trimmed = query.trim();
    let only_phone_chars = trimmed.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if only_phone_chars && trimmed.contains(' ') && !trimmed.split_whitespace().any(|w| as_date(w).is_some()) {
        let digits = national_digits(trimmed);
        if !digits.is_empty() {
            return format!("\"{digits}\"*");
        }
    }
    for word in query.split_whitespace() {
        if let Some(date) = as_date(word) {
            terms.push(date);
            continue;
        }
        let digits = phone_digits(word);
        let is_phone_like = !digits.is_empty()
            && word.chars().all(|c| c.is_ascii_digit() || "+-().".contains(c))
            && word.chars().any(|c| !c.is_ascii_digit());
        if is_phone_like {
            terms.push(national_digits(word));
            continue;
        }
        // Split on anything the tokenizer would split on, so "o'brien" finds "O'Brien".
        for part in word.split(|c: char| !c.is_alphanumeric()) {
            if !part.is_empty() {
                terms.push(part.to_string());
            }
        }
    }
    terms.iter().map(|t| format!("\"{}\"*", t.replace('"', "\"\""))).collect::<Vec<_>>().join(" ")
}

fn as_date(word: &str) -> Option<String> {
    let parts: Vec<&str> = word.split(['/', '-']).collect();
    if parts.len() != 3 || !parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())) {
        return None;
    }
    let (y, m, d) = if parts[0].len() == 4 {
        (parts[0], parts[1], parts[2])
    } else if parts[2].len() == 4 {
        (parts[2], parts[0], parts[1])
    } else {
        return None;
    };
    let (m, d): (u32, u32) = (m.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(format!("{y}{m:02}{d:02}"))
}

fn list_item_from_row(r: &Row<'_>) -> Result<PatientListItem> {
    Ok(PatientListItem {
        id: parse(&r.get::<_, String>(0)?, "patient id")?,
        mrn: r.get(1)?,
        given_name: r.get(2)?,
        family_name: r.get(3)?,
        birth_date: parse(&r.get::<_, String>(4)?, "birth date")?,
        sex: parse_enum(&r.get::<_, String>(5)?)?,
        phone: r.get(6)?,
        current_state: parse(&r.get::<_, String>(7)?, "state")?,
    })
}

fn patient_from_row(r: &Row<'_>) -> Result<Patient> {
    Ok(Patient {
        id: parse(&r.get::<_, String>(0)?, "patient id")?,
        mrn: r.get(1)?,
        given_name: r.get(2)?,
        family_name: r.get(3)?,
        birth_date: parse(&r.get::<_, String>(4)?, "birth date")?,
        sex: parse_enum(&r.get::<_, String>(5)?)?,
        phone: r.get(6)?,
        email: r.get(7)?,
        preferred_channel: parse_enum(&r.get::<_, String>(8)?)?,
        current_state: parse(&r.get::<_, String>(9)?, "state")?,
        guardian: r.get::<_, Option<String>>(10)?.as_deref().map(from_json).transpose()?,
        allergies: from_json(&r.get::<_, String>(11)?)?,
        medications: from_json(&r.get::<_, String>(12)?)?,
        problems: from_json(&r.get::<_, String>(13)?)?,
        version: r.get(14)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_terms_are_quoted_prefixes() {
        assert_eq!(parse_search("ann lee"), "\"ann\"* \"lee\"*");
        assert_eq!(parse_search("  "), "");
        // FTS syntax typed by a user is searched for, never executed.
        assert_eq!(parse_search("a\" OR NEAR(b"), "\"a\"* \"OR\"* \"NEAR\"* \"b\"*");
    }

    #[test]
    fn dates_and_phones_are_normalised() {
        assert_eq!(parse_search("04/12/2019"), "\"20190412\"*");
        assert_eq!(parse_search("2019-04-12"), "\"20190412\"*");
        assert_eq!(parse_search("4/2/2019"), "\"20190402\"*");
        assert_eq!(parse_search("+1(415)555-0123"), "\"4155550123\"*");
        assert_eq!(parse_search("415-555"), "\"415555\"*");
        assert_eq!(parse_search("(212) 555 01"), "\"21255501\"*");
        assert_eq!(parse_search("13/45/2019"), "\"13\"* \"45\"* \"2019\"*");
    }
}
