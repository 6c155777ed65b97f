//! Sign-in, sessions, refresh-token rotation and second factors.

use super::{Store, Tx};
use crate::audit::{AuditEvent, Severity};
use crate::storage::rows::*;
use crate::storage::*;
use async_trait::async_trait;
use rounds_domain::*;
use uuid::Uuid;

impl Store {
    /// Stores a new access token and refresh token of a session family.
    pub(super) async fn issue(
        tx: &mut Tx,
        who: PractitionerId,
        family: Uuid,
        t: &IssuedTokens,
        now: Time,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, practitioner_id, created_at, expires_at, family_id) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&t.access_hash)
        .bind(who.0)
        .bind(now)
        .bind(t.access_expires_at)
        .bind(family)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO refresh_tokens (token_hash, family_id, issued_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&t.refresh_hash)
        .bind(family)
        .bind(now)
        .bind(t.refresh_expires_at)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Ends a session family: its access tokens are deleted, its refresh tokens refused.
    pub(super) async fn revoke_family(tx: &mut Tx, family: Uuid, reason: &str, now: Time) -> Result<()> {
        sqlx::query(
            "UPDATE session_families SET revoked_at = $2, revoked_reason = $3 WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(family)
        .bind(now)
        .bind(reason)
        .execute(&mut **tx)
        .await?;
        sqlx::query("DELETE FROM sessions WHERE family_id = $1").bind(family).execute(&mut **tx).await?;
        Ok(())
    }
}

#[async_trait]
impl SessionStore for Store {
    #[tracing::instrument(skip_all)]
    async fn credentials_by_email(&self, email: &str) -> Result<Option<(Practitioner, String)>> {
        #[allow(clippy::type_complexity)]
        let row: Option<(Uuid, Uuid, String, String, String, Option<Uuid>, bool)> = sqlx::query_as(
            "SELECT id, organization_id, display_name, email, password_hash, supervisor_id, on_duty
             FROM practitioners WHERE email = $1",
        )
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        let Some((id, organization_id, display_name, email, hash, supervisor_id, on_duty)) = row else {
            return Ok(None);
        };
        let p = self
            .load_practitioner(PractitionerRow { id, organization_id, display_name, email, supervisor_id, on_duty })
            .await?;
        Ok(Some((p, hash)))
    }

    async fn locked_until(&self, who: PractitionerId) -> Result<Option<Time>> {
        let row: Option<(Option<Time>,)> = sqlx::query_as("SELECT locked_until FROM practitioners WHERE id = $1")
            .bind(who.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.and_then(|(t,)| t))
    }

    async fn record_failed_sign_in(
        &self,
        who: PractitionerId,
        max: i64,
        lock_until: Time,
        locked: Option<&AuditEvent>,
    ) -> Result<Option<Time>> {
        let mut tx = self.pool.begin().await?;
        let (failed,): (i64,) = sqlx::query_as(
            "UPDATE practitioners SET failed_sign_ins = failed_sign_ins + 1 WHERE id = $1 RETURNING failed_sign_ins",
        )
        .bind(who.0)
        .fetch_one(&mut *tx)
        .await?;
        let locked = if failed >= max {
            sqlx::query("UPDATE practitioners SET failed_sign_ins = 0, locked_until = $2 WHERE id = $1")
                .bind(who.0)
                .bind(lock_until)
                .execute(&mut *tx)
                .await?;
            if let Some(event) = locked {
                Self::append_audit(&mut tx, event).await?;
            }
            Some(lock_until)
        } else {
            None
        };
        tx.commit().await?;
        Ok(locked)
    }

    async fn record_sign_in(&self, who: PractitionerId) -> Result<()> {
        sqlx::query("UPDATE practitioners SET failed_sign_ins = 0, locked_until = NULL WHERE id = $1")
            .bind(who.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn open_session(&self, who: PractitionerId, client: &str, tokens: &IssuedTokens, now: Time) -> Result<Uuid> {
        let family = Uuid::now_v7();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO session_families (id, practitioner_id, created_at, last_used_at, client) VALUES ($1, $2, $3, $3, $4)",
        )
        .bind(family)
        .bind(who.0)
        .bind(now)
        .bind(client)
        .execute(&mut *tx)
        .await?;
        Self::issue(&mut tx, who, family, tokens, now).await?;
        tx.commit().await?;
        Ok(family)
    }

    #[tracing::instrument(skip_all)]
    async fn rotate_refresh(&self, refresh_hash: &str, next: &IssuedTokens, now: Time) -> Result<Rotation> {
        let mut tx = self.pool.begin().await?;
        #[allow(clippy::type_complexity)]
        let row: Option<(Uuid, Uuid, Uuid, Time, Option<Time>, Option<Time>)> = sqlx::query_as(
            "SELECT f.id, f.practitioner_id, p.organization_id, r.expires_at, r.used_at, f.revoked_at
             FROM refresh_tokens r JOIN session_families f ON f.id = r.family_id
             JOIN practitioners p ON p.id = f.practitioner_id WHERE r.token_hash = $1",
        )
        .bind(refresh_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((family, who, org, expires_at, used_at, revoked_at)) = row else { return Ok(Rotation::Refused) };
        if revoked_at.is_some() || expires_at <= now {
            return Ok(Rotation::Refused);
        }
        let who = PractitionerId(who);
        if used_at.is_some() {
            Self::revoke_family(&mut tx, family, "a refresh token was used twice", now).await?;
            let event = AuditEvent::new(OrganizationId(org), now, who, "auth.refresh_reused")
                .severity(Severity::High)
                .detail("a used refresh token was presented again: the session was revoked");
            Self::append_audit(&mut tx, &event).await?;
            tx.commit().await?;
            return Ok(Rotation::Reused(self.practitioner(who).await?));
        }
        // Compare-and-set: of two racing uses, one rotates and the other is a reuse.
        let marked = sqlx::query("UPDATE refresh_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL")
            .bind(refresh_hash)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if marked != 1 {
            return Ok(Rotation::Refused);
        }
        Self::issue(&mut tx, who, family, next, now).await?;
        sqlx::query("UPDATE session_families SET last_used_at = $2 WHERE id = $1")
            .bind(family)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Rotation::Rotated(self.practitioner(who).await?))
    }

    #[tracing::instrument(skip_all)]
    async fn session(&self, token_hash: &str, now: Time) -> Result<Option<SessionUser>> {
        let row: Option<(Uuid, Option<Uuid>, bool)> = sqlx::query_as(
            "SELECT s.practitioner_id, s.family_id, (o.require_totp AND p.totp_secret IS NULL)
             FROM sessions s LEFT JOIN session_families f ON f.id = s.family_id
             JOIN practitioners p ON p.id = s.practitioner_id
             JOIN organizations o ON o.id = p.organization_id
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND f.revoked_at IS NULL",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some((who, family, must_enrol)) => Ok(Some(SessionUser {
                practitioner: self.practitioner(PractitionerId(who)).await?,
                family,
                must_enrol,
            })),
            None => Ok(None),
        }
    }

    async fn second_factor(&self, who: PractitionerId) -> Result<SecondFactorState> {
        let row: Option<(Option<String>, Option<String>, Option<i64>, bool)> = sqlx::query_as(
            "SELECT p.totp_secret, p.totp_pending, p.totp_last_step, o.require_totp
             FROM practitioners p JOIN organizations o ON o.id = p.organization_id WHERE p.id = $1",
        )
        .bind(who.0)
        .fetch_optional(&self.pool)
        .await?;
        let (secret, pending, last_step, required) = row.ok_or(StorageError::NotFound)?;
        Ok(SecondFactorState { secret, pending, last_step, required })
    }

    async fn set_second_factor_pending(&self, who: PractitionerId, secret: &str) -> Result<()> {
        sqlx::query("UPDATE practitioners SET totp_pending = $2 WHERE id = $1")
            .bind(who.0)
            .bind(secret)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn confirm_second_factor(&self, who: PractitionerId, step: i64, audit: &AuditEvent) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE practitioners SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = $2
             WHERE id = $1 AND totp_pending IS NOT NULL",
        )
        .bind(who.0)
        .bind(step)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done != 1 {
            return Ok(false);
        }
        Self::append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn use_second_factor_step(&self, who: PractitionerId, step: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE practitioners SET totp_last_step = $2
             WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
        )
        .bind(who.0)
        .bind(step)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(done == 1)
    }

    async fn set_require_second_factor(&self, org: OrganizationId, required: bool, audit: &AuditEvent) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE organizations SET require_totp = $2 WHERE id = $1")
            .bind(org.0)
            .bind(required)
            .execute(&mut *tx)
            .await?;
        Self::append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn sessions(&self, who: PractitionerId, now: Time) -> Result<Vec<SessionRow>> {
        let rows: Vec<(Uuid, Time, Time, String)> = sqlx::query_as(
            "SELECT f.id, f.created_at, f.last_used_at, f.client FROM session_families f
             WHERE f.practitioner_id = $1 AND f.revoked_at IS NULL
               AND EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.family_id = f.id AND r.used_at IS NULL AND r.expires_at > $2)
             ORDER BY f.last_used_at DESC",
        )
        .bind(who.0)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, created_at, last_used_at, client)| SessionRow { id, created_at, last_used_at, client })
            .collect())
    }

    #[tracing::instrument(skip_all)]
    async fn revoke_session(
        &self,
        who: PractitionerId,
        family: Uuid,
        reason: &str,
        now: Time,
        audit: &AuditEvent,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let mine: Option<(Uuid,)> = sqlx::query_as(
            "SELECT id FROM session_families WHERE id = $1 AND practitioner_id = $2 AND revoked_at IS NULL",
        )
        .bind(family)
        .bind(who.0)
        .fetch_optional(&mut *tx)
        .await?;
        if mine.is_none() {
            return Ok(false);
        }
        Self::revoke_family(&mut tx, family, reason, now).await?;
        Self::append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }
}
