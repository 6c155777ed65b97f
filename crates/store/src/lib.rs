//! The local cache of the Rounds desktop: one SQLCipher-encrypted SQLite file per device.
//!
//! Opening it applies the shipped migrations in one transaction, refuses a database written by
//! a newer Rounds, refuses one whose applied migrations differ from the shipped ones, and
//! refuses one that this device's key does not open. It never overwrites a database it cannot
//! read, and never falls back to an unencrypted one.

mod codec;
mod codes;
mod encounters;
mod key;
mod migrate;
mod patients;
mod records;
mod session;
mod sync;
mod threads;
mod trends;

pub use codes::code_prefix;
pub use encounters::EncounterCommands;
pub use key::CacheKey;
pub use migrate::{MIGRATIONS, SCHEMA_VERSION};
pub use patients::{parse_search, search_terms, Term};
pub use session::LocalSession;
pub use sync::{RejectedCommand, SyncState};

use rusqlite::{Connection, OpenFlags};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("this database was written by a newer version of Rounds (schema {found}, this version knows {supported}); it was left untouched")]
    TooNew { found: i64, supported: i64 },
    #[error("the shipped migration {name} differs from the one applied to this database; it was left untouched")]
    MigrationEdited { name: String },
    #[error("the local database is damaged or is not a Rounds database: {0}")]
    Corrupt(String),
    #[error("this device's key does not open the local database (a different key, or a damaged file); it was left untouched")]
    CannotDecrypt,
    #[error("the local database is not encrypted; Rounds only opens encrypted caches, so it was left untouched")]
    NotEncrypted,
    #[error("not found")]
    NotFound,
    #[error("{0} changes made on this device by the previous user have not reached the server yet; sign in as that user to sync them first")]
    OutboxNotEmpty(i64),
    #[error("stored data is invalid: {0}")]
    InvalidData(String),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An open local cache. Not `Sync`: share it behind a mutex.
pub struct Store {
    conn: Connection,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the encrypted cache at `path` with `key` and brings its
    /// schema up to date.
    pub fn open(path: &Path, key: &CacheKey) -> Result<Store> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        if is_plaintext_sqlite(path) {
            return Err(StoreError::NotEncrypted);
        }
        let conn = Connection::open_with_flags(path, flags).map_err(corrupt_or)?;
        // A raw 32-byte key: no passphrase derivation, so opening costs well under a millisecond.
        conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.hex().as_str()))?;
        // Reading the schema is the first thing that touches the file: a wrong key or a
        // damaged file fails here, before anything is written.
        if let Err(e) = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0)) {
            return Err(match corrupt_or(e) {
                StoreError::Corrupt(_) => StoreError::CannotDecrypt,
                other => other,
            });
        }
        Self::init(conn)
    }

    /// A throwaway cache in memory (never on disk), for tests and benchmarks.
    pub fn open_in_memory() -> Result<Store> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Store> {
        conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0)).map_err(corrupt_or)?;
        // Every hot statement is prepared once and reused (search, upserts while pulling).
        conn.set_prepared_statement_cache_capacity(64);
        // Sorts and temporary tables stay in memory: no plaintext temp files.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "busy_timeout", 5000)?;
        // Decrypted pages stay in memory (64 MiB at most): the inbox and queues scan thousands
        // of rows, which SQLCipher would otherwise decrypt again on every query.
        conn.pragma_update(None, "cache_size", -65_536)?;
        migrate::check_and_apply(&mut conn)?;
        // WAL after the version check: switching journal mode writes to the file.
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let store = Store { conn };
        store.read().ensure_sync_state()?;
        Ok(store)
    }

    /// Runs `f` in one transaction: everything it writes lands together or not at all. `f`
    /// returns the caller's own error (a refusal decided inside, with the data it guards), which
    /// rolls the transaction back like a database error does.
    pub fn transaction<T, E: From<StoreError>>(&mut self, f: impl FnOnce(&Tx<'_>) -> Result<T, E>) -> Result<T, E> {
        let tx = self.conn.transaction().map_err(StoreError::from)?;
        let out = f(&Tx { conn: &tx })?;
        tx.commit().map_err(StoreError::from)?;
        Ok(out)
    }

    /// Read access outside a transaction.
    pub fn read(&self) -> Tx<'_> {
        Tx { conn: &self.conn }
    }

    /// The migrations recorded in this database, oldest first (for diagnostics and tests).
    pub fn applied_migrations(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("SELECT name FROM schema_migrations ORDER BY version")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// A view of the cache through which repositories read and write; inside
/// [`Store::transaction`] every write through it is part of that transaction.
pub struct Tx<'c> {
    conn: &'c Connection,
}

/// True when `path` is an ordinary (unencrypted) SQLite database: its header is readable text.
fn is_plaintext_sqlite(path: &Path) -> bool {
    use std::io::Read;
    let mut header = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut header))
        .map(|_| &header == b"SQLite format 3\0")
        .unwrap_or(false)
}

fn corrupt_or(e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) | Some(rusqlite::ErrorCode::DatabaseCorrupt) => {
            StoreError::Corrupt(e.to_string())
        }
        _ => StoreError::Sqlite(e),
    }
}
