//! Who may call each endpoint: the one table the router must match (a test reads the router's
//! source and fails when a route is missing here, and an API test walks every row on both
//! databases: without a session, with a clinician's, with an administrator's).
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

#[derive(Clone, Copy, Debug)]
pub struct Endpoint {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

const fn e(method: &'static str, path: &'static str, access: Access) -> Endpoint {
    Endpoint { method, path, access }
}

pub const ENDPOINTS: &[Endpoint] = &[
    e("GET", "/health", Access::Public),
    e("GET", "/openapi.json", Access::Public),
    e("POST", "/auth/sign-in", Access::Public),
    // The refresh token in the body is the credential.
    e("POST", "/auth/refresh", Access::Public),
    e("POST", "/auth/sign-out", Access::SignedIn),
    e("GET", "/auth/sessions", Access::SignedIn),
    e("DELETE", "/auth/sessions/{id}", Access::SignedIn),
    e("POST", "/auth/second-factor/enroll", Access::SignedIn),
    e("POST", "/auth/second-factor/confirm", Access::SignedIn),
    e("PUT", "/admin/second-factor", Access::Admin),
    // Signed in, then the practitioner's break-glass flag decides (refusals audited).
    e("POST", "/break-glass", Access::SignedIn),
    e("GET", "/break-glass/{patient_id}", Access::SignedIn),
    e("PUT", "/admin/practitioners/{id}/break-glass", Access::Admin),
    e("GET", "/patients", Access::SignedIn),
    e("GET", "/patients/{id}", Access::SignedIn),
    e("POST", "/sync/push", Access::SignedIn),
    e("GET", "/sync/pull", Access::SignedIn),
    e("GET", "/sync/events", Access::SignedIn),
    e("GET", "/operations/coverage", Access::SignedIn),
    e("GET", "/audit", Access::Admin),
    e("GET", "/audit/verify", Access::Admin),
    e("PUT", "/admin/catalogs/{service_line}", Access::Admin),
    e("PUT", "/admin/service-menu", Access::Admin),
    e("PUT", "/admin/routing", Access::Admin),
    e("PUT", "/admin/security-policy", Access::Admin),
    e("PUT", "/admin/practitioners/{id}", Access::Admin),
    e("POST", "/webhooks/sms", Access::Signed),
    e("POST", "/webhooks/sms/status", Access::Signed),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `.route("…")` in the router is in the table, and every table path is routed.
    #[test]
    fn the_router_and_the_policy_table_list_the_same_paths() {
        let source = include_str!("api.rs");
        let mut routed: Vec<&str> = source
            .split(".route(")
            .skip(1)
            .filter_map(|s| s.trim_start().strip_prefix('"'))
            .filter_map(|s| s.split('"').next())
            .collect();
        routed.sort();
        routed.dedup();
        let mut listed: Vec<&str> = ENDPOINTS.iter().map(|e| e.path).collect();
        listed.sort();
        listed.dedup();
        assert_eq!(routed, listed, "a route without a policy row (or a row without a route)");
    }
}
