//! Conversions between domain values and their column forms.

use crate::{Result, StoreError};
use serde::{de::DeserializeOwned, Serialize};

/// A unit-like enum as its serde name (`"nurse_practitioner"`).
pub(crate) fn enum_str<T: Serialize>(v: &T) -> Result<String> {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        Ok(other) => Err(StoreError::InvalidData(format!("expected a name, got {other}"))),
        Err(e) => Err(StoreError::InvalidData(e.to_string())),
    }
}

pub(crate) fn parse_enum<T: DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string()))
        .map_err(|e| StoreError::InvalidData(format!("'{s}': {e}")))
}

pub(crate) fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::InvalidData(e.to_string()))
}

pub(crate) fn from_json<T: DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::InvalidData(e.to_string()))
}

pub(crate) fn parse<T: std::str::FromStr>(s: &str, what: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    s.parse().map_err(|e| StoreError::InvalidData(format!("{what} '{s}': {e}")))
}
