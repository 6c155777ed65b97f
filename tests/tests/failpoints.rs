//! Crash points at every step of push and apply, on SQLite and PostgreSQL. A device queues an
//! edit, a reply and a task claim; its sync fails at one point (server: after the device row is
//! locked, after the organisation is locked, mid-apply, after a command is applied, after its
//! result is stored, before commit, after commit with the answer lost; device: after the push
//! answer arrived but before it was recorded, after a pull arrived, after a pull was applied but
//! before its transaction committed); the next sync must apply everything exactly once.

use chrono::Utc;
use rounds_client::{Config, Workspace};
use rounds_domain::sync::{FieldEdit, PatientField};
use rounds_server::seed::{self, DEMO_NURSE_PRACTITIONER, DEMO_PASSWORD};
use rounds_tests::{on_both_databases, vault, watermark, TestServer};
use serde_json::json;

const POINTS: [&str; 10] = [
    "push.device_locked",
    "push.org_locked",
    "apply.row_written",
    "push.command_applied",
    "push.result_stored",
    "push.before_commit",
    "push.after_commit",
    "sync.pushed_not_recorded",
    "sync.pulled_not_applied",
    "sync.applied_not_committed",
];

/// Crash points are process-wide: one scenario at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

on_both_databases! {
    async fn a_crash_at_any_step_of_sync_loses_and_duplicates_nothing(db) {
        let _serial = SERIAL.lock().await;
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let dir = tempfile::tempdir().expect("dir");
        let ws = Workspace::open(&Config { data_dir: dir.path().join("np"), server_url: server.url.clone() }, vault())
            .expect("open");
        ws.sign_in(DEMO_NURSE_PRACTITIONER, DEMO_PASSWORD).await.expect("sign in");
        let patient_id = ws.search_patients("", 1).expect("patients")[0].id.to_string();
        let thread = ws.open_threads(1).expect("threads")[0].id.to_string();

        for (i, point) in POINTS.iter().enumerate() {
            let before = ws.patient(&patient_id).expect("patient");
            let messages_before = db.storage.counts().await.expect("counts").messages;
            let phone = format!("+1415555{:04}", 100 + i);
            ws.edit_patient(&patient_id, &[FieldEdit { field: PatientField::Phone, value: json!(phone) }]).expect("edit");
            let reply = ws.post_message(&thread, &format!("Reply written before a crash at {point}")).expect("reply");

            fail::cfg(*point, "1*return").expect("configure crash point");
            let crashed = ws.sync_now().await;
            fail::remove(*point);
            assert!(crashed.is_err(), "{point}: the crash point fired");

            ws.sync_now().await.unwrap_or_else(|e| panic!("{point}: the next sync recovers: {e}"));
            ws.sync_now().await.expect("and settles");

            let state = ws.sync_state().expect("state");
            assert_eq!(state.pending, 0, "{point}: nothing left behind");
            assert_eq!(state.rejected, 0, "{point}: nothing refused");
            assert_eq!(watermark(&server.url, DEMO_NURSE_PRACTITIONER, state.device_id).await, state.queued, "{point}: every command applied once");
            assert_eq!(db.storage.counts().await.expect("counts").messages, messages_before + 1, "{point}: one reply, once");
            let on_server = db
                .storage
                .patient_in_scope(ws.session().expect("s").expect("signed in").practitioner.id, before.id)
                .await
                .expect("read")
                .expect("patient");
            assert_eq!(on_server.version, before.version + 1, "{point}: the edit applied exactly once");
            assert_eq!(on_server.phone.as_deref(), Some(phone.as_str()));
            assert_eq!(ws.patient(&patient_id).expect("local"), on_server, "{point}: the device converged");
            let local_messages = ws.messages(&thread).expect("messages");
            assert_eq!(local_messages.iter().filter(|m| m.id == reply.id).count(), 1, "{point}: the reply shows once");
        }
    }
}
