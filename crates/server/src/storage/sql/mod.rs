//! The SQL both backends share. Each area's file below holds its queries once and is compiled
//! twice, as a child module of `sqlite` and of `postgres`: there `Db`, `Tx` and `Store` name
//! that backend's database, transaction and storage type. So there is one copy of every query
//! (decision 2), written as ordinary Rust that rustfmt, clippy and the compiler check for both.
//!
//! Every write transaction first locks its organisation's change-log head row. That serialises
//! an organisation's writers, which gives change-log positions in commit order (a reader that
//! saw head H has seen every change up to H) and rules out lost updates between the read and
//! the write of a compare-and-set.

mod postgres;
mod sqlite;

use crate::audit::AuditEvent;
use rounds_domain::sync::*;
use rounds_domain::*;
use uuid::Uuid;

pub use postgres::PostgresStorage;
pub use sqlite::SqliteStorage;

/// Rows per multi-row INSERT (well under both databases' limits on bound parameters).
const FLUSH_ROWS: usize = 500;

/// What a push writes at its end (see `flush`): commands read and write their own rows as they
/// apply, so later commands see earlier ones, but the log, audit and result rows wait.
#[derive(Default)]
struct Batch {
    changes: Vec<(Option<PatientId>, Record)>,
    audits: Vec<AuditEvent>,
    results: Vec<(i64, Uuid, CommandResult)>,
}

impl Batch {
    fn change(&mut self, scope: Option<PatientId>, record: Record) {
        self.changes.push((scope, record));
    }
}

fn entity_name(r: &Record) -> &'static str {
    match r {
        Record::Patient(_) => "patient",
        Record::Encounter(_) => "encounter",
        Record::Thread(_) => "thread",
        Record::Message(_) => "message",
        Record::Task(_) => "task",
        Record::Withdrawn(_) => "withdrawn",
        Record::OrgDocument(_) => "org_document",
        Record::Practitioner(_) => "practitioner",
        Record::ThreadTime(_) => "thread_time",
    }
}

fn entity_id(r: &Record) -> Uuid {
    match r {
        Record::Patient(p) => p.id.0,
        Record::Encounter(e) => e.id.0,
        Record::Thread(t) => t.id.0,
        Record::Message(m) => m.id.0,
        Record::Task(t) => t.id.0,
        Record::Withdrawn(w) => w.id,
        Record::OrgDocument(_) => Uuid::nil(),
        Record::Practitioner(p) => p.id.0,
        Record::ThreadTime(t) => t.id,
    }
}
