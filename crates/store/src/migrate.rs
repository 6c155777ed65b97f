//! Embedded, append-only migrations with checksums.

use crate::{Result, StoreError};
use rusqlite::{Connection, OptionalExtension};
use sha2::{Digest, Sha256};

/// (name, SQL) in order. Never edit a shipped entry: append a new one.
pub const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("../../../migrations/client/0001_init.sql")),
    ("0002_charting", include_str!("../../../migrations/client/0002_charting.sql")),
    ("0003_threads", include_str!("../../../migrations/client/0003_threads.sql")),
    ("0004_unlock", include_str!("../../../migrations/client/0004_unlock.sql")),
];

/// The schema version this build writes: the number of migrations it knows.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

fn checksum(sql: &str) -> String {
    let digest = Sha256::digest(sql.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn check_and_apply(conn: &mut Connection) -> Result<()> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew { found, supported: SCHEMA_VERSION });
    }

    let has_table: bool = conn
        .query_row("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'", [], |_| Ok(true))
        .optional()?
        .unwrap_or(false);

    if has_table {
        let mut stmt = conn.prepare("SELECT version, name, checksum FROM schema_migrations ORDER BY version")?;
        let applied = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        for (version, name, sum) in applied {
            let shipped = usize::try_from(version - 1).ok().and_then(|i| MIGRATIONS.get(i));
            match shipped {
                Some((shipped_name, sql)) if *shipped_name == name && checksum(sql) == sum => {}
                Some(_) => return Err(StoreError::MigrationEdited { name }),
                None => return Err(StoreError::TooNew { found: version, supported: SCHEMA_VERSION }),
            }
        }
    } else if found != 0 {
        return Err(StoreError::Corrupt(format!("schema version {found} but no migration record")));
    }

    if found == SCHEMA_VERSION {
        return Ok(());
    }

    let tx = conn.transaction()?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            checksum   TEXT NOT NULL,
            applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        ) STRICT;",
    )?;
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let version = i as i64 + 1;
        tracing::info!(migration = name, "applying local cache migration");
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, checksum) VALUES (?1, ?2, ?3)",
            (version, name, checksum(sql)),
        )?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}
