//! The UI's TypeScript types are generated from these Rust types. This test fails when the
//! committed files in ui/src/bindings differ from what the Rust types produce.
//! Regenerate with `make bindings` (ROUNDS_UPDATE_BINDINGS=1).

use rounds_domain::api::{Health, SessionInfo, SignInRequest};
use rounds_domain::sync::{
    FieldChange, FieldConflict, FieldEdit, Mutation, Outcome, PatientField, RejectCode, RejectedChange, SyncProgress,
    SyncStatus,
};
use rounds_domain::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use ts_rs::TS;

fn export_all(dir: &Path) {
    macro_rules! export {
        ($($t:ty),* $(,)?) => {$(
            <$t as TS>::export_all_to(dir).expect(concat!("export ", stringify!($t)));
        )*};
    }
    export!(
        ErrorBody,
        ErrorCode,
        SessionInfo,
        rounds_domain::api::LockStatus,
        rounds_domain::api::SecurityPolicy,
        SignInRequest,
        Health,
        Practitioner,
        Role,
        License,
        Patient,
        PatientListItem,
        Allergy,
        Medication,
        Problem,
        Guardian,
        Sex,
        Channel,
        UsState,
        Encounter,
        Addendum,
        rounds_domain::chart::EncounterView,
        rounds_domain::chart::PatientChart,
        rounds_domain::chart::LabTest,
        rounds_domain::chart::Drug,
        rounds_domain::charting::Page,
        rounds_domain::charting::Section,
        rounds_domain::charting::SectionKey,
        rounds_domain::charting::Draft,
        rounds_domain::vitals::VitalKind,
        rounds_domain::billing::ServiceMenuEntry,
        rounds_domain::ops::QueueFilter,
        rounds_domain::ops::QueueSort,
        rounds_domain::ops::QueueView,
        rounds_domain::ops::DirectoryEntry,
        rounds_domain::ops::StateCoverage,
        rounds_domain::trends::VitalTrends,
        rounds_domain::trends::QueueLoad,
        rounds_domain::ops::PractitionerUpdate,
        rounds_domain::routing::RoutingRules,
        rounds_domain::thread::InboxFilter,
        rounds_domain::thread::InboxPage,
        rounds_domain::thread::MessageWindow,
        rounds_domain::thread::ThreadView,
        rounds_domain::thread::ThreadAction,
        rounds_domain::summary::Summary,
        rounds_domain::api::AuditEntry,
        rounds_domain::api::AuditVerification,
        rounds_domain::api::SessionSummary,
        rounds_domain::api::SecondFactorEnrollment,
        rounds_domain::api::BreakGlassView,
        EncounterMode,
        EncounterStatus,
        ComplaintCatalogEntry,
        Thread,
        ThreadStatus,
        Message,
        MessageDirection,
        Task,
        TaskKind,
        TaskPriority,
        TaskStatus,
        SyncStatus,
        RejectedChange,
        FieldEdit,
        FieldChange,
        FieldConflict,
        Mutation,
        Outcome,
        PatientField,
        RejectCode,
        SyncProgress,
        Icd10Code,
        ComplaintCatalog,
        HpiPrompt,
        SystemFindings,
    );
}

fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.ends_with(".ts") {
                files.insert(name, std::fs::read_to_string(e.path()).expect("read binding"));
            }
        }
    }
    files
}

fn committed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings")
}

#[test]
fn ui_bindings_are_up_to_date() {
    let fresh = tempfile::tempdir().expect("tempdir");
    export_all(fresh.path());
    let generated = read_dir(fresh.path());
    assert!(generated.len() >= 25, "expected the whole vocabulary, got {}", generated.len());

    let target = committed_dir();
    if std::env::var_os("ROUNDS_UPDATE_BINDINGS").is_some() {
        let _ = std::fs::remove_dir_all(&target);
        std::fs::create_dir_all(&target).expect("create bindings dir");
        for (name, text) in &generated {
            std::fs::write(target.join(name), text).expect("write binding");
        }
        return;
    }

    let committed = read_dir(&target);
    let stale: Vec<&String> = generated
        .iter()
        .filter(|(name, text)| committed.get(*name) != Some(*text))
        .map(|(name, _)| name)
        .chain(committed.keys().filter(|name| !generated.contains_key(*name)))
        .collect();
    assert!(stale.is_empty(), "ui/src/bindings is stale ({stale:?}): run `make bindings` and commit the result");
}
