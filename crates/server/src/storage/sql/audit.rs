//! The hash-chained audit log.

use super::{Store, Tx};
use crate::audit::{row_hash, AuditEvent, AuditRow};
use crate::storage::rows::*;
use crate::storage::*;
use async_trait::async_trait;
use rounds_domain::*;

impl Store {
    /// Appends an audit event in `tx`, extending the organisation's hash chain.
    pub(super) async fn append_audit(tx: &mut Tx, e: &AuditEvent) -> Result<()> {
        fail::fail_point!("audit.append", |_| Err(StorageError::Injected("audit.append")));
        let (seq, prev): (i64, String) =
            sqlx::query_as("UPDATE audit_heads SET seq = seq + 1 WHERE organization_id = $1 RETURNING seq, hash")
                .bind(e.organization_id.0)
                .fetch_one(&mut **tx)
                .await?;
        let hash = row_hash(&prev, seq, e);
        sqlx::query(
            "INSERT INTO audit_log (organization_id, seq, at, practitioner_id, device_id, patient_id, action,
                detail, severity, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(e.organization_id.0)
        .bind(seq)
        .bind(e.at)
        .bind(e.practitioner_id.0)
        .bind(e.device_id.map(|d| d.0))
        .bind(e.patient_id.map(|p| p.0))
        .bind(&e.action)
        .bind(&e.detail)
        .bind(e.severity.as_str())
        .bind(&prev)
        .bind(&hash)
        .execute(&mut **tx)
        .await?;
        sqlx::query("UPDATE audit_heads SET hash = $2 WHERE organization_id = $1")
            .bind(e.organization_id.0)
            .bind(&hash)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}

#[async_trait]
impl AuditStore for Store {
    #[tracing::instrument(skip_all)]
    async fn audit(&self, event: &AuditEvent) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        Self::append_audit(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn audit_log(&self, org: OrganizationId) -> Result<Vec<AuditRow>> {
        let rows: Vec<AuditDbRow> = sqlx::query_as(
            "SELECT organization_id, seq, at, practitioner_id, device_id, patient_id, action, detail, severity,
                    prev_hash, hash
             FROM audit_log WHERE organization_id = $1 ORDER BY seq",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(AuditDbRow::into_domain).collect()
    }
}
