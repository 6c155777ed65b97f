//! The database as a whole: which backend, whether it answers, row counts.

use super::{Store, BACKEND};
use crate::storage::*;
use async_trait::async_trait;

#[async_trait]
impl Storage for Store {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn counts(&self) -> Result<Counts> {
        let row: (i64, i64, i64, i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM practitioners), (SELECT count(*) FROM patients),
                    (SELECT count(*) FROM encounters), (SELECT count(*) FROM threads),
                    (SELECT count(*) FROM messages), (SELECT count(*) FROM tasks)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(Counts {
            practitioners: row.0,
            patients: row.1,
            encounters: row.2,
            threads: row.3,
            messages: row.4,
            tasks: row.5,
        })
    }
}
