//! The Rounds desktop shell. Each command is one call into `rounds-client`; errors cross IPC
//! as `{code, message}` (`ClientError`'s serialized form).

use rounds_client::{ClientError, Config, OsKeychain, Workspace};
use rounds_domain::api::{
    AuditEntry, AuditVerification, BreakGlassView, LockStatus, SecondFactorEnrollment, SecurityPolicy, SessionInfo,
    SessionSummary,
};
use rounds_domain::chart::{Drug, EncounterView, LabTest, PatientChart};
use rounds_domain::charting::Section;
use rounds_domain::ops::{DirectoryEntry, PractitionerUpdate, QueueFilter, QueueSort, QueueView, StateCoverage};
use rounds_domain::routing::RoutingRules;
use rounds_domain::summary::Summary;
use rounds_domain::sync::{FieldEdit, RejectedChange, SyncStatus};
use rounds_domain::thread::{InboxFilter, InboxPage, MessageWindow, ThreadView};
use rounds_domain::trends::{QueueLoad, VitalTrends};
use rounds_domain::{
    ComplaintCatalogEntry, EncounterMode, ErrorCode, Icd10Code, Message, Patient, PatientListItem, Practitioner, Role,
    Task, Thread, ThreadAction,
};
use std::path::PathBuf;
use std::sync::Arc;
use tauri::{Manager, State};

/// The server used when `ROUNDS_SERVER_URL` is not set: the one `make run` starts.
pub const DEFAULT_SERVER_URL: &str = "http://127.0.0.1:8720";

/// App state: the workspace, opened on first use. Opening is retried on the next command when
/// it fails (say the keychain was locked), so "Try again" in the UI means something.
struct Desktop {
    config: Result<Config, ClientError>,
    workspace: Arc<tokio::sync::Mutex<Option<Arc<Workspace>>>>,
}

impl Desktop {
    async fn workspace(&self) -> Result<Arc<Workspace>, ClientError> {
        let mut slot = self.workspace.lock().await;
        self.open_into(&mut slot)
    }

    fn open_into(&self, slot: &mut Option<Arc<Workspace>>) -> Result<Arc<Workspace>, ClientError> {
        if let Some(ws) = slot.as_ref() {
            return Ok(ws.clone());
        }
        let config = self.config.clone()?;
        let ws = Arc::new(Workspace::open(&config, OsKeychain).inspect_err(|e| {
            tracing::error!(code = ?e.code, "the local workspace could not be opened");
        })?);
        // Sync runs in the background for the app's lifetime.
        tauri::async_runtime::spawn(ws.clone().run_sync());
        *slot = Some(ws.clone());
        Ok(ws)
    }
}

#[tauri::command]
async fn session(desktop: State<'_, Arc<Desktop>>) -> Result<Option<SessionInfo>, ClientError> {
    desktop.workspace().await?.session()
}

#[tauri::command]
async fn sign_in(
    desktop: State<'_, Arc<Desktop>>,
    email: String,
    password: String,
    totp: Option<String>,
) -> Result<SessionInfo, ClientError> {
    desktop.workspace().await?.sign_in_with_code(&email, &password, totp.as_deref()).await
}

#[tauri::command]
async fn break_glass(
    desktop: State<'_, Arc<Desktop>>,
    mrn: String,
    reason: String,
) -> Result<BreakGlassView, ClientError> {
    desktop.workspace().await?.break_glass(&mrn, &reason).await
}

#[tauri::command]
async fn break_glass_chart(
    desktop: State<'_, Arc<Desktop>>,
    patient_id: String,
) -> Result<BreakGlassView, ClientError> {
    desktop.workspace().await?.break_glass_chart(&patient_id).await
}

#[tauri::command]
async fn enroll_second_factor(desktop: State<'_, Arc<Desktop>>) -> Result<SecondFactorEnrollment, ClientError> {
    desktop.workspace().await?.enroll_second_factor().await
}

#[tauri::command]
async fn confirm_second_factor(desktop: State<'_, Arc<Desktop>>, code: String) -> Result<(), ClientError> {
    desktop.workspace().await?.confirm_second_factor(&code).await
}

#[tauri::command]
async fn sign_out(desktop: State<'_, Arc<Desktop>>) -> Result<(), ClientError> {
    desktop.workspace().await?.sign_out()
}

#[tauri::command]
async fn search_patients(
    desktop: State<'_, Arc<Desktop>>,
    query: String,
    limit: u32,
) -> Result<Vec<PatientListItem>, ClientError> {
    desktop.workspace().await?.search_patients(&query, limit)
}

#[tauri::command]
async fn get_patient(desktop: State<'_, Arc<Desktop>>, id: String) -> Result<Patient, ClientError> {
    desktop.workspace().await?.patient(&id)
}

#[tauri::command]
async fn edit_patient(
    desktop: State<'_, Arc<Desktop>>,
    id: String,
    edits: Vec<FieldEdit>,
) -> Result<Patient, ClientError> {
    desktop.workspace().await?.edit_patient(&id, &edits)
}

#[tauri::command]
async fn search_icd10(
    desktop: State<'_, Arc<Desktop>>,
    query: String,
    limit: u32,
) -> Result<Vec<Icd10Code>, ClientError> {
    desktop.workspace().await?.search_icd10(&query, limit)
}

#[tauri::command]
async fn complaints(
    desktop: State<'_, Arc<Desktop>>,
    service_line: String,
) -> Result<Vec<ComplaintCatalogEntry>, ClientError> {
    desktop.workspace().await?.complaints(&service_line)
}

#[tauri::command]
async fn sync_status(desktop: State<'_, Arc<Desktop>>) -> Result<SyncStatus, ClientError> {
    desktop.workspace().await?.sync_status()
}

#[tauri::command]
async fn sync_now(desktop: State<'_, Arc<Desktop>>) -> Result<SyncStatus, ClientError> {
    let ws = desktop.workspace().await?;
    ws.sync_now().await?;
    ws.sync_status()
}

#[tauri::command]
async fn rejected_changes(desktop: State<'_, Arc<Desktop>>) -> Result<Vec<RejectedChange>, ClientError> {
    desktop.workspace().await?.rejected_changes()
}

#[tauri::command]
async fn dismiss_rejected(desktop: State<'_, Arc<Desktop>>, client_seq: i64) -> Result<(), ClientError> {
    desktop.workspace().await?.dismiss_rejected(client_seq)
}

#[tauri::command]
async fn patient_chart(desktop: State<'_, Arc<Desktop>>, patient_id: String) -> Result<PatientChart, ClientError> {
    desktop.workspace().await?.patient_chart(&patient_id)
}

#[tauri::command]
async fn start_encounter(
    desktop: State<'_, Arc<Desktop>>,
    patient_id: String,
    service_line: String,
    mode: EncounterMode,
) -> Result<EncounterView, ClientError> {
    desktop.workspace().await?.start_encounter(&patient_id, &service_line, mode)
}

#[tauri::command]
async fn get_encounter(desktop: State<'_, Arc<Desktop>>, encounter_id: String) -> Result<EncounterView, ClientError> {
    desktop.workspace().await?.encounter_view(&encounter_id)
}

#[tauri::command]
async fn save_section(
    desktop: State<'_, Arc<Desktop>>,
    encounter_id: String,
    section: Section,
) -> Result<EncounterView, ClientError> {
    desktop.workspace().await?.save_section(&encounter_id, section)
}

#[tauri::command]
async fn sign_encounter(desktop: State<'_, Arc<Desktop>>, encounter_id: String) -> Result<EncounterView, ClientError> {
    desktop.workspace().await?.sign_encounter(&encounter_id)
}

#[tauri::command]
async fn add_addendum(
    desktop: State<'_, Arc<Desktop>>,
    encounter_id: String,
    text: String,
) -> Result<EncounterView, ClientError> {
    desktop.workspace().await?.add_addendum(&encounter_id, &text)
}

#[tauri::command]
async fn cosign_encounter(
    desktop: State<'_, Arc<Desktop>>,
    encounter_id: String,
) -> Result<EncounterView, ClientError> {
    desktop.workspace().await?.cosign_encounter(&encounter_id)
}

#[tauri::command]
async fn hand_off_encounter(
    desktop: State<'_, Arc<Desktop>>,
    encounter_id: String,
    note: String,
) -> Result<Task, ClientError> {
    desktop.workspace().await?.hand_off_encounter(&encounter_id, &note)
}

#[tauri::command]
async fn settle_section_conflict(
    desktop: State<'_, Arc<Desktop>>,
    client_seq: i64,
    section: Option<Section>,
) -> Result<EncounterView, ClientError> {
    desktop.workspace().await?.settle_section_conflict(client_seq, section)
}

#[tauri::command]
async fn search_labs(desktop: State<'_, Arc<Desktop>>, query: String, limit: u32) -> Result<Vec<LabTest>, ClientError> {
    desktop.workspace().await?.search_labs(&query, limit)
}

#[tauri::command]
async fn search_drugs(desktop: State<'_, Arc<Desktop>>, query: String, limit: u32) -> Result<Vec<Drug>, ClientError> {
    desktop.workspace().await?.search_drugs(&query, limit)
}

#[tauri::command]
async fn task_queue(
    desktop: State<'_, Arc<Desktop>>,
    filter: QueueFilter,
    sort: QueueSort,
    limit: u32,
) -> Result<QueueView, ClientError> {
    desktop.workspace().await?.task_queue(filter, sort, limit)
}

#[tauri::command]
async fn claim_task(desktop: State<'_, Arc<Desktop>>, task_id: String) -> Result<Task, ClientError> {
    desktop.workspace().await?.claim_task(&task_id)
}

#[tauri::command]
async fn complete_task(desktop: State<'_, Arc<Desktop>>, task_id: String) -> Result<Task, ClientError> {
    desktop.workspace().await?.complete_task(&task_id)
}

#[tauri::command]
async fn cancel_task(desktop: State<'_, Arc<Desktop>>, task_id: String) -> Result<Task, ClientError> {
    desktop.workspace().await?.cancel_task(&task_id)
}

#[tauri::command]
async fn hand_off_task(
    desktop: State<'_, Arc<Desktop>>,
    task_id: String,
    to: String,
    queue: Role,
) -> Result<Task, ClientError> {
    desktop.workspace().await?.hand_off_task(&task_id, &to, queue)
}

#[tauri::command]
async fn who_can_take(desktop: State<'_, Arc<Desktop>>, task_id: String) -> Result<Vec<Practitioner>, ClientError> {
    desktop.workspace().await?.who_can_take(&task_id)
}

#[tauri::command]
async fn directory(desktop: State<'_, Arc<Desktop>>) -> Result<Vec<DirectoryEntry>, ClientError> {
    desktop.workspace().await?.directory()
}

#[tauri::command]
async fn coverage(desktop: State<'_, Arc<Desktop>>) -> Result<Vec<StateCoverage>, ClientError> {
    desktop.workspace().await?.coverage().await
}

#[tauri::command]
async fn vital_trends(desktop: State<'_, Arc<Desktop>>, patient_id: String) -> Result<VitalTrends, ClientError> {
    desktop.workspace().await?.vital_trends(&patient_id)
}

#[tauri::command]
async fn queue_load(desktop: State<'_, Arc<Desktop>>, utc_offset_minutes: i32) -> Result<Vec<QueueLoad>, ClientError> {
    desktop.workspace().await?.queue_load(utc_offset_minutes)
}

#[tauri::command]
async fn update_practitioner(
    desktop: State<'_, Arc<Desktop>>,
    practitioner_id: String,
    update: PractitionerUpdate,
) -> Result<Practitioner, ClientError> {
    desktop.workspace().await?.update_practitioner(&practitioner_id, &update).await
}

#[tauri::command]
async fn routing_rules(desktop: State<'_, Arc<Desktop>>) -> Result<RoutingRules, ClientError> {
    desktop.workspace().await?.routing_rules()
}

#[tauri::command]
async fn update_routing_rules(desktop: State<'_, Arc<Desktop>>, rules: RoutingRules) -> Result<(), ClientError> {
    desktop.workspace().await?.update_routing_rules(&rules).await
}

#[tauri::command]
async fn lock_status(desktop: State<'_, Arc<Desktop>>) -> Result<LockStatus, ClientError> {
    Ok(desktop.workspace().await?.lock_status())
}

#[tauri::command]
async fn lock_now(desktop: State<'_, Arc<Desktop>>) -> Result<(), ClientError> {
    desktop.workspace().await?.lock_now()
}

/// Argon2id takes tens of milliseconds: off the async workers.
#[tauri::command]
async fn unlock(desktop: State<'_, Arc<Desktop>>, password: String) -> Result<SessionInfo, ClientError> {
    let ws = desktop.workspace().await?;
    tauri::async_runtime::spawn_blocking(move || ws.unlock(&password))
        .await
        .map_err(|e| ClientError::new(ErrorCode::Internal, format!("unlocking stopped: {e}")))?
}

#[tauri::command]
async fn note_activity(desktop: State<'_, Arc<Desktop>>) -> Result<(), ClientError> {
    desktop.workspace().await?.note_activity()
}

#[tauri::command]
async fn security_policy(desktop: State<'_, Arc<Desktop>>) -> Result<SecurityPolicy, ClientError> {
    desktop.workspace().await?.security_policy()
}

#[tauri::command]
async fn update_security_policy(desktop: State<'_, Arc<Desktop>>, policy: SecurityPolicy) -> Result<(), ClientError> {
    desktop.workspace().await?.update_security_policy(policy).await
}

#[tauri::command]
async fn inbox(desktop: State<'_, Arc<Desktop>>, filter: InboxFilter) -> Result<InboxPage, ClientError> {
    desktop.workspace().await?.inbox(&filter)
}

#[tauri::command]
async fn open_thread(desktop: State<'_, Arc<Desktop>>, thread_id: String) -> Result<ThreadView, ClientError> {
    desktop.workspace().await?.open_thread(&thread_id)
}

#[tauri::command]
async fn thread_messages(
    desktop: State<'_, Arc<Desktop>>,
    thread_id: String,
    offset: u32,
    limit: u32,
) -> Result<MessageWindow, ClientError> {
    desktop.workspace().await?.thread_messages(&thread_id, offset, limit)
}

#[tauri::command]
async fn message_position(
    desktop: State<'_, Arc<Desktop>>,
    thread_id: String,
    message_id: String,
) -> Result<u32, ClientError> {
    desktop.workspace().await?.message_position(&thread_id, &message_id)
}

#[tauri::command]
async fn thread_summary(
    desktop: State<'_, Arc<Desktop>>,
    thread_id: String,
    last_read_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<Summary, ClientError> {
    desktop.workspace().await?.thread_summary(&thread_id, last_read_at)
}

#[tauri::command]
async fn post_message(
    desktop: State<'_, Arc<Desktop>>,
    thread_id: String,
    body: String,
) -> Result<Message, ClientError> {
    desktop.workspace().await?.post_message(&thread_id, &body)
}

#[tauri::command]
async fn thread_action(
    desktop: State<'_, Arc<Desktop>>,
    thread_id: String,
    action: ThreadAction,
) -> Result<Thread, ClientError> {
    desktop.workspace().await?.thread_action(&thread_id, action)
}

#[tauri::command]
async fn log_thread_time(
    desktop: State<'_, Arc<Desktop>>,
    thread_id: String,
    seconds: u32,
) -> Result<u32, ClientError> {
    desktop.workspace().await?.log_thread_time(&thread_id, seconds)
}

#[tauri::command]
async fn convert_thread_to_evisit(desktop: State<'_, Arc<Desktop>>, thread_id: String) -> Result<String, ClientError> {
    Ok(desktop.workspace().await?.convert_thread_to_evisit(&thread_id)?.to_string())
}

#[tauri::command]
async fn audit_trail(
    desktop: State<'_, Arc<Desktop>>,
    patient_id: Option<String>,
    practitioner_id: Option<String>,
) -> Result<Vec<AuditEntry>, ClientError> {
    desktop.workspace().await?.audit_trail(patient_id.as_deref(), practitioner_id.as_deref()).await
}

#[tauri::command]
async fn verify_audit(desktop: State<'_, Arc<Desktop>>) -> Result<AuditVerification, ClientError> {
    desktop.workspace().await?.verify_audit().await
}

/// Writes the CSV into the user's Downloads folder; answers the file's path.
#[tauri::command]
async fn export_audit(
    desktop: State<'_, Arc<Desktop>>,
    patient_id: Option<String>,
    practitioner_id: Option<String>,
) -> Result<String, ClientError> {
    desktop.workspace().await?.export_audit(patient_id.as_deref(), practitioner_id.as_deref(), None).await
}

#[tauri::command]
async fn sessions(desktop: State<'_, Arc<Desktop>>) -> Result<Vec<SessionSummary>, ClientError> {
    desktop.workspace().await?.sessions().await
}

#[tauri::command]
async fn revoke_session(desktop: State<'_, Arc<Desktop>>, session_id: String) -> Result<(), ClientError> {
    desktop.workspace().await?.revoke_session(&session_id).await
}

fn config(app: &tauri::App) -> Result<Config, ClientError> {
    let data_dir = match std::env::var_os("ROUNDS_DATA_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => app
            .path()
            .app_data_dir()
            .map_err(|e| ClientError::new(ErrorCode::Internal, format!("no data folder for Rounds: {e}")))?,
    };
    let server_url = std::env::var("ROUNDS_SERVER_URL").unwrap_or_else(|_| DEFAULT_SERVER_URL.to_string());
    Ok(Config { data_dir, server_url })
}

pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();

    tauri::Builder::default()
        .setup(|app| {
            let desktop = Arc::new(Desktop { config: config(app), workspace: Default::default() });
            demo_sign_in(&desktop);
            app.manage(desktop);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            session,
            sign_in,
            sign_out,
            search_patients,
            get_patient,
            edit_patient,
            search_icd10,
            complaints,
            sync_status,
            sync_now,
            rejected_changes,
            dismiss_rejected,
            patient_chart,
            start_encounter,
            get_encounter,
            save_section,
            sign_encounter,
            add_addendum,
            cosign_encounter,
            hand_off_encounter,
            settle_section_conflict,
            search_labs,
            search_drugs,
            task_queue,
            claim_task,
            complete_task,
            cancel_task,
            hand_off_task,
            who_can_take,
            directory,
            coverage,
            vital_trends,
            queue_load,
            update_practitioner,
            routing_rules,
            update_routing_rules,
            inbox,
            open_thread,
            thread_messages,
            message_position,
            thread_summary,
            post_message,
            thread_action,
            log_thread_time,
            convert_thread_to_evisit,
            audit_trail,
            verify_audit,
            export_audit,
            sessions,
            revoke_session,
            enroll_second_factor,
            confirm_second_factor,
            break_glass,
            break_glass_chart,
            lock_status,
            lock_now,
            unlock,
            note_activity,
            security_policy,
            update_security_policy
        ])
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "Rounds could not start");
            std::process::exit(1);
        });
}

/// `make run` opens the app signed in as a demo clinician: it passes the demo account in
/// ROUNDS_DEMO_EMAIL / ROUNDS_DEMO_PASSWORD. Real deployments never set these.
fn demo_sign_in(desktop: &Arc<Desktop>) {
    let (Ok(email), Ok(password)) = (std::env::var("ROUNDS_DEMO_EMAIL"), std::env::var("ROUNDS_DEMO_PASSWORD")) else {
        return;
    };
    // Hold the workspace slot until the sign-in is done, so the UI's first question waits.
    let Ok(mut slot) = desktop.workspace.clone().try_lock_owned() else { return };
    let desktop = desktop.clone();
    tauri::async_runtime::spawn(async move {
        let signed_in = match desktop.open_into(&mut slot) {
            Ok(ws) => ws.sign_in(&email, &password).await.map(|_| ()),
            Err(e) => Err(e),
        };
        if let Err(e) = signed_in {
            tracing::warn!(code = ?e.code, "demo sign-in failed; the sign-in screen is shown");
        }
    });
}
