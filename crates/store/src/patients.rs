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
        let changed = self
            .conn
            .prepare_cached(
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
            )?
            .execute(rusqlite::params![
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
            ])?;
        Ok(changed > 0)
    }

    /// Writes a locally edited patient, keeping the cached (server) version.
    pub fn replace_patient_local(&self, p: &Patient) -> Result<()> {
        let version: i64 = self
            .conn
            .query_row("SELECT version FROM patients WHERE id = ?1", [p.id.to_string()], |r| r.get(0))
            .optional()?
            .ok_or(StoreError::NotFound)?;
        // The same version passes the upsert's gate: the row is rewritten in place.
        self.upsert_patient(&Patient { version, ..p.clone() })?;
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
    ///
    /// One word walks an index in name (or MRN, phone) order and stops at `limit`, so a common
    /// two-letter prefix costs the same as a rare one; several words go through the full-text
    /// index, which is selective enough to sort what it finds.
    pub fn search_patients(&self, query: &str, limit: u32) -> Result<Vec<PatientListItem>> {
        let limit = limit.clamp(1, 500) as usize;
        let terms = search_terms(query);
        let mut out: Vec<PatientListItem> = Vec::new();
        match terms.as_slice() {
            [] => self.collect(
                &mut out,
                limit,
                "1",
                [] as [&str; 0],
                "ORDER BY p.family_name COLLATE NOCASE, p.given_name COLLATE NOCASE",
            )?,
            [Term::Date(ymd)] => {
                let iso = format!("{}-{}-{}", &ymd[0..4], &ymd[4..6], &ymd[6..8]);
                self.collect(&mut out, limit, "p.birth_date = ?1", [iso.as_str()], BY_NAME)?;
            }
            [Term::Digits(d)] => {
                let upper = format!("{d}:"); // ':' sorts right after '9'
                self.collect(&mut out, limit, "p.mrn >= ?1 AND p.mrn < ?2", [d.as_str(), &upper], "ORDER BY p.mrn")?;
                self.collect(
                    &mut out,
                    limit,
                    "p.phone_digits >= ?1 AND p.phone_digits < ?2",
                    [d.as_str(), &upper],
                    "ORDER BY p.phone_digits",
                )?;
                self.fts_top_up(&mut out, limit, &terms)?;
            }
            [Term::Word(w)] => {
                let upper = format!("{w}\u{10FFFF}");
                self.collect(
                    &mut out,
                    limit,
                    "p.family_name >= ?1 COLLATE NOCASE AND p.family_name < ?2 COLLATE NOCASE",
                    [w.as_str(), &upper],
                    BY_NAME,
                )?;
                self.collect(
                    &mut out,
                    limit,
                    "p.given_name >= ?1 COLLATE NOCASE AND p.given_name < ?2 COLLATE NOCASE",
                    [w.as_str(), &upper],
                    "ORDER BY p.given_name COLLATE NOCASE, p.family_name COLLATE NOCASE",
                )?;
                self.fts_top_up(&mut out, limit, &terms)?;
            }
            _ => {
                // Several words: the intersection is small; fetch a few pages and sort by name.
                self.fts_top_up(&mut out, limit * 4, &terms)?;
                out.sort_by(|a, b| {
                    (a.family_name.to_lowercase(), a.given_name.to_lowercase())
                        .cmp(&(b.family_name.to_lowercase(), b.given_name.to_lowercase()))
                });
                out.truncate(limit);
            }
        }
        Ok(out)
    }

    /// Appends rows matching `filter` (in `order`) that are not already in `out`, up to `limit`.
    fn collect<const N: usize>(
        &self,
        out: &mut Vec<PatientListItem>,
        limit: usize,
        filter: &str,
        params: [&str; N],
        order: &str,
    ) -> Result<()> {
        if out.len() >= limit {
            return Ok(());
        }
        let sql = format!("SELECT {LIST_COLUMNS} FROM patients p WHERE {filter} {order} LIMIT {limit}");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(params.iter()), |r| Ok(list_item_from_row(r)))?;
        for row in rows {
            let item = row??;
            if out.len() < limit && !out.iter().any(|o| o.id == item.id) {
                out.push(item);
            }
        }
        Ok(())
    }

    /// Full-text matches (in index order, which lets SQLite stop at `limit`).
    fn fts_top_up(&self, out: &mut Vec<PatientListItem>, limit: usize, terms: &[Term]) -> Result<()> {
        if out.len() >= limit {
            return Ok(());
        }
        let fts = fts_query(terms);
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {LIST_COLUMNS} FROM patients_fts f JOIN patients p ON p.seq = f.rowid
             WHERE patients_fts MATCH ?1 LIMIT ?2"
        ))?;
        let rows = stmt.query_map((fts, limit as i64), |r| Ok(list_item_from_row(r)))?;
        for row in rows {
            let item = row??;
            if out.len() < limit && !out.iter().any(|o| o.id == item.id) {
                out.push(item);
            }
        }
        Ok(())
    }
}

const BY_NAME: &str = "ORDER BY p.family_name COLLATE NOCASE, p.given_name COLLATE NOCASE";

/// One searchable piece of what a clinician typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Term {
    /// A date of birth, as YYYYMMDD.
    Date(String),
    /// An MRN or (national) phone digits prefix.
    Digits(String),
    /// The start of a name.
    Word(String),
}

/// Splits a query into terms: dates (MM/DD/YYYY or YYYY-MM-DD) become YYYYMMDD, phone numbers
/// typed any common way become national digits, everything else is split into words the way
/// the full-text index splits names.
pub fn search_terms(query: &str) -> Vec<Term> {
    let trimmed = query.trim();
    // A phone number typed with spaces, "(212) 555 01", is one number, not three words.
    let only_phone_chars = trimmed.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if only_phone_chars && trimmed.contains(' ') && !trimmed.split_whitespace().any(|w| as_date(w).is_some()) {
        let digits = national_digits(trimmed);
        if !digits.is_empty() {
            return vec![Term::Digits(digits)];
        }
    }
    let mut terms = Vec::new();
    for word in trimmed.split_whitespace() {
        if let Some(date) = as_date(word) {
            terms.push(Term::Date(date));
            continue;
        }
        let digits = phone_digits(word);
        let is_phone_like = !digits.is_empty()
            && word.chars().all(|c| c.is_ascii_digit() || "+-().".contains(c))
            && word.chars().any(|c| !c.is_ascii_digit());
        if is_phone_like {
            terms.push(Term::Digits(national_digits(word)));
            continue;
        }
        // Split on anything the tokenizer would split on, so "o'brien" finds "O'Brien".
        for part in word.split(|c: char| !c.is_alphanumeric()) {
            if part.is_empty() {
                continue;
            }
            if part.chars().all(|c| c.is_ascii_digit()) {
                terms.push(Term::Digits(part.to_string()));
            } else {
                terms.push(Term::Word(part.to_string()));
            }
        }
    }
    terms
}

fn fts_query(terms: &[Term]) -> String {
    terms
        .iter()
        .map(|t| match t {
            Term::Date(s) | Term::Digits(s) | Term::Word(s) => format!("\"{}\"*", s.replace('"', "\"\"")),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Turns what a clinician typed into an FTS5 query: each term becomes a quoted prefix term, so
/// no input can be read as FTS syntax.
pub fn parse_search(query: &str) -> String {
    fts_query(&search_terms(query))
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
    fn queries_become_typed_terms() {
        use Term::*;
        assert_eq!(search_terms("mart"), vec![Word("mart".into())]);
        assert_eq!(search_terms("4100412"), vec![Digits("4100412".into())]);
        assert_eq!(search_terms("04/12/2019"), vec![Date("20190412".into())]);
        assert_eq!(search_terms("(415) 555-01"), vec![Digits("41555501".into())]);
        assert_eq!(search_terms("Ava O'Brien"), vec![Word("Ava".into()), Word("O".into()), Word("Brien".into())]);
        assert!(search_terms("  ").is_empty());
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
