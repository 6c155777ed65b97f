//! The server's OpenAPI 3.1 description, generated from the code: the paths and who may call
//! them come from the policy table (which a test holds equal to the router), the bodies'
//! schemas from the Rust wire types (schemars reads the same serde attributes the handlers
//! decode with). Served at `GET /openapi.json`; `docs/openapi.json` is the same document,
//! checked in CI to be current.

use crate::policy::{Access, Endpoint, ENDPOINTS};
use rounds_domain::api as wire;
use rounds_domain::sync;
use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::JsonSchema;
use serde_json::{json, Map, Value};

/// What one endpoint takes and answers (beyond the errors every endpoint may answer).
struct Operation {
    summary: &'static str,
    /// Query parameters: (name, required, schema type, description).
    query: &'static [(&'static str, bool, &'static str, &'static str)],
    request: Option<Body>,
    /// The success status and its body, if any.
    ok: (u16, Option<Body>),
}

enum Body {
    Json(Value),
    Text(&'static str, &'static str),
    Form(Value),
}

fn json_of<T: JsonSchema>(g: &mut SchemaGenerator) -> Option<Body> {
    Some(Body::Json(g.subschema_for::<T>().to_value()))
}

const NO_QUERY: &[(&str, bool, &str, &str)] = &[];

/// The operation of each endpoint of the policy table. `None` for an endpoint nobody described
/// (the test below fails on it).
fn operation(g: &mut SchemaGenerator, e: &Endpoint) -> Option<Operation> {
    let op = |summary, request, ok| Operation { summary, query: NO_QUERY, request, ok };
    Some(match (e.method, e.path) {
        ("GET", "/health") => op("Whether the server and its database answer", None, (200, json_of::<wire::Health>(g))),
        ("GET", "/openapi.json") => op(
            "This description",
            None,
            (200, Some(Body::Json(json!({"type": "object", "description": "An OpenAPI 3.1 document"})))),
        ),
        ("POST", "/auth/sign-in") => op(
            "Signs in with email and password (and the second factor's code when the account has one)",
            json_of::<wire::SignInRequest>(g),
            (200, json_of::<wire::SignInResponse>(g)),
        ),
        ("POST", "/auth/refresh") => op(
            "Exchanges a refresh token for a new pair; a token presented twice ends its session",
            json_of::<wire::RefreshRequest>(g),
            (200, json_of::<wire::SignInResponse>(g)),
        ),
        ("POST", "/auth/sign-out") => op("Ends this session", None, (204, None)),
        ("GET", "/auth/sessions") => op("The caller's sessions", None, (200, json_of::<Vec<wire::SessionSummary>>(g))),
        ("DELETE", "/auth/sessions/{id}") => op("Ends one of the caller's sessions", None, (204, None)),
        ("POST", "/auth/second-factor/enroll") => op(
            "Starts enrolling an authenticator app: its secret, shown once",
            None,
            (200, json_of::<wire::SecondFactorEnrollment>(g)),
        ),
        ("POST", "/auth/second-factor/confirm") => op(
            "Turns the second factor on with a code from the app being enrolled",
            json_of::<wire::SecondFactorCode>(g),
            (204, None),
        ),
        ("PUT", "/admin/second-factor") => {
            op("Whether the organisation requires a second factor", json_of::<wire::SecondFactorPolicy>(g), (204, None))
        }
        ("POST", "/break-glass") => op(
            "Emergency access to a chart outside the caller's care teams (flagged users; audited high)",
            json_of::<wire::BreakGlassRequest>(g),
            (200, json_of::<wire::BreakGlassView>(g)),
        ),
        ("GET", "/break-glass/{patient_id}") => {
            op("The chart under a live emergency access", None, (200, json_of::<wire::BreakGlassView>(g)))
        }
        ("PUT", "/admin/practitioners/{id}/break-glass") => {
            op("Whether a practitioner may use emergency access", json_of::<wire::BreakGlassPermission>(g), (204, None))
        }
        ("GET", "/patients") => Operation {
            summary: "The caller's patients (care-team and license scope), a page at a time",
            query: &[
                ("after", false, "string", "The last patient id of the previous page"),
                ("limit", false, "integer", "Patients per page (at most 500)"),
            ],
            request: None,
            ok: (200, json_of::<wire::PatientPage>(g)),
        },
        ("GET", "/patients/{id}") => {
            op("One patient in the caller's scope", None, (200, json_of::<rounds_domain::Patient>(g)))
        }
        ("POST", "/sync/push") => op(
            "Applies a device's queued commands in order, once each (the watermark is the idempotency key)",
            json_of::<sync::IncomingPush>(g),
            (200, json_of::<sync::PushResponse>(g)),
        ),
        ("GET", "/sync/pull") => Operation {
            summary: "The organisation's change log after a cursor, filtered to the caller's scope",
            query: &[
                ("cursor", true, "integer", "The cursor of the last page (0 at first)"),
                ("limit", false, "integer", "Changes per page (at most 1000)"),
            ],
            request: None,
            ok: (200, json_of::<sync::PullResponse>(g)),
        },
        ("GET", "/sync/events") => op(
            "Server-sent events: a poke when the change log grows",
            None,
            (200, Some(Body::Text("text/event-stream", "`event: changed` with the log's head"))),
        ),
        ("GET", "/operations/coverage") => op(
            "Licensed and on-duty practitioners by state and role",
            None,
            (200, json_of::<Vec<rounds_domain::ops::StateCoverage>>(g)),
        ),
        ("GET", "/audit") => Operation {
            summary: "The audit trail of a patient or a practitioner, as CSV (default) or JSON",
            query: &[
                ("patient_id", false, "string", "Only this patient's rows"),
                ("practitioner_id", false, "string", "Only this practitioner's rows"),
                ("format", false, "string", "csv or json"),
            ],
            request: None,
            ok: (200, json_of::<Vec<wire::AuditEntry>>(g)),
        },
        ("GET", "/audit/verify") => op(
            "Checks the audit log's hash chain; names the first broken row",
            None,
            (200, json_of::<wire::AuditVerification>(g)),
        ),
        ("PUT", "/admin/catalogs/{service_line}") => op(
            "Replaces a service line's complaint catalog",
            json_of::<rounds_domain::ComplaintCatalog>(g),
            (200, json_of::<crate::admin_api::Stored>(g)),
        ),
        ("PUT", "/admin/service-menu") => op(
            "Replaces the organisation's service menu",
            Some(Body::Text("text/csv", "code,description,rule: one billable code a line")),
            (200, json_of::<crate::admin_api::Stored>(g)),
        ),
        ("PUT", "/admin/routing") => op(
            "Replaces the organisation's routing rules (which queue each task goes to)",
            json_of::<rounds_domain::routing::RoutingRules>(g),
            (200, json_of::<crate::admin_api::Stored>(g)),
        ),
        ("PUT", "/admin/security-policy") => op(
            "Replaces the organisation's security policy (the desktop's idle lock)",
            json_of::<wire::SecurityPolicy>(g),
            (200, json_of::<crate::admin_api::Stored>(g)),
        ),
        ("PUT", "/admin/practitioners/{id}") => op(
            "Changes a practitioner: name, roles, licenses, supervisor, duty",
            json_of::<rounds_domain::ops::PractitionerUpdate>(g),
            (200, json_of::<rounds_domain::Practitioner>(g)),
        ),
        ("POST", "/webhooks/sms") => op(
            "A patient's text message from the SMS provider (signed)",
            Some(Body::Form(form(&["From", "To", "Body", "MessageSid"]))),
            (200, json_of::<crate::sms::WebhookAnswer>(g)),
        ),
        ("POST", "/webhooks/sms/status") => op(
            "A delivery report from the SMS provider (signed)",
            Some(Body::Form(form(&["MessageSid", "MessageStatus"]))),
            (204, None),
        ),
        _ => return None,
    })
}

fn form(fields: &[&str]) -> Value {
    let properties: Map<String, Value> = fields.iter().map(|f| (f.to_string(), json!({"type": "string"}))).collect();
    json!({"type": "object", "required": fields, "properties": properties})
}

fn content(body: Body) -> Value {
    match body {
        Body::Json(schema) => json!({"application/json": {"schema": schema}}),
        Body::Text(media, description) => json!({media: {"schema": {"type": "string", "description": description}}}),
        Body::Form(schema) => json!({"application/x-www-form-urlencoded": {"schema": schema}}),
    }
}

fn error(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}})
}

/// The whole document.
pub fn document() -> Value {
    let mut g =
        SchemaSettings::draft2020_12().with(|s| s.definitions_path = "/components/schemas".into()).into_generator();
    g.subschema_for::<rounds_domain::ErrorBody>();
    let mut paths = Map::new();
    for e in ENDPOINTS {
        let Some(op) = operation(&mut g, e) else { continue };
        let mut parameters: Vec<Value> = e
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        for (name, required, ty, description) in op.query {
            parameters.push(json!({"name": name, "in": "query", "required": required, "description": description, "schema": {"type": ty}}));
        }
        if e.access == Access::Signed {
            for header in [crate::sms::SIGNATURE_HEADER, crate::sms::TIMESTAMP_HEADER] {
                parameters
                    .push(json!({"name": header, "in": "header", "required": true, "schema": {"type": "string"}}));
            }
        }
        let (status, body) = op.ok;
        let mut ok = json!({"description": "Done"});
        if let Some(body) = body {
            ok["content"] = content(body);
        }
        let mut responses = Map::new();
        responses.insert(status.to_string(), ok);
        responses.insert("400".into(), error("Malformed or out-of-range input; nothing changed"));
        responses.insert("413".into(), error("The body is larger than the endpoint accepts"));
        responses.insert("422".into(), error("The body does not decode into the expected type; nothing changed"));
        let mut operation = json!({
            "summary": op.summary,
            "operationId": format!("{} {}", e.method.to_lowercase(), e.path),
            "x-access": format!("{:?}", e.access),
            "parameters": parameters,
        });
        match e.access {
            Access::Public => {
                operation["security"] = json!([]);
            }
            Access::Signed => {
                operation["security"] = json!([]);
                responses.insert("401".into(), error("Missing, stale or wrong signature"));
            }
            Access::SignedIn | Access::Admin => {
                operation["security"] = json!([{"bearer": []}]);
                responses.insert("401".into(), error("No valid access token"));
                responses.insert("403".into(), error("Signed in, but not allowed (role, care team or license)"));
                responses.insert("404".into(), error("Not found, or outside the caller's scope"));
            }
        }
        operation["responses"] = Value::Object(responses);
        if let Some(request) = op.request {
            operation["requestBody"] = json!({"required": true, "content": content(request)});
        }
        let entry = paths.entry(e.path.to_string()).or_insert_with(|| json!({}));
        entry[e.method.to_lowercase()] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Rounds server",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Sync, sign-in, administration and webhooks of the Rounds charting server. \
                Every error answers {code, message} (ErrorBody). Generated from the code.",
        },
        "paths": paths,
        "components": {
            "schemas": g.take_definitions(true),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    })
}

/// `GET /openapi.json`
pub async fn serve() -> axum::Json<Value> {
    axum::Json(document())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_of_the_policy_table_is_described() {
        let mut g = SchemaGenerator::default();
        let missing: Vec<String> = ENDPOINTS
            .iter()
            .filter(|e| operation(&mut g, e).is_none())
            .map(|e| format!("{} {}", e.method, e.path))
            .collect();
        assert!(missing.is_empty(), "endpoints without an OpenAPI operation: {missing:?}");
        let doc = document();
        let described: usize =
            doc["paths"].as_object().expect("paths").values().map(|p| p.as_object().expect("ops").len()).sum();
        assert_eq!(described, ENDPOINTS.len());
    }

    #[test]
    fn every_reference_resolves() {
        let doc = document();
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().expect("schemas");
        for piece in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = piece.split('"').next().expect("name");
            assert!(schemas.contains_key(name), "unresolved $ref {name}");
        }
        assert!(schemas.contains_key("ErrorBody"));
        assert!(schemas.contains_key("Patient"));
    }

    /// `docs/openapi.json` is this document. Regenerate with ROUNDS_UPDATE_OPENAPI=1.
    #[test]
    fn the_committed_description_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
        let generated = serde_json::to_string_pretty(&document()).expect("json") + "\n";
        if std::env::var_os("ROUNDS_UPDATE_OPENAPI").is_some() {
            std::fs::write(path, &generated).expect("write docs/openapi.json");
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == generated,
            "docs/openapi.json is stale: run ROUNDS_UPDATE_OPENAPI=1 cargo test -p rounds-server openapi"
        );
    }
}
