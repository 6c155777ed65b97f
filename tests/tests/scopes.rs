//! Partial replication by role and license: a clinician's devices hold the tasks of their roles'
//! queues in the states where they are licensed, plus their own. When a license lapses the
//! device re-reads the log and the tasks it no longer covers are withdrawn from it; a task in
//! another role's queue never reaches it. On SQLite and PostgreSQL.

use chrono::{Duration, Utc};
use rounds_client::{Config, Workspace};
use rounds_domain::*;
use rounds_server::clock::FixedClock;
use rounds_server::seed::{self, DEMO_NURSE_PRACTITIONER, DEMO_PASSWORD, DEMO_PHYSICIAN};
use rounds_tests::{on_both_databases, vault, TestServer};
use std::sync::Arc;

on_both_databases! {
    async fn a_lapsed_license_takes_that_states_queue_off_the_device(db) {
        let start = Utc::now();
        seed::demo(db.storage.as_ref(), start).await.expect("seed");
        let clock = Arc::new(FixedClock::new(start));
        let server = TestServer::start_with(db.storage.clone(), Some(clock.clone())).await;
        let dir = tempfile::tempdir().expect("dir");
        let open = |name: &str| {
            Workspace::open(&Config { data_dir: dir.path().join(name), server_url: server.url.clone() }, vault())
                .expect("open")
        };
        let doc = open("doc");
        let doc_session = doc.sign_in(DEMO_PHYSICIAN, DEMO_PASSWORD).await.expect("sign in");
        let np = open("np");
        let np_session = np.sign_in(DEMO_NURSE_PRACTITIONER, DEMO_PASSWORD).await.expect("sign in");
        let az = np_session.practitioner.licenses.iter().find(|l| l.state.as_str() == "AZ").expect("AZ license").clone();
        assert!(doc_session.practitioner.licenses.iter().all(|l| l.state.as_str() != "AZ"));

        // The physician routes a refill request for a patient in Arizona to the NP queue.
        let patient = np.search_patients("", 1).expect("patients")[0].id;
        let shared = doc.patient(&patient.to_string()).expect("both look after this patient");
        assert_eq!(shared.id, patient);
        let task_id = TaskId::new_v7(Utc::now().timestamp_millis() as u64);
        let routed = rounds_domain::sync::Mutation::CreateTask {
            task_id,
            patient_id: patient,
            task_kind: TaskKind::RefillRequest,
            // Routed by the organisation's rules: refill requests go to nurse practitioners.
            queue: None,
            license_state: "AZ".parse().expect("AZ"),
            priority: TaskPriority::Routine,
            description: "Refill request: albuterol inhaler".into(),
            focus: None,
        };
        let pushed = rounds_tests::push_as(&server.url, DEMO_PHYSICIAN, &[routed]).await;
        assert_eq!(pushed.results[0].outcome, rounds_domain::sync::Outcome::Applied);
        doc.sync_now().await.expect("sync");
        np.sync_now().await.expect("sync");
        assert_eq!(np.task(&task_id.to_string()).expect("in the NP's scope").queue, Role::NursePractitioner);
        assert_eq!(doc.task(&task_id.to_string()).expect_err("another role's queue").code, ErrorCode::NotFound);
        let before = np.sync_state().expect("state");

        // The day after the AZ license expires, the NP's next sync re-reads the log under the new
        // scope and the Arizona task leaves her device (the Texas and California work stays).
        let days = (az.expires_on - start.date_naive()).num_days() + 1;
        clock.advance(Duration::days(days));
        // (Her server session has expired by then: she signs in again, which syncs.)
        np.sign_in(DEMO_NURSE_PRACTITIONER, DEMO_PASSWORD).await.expect("sign in again");
        let after = np.sync_state().expect("state");
        assert_ne!(after.scope, before.scope);
        assert!(after.cursor >= before.cursor, "the cursor ends where it was or beyond");
        assert_eq!(np.task(&task_id.to_string()).expect_err("lapsed").code, ErrorCode::NotFound);
        assert_eq!(np.patient(&patient.to_string()).expect("the patient stays").id, patient);
    }
}
