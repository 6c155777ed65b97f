//! Repositories for the other cached entities. Rows from the server are version-gated: an
//! upsert applies only when the incoming version is newer than the cached one.

use crate::codec::{enum_str, from_json, parse, parse_enum, to_json};
use crate::{Result, StoreError, Tx};
use rounds_domain::{ComplaintCatalog, ComplaintCatalogEntry, Practitioner, PractitionerId, Role, Task, TaskStatus};
use rusqlite::{OptionalExtension, Row};

impl Tx<'_> {
    pub fn upsert_practitioner(&self, p: &Practitioner) -> Result<()> {
        self.conn.execute(
            "INSERT INTO practitioners (id, organization_id, display_name, email, roles, licenses, supervisor_id, on_duty)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (id) DO UPDATE SET organization_id = excluded.organization_id,
                display_name = excluded.display_name, email = excluded.email,
                roles = excluded.roles, licenses = excluded.licenses,
                supervisor_id = excluded.supervisor_id, on_duty = excluded.on_duty",
            (
                p.id.to_string(),
                p.organization_id.to_string(),
                &p.display_name,
                &p.email,
                to_json(&p.roles)?,
                to_json(&p.licenses)?,
                p.supervisor_id.map(|s| s.to_string()),
                p.on_duty,
            ),
        )?;
        Ok(())
    }

    pub fn practitioner(&self, id: PractitionerId) -> Result<Practitioner> {
        self.conn
            .query_row(
                "SELECT id, organization_id, display_name, email, roles, licenses, supervisor_id, on_duty
                 FROM practitioners WHERE id = ?1",
                [id.to_string()],
                |r| Ok(practitioner_from_row(r)),
            )
            .optional()?
            .ok_or(StoreError::NotFound)?
    }

    /// Open unowned work per queue of `roles`, and how much of it is overdue; plus the number of
    /// open tasks `me` owns.
    pub fn queue_counts(
        &self,
        roles: &[Role],
        me: PractitionerId,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(Vec<rounds_domain::ops::QueueCount>, i64)> {
        use rounds_domain::ops::QUEUE_COUNT_CAP;
        let mut ready = self.conn.prepare_cached(
            "SELECT count(*) FROM (SELECT 1 FROM tasks WHERE queue = ?1 AND status = 'ready' AND owner_id IS NULL LIMIT ?2)",
        )?;
        let mut overdue = self.conn.prepare_cached(
            "SELECT count(*) FROM (SELECT 1 FROM tasks WHERE queue = ?1 AND status = 'ready' AND owner_id IS NULL
                AND due_at < ?2 LIMIT ?3)",
        )?;
        let mut counts = Vec::new();
        for role in roles {
            let n: i64 = ready.query_row((role.as_str(), QUEUE_COUNT_CAP + 1), |r| r.get(0))?;
            let late: i64 = overdue.query_row((role.as_str(), now.to_rfc3339(), QUEUE_COUNT_CAP), |r| r.get(0))?;
            counts.push(rounds_domain::ops::QueueCount {
                queue: *role,
                ready: n.min(QUEUE_COUNT_CAP),
                overdue: late,
                more: n > QUEUE_COUNT_CAP,
            });
        }
        let mine: i64 = self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM (SELECT 1 FROM tasks INDEXED BY tasks_mine_open
                 WHERE owner_id = ?1 AND status IN ('ready', 'in_progress') LIMIT 1000)",
            )?
            .query_row([me.to_string()], |r| r.get(0))?;
        Ok((counts, mine))
    }

    /// The tasks of one queue with their patients' names, sorted, at most `limit`.
    pub fn queue_items(
        &self,
        filter: rounds_domain::ops::QueueFilter,
        me: PractitionerId,
        sort: rounds_domain::ops::QueueSort,
        limit: u32,
        _now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<(Task, String)>> {
        use rounds_domain::ops::{QueueFilter, QueueSort};
        let order = match sort {
            QueueSort::Due => "k.due_at, k.id",
            QueueSort::Priority => "k.priority_rank, k.due_at, k.id",
        };
        let (filter_sql, arg) = match filter {
            QueueFilter::Mine => ("k.owner_id = ?1 AND k.status IN ('ready', 'in_progress')", me.to_string()),
            QueueFilter::Role(role) => {
                ("k.queue = ?1 AND k.status = 'ready' AND k.owner_id IS NULL", role.as_str().to_string())
            }
        };
        let sql = format!(
            "SELECT k.id, k.kind, k.patient_id, k.queue, k.license_state, k.priority, k.status, k.owner_id,
                    k.description, k.due_at, k.version, k.focus, k.history, p.family_name || ', ' || p.given_name
             FROM tasks k JOIN patients p ON p.id = k.patient_id
             WHERE {filter_sql} ORDER BY {order} LIMIT ?2"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map((arg, i64::from(limit)), |r| Ok((task_from_row(r), r.get::<_, String>(13)?)))?;
        rows.map(|r| {
            let (t, name) = r?;
            Ok((t?, name))
        })
        .collect()
    }

    /// The organisation's directory as pulled, by name.
    pub fn practitioners(&self) -> Result<Vec<Practitioner>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, organization_id, display_name, email, roles, licenses, supervisor_id, on_duty
             FROM practitioners ORDER BY display_name, id",
        )?;
        let rows = stmt.query_map([], |r| Ok(practitioner_from_row(r)))?;
        rows.map(|r| r?).collect()
    }

    /// Replaces a service line's complaint catalog (a read-only snapshot on the device).
    pub fn replace_catalog(&self, catalog: &ComplaintCatalog, version: &str) -> Result<()> {
        let line = &catalog.service_line;
        let mut seen = std::collections::HashSet::new();
        for e in &catalog.complaints {
            if !seen.insert(e.code.as_str()) {
                return Err(StoreError::InvalidData(format!("complaint {} appears twice in {line}", e.code)));
            }
        }
        self.conn.execute("DELETE FROM complaint_catalog WHERE service_line = ?1", [line])?;
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO complaint_catalog (service_line, code, label, rank, body) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for e in &catalog.complaints {
            stmt.execute((line, &e.code, &e.label, e.rank, to_json(e)?))?;
        }
        self.conn.execute(
            "INSERT INTO code_sets (name, version) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET version = excluded.version",
            (format!("complaints:{line}"), version),
        )?;
        Ok(())
    }

    /// Keeps the organisation's own copy of a document; a complaint catalog also replaces the
    /// service line's buttons (versioned "org:...", which the shipped copy never overrides).
    pub fn store_org_document(&self, doc: &rounds_domain::sync::OrgDocument) -> Result<()> {
        use rounds_domain::sync::OrgDocumentKind;
        self.conn.execute(
            "INSERT INTO org_documents (kind, name, version, body) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (kind, name) DO UPDATE SET version = excluded.version, body = excluded.body",
            (doc.kind.as_str(), &doc.name, &doc.version, &doc.body),
        )?;
        if doc.kind == OrgDocumentKind::ComplaintCatalog {
            let catalog: ComplaintCatalog = from_json(&doc.body)?;
            self.replace_catalog(&catalog, &format!("org:{}", doc.version))?;
        }
        Ok(())
    }

    /// The organisation's copy of a document, if this device has pulled one.
    pub fn org_document(&self, kind: rounds_domain::sync::OrgDocumentKind, name: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT body FROM org_documents WHERE kind = ?1 AND name = ?2")?
            .query_row((kind.as_str(), name), |r| r.get(0))
            .optional()?)
    }

    /// One complaint of a service line's catalog.
    pub fn complaint(&self, service_line: &str, code: &str) -> Result<Option<ComplaintCatalogEntry>> {
        let body: Option<String> = self
            .conn
            .prepare_cached("SELECT body FROM complaint_catalog WHERE service_line = ?1 AND code = ?2")?
            .query_row((service_line, code), |r| r.get(0))
            .optional()?;
        body.as_deref().map(from_json).transpose()
    }

    /// A service line's complaints in catalog order.
    pub fn catalog(&self, service_line: &str) -> Result<Vec<ComplaintCatalogEntry>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT body FROM complaint_catalog WHERE service_line = ?1 ORDER BY rank, code")?;
        let rows = stmt.query_map([service_line], |r| r.get::<_, String>(0))?;
        rows.map(|r| from_json(&r?)).collect()
    }

    /// A service line's complaints ranked for the chief-complaint buttons: most used by `author`
    /// in encounters started since `since` first, then the catalog's own order.
    pub fn ranked_complaints(
        &self,
        service_line: &str,
        author: PractitionerId,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<ComplaintCatalogEntry>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.body,
                    (SELECT count(*) FROM encounters e, json_each(e.chief_complaints) j
                     WHERE e.author_id = ?2 AND e.service_line = ?1 AND e.started_at >= ?3 AND j.value = c.code) AS uses
             FROM complaint_catalog c WHERE c.service_line = ?1
             ORDER BY uses DESC, c.rank, c.code",
        )?;
        let rows = stmt.query_map((service_line, author.to_string(), since.to_rfc3339()), |r| r.get::<_, String>(0))?;
        rows.map(|r| from_json(&r?)).collect()
    }

    pub fn upsert_task(&self, t: &Task) -> Result<bool> {
        let n = self
            .conn
            .prepare_cached(
                "INSERT INTO tasks (id, kind, patient_id, queue, license_state, priority, status, owner_id,
                                description, due_at, version, focus, history)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
             ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, queue = excluded.queue,
                license_state = excluded.license_state, priority = excluded.priority,
                status = excluded.status, owner_id = excluded.owner_id,
                description = excluded.description, due_at = excluded.due_at, version = excluded.version,
                focus = excluded.focus, history = excluded.history
             WHERE excluded.version >= tasks.version",
            )?
            .execute(rusqlite::params![
                t.id.to_string(),
                enum_str(&t.kind)?,
                t.patient_id.to_string(),
                t.queue.as_str(),
                t.license_state.as_str(),
                enum_str(&t.priority)?,
                enum_str(&t.status)?,
                t.owner_id.map(|p| p.to_string()),
                t.description,
                t.due_at.to_rfc3339(),
                t.version,
                t.focus.map(|f| to_json(&f)).transpose()?,
                to_json(&t.history)?,
            ])?;
        Ok(n > 0)
    }

    pub fn task(&self, id: rounds_domain::TaskId) -> Result<Task> {
        self.conn
            .query_row(
                "SELECT id, kind, patient_id, queue, license_state, priority, status, owner_id, description, due_at, version,
                    focus, history
                 FROM tasks WHERE id = ?1",
                [id.to_string()],
                |r| Ok(task_from_row(r)),
            )
            .optional()?
            .ok_or(StoreError::NotFound)?
    }

    /// Open tasks (ready or in progress) in a role's queue, soonest due first.
    pub fn open_tasks(&self, queue: Role) -> Result<Vec<Task>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, kind, patient_id, queue, license_state, priority, status, owner_id, description, due_at, version,
                    focus, history
             FROM tasks WHERE queue = ?1 AND status IN (?2, ?3) ORDER BY due_at",
        )?;
        let rows = stmt
            .query_map((queue.as_str(), enum_str(&TaskStatus::Ready)?, enum_str(&TaskStatus::InProgress)?), |r| {
                Ok(task_from_row(r))
            })?;
        rows.map(|r| r?).collect()
    }
}

pub(crate) fn time(s: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| StoreError::InvalidData(format!("time '{s}': {e}")))
}

pub(crate) fn opt_id<T: std::str::FromStr>(s: Option<String>, what: &str) -> Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    s.as_deref().map(|s| parse(s, what)).transpose()
}

fn practitioner_from_row(r: &Row<'_>) -> Result<Practitioner> {
    Ok(Practitioner {
        id: parse(&r.get::<_, String>(0)?, "practitioner id")?,
        organization_id: parse(&r.get::<_, String>(1)?, "organization id")?,
        display_name: r.get(2)?,
        email: r.get(3)?,
        roles: from_json(&r.get::<_, String>(4)?)?,
        licenses: from_json(&r.get::<_, String>(5)?)?,
        supervisor_id: r.get::<_, Option<String>>(6)?.as_deref().map(|s| parse(s, "supervisor id")).transpose()?,
        on_duty: r.get(7)?,
    })
}

pub(crate) fn task_from_row(r: &Row<'_>) -> Result<Task> {
    let queue: String = r.get(3)?;
    Ok(Task {
        id: parse(&r.get::<_, String>(0)?, "task id")?,
        kind: parse_enum(&r.get::<_, String>(1)?)?,
        patient_id: parse(&r.get::<_, String>(2)?, "patient id")?,
        queue: Role::parse(&queue).ok_or_else(|| StoreError::InvalidData(format!("role '{queue}'")))?,
        license_state: parse(&r.get::<_, String>(4)?, "state")?,
        priority: parse_enum(&r.get::<_, String>(5)?)?,
        status: parse_enum(&r.get::<_, String>(6)?)?,
        owner_id: opt_id(r.get(7)?, "owner id")?,
        description: r.get(8)?,
        due_at: time(&r.get::<_, String>(9)?)?,
        version: r.get(10)?,
        focus: r.get::<_, Option<String>>(11)?.as_deref().map(from_json).transpose()?,
        history: from_json(&r.get::<_, String>(12)?)?,
    })
}
