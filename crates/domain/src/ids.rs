//! Identifiers. Every entity id is a UUIDv7 (time-ordered, so inserts stay local in B-tree indexes)
//! wrapped in its own type so a patient id can never be passed where an encounter id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use ts_rs::TS;
use uuid::Uuid;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS, schemars::JsonSchema)]
        #[serde(transparent)]
        #[ts(type = "string")]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered id. `unix_millis` comes from the caller's clock.
            pub fn new_v7(unix_millis: u64) -> Self {
                let ts = uuid::Timestamp::from_unix(uuid::NoContext, unix_millis / 1000, ((unix_millis % 1000) * 1_000_000) as u32);
                Self(Uuid::new_v7(ts))
            }
            pub fn as_uuid(&self) -> Uuid { self.0 }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { self.0.fmt(f) }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> { Uuid::parse_str(s).map(Self) }
        }
    )*};
}

id_type!(
    /// An organisation (a practice or a digital-health company): the tenant boundary.
    OrganizationId,
    /// A practitioner: a user who signs in.
    PractitionerId,
    PatientId,
    CareTeamId,
    EncounterId,
    ThreadId,
    MessageId,
    TaskId,
    /// A signed addendum to a signed note.
    AddendumId,
    /// One installation of the desktop app: the unit of sync idempotency.
    DeviceId,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v7_ids_sort_by_creation_time() {
        let a = PatientId::new_v7(1_700_000_000_000);
        let b = PatientId::new_v7(1_700_000_000_001);
        assert!(a < b);
        assert_eq!(a.0.get_version_num(), 7);
    }

    #[test]
    fn ids_round_trip_through_text() {
        let a = EncounterId::new_v7(1_700_000_000_000);
        let parsed: EncounterId = a.to_string().parse().expect("parses");
        assert_eq!(a, parsed);
        assert!("not-a-uuid".parse::<EncounterId>().is_err());
    }
}
