//! Who may call an endpoint at all. Each route of the route table (`http::ROUTES`) names its
//! [`Access`]; an API test walks every route on both databases (without a session, with a
//! clinician's, with an administrator's) and the OpenAPI document states it (`x-access`).
//!
//! What a signed-in user may then see or change inside an endpoint (their care teams' patients,
//! the work their roles and licenses allow) is decided where the data is read, by the storage
//! scope and the shared rules in rounds-domain.

/// Who may call an endpoint at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone (health, sign-in).
    Public,
    /// Any signed-in practitioner; the data is then scoped to them.
    SignedIn,
    /// Administrators only.
    Admin,
    /// The SMS provider: a request signed with the shared secret (see `sms`).
    Signed,
}
