//! Patients: demographics and the clinical lists shown on the banner.

use crate::{PatientId, UsState};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
    Other,
    Unknown,
}

/// How the patient prefers to be reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Sms,
    Chat,
    Phone,
    Email,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Allergy {
    pub substance: String,
    pub reaction: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Medication {
    pub name: String,
    /// e.g. "500 mg twice daily".
    pub dosage: String,
    /// RxNorm concept id, when known.
    pub rxnorm: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Problem {
    pub description: String,
    /// ICD-10-CM code, when coded.
    pub icd10: Option<String>,
}

/// The adult who consents for a minor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Guardian {
    pub name: String,
    pub relationship: String,
    pub phone: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct Patient {
    pub id: PatientId,
    /// Medical record number, unique within the organisation.
    pub mrn: String,
    pub given_name: String,
    pub family_name: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    /// E.164, e.g. "+14155550123".
    pub phone: Option<String>,
    pub email: Option<String>,
    pub preferred_channel: Channel,
    /// Where the patient is now: care is given under this state's license.
    pub current_state: UsState,
    pub guardian: Option<Guardian>,
    pub allergies: Vec<Allergy>,
    pub medications: Vec<Medication>,
    pub problems: Vec<Problem>,
    /// Server version of this record; grows by one with every accepted change.
    #[ts(type = "number")]
    pub version: i64,
}

/// One row of the patient list: what is needed to recognise a patient, nothing more.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct PatientListItem {
    pub id: PatientId,
    pub mrn: String,
    pub given_name: String,
    pub family_name: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub phone: Option<String>,
    pub current_state: UsState,
}

impl Patient {
    pub fn list_item(&self) -> PatientListItem {
        PatientListItem {
            id: self.id,
            mrn: self.mrn.clone(),
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            birth_date: self.birth_date,
            sex: self.sex,
            phone: self.phone.clone(),
            current_state: self.current_state,
        }
    }

    pub fn age_on(&self, today: NaiveDate) -> u32 {
        age_on(self.birth_date, today)
    }

    pub fn is_minor_on(&self, today: NaiveDate) -> bool {
        self.age_on(today) < 18
    }
}

/// Whole years between `birth` and `today` (0 for a birth date in the future).
pub fn age_on(birth: NaiveDate, today: NaiveDate) -> u32 {
    if today < birth {
        return 0;
    }
    let mut years = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years.max(0) as u32
}

/// Digits of a phone number, for matching however it was typed.
pub fn phone_digits(phone: &str) -> String {
    phone.chars().filter(|c| c.is_ascii_digit()).collect()
}

/// The key a phone number is matched by: its last ten digits (a US number with or without the
/// country code). None for anything too short to be a phone number.
pub fn phone_key(phone: &str) -> Option<String> {
    let digits = phone_digits(phone);
    if digits.len() < 10 || digits.len() > 15 {
        return None;
    }
    Some(digits[digits.len() - 10..].to_string())
}

impl Patient {
    /// The numbers this patient may text from: their own and their guardian's.
    pub fn phone_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self
            .phone
            .iter()
            .map(String::as_str)
            .chain(self.guardian.iter().map(|g| g.phone.as_str()))
            .filter_map(phone_key)
            .collect();
        keys.sort();
        keys.dedup();
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn age_counts_whole_years_and_birthdays() {
        assert_eq!(age_on(d("2000-02-29"), d("2026-02-28")), 25);
        assert_eq!(age_on(d("2000-02-29"), d("2026-03-01")), 26);
        assert_eq!(age_on(d("2020-11-22"), d("2026-11-22")), 6);
        assert_eq!(age_on(d("2020-11-23"), d("2026-11-22")), 5);
        assert_eq!(age_on(d("2030-01-01"), d("2026-11-22")), 0);
    }

    #[test]
    fn phone_keys_match_however_the_number_was_written() {
        assert_eq!(phone_key("+1 (415) 555-0123").as_deref(), Some("4155550123"));
        assert_eq!(phone_key("415.555.0123").as_deref(), Some("4155550123"));
        assert_eq!(phone_key("555-0123"), None);
    }

    #[test]
    fn phone_digits_ignores_formatting() {
        assert_eq!(phone_digits("+1 (415) 555-0123"), "14155550123");
    }
}
