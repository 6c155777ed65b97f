//! `rounds-server serve` runs the API; `rounds-server seed --demo` creates the demo organisation.

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::net::SocketAddr;

#[derive(Parser)]
#[command(name = "rounds-server", version, about = "The Rounds sync and API server")]
struct Cli {
    /// sqlite://PATH (embedded) or postgres://USER@HOST/DB
    #[arg(long, env = "ROUNDS_DATABASE", default_value = "sqlite://rounds-server.sqlite3", global = true)]
    database: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API.
    Serve {
        /// Address to listen on. Loopback by default; put TLS in front for anything else.
        #[arg(long, env = "ROUNDS_LISTEN", default_value = "127.0.0.1:8720")]
        listen: SocketAddr,
        /// Sign-in attempts allowed per client address per 5 minutes.
        #[arg(long, env = "ROUNDS_SIGN_IN_LIMIT", default_value_t = 30)]
        sign_in_limit: u32,
        /// Serve HTTPS with this PEM certificate chain (and --tls-key).
        #[arg(long, env = "ROUNDS_TLS_CERT", requires = "tls_key")]
        tls_cert: Option<std::path::PathBuf>,
        /// The PEM private key of --tls-cert.
        #[arg(long, env = "ROUNDS_TLS_KEY", requires = "tls_cert")]
        tls_key: Option<std::path::PathBuf>,
        /// Plain HTTP on a non-loopback address, for a TLS-terminating proxy in front.
        #[arg(long, env = "ROUNDS_BEHIND_PROXY")]
        behind_proxy: bool,
    },
    /// Create data. With --demo: the demo organisation, its clinicians and about 200 patients.
    Seed {
        #[arg(long)]
        demo: bool,
        /// Also give a demo patient a thread of this many messages (to measure the thread
        /// screen with a long conversation).
        #[arg(long, value_name = "MESSAGES")]
        long_thread: Option<u32>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let storage = rounds_server::connect(&cli.database)
        .await
        .with_context(|| format!("opening the {} database", scheme(&cli.database)))?;
    match cli.command {
        Command::Serve { listen, sign_in_limit, tls_cert, tls_key, behind_proxy } => {
            let tls = match (tls_cert, tls_key) {
                (Some(cert), Some(key)) => Some(rounds_server::tls::acceptor(&cert, &key)?),
                _ => None,
            };
            // PHI never crosses a network in the clear: plain HTTP only on this machine, or
            // behind a proxy that terminates TLS.
            anyhow::ensure!(
                tls.is_some() || listen.ip().is_loopback() || behind_proxy,
                "refusing plain HTTP on {listen}: give --tls-cert and --tls-key, or --behind-proxy when a TLS proxy is in front"
            );
            let mut state = rounds_server::AppState::new(storage);
            state.sign_in_limiter = std::sync::Arc::new(rounds_server::limit::RateLimiter::new(
                sign_in_limit,
                chrono::Duration::minutes(5),
            ));
            state.sms_secret = rounds_server::sms::secret_from_env()?;
            let listener =
                tokio::net::TcpListener::bind(listen).await.with_context(|| format!("listening on {listen}"))?;
            tracing::info!(%listen, database = state.storage.backend(), "rounds-server ready");
            tokio::spawn(rounds_server::escalate_every(state.clone(), std::time::Duration::from_secs(60)));
            tokio::spawn(rounds_server::sms::dispatch_every(state.clone(), std::time::Duration::from_secs(5)));
            let router = rounds_server::app(state);
            let shutdown = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            match tls {
                Some(acceptor) => {
                    let listener = rounds_server::tls::TlsListener::new(listener, acceptor)?;
                    tracing::info!("serving HTTPS");
                    axum::serve(listener, rounds_server::tls::app(router)).with_graceful_shutdown(shutdown).await?
                }
                None => {
                    let app = router.into_make_service_with_connect_info::<SocketAddr>();
                    axum::serve(listener, app).with_graceful_shutdown(shutdown).await?
                }
            }
        }
        Command::Seed { demo, long_thread } => {
            anyhow::ensure!(demo, "only `seed --demo` exists so far");
            let now = chrono::Utc::now();
            let report = rounds_server::seed::demo(storage.as_ref(), now).await?;
            tracing::info!(?report, "demo data ready");
            if let Some(messages) = long_thread {
                anyhow::ensure!((1..=100_000).contains(&messages), "--long-thread takes 1 to 100,000 messages");
                rounds_server::seed::long_thread(storage.as_ref(), messages, now).await?;
                tracing::info!(messages, "long thread ready");
            }
        }
    }
    Ok(())
}

/// The database kind, for messages: never the URL, which may hold a password.
fn scheme(url: &str) -> &str {
    url.split(':').next().unwrap_or("unknown")
}
