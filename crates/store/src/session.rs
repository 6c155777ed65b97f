//! Who is signed in on this device. The token is not stored here (it lives in memory, and with
//! the security work in the OS keychain): only who, against which server, since when.

use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use rounds_domain::{Practitioner, PractitionerId};
use rusqlite::OptionalExtension;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalSession {
    pub practitioner_id: PractitionerId,
    pub server_url: String,
    pub signed_in_at: DateTime<Utc>,
}

impl Tx<'_> {
    /// Records `practitioner` as the signed-in user. A different user than the cache's owner
    /// (signed in now, or the last one to sign out) gets an empty cache: one clinician's
    /// downloaded patients are never shown to the next.
    pub fn set_session(&self, practitioner: &Practitioner, server_url: &str, now: DateTime<Utc>) -> Result<()> {
        let owner: Option<String> = self
            .conn
            .query_row("SELECT practitioner_id FROM local_session WHERE id = 1", [], |r| r.get(0))
            .optional()?;
        if owner.is_some_and(|o| o != practitioner.id.to_string()) {
            self.clear_clinical_data()?;
        }
        self.upsert_practitioner(practitioner)?;
        self.conn.execute(
            "INSERT INTO local_session (id, practitioner_id, server_url, signed_in_at) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET practitioner_id = excluded.practitioner_id,
                server_url = excluded.server_url, signed_in_at = excluded.signed_in_at,
                signed_out = 0, unlock_failures = 0",
            (practitioner.id.to_string(), server_url, now.to_rfc3339()),
        )?;
        Ok(())
    }

    /// Counts a wrong password at the lock screen; answers the count so far.
    pub fn note_unlock_failure(&self) -> Result<u32> {
        self.conn.execute("UPDATE local_session SET unlock_failures = unlock_failures + 1 WHERE id = 1", [])?;
        Ok(self
            .conn
            .query_row("SELECT unlock_failures FROM local_session WHERE id = 1", [], |r| r.get::<_, u32>(0))
            .optional()?
            .unwrap_or(0))
    }

    pub fn reset_unlock_failures(&self) -> Result<()> {
        self.conn.execute("UPDATE local_session SET unlock_failures = 0 WHERE id = 1", [])?;
        Ok(())
    }

    pub fn session(&self) -> Result<Option<LocalSession>> {
        let row = self
            .conn
            .query_row(
                "SELECT practitioner_id, server_url, signed_in_at FROM local_session WHERE id = 1 AND signed_out = 0",
                [],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)),
            )
            .optional()?;
        let Some((id, server_url, at)) = row else {
            return Ok(None);
        };
        Ok(Some(LocalSession {
            practitioner_id: crate::codec::parse(&id, "practitioner id")?,
            server_url,
            signed_in_at: chrono::DateTime::parse_from_rfc3339(&at)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| crate::StoreError::InvalidData(e.to_string()))?,
        }))
    }

    /// Keeps the verifier of the signed-in clinician's password (a PHC string), for unlocking.
    pub fn set_unlock_verifier(&self, verifier: &str) -> Result<()> {
        self.conn.execute("UPDATE local_session SET unlock_verifier = ?1 WHERE id = 1", [verifier])?;
        Ok(())
    }

    /// The verifier kept by [`Tx::set_unlock_verifier`], when a session with one exists.
    pub fn unlock_verifier(&self) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT unlock_verifier FROM local_session WHERE id = 1 AND signed_out = 0", [], |r| {
                r.get::<_, Option<String>>(0)
            })
            .optional()?
            .flatten())
    }

    /// Signs out: the session ends, the cache keeps its owner (see `set_session`).
    pub fn clear_session(&self) -> Result<()> {
        self.conn.execute(
            "UPDATE local_session SET signed_out = 1, unlock_verifier = NULL, unlock_failures = 0 WHERE id = 1",
            [],
        )?;
        Ok(())
    }

    /// Empties the cache for a different user. Refused while commands wait in the outbox:
    /// they belong to the previous user and are never dropped or sent under another account.
    fn clear_clinical_data(&self) -> Result<()> {
        let waiting: i64 = self.conn.query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?;
        if waiting > 0 {
            return Err(crate::StoreError::OutboxNotEmpty(waiting));
        }
        self.conn.execute_batch(
            "DELETE FROM local_session; DELETE FROM messages; DELETE FROM threads; DELETE FROM tasks;
             DELETE FROM encounters; DELETE FROM patients;",
        )?;
        // The server ties a device to the user it first synced for: the next user is a new device.
        self.conn.execute(
            "UPDATE sync_state SET device_id = ?1, next_seq = 1 WHERE id = 1",
            [uuid::Uuid::now_v7().to_string()],
        )?;
        self.reset_cursor(None)
    }
}
