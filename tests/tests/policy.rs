//! Every endpoint of the server, walked from the route table (`rounds_server::http::ROUTES`), on
//! SQLite and PostgreSQL: without a session each non-public one answers 401; administrators'
//! endpoints answer 403 to a clinician; with the right session none is refused for who is
//! asking (it may still refuse a bad body, which is not this test's business).

use chrono::Utc;
use rounds_server::http::ROUTES;
use rounds_server::policy::Access;
use rounds_server::seed::{self, DEMO_ADMIN, DEMO_CARE_COORDINATOR, DEMO_PHYSICIAN};
use rounds_tests::{on_both_databases, sign_in_token, TestServer};

async fn call(url: &str, method: &str, path: &str, token: Option<&str>) -> u16 {
    let concrete = path.replace("{id}", &uuid::Uuid::now_v7().to_string()).replace("{service_line}", "adult_primary");
    let query = if concrete == "/sync/pull" { "?cursor=0" } else { "" };
    let http = reqwest::Client::new();
    let mut request = http.request(method.parse().expect("method"), format!("{url}{concrete}{query}"));
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    if method != "GET" {
        request = request.header("content-type", "application/json").body("{}");
    }
    // Headers are enough (the event stream never ends).
    request.send().await.expect("request").status().as_u16()
}

on_both_databases! {
    async fn every_endpoint_answers_who_may_call_it(db) {
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let clinician = sign_in_token(&server.url, DEMO_PHYSICIAN).await;
        let coordinator = sign_in_token(&server.url, DEMO_CARE_COORDINATOR).await;
        let admin = sign_in_token(&server.url, DEMO_ADMIN).await;
        for e in ROUTES {
            let what = format!("{} {}", e.method, e.path);
            let anonymous = call(&server.url, e.method, e.path, None).await;
            let forged = call(&server.url, e.method, e.path, Some("not-a-real-token")).await;
            match e.access {
                Access::Public => assert_ne!(anonymous, 401, "{what} is public"),
                Access::Signed => assert_eq!((anonymous, forged), (401, 401), "{what} needs a signature"),
                _ => assert_eq!((anonymous, forged), (401, 401), "{what} needs a session"),
            }
            for (who, email, token) in [("clinician", DEMO_PHYSICIAN, &clinician), ("coordinator", DEMO_CARE_COORDINATOR, &coordinator)] {
                // Signing out ends the session: it gets one of its own.
                let own = if e.path == "/auth/sign-out" { sign_in_token(&server.url, email).await } else { token.clone() };
                let status = call(&server.url, e.method, e.path, Some(&own)).await;
                match e.access {
                    Access::Admin => assert_eq!(status, 403, "{what}: a {who} is not an administrator"),
                    // A session is no signature.
                    Access::Signed => assert_eq!(status, 401, "{what}: a {who} does not sign as the provider"),
                    _ => assert!(status != 401 && status != 403, "{what}: a {who} may call it (got {status})"),
                }
            }
            if e.access == Access::Admin {
                let status = call(&server.url, e.method, e.path, Some(&admin)).await;
                assert!(status != 401 && status != 403, "{what}: administrators may call it (got {status})");
            }
        }
        assert!(ROUTES.len() >= 16);
    }
}

on_both_databases! {
    async fn the_served_openapi_description_lists_every_endpoint_with_its_access(db) {
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let doc: serde_json::Value =
            reqwest::get(format!("{}/openapi.json", server.url)).await.expect("get").json().await.expect("json");
        assert_eq!(doc["openapi"], "3.1.0");
        for e in ROUTES {
            let op = &doc["paths"][e.path][e.method.to_lowercase()];
            assert!(op.is_object(), "{} {} is not described", e.method, e.path);
            assert_eq!(op["x-access"], format!("{:?}", e.access), "{} {}", e.method, e.path);
            let needs_token = matches!(e.access, Access::SignedIn | Access::Admin);
            assert_eq!(op["responses"]["401"].is_object(), e.access != Access::Public, "{} {}", e.method, e.path);
            assert_eq!(op["security"] != serde_json::json!([]), needs_token, "{} {}", e.method, e.path);
        }
    }
}
