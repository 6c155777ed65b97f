//! The one route table: every endpoint with who may call it, its handler and its OpenAPI
//! operation. The router (`http::app`), the access policy the API tests walk, and the OpenAPI
//! document (`crate::openapi`) are all built from [`ROUTES`], so a route cannot exist without
//! its policy and its description.

use super::{admin, audit, break_glass, health, patients, sessions, sms, sync};
use crate::openapi::{form, json_of, op, Body, Operation};
use crate::policy::Access;
use crate::AppState;
use axum::extract::DefaultBodyLimit;
use axum::routing::{on, MethodFilter, MethodRouter};
use rounds_domain::api as wire;
use schemars::generate::SchemaGenerator;
use serde_json::json;

/// One endpoint.
pub struct Route {
    /// The HTTP method, upper case.
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    /// The handler for the route's method (with its own body limit where it takes more).
    pub(crate) handler: fn(MethodFilter) -> MethodRouter<AppState>,
    /// What it takes and answers, for the OpenAPI document.
    pub(crate) operation: fn(&mut SchemaGenerator) -> Operation,
}

const fn route(
    method: &'static str,
    path: &'static str,
    access: Access,
    handler: fn(MethodFilter) -> MethodRouter<AppState>,
    operation: fn(&mut SchemaGenerator) -> Operation,
) -> Route {
    Route { method, path, access, handler, operation }
}

use Access::{Admin, Public, Signed, SignedIn};

pub const ROUTES: &[Route] = &[
    route(
        "GET",
        "/health",
        Public,
        |m| on(m, health),
        |g| op("Whether the server and its database answer", None, (200, json_of::<wire::Health>(g))),
    ),
    route(
        "GET",
        "/openapi.json",
        Public,
        |m| on(m, crate::openapi::serve),
        |_| {
            op(
                "This description",
                None,
                (200, Some(Body::Json(json!({"type": "object", "description": "An OpenAPI 3.1 document"})))),
            )
        },
    ),
    route(
        "POST",
        "/auth/sign-in",
        Public,
        |m| on(m, sessions::sign_in),
        |g| {
            op(
                "Signs in with email and password (and the second factor's code when the account has one)",
                json_of::<wire::SignInRequest>(g),
                (200, json_of::<wire::SignInResponse>(g)),
            )
        },
    ),
    // The refresh token in the body is the credential.
    route(
        "POST",
        "/auth/refresh",
        Public,
        |m| on(m, sessions::refresh),
        |g| {
            op(
                "Exchanges a refresh token for a new pair; a token presented twice ends its session",
                json_of::<wire::RefreshRequest>(g),
                (200, json_of::<wire::SignInResponse>(g)),
            )
        },
    ),
    route(
        "POST",
        "/auth/sign-out",
        SignedIn,
        |m| on(m, sessions::sign_out),
        |_| op("Ends this session", None, (204, None)),
    ),
    route(
        "GET",
        "/auth/sessions",
        SignedIn,
        |m| on(m, sessions::list),
        |g| op("The caller's sessions", None, (200, json_of::<Vec<wire::SessionSummary>>(g))),
    ),
    route(
        "DELETE",
        "/auth/sessions/{id}",
        SignedIn,
        |m| on(m, sessions::revoke),
        |_| op("Ends one of the caller's sessions", None, (204, None)),
    ),
    route(
        "POST",
        "/auth/second-factor/enroll",
        SignedIn,
        |m| on(m, sessions::enroll_second_factor),
        |g| {
            op(
                "Starts enrolling an authenticator app: its secret, shown once",
                None,
                (200, json_of::<wire::SecondFactorEnrollment>(g)),
            )
        },
    ),
    route(
        "POST",
        "/auth/second-factor/confirm",
        SignedIn,
        |m| on(m, sessions::confirm_second_factor),
        |g| {
            op(
                "Turns the second factor on with a code from the app being enrolled",
                json_of::<wire::SecondFactorCode>(g),
                (204, None),
            )
        },
    ),
    route(
        "PUT",
        "/admin/second-factor",
        Admin,
        |m| on(m, sessions::set_second_factor_policy),
        |g| {
            op("Whether the organisation requires a second factor", json_of::<wire::SecondFactorPolicy>(g), (204, None))
        },
    ),
    // Signed in, then the practitioner's break-glass flag decides (refusals audited).
    route(
        "POST",
        "/break-glass",
        SignedIn,
        |m| on(m, break_glass::open),
        |g| {
            op(
                "Emergency access to a chart outside the caller's care teams (flagged users; audited high)",
                json_of::<wire::BreakGlassRequest>(g),
                (200, json_of::<wire::BreakGlassView>(g)),
            )
        },
    ),
    route(
        "GET",
        "/break-glass/{patient_id}",
        SignedIn,
        |m| on(m, break_glass::read),
        |g| op("The chart under a live emergency access", None, (200, json_of::<wire::BreakGlassView>(g))),
    ),
    route(
        "PUT",
        "/admin/practitioners/{id}/break-glass",
        Admin,
        |m| on(m, break_glass::permit),
        |g| {
            op("Whether a practitioner may use emergency access", json_of::<wire::BreakGlassPermission>(g), (204, None))
        },
    ),
    route(
        "GET",
        "/patients",
        SignedIn,
        |m| on(m, patients::list),
        |g| {
            op(
                "The caller's patients (care-team and license scope), a page at a time",
                None,
                (200, json_of::<wire::PatientPage>(g)),
            )
            .query(&[
                ("after", false, "string", "The last patient id of the previous page"),
                ("limit", false, "integer", "Patients per page (at most 500)"),
            ])
        },
    ),
    route(
        "GET",
        "/patients/{id}",
        SignedIn,
        |m| on(m, patients::get),
        |g| op("One patient in the caller's scope", None, (200, json_of::<rounds_domain::Patient>(g))),
    ),
    route(
        "POST",
        "/sync/push",
        SignedIn,
        |m| on(m, sync::push).layer(DefaultBodyLimit::max(sync::MAX_PUSH_BYTES)),
        |g| {
            op(
                "Applies a device's queued commands in order, once each (the watermark is the idempotency key)",
                json_of::<rounds_domain::sync::IncomingPush>(g),
                (200, json_of::<rounds_domain::sync::PushResponse>(g)),
            )
        },
    ),
    route(
        "GET",
        "/sync/pull",
        SignedIn,
        |m| on(m, sync::pull),
        |g| {
            op(
                "The organisation's change log after a cursor, filtered to the caller's scope",
                None,
                (200, json_of::<rounds_domain::sync::PullResponse>(g)),
            )
            .query(&[
                ("cursor", true, "integer", "The cursor of the last page (0 at first)"),
                ("limit", false, "integer", "Changes per page (at most 1000)"),
            ])
        },
    ),
    route(
        "GET",
        "/sync/events",
        SignedIn,
        |m| on(m, sync::events),
        |_| {
            op(
                "Server-sent events: a poke when the change log grows",
                None,
                (200, Some(Body::Text("text/event-stream", "`event: changed` with the log's head"))),
            )
        },
    ),
    route(
        "GET",
        "/operations/coverage",
        SignedIn,
        |m| on(m, admin::coverage),
        |g| {
            op(
                "Licensed and on-duty practitioners by state and role",
                None,
                (200, json_of::<Vec<rounds_domain::ops::StateCoverage>>(g)),
            )
        },
    ),
    route(
        "GET",
        "/audit",
        Admin,
        |m| on(m, audit::export),
        |g| {
            op(
                "The audit trail of a patient or a practitioner, as CSV (default) or JSON",
                None,
                (200, json_of::<Vec<wire::AuditEntry>>(g)),
            )
            .query(&[
                ("patient_id", false, "string", "Only this patient's rows"),
                ("practitioner_id", false, "string", "Only this practitioner's rows"),
                ("format", false, "string", "csv or json"),
            ])
        },
    ),
    route(
        "GET",
        "/audit/verify",
        Admin,
        |m| on(m, audit::verify),
        |g| {
            op(
                "Checks the audit log's hash chain; names the first broken row",
                None,
                (200, json_of::<wire::AuditVerification>(g)),
            )
        },
    ),
    route(
        "PUT",
        "/admin/catalogs/{service_line}",
        Admin,
        |m| on(m, admin::put_catalog).layer(DefaultBodyLimit::max(admin::MAX_DOCUMENT_BYTES)),
        |g| {
            op(
                "Replaces a service line's complaint catalog",
                json_of::<rounds_domain::ComplaintCatalog>(g),
                (200, json_of::<admin::Stored>(g)),
            )
        },
    ),
    route(
        "PUT",
        "/admin/service-menu",
        Admin,
        |m| on(m, admin::put_service_menu).layer(DefaultBodyLimit::max(admin::MAX_DOCUMENT_BYTES)),
        |g| {
            op(
                "Replaces the organisation's service menu",
                Some(Body::Text("text/csv", "code,description,rule: one billable code a line")),
                (200, json_of::<admin::Stored>(g)),
            )
        },
    ),
    route(
        "PUT",
        "/admin/routing",
        Admin,
        |m| on(m, admin::put_routing),
        |g| {
            op(
                "Replaces the organisation's routing rules (which queue each task goes to)",
                json_of::<rounds_domain::routing::RoutingRules>(g),
                (200, json_of::<admin::Stored>(g)),
            )
        },
    ),
    route(
        "PUT",
        "/admin/security-policy",
        Admin,
        |m| on(m, admin::put_security_policy),
        |g| {
            op(
                "Replaces the organisation's security policy (the desktop's idle lock)",
                json_of::<wire::SecurityPolicy>(g),
                (200, json_of::<admin::Stored>(g)),
            )
        },
    ),
    route(
        "PUT",
        "/admin/practitioners/{id}",
        Admin,
        |m| on(m, admin::put_practitioner),
        |g| {
            op(
                "Changes a practitioner: name, roles, licenses, supervisor, duty",
                json_of::<rounds_domain::ops::PractitionerUpdate>(g),
                (200, json_of::<rounds_domain::Practitioner>(g)),
            )
        },
    ),
    route(
        "POST",
        "/webhooks/sms",
        Signed,
        |m| on(m, sms::inbound).layer(DefaultBodyLimit::max(crate::sms::MAX_WEBHOOK_BYTES)),
        |g| {
            op(
                "A patient's text message from the SMS provider (signed)",
                Some(Body::Form(form(&["From", "To", "Body", "MessageSid"]))),
                (200, json_of::<sms::WebhookAnswer>(g)),
            )
        },
    ),
    route(
        "POST",
        "/webhooks/sms/status",
        Signed,
        |m| on(m, sms::status).layer(DefaultBodyLimit::max(crate::sms::MAX_WEBHOOK_BYTES)),
        |_| {
            op(
                "A delivery report from the SMS provider (signed)",
                Some(Body::Form(form(&["MessageSid", "MessageStatus"]))),
                (204, None),
            )
        },
    ),
];
