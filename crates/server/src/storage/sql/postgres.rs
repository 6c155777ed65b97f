//! The PostgreSQL backend: the shared SQL of this folder's area files, compiled for PostgreSQL.

// The area files are compiled once here and once in sqlite.rs: one SQL text for both databases.
#![allow(clippy::duplicate_mod)]

use crate::storage::Result;
use sqlx::postgres::{PgPool, PgPoolOptions};

type Db = sqlx::Postgres;
type Tx = sqlx::Transaction<'static, Db>;
type Store = PostgresStorage;
const BACKEND: &str = "postgres";

pub struct PostgresStorage {
    pool: PgPool,
}

impl PostgresStorage {
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = PgPoolOptions::new().max_connections(16).connect(url).await?;
        sqlx::migrate!("../../migrations/server/postgres").run(&pool).await?;
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
