//! Code sets on the device: ICD-10-CM for assessment type-ahead.

use crate::{Result, StoreError, Tx};
use rounds_domain::Icd10Code;
use rusqlite::OptionalExtension;

impl Tx<'_> {
    /// The version of a code set on this device, if it is loaded.
    pub fn code_set_version(&self, name: &str) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT version FROM code_sets WHERE name = ?1", [name], |r| r.get(0)).optional()?)
    }

    /// Replaces ICD-10-CM with the codes of `tsv` (`code\tbillable\tdescription`, a header line
    /// first, as in data/icd10cm/codes.tsv). Call inside a transaction: the old set stays until
    /// the new one is complete.
    pub fn replace_icd10(&self, version: &str, tsv: &str) -> Result<usize> {
        self.conn.execute("DELETE FROM icd10_codes", [])?;
        let mut insert =
            self.conn.prepare_cached("INSERT INTO icd10_codes (code, billable, description) VALUES (?1, ?2, ?3)")?;
        let mut count = 0;
        for (n, line) in tsv.lines().enumerate().skip(1) {
            let mut fields = line.split('\t');
            let (Some(code), Some(billable), Some(description), None) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                return Err(StoreError::InvalidData(format!("ICD-10-CM line {}: expected 3 fields", n + 1)));
            };
            let billable = match billable {
                "1" => 1,
                "0" => 0,
                other => return Err(StoreError::InvalidData(format!("ICD-10-CM line {}: billable '{other}'", n + 1))),
            };
            insert.execute((code, billable, description))?;
            count += 1;
        }
        self.conn.execute("INSERT INTO icd10_fts (icd10_fts) VALUES ('rebuild')", [])?;
        self.conn.execute(
            "INSERT INTO code_sets (name, version) VALUES ('icd10cm', ?1)
             ON CONFLICT (name) DO UPDATE SET version = excluded.version",
            [version],
        )?;
        Ok(count)
    }

    /// ICD-10-CM type-ahead: a code or its start ("J02", "j029", "J02.9") lists codes in order;
    /// words ("strep phar") match the starts of words in the descriptions, in code order.
    pub fn search_icd10(&self, query: &str, limit: u32) -> Result<Vec<Icd10Code>> {
        let limit = i64::from(limit.clamp(1, 200));
        let q = query.trim();
        if q.is_empty() {
            return Ok(vec![]);
        }
        if let Some(prefix) = code_prefix(q) {
            let upper = format!("{prefix}~"); // '~' sorts after every code character
            let mut stmt = self.conn.prepare_cached(
                "SELECT code, billable, description FROM icd10_codes WHERE code >= ?1 AND code < ?2 ORDER BY code LIMIT ?3",
            )?;
            let rows = stmt.query_map((prefix, upper, limit), row)?;
            return Ok(rows.collect::<std::result::Result<_, _>>()?);
        }
        let terms: Vec<String> = q
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
            .collect();
        if terms.is_empty() {
            return Ok(vec![]);
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.code, c.billable, c.description FROM icd10_fts f JOIN icd10_codes c ON c.seq = f.rowid
             WHERE icd10_fts MATCH ?1 LIMIT ?2",
        )?;
        let rows = stmt.query_map((terms.join(" "), limit), row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    pub fn icd10(&self, code: &str) -> Result<Icd10Code> {
        self.conn
            .query_row("SELECT code, billable, description FROM icd10_codes WHERE code = ?1", [code], row)
            .optional()?
            .ok_or(StoreError::NotFound)
    }
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Icd10Code> {
    Ok(Icd10Code { code: r.get(0)?, billable: r.get::<_, i64>(1)? == 1, description: r.get(2)? })
}

/// "j029" -> "J02.9", "J02.9" -> "J02.9", "J0" -> "J0"; None when the text is not a code start.
pub fn code_prefix(q: &str) -> Option<String> {
    let upper: String = q.trim().to_ascii_uppercase().chars().filter(|c| *c != '.').collect();
    let mut chars = upper.chars();
    let first = chars.next()?;
    let second = chars.next()?;
    if !first.is_ascii_uppercase() || !second.is_ascii_digit() || !upper.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    if upper.len() > 7 {
        return None;
    }
    Some(if upper.len() > 3 { format!("{}.{}", &upper[..3], &upper[3..]) } else { upper })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_starts_are_recognised_and_dotted() {
        assert_eq!(code_prefix("j029").as_deref(), Some("J02.9"));
        assert_eq!(code_prefix("J02.9").as_deref(), Some("J02.9"));
        assert_eq!(code_prefix("J0").as_deref(), Some("J0"));
        assert_eq!(code_prefix("s72001a").as_deref(), Some("S72.001A"));
        assert_eq!(code_prefix("QA00101").as_deref(), None, "QA0 codes start with two letters: found by words");
        assert_eq!(code_prefix("strep"), None);
        assert_eq!(code_prefix("J"), None);
    }
}
