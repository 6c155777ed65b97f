//! Organisation documents (complaint catalogs, the service menu).

use super::Store;
use crate::audit::{AuditEvent, Severity};
use crate::storage::rows::*;
use crate::storage::*;
use async_trait::async_trait;
use rounds_domain::sync::*;
use rounds_domain::*;

#[async_trait]
impl OrgDocumentStore for Store {
    #[tracing::instrument(skip_all)]
    #[tracing::instrument(skip_all)]
    async fn put_org_document(
        &self,
        org: OrganizationId,
        by: Option<PractitionerId>,
        doc: &OrgDocument,
        now: Time,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        Self::lock_org(&mut tx, org).await?;
        let current: Option<(String,)> =
            sqlx::query_as("SELECT version FROM org_documents WHERE organization_id = $1 AND kind = $2 AND name = $3")
                .bind(org.0)
                .bind(doc.kind.as_str())
                .bind(&doc.name)
                .fetch_optional(&mut *tx)
                .await?;
        if current.is_some_and(|(v,)| v == doc.version) {
            return Ok(false); // the same document again
        }
        sqlx::query(
            "INSERT INTO org_documents (organization_id, kind, name, version, body, updated_at, updated_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (organization_id, kind, name) DO UPDATE SET version = excluded.version,
                body = excluded.body, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        )
        .bind(org.0)
        .bind(doc.kind.as_str())
        .bind(&doc.name)
        .bind(&doc.version)
        .bind(&doc.body)
        .bind(now)
        .bind(by.map(|p| p.0))
        .execute(&mut *tx)
        .await?;
        Self::append(&mut tx, org, None, &Record::OrgDocument(doc.clone()), now).await?;
        if let Some(who) = by {
            let event = AuditEvent::new(org, now, who, &format!("admin.replace_{}", doc.kind.as_str()))
                .detail(format!("{} version {}", doc.name, doc.version))
                .severity(Severity::High);
            Self::append_audit(&mut tx, &event).await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}
