//! Row shapes shared by both backends, and their conversion to domain values.

use super::{Result, StorageError};
use chrono::{DateTime, NaiveDate, Utc};
use rounds_domain::*;
use serde::{de::DeserializeOwned, Serialize};
use sqlx::types::Json;
use uuid::Uuid;

/// A unit-like enum as its serde name, e.g. `nurse_practitioner`.
pub(crate) fn name_of<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

pub(crate) fn from_name<T: DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string()))
        .map_err(|e| StorageError::InvalidData(format!("'{s}': {e}")))
}

pub(crate) fn state(s: &str) -> Result<UsState> {
    s.parse()
        .map_err(|e: rounds_domain::state::UnknownState| StorageError::InvalidData(e.to_string()))
}

#[derive(sqlx::FromRow)]
pub(crate) struct PractitionerRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub display_name: String,
    pub email: String,
}

#[derive(sqlx::FromRow)]
pub(crate) struct LicenseRow {
    pub state: String,
    pub license_type: String,
    pub number: String,
    pub expires_on: NaiveDate,
}

impl LicenseRow {
    pub fn into_domain(self) -> Result<License> {
        Ok(License {
            state: state(&self.state)?,
            license_type: self.license_type,
            number: self.number,
            expires_on: self.expires_on,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PatientRow {
    pub id: Uuid,
    pub mrn: String,
    pub given_name: String,
    pub family_name: String,
    pub birth_date: NaiveDate,
    pub sex: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub preferred_channel: String,
    pub current_state: String,
    pub guardian: Option<Json<Guardian>>,
    pub allergies: Json<Vec<Allergy>>,
    pub medications: Json<Vec<Medication>>,
    pub problems: Json<Vec<Problem>>,
    pub version: i64,
}

impl PatientRow {
    pub fn into_domain(self) -> Result<Patient> {
        Ok(Patient {
            id: PatientId(self.id),
            mrn: self.mrn,
            given_name: self.given_name,
            family_name: self.family_name,
            birth_date: self.birth_date,
            sex: from_name(&self.sex)?,
            phone: self.phone,
            email: self.email,
            preferred_channel: from_name(&self.preferred_channel)?,
            current_state: state(&self.current_state)?,
            guardian: self.guardian.map(|g| g.0),
            allergies: self.allergies.0,
            medications: self.medications.0,
            problems: self.problems.0,
            version: self.version,
        })
    }
}

pub(crate) const PATIENT_COLUMNS: &str = "p.id, p.mrn, p.given_name, p.family_name, p.birth_date, p.sex, p.phone, p.email, \
     p.preferred_channel, p.current_state, p.guardian, p.allergies, p.medications, p.problems, p.version";

/// Times are stored as UTC; kept here so both backends read the same type.
pub(crate) type Time = DateTime<Utc>;
