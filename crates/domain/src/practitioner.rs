//! Practitioners, their roles and their state licenses.

use crate::{OrganizationId, PractitionerId, UsState};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What a practitioner may do is decided by role (top-of-license care) and by license (state).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Physician,
    NursePractitioner,
    PhysicianAssistant,
    RegisteredNurse,
    CareCoordinator,
    Admin,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Physician,
        Role::NursePractitioner,
        Role::PhysicianAssistant,
        Role::RegisteredNurse,
        Role::CareCoordinator,
        Role::Admin,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Physician => "physician",
            Role::NursePractitioner => "nurse_practitioner",
            Role::PhysicianAssistant => "physician_assistant",
            Role::RegisteredNurse => "registered_nurse",
            Role::CareCoordinator => "care_coordinator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Roles that hold a clinical license and may treat patients.
    pub fn is_licensed_clinician(&self) -> bool {
        matches!(self, Role::Physician | Role::NursePractitioner | Role::PhysicianAssistant | Role::RegisteredNurse)
    }
}

/// A license to practise in one state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct License {
    pub state: UsState,
    /// e.g. "MD", "DO", "APRN", "PA", "RN".
    pub license_type: String,
    pub number: String,
    pub expires_on: NaiveDate,
}

impl License {
    /// A license is active through the whole of its expiry date.
    pub fn is_active_on(&self, today: NaiveDate) -> bool {
        today <= self.expires_on
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct Practitioner {
    pub id: PractitionerId,
    pub organization_id: OrganizationId,
    pub display_name: String,
    pub email: String,
    pub roles: Vec<Role>,
    pub licenses: Vec<License>,
    /// The physician who supervises (and co-signs for) a nurse practitioner or PA.
    #[serde(default)]
    pub supervisor_id: Option<PractitionerId>,
    /// Taking work now (the coverage view counts only clinicians on duty).
    #[serde(default)]
    pub on_duty: bool,
}

/// Licenses expiring within this many days are flagged in the directory.
pub const LICENSE_WARNING_DAYS: i64 = 30;

/// Refuses license data that cannot be right: an expiry before 1990 or after 2100, an empty
/// type or number, the same state twice. Every problem is named.
pub fn validate_licenses(licenses: &[License]) -> Result<(), String> {
    let mut problems = Vec::new();
    for (i, l) in licenses.iter().enumerate() {
        let year = chrono::Datelike::year(&l.expires_on);
        if !(1990..=2100).contains(&year) {
            problems.push(format!("{} license: expiry {} is not a possible date", l.state, l.expires_on));
        }
        if l.license_type.trim().is_empty() || l.number.trim().is_empty() {
            problems.push(format!("{} license: a type and a number are needed", l.state));
        }
        if licenses[..i].iter().any(|o| o.state == l.state) {
            problems.push(format!("{} appears twice", l.state));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

impl Practitioner {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The active license covering `state` on `today`, if any.
    pub fn license_for(&self, state: UsState, today: NaiveDate) -> Option<&License> {
        self.licenses.iter().find(|l| l.state == state && l.is_active_on(today))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn np() -> Practitioner {
        Practitioner {
            id: PractitionerId::new_v7(1),
            organization_id: OrganizationId::new_v7(1),
            display_name: "Nina Patel, NP".into(),
            email: "np@example.org".into(),
            roles: vec![Role::NursePractitioner],
            licenses: vec![
                License {
                    state: "CA".parse().expect("CA"),
                    license_type: "APRN".into(),
                    number: "A1".into(),
                    expires_on: date("2027-01-31"),
                },
                License {
                    state: "TX".parse().expect("TX"),
                    license_type: "APRN".into(),
                    number: "T1".into(),
                    expires_on: date("2026-06-30"),
                },
            ],
            supervisor_id: None,
            on_duty: false,
        }
    }

    #[test]
    fn license_covers_its_state_through_expiry_day() {
        let p = np();
        let ca = "CA".parse().expect("CA");
        assert!(p.license_for(ca, date("2027-01-31")).is_some());
        assert!(p.license_for(ca, date("2027-02-01")).is_none());
    }

    #[test]
    fn expired_and_missing_licenses_do_not_cover() {
        let p = np();
        assert!(p.license_for("TX".parse().expect("TX"), date("2026-11-22")).is_none());
        assert!(p.license_for("NY".parse().expect("NY"), date("2026-11-22")).is_none());
    }

    #[test]
    fn role_names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert_eq!(serde_json::to_value(r).expect("json"), serde_json::Value::String(r.as_str().into()));
        }
        assert_eq!(Role::parse("surgeon"), None);
    }
}
