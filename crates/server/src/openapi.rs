//! The server's OpenAPI 3.1 description, generated from the code: the paths, who may call them
//! and what each takes and answers come from the route table (`http::ROUTES`, the same table the
//! router is built from), the bodies' schemas from the Rust wire types (schemars reads the same
//! serde attributes the handlers decode with). Served at `GET /openapi.json`; `docs/openapi.json`
//! is the same document, checked in CI to be current.

use crate::http::ROUTES;
use crate::policy::Access;
use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::JsonSchema;
use serde_json::{json, Map, Value};

/// What one endpoint takes and answers (beyond the errors every endpoint may answer).
pub(crate) struct Operation {
    summary: &'static str,
    /// Query parameters: (name, required, schema type, description).
    query: &'static [(&'static str, bool, &'static str, &'static str)],
    request: Option<Body>,
    /// The success status and its body, if any.
    ok: (u16, Option<Body>),
}

impl Operation {
    /// With query parameters: (name, required, schema type, description).
    pub(crate) fn query(self, query: &'static [(&'static str, bool, &'static str, &'static str)]) -> Self {
        Operation { query, ..self }
    }
}

/// An operation without query parameters.
pub(crate) fn op(summary: &'static str, request: Option<Body>, ok: (u16, Option<Body>)) -> Operation {
    Operation { summary, query: &[], request, ok }
}

pub(crate) enum Body {
    Json(Value),
    Text(&'static str, &'static str),
    Form(Value),
}

pub(crate) fn json_of<T: JsonSchema>(g: &mut SchemaGenerator) -> Option<Body> {
    Some(Body::Json(g.subschema_for::<T>().to_value()))
}

pub(crate) fn form(fields: &[&str]) -> Value {
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
    for e in ROUTES {
        let op = (e.operation)(&mut g);
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
