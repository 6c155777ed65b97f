//! The SQLite backend: the shared SQL of this folder's area files, compiled for SQLite.

// The area files are compiled once here and once in postgres.rs: one SQL text for both databases.
#![allow(clippy::duplicate_mod)]

use crate::storage::Result;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;

type Db = sqlx::Sqlite;
type Tx = sqlx::Transaction<'static, Db>;
type Store = SqliteStorage;
const BACKEND: &str = "sqlite";

pub struct SqliteStorage {
    pool: SqlitePool,
}

impl SqliteStorage {
    pub async fn connect(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(10));
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        sqlx::migrate!("../../migrations/server/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }
}

#[path = "audit.rs"]
mod audit;
#[path = "break_glass.rs"]
mod break_glass;
#[path = "charting.rs"]
mod charting;
#[path = "database.rs"]
mod database;
#[path = "directory.rs"]
mod directory;
#[path = "org_documents.rs"]
mod org_documents;
#[path = "patients.rs"]
mod patients;
#[path = "sessions.rs"]
mod sessions;
#[path = "sync.rs"]
mod sync;
#[path = "tasks.rs"]
mod tasks;
#[path = "threads.rs"]
mod threads;
