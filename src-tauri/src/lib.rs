//! The Rounds desktop shell. Each command is one call into `rounds-client`; errors cross IPC
//! as `{code, message}` (`ClientError`'s serialized form).

use rounds_client::{ClientError, Config, Workspace};
use rounds_domain::api::SessionInfo;
use rounds_domain::{ErrorCode, Patient, PatientListItem};
use std::path::PathBuf;
use std::sync::Arc;
use tauri::{Manager, State};

/// The server used when `ROUNDS_SERVER_URL` is not set: the one `make run` starts.
pub const DEFAULT_SERVER_URL: &str = "http://127.0.0.1:8720";

/// App state: the opened workspace, or why it could not be opened (shown by the UI).
struct Desktop {
    workspace: Result<Arc<Workspace>, ClientError>,
    /// Held while start-up work (the demo sign-in) runs, so the UI's first question waits for it.
    startup: Arc<tokio::sync::Mutex<()>>,
}

impl Desktop {
    async fn workspace(&self) -> Result<&Workspace, ClientError> {
        let _ready = self.startup.lock().await;
        self.workspace.as_deref().map_err(Clone::clone)
    }
}

#[tauri::command]
async fn session(desktop: State<'_, Desktop>) -> Result<Option<SessionInfo>, ClientError> {
    desktop.workspace().await?.session()
}

#[tauri::command]
async fn sign_in(
    desktop: State<'_, Desktop>,
    email: String,
    password: String,
) -> Result<SessionInfo, ClientError> {
    desktop.workspace().await?.sign_in(&email, &password).await
}

#[tauri::command]
async fn sign_out(desktop: State<'_, Desktop>) -> Result<(), ClientError> {
    desktop.workspace().await?.sign_out()
}

#[tauri::command]
async fn search_patients(
    desktop: State<'_, Desktop>,
    query: String,
    limit: u32,
) -> Result<Vec<PatientListItem>, ClientError> {
    desktop.workspace().await?.search_patients(&query, limit)
}

#[tauri::command]
async fn get_patient(desktop: State<'_, Desktop>, id: String) -> Result<Patient, ClientError> {
    desktop.workspace().await?.patient(&id)
}

fn config(app: &tauri::App) -> Result<Config, ClientError> {
    let data_dir = match std::env::var_os("ROUNDS_DATA_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => app.path().app_data_dir().map_err(|e| {
            ClientError::new(
                ErrorCode::Internal,
                format!("no data folder for Rounds: {e}"),
            )
        })?,
    };
    let server_url =
        std::env::var("ROUNDS_SERVER_URL").unwrap_or_else(|_| DEFAULT_SERVER_URL.to_string());
    Ok(Config {
        data_dir,
        server_url,
    })
}

pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();

    tauri::Builder::default()
        .setup(|app| {
            let workspace = config(app).and_then(|c| Workspace::open(&c)).map(Arc::new);
            if let Err(e) = &workspace {
                tracing::error!(code = ?e.code, "the local workspace could not be opened");
            }
            let startup = Arc::new(tokio::sync::Mutex::new(()));
            demo_sign_in(&workspace, &startup);
            app.manage(Desktop { workspace, startup });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            session,
            sign_in,
            sign_out,
            search_patients,
            get_patient
        ])
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "Rounds could not start");
            std::process::exit(1);
        });
}

/// `make run` opens the app signed in as a demo clinician: it passes the demo account in
/// ROUNDS_DEMO_EMAIL / ROUNDS_DEMO_PASSWORD. Real deployments never set these.
fn demo_sign_in(
    workspace: &Result<Arc<Workspace>, ClientError>,
    startup: &Arc<tokio::sync::Mutex<()>>,
) {
    let (Ok(workspace), Ok(email), Ok(password)) = (
        workspace,
        std::env::var("ROUNDS_DEMO_EMAIL"),
        std::env::var("ROUNDS_DEMO_PASSWORD"),
    ) else {
        return;
    };
    let Ok(gate) = startup.clone().try_lock_owned() else {
        return;
    };
    let workspace = workspace.clone();
    tauri::async_runtime::spawn(async move {
        if let Err(e) = workspace.sign_in(&email, &password).await {
            tracing::warn!(code = ?e.code, "demo sign-in failed; the sign-in screen is shown");
        }
        drop(gate);
    });
}
