//! US states and territories where a clinician can hold a license. A patient is treated under
//! the license of the state they are in at the time of care.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use ts_rs::TS;

/// Two-letter USPS code of the 50 states, DC and the inhabited territories.
pub const STATE_CODES: [&str; 56] = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME",
    "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA",
    "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC", "AS", "GU", "MP", "PR", "VI",
];

/// A validated two-letter state code, always upper case.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS, schemars::JsonSchema,
)]
#[serde(try_from = "String", into = "String")]
#[ts(type = "string")]
pub struct UsState([u8; 2]);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("'{0}' is not a US state or territory code")]
pub struct UnknownState(pub String);

impl UsState {
    pub fn as_str(&self) -> &str {
        // Only ever built from STATE_CODES, which are ASCII.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl FromStr for UsState {
    type Err = UnknownState;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        STATE_CODES
            .iter()
            .find(|c| **c == upper)
            .map(|c| {
                let b = c.as_bytes();
                UsState([b[0], b[1]])
            })
            .ok_or_else(|| UnknownState(s.to_string()))
    }
}

impl TryFrom<String> for UsState {
    type Error = UnknownState;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<UsState> for String {
    fn from(s: UsState) -> String {
        s.as_str().to_string()
    }
}

impl fmt::Display for UsState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_codes_case_insensitively() {
        assert_eq!("ca".parse::<UsState>().map(|s| s.to_string()), Ok("CA".to_string()));
        assert_eq!("DC".parse::<UsState>().map(|s| s.to_string()), Ok("DC".to_string()));
    }

    #[test]
    fn refuses_unknown_codes() {
        assert!("XX".parse::<UsState>().is_err());
        assert!("".parse::<UsState>().is_err());
        assert!("CAL".parse::<UsState>().is_err());
        assert!(serde_json::from_str::<UsState>("\"ZZ\"").is_err());
    }
}
