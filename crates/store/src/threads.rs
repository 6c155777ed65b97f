//! Threads and messages on the device: the inbox (one query per window, over 10,000 threads),
//! windows of a thread's messages for the virtualised list, read markers per user, and time on
//! threads for e-visits.

use crate::codec::{enum_str, from_json, parse, parse_enum, to_json};
use crate::records::{opt_id, time};
use crate::{Result, StoreError, Tx};
use chrono::{DateTime, Utc};
use rounds_domain::thread::{InboxCounts, InboxFilter, InboxItem, InboxPage, InboxQueue, MessageWindow};
use rounds_domain::{Message, MessageId, PatientId, PractitionerId, Role, Thread, ThreadId, ThreadTime};
use rusqlite::{OptionalExtension, Row};

const THREAD_COLUMNS: &str = "t.id, t.patient_id, t.channel, t.status, t.assignee_id, t.service_line, \
    t.last_message_at, t.version, t.urgent, t.from_number, t.respond_by, t.reviewed_by, t.reviewed_at, \
    t.escalation, t.encounter_id, t.queue";
const MESSAGE_COLUMNS: &str = "id, thread_id, direction, author_id, body, sent_at, external_id, delivery";
/// Characters of the latest message shown in an inbox row.
const PREVIEW_CHARS: usize = 140;

impl Tx<'_> {
    /// A thread from the server: applied when its version is not older than the cached one.
    pub fn upsert_thread(&self, t: &Thread) -> Result<bool> {
        self.write_thread(t, true)
    }

    /// The optimistic effect of a thread action, until the server's copy replaces it.
    pub fn replace_thread_local(&self, t: &Thread) -> Result<()> {
        self.write_thread(t, false).map(|_| ())
    }

    fn write_thread(&self, t: &Thread, gated: bool) -> Result<bool> {
        let sql = format!(
            "INSERT INTO threads (id, patient_id, channel, status, assignee_id, service_line, last_message_at, version,
                urgent, from_number, respond_by, reviewed_by, reviewed_at, escalation, encounter_id, queue)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
             ON CONFLICT (id) DO UPDATE SET patient_id = excluded.patient_id, channel = excluded.channel,
                status = excluded.status, assignee_id = excluded.assignee_id,
                service_line = excluded.service_line, last_message_at = excluded.last_message_at,
                version = excluded.version, urgent = excluded.urgent, from_number = excluded.from_number,
                respond_by = excluded.respond_by, reviewed_by = excluded.reviewed_by,
                reviewed_at = excluded.reviewed_at, escalation = excluded.escalation,
                encounter_id = excluded.encounter_id, queue = excluded.queue
             {}",
            if gated { "WHERE excluded.version >= threads.version" } else { "" }
        );
        let n = self.conn.prepare_cached(&sql)?.execute(rusqlite::params![
            t.id.to_string(),
            t.patient_id.map(|p| p.to_string()),
            enum_str(&t.channel)?,
            enum_str(&t.status)?,
            t.assignee_id.map(|p| p.to_string()),
            t.service_line,
            t.last_message_at.to_rfc3339(),
            t.version,
            t.urgent,
            t.from_number,
            t.respond_by.map(|d| d.to_rfc3339()),
            t.reviewed_by.map(|p| p.to_string()),
            t.reviewed_at.map(|d| d.to_rfc3339()),
            t.escalation.as_ref().map(to_json).transpose()?,
            t.encounter_id.map(|e| e.to_string()),
            t.queue.as_str(),
        ])?;
        Ok(n > 0)
    }

    pub fn thread(&self, id: ThreadId) -> Result<Thread> {
        self.conn
            .query_row(&format!("SELECT {THREAD_COLUMNS} FROM threads t WHERE t.id = ?1"), [id.to_string()], |r| {
                Ok(thread_from_row(r))
            })
            .optional()?
            .ok_or(StoreError::NotFound)?
    }

    /// Threads not yet closed, most recent message first.
    pub fn open_threads(&self, limit: u32) -> Result<Vec<Thread>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {THREAD_COLUMNS} FROM threads t WHERE t.status != 'closed' ORDER BY t.last_message_at DESC LIMIT ?1"
        ))?;
        let rows = stmt.query_map([limit], |r| Ok(thread_from_row(r)))?;
        rows.map(|r| r?).collect()
    }

    pub fn threads_for_patient(&self, patient: PatientId) -> Result<Vec<Thread>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {THREAD_COLUMNS} FROM threads t WHERE t.patient_id = ?1 ORDER BY t.last_message_at DESC"
        ))?;
        let rows = stmt.query_map([patient.to_string()], |r| Ok(thread_from_row(r)))?;
        rows.map(|r| r?).collect()
    }

    /// Messages written here are insert-only: the same id twice is stored once.
    pub fn insert_message(&self, m: &Message) -> Result<bool> {
        let n = self
            .conn
            .prepare_cached(&format!(
                "INSERT INTO messages ({MESSAGE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (id) DO NOTHING"
            ))?
            .execute(message_params(m)?)?;
        Ok(n > 0)
    }

    /// A message as the server has it: its time of receipt is the server's, which orders it,
    /// and its delivery moves on.
    pub fn upsert_message_from_server(&self, m: &Message) -> Result<()> {
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO messages ({MESSAGE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (id) DO UPDATE SET sent_at = excluded.sent_at, body = excluded.body,
                    external_id = excluded.external_id, delivery = excluded.delivery"
            ))?
            .execute(message_params(m)?)?;
        Ok(())
    }

    /// A thread's messages in the server's order.
    pub fn messages(&self, thread: ThreadId) -> Result<Vec<Message>> {
        self.messages_since(thread, None)
    }

    /// A thread's messages after `since` (all without it), in order.
    pub fn messages_since(&self, thread: ThreadId, since: Option<DateTime<Utc>>) -> Result<Vec<Message>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE thread_id = ?1 AND sent_at > ?2 ORDER BY sent_at, id"
        ))?;
        let since = since.map(|s| s.to_rfc3339()).unwrap_or_default();
        let rows = stmt.query_map((thread.to_string(), since), |r| Ok(message_from_row(r)))?;
        rows.map(|r| r?).collect()
    }

    /// `limit` messages from position `offset` (0 = the oldest), and the thread's total.
    pub fn message_window(&self, thread: ThreadId, offset: u32, limit: u32) -> Result<MessageWindow> {
        let total: u32 =
            self.conn
                .query_row("SELECT count(*) FROM messages WHERE thread_id = ?1", [thread.to_string()], |r| r.get(0))?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE thread_id = ?1 ORDER BY sent_at, id LIMIT ?2 OFFSET ?3"
        ))?;
        let rows = stmt.query_map((thread.to_string(), limit, offset), |r| Ok(message_from_row(r)))?;
        let messages = rows.map(|r| r?).collect::<Result<Vec<_>>>()?;
        Ok(MessageWindow { offset, messages, total })
    }

    /// Where a message sits in its thread (0 = the oldest), to scroll a citation into view.
    pub fn message_position(&self, thread: ThreadId, message: MessageId) -> Result<u32> {
        let at: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT sent_at, id FROM messages WHERE id = ?1 AND thread_id = ?2",
                (message.to_string(), thread.to_string()),
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (sent_at, id) = at.ok_or(StoreError::NotFound)?;
        Ok(self.conn.query_row(
            "SELECT count(*) FROM messages WHERE thread_id = ?1 AND (sent_at < ?2 OR (sent_at = ?2 AND id < ?3))",
            (thread.to_string(), sent_at, id),
            |r| r.get(0),
        )?)
    }

    /// When the patient's latest signed visit was signed (a thread summary starts after it).
    pub fn last_signed_visit(&self, patient: PatientId) -> Result<Option<DateTime<Utc>>> {
        let at: Option<String> = self.conn.query_row(
            "SELECT max(signed_at) FROM encounters WHERE patient_id = ?1 AND status != 'draft' AND signed_at IS NOT NULL",
            [patient.to_string()],
            |r| r.get(0),
        )?;
        at.as_deref().map(time).transpose()
    }

    /// Position of the first message sent after `at` (None when there is none). Counts only the
    /// newer messages (an index range), however long the thread.
    pub fn first_message_after(&self, thread: ThreadId, at: DateTime<Utc>) -> Result<Option<u32>> {
        let total = self.message_count(thread)?;
        let after: u32 = self
            .conn
            .prepare_cached("SELECT count(*) FROM messages WHERE thread_id = ?1 AND sent_at > ?2")?
            .query_row((thread.to_string(), at.to_rfc3339()), |r| r.get(0))?;
        Ok((after > 0).then_some(total - after))
    }

    pub fn message_count(&self, thread: ThreadId) -> Result<u32> {
        Ok(self
            .conn
            .prepare_cached("SELECT count(*) FROM messages WHERE thread_id = ?1")?
            .query_row([thread.to_string()], |r| r.get(0))?)
    }

    /// The newest `limit` messages, oldest first (read from the end: no walk past the older ones).
    pub fn latest_messages(&self, thread: ThreadId, limit: u32) -> Result<MessageWindow> {
        let total = self.message_count(thread)?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE thread_id = ?1 ORDER BY sent_at DESC, id DESC LIMIT ?2"
        ))?;
        let rows = stmt.query_map((thread.to_string(), limit), |r| Ok(message_from_row(r)))?;
        let mut messages = rows.map(|r| r?).collect::<Result<Vec<_>>>()?;
        messages.reverse();
        Ok(MessageWindow { offset: total - messages.len() as u32, messages, total })
    }

    pub fn mark_read(&self, who: PractitionerId, thread: ThreadId, at: DateTime<Utc>) -> Result<()> {
        self.conn.execute(
            "INSERT INTO thread_reads (practitioner_id, thread_id, read_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (practitioner_id, thread_id) DO UPDATE SET read_at = max(read_at, excluded.read_at)",
            (who.to_string(), thread.to_string(), at.to_rfc3339()),
        )?;
        Ok(())
    }

    pub fn last_read(&self, who: PractitionerId, thread: ThreadId) -> Result<Option<DateTime<Utc>>> {
        let at: Option<String> = self
            .conn
            .query_row(
                "SELECT read_at FROM thread_reads WHERE practitioner_id = ?1 AND thread_id = ?2",
                (who.to_string(), thread.to_string()),
                |r| r.get(0),
            )
            .optional()?;
        at.as_deref().map(time).transpose()
    }

    /// Stores a slice of time on a thread once (from the server, or written here).
    pub fn insert_thread_time(&self, t: &ThreadTime) -> Result<()> {
        self.conn.execute(
            "INSERT INTO thread_time (id, thread_id, practitioner_id, started_at, seconds) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO NOTHING",
            (
                t.id.to_string(),
                t.thread_id.to_string(),
                t.practitioner_id.to_string(),
                t.started_at.to_rfc3339(),
                t.seconds,
            ),
        )?;
        Ok(())
    }

    /// `who`'s slices of time on `patient`'s threads that started after `since`.
    pub fn time_on_patient_threads(
        &self,
        who: PractitionerId,
        patient: PatientId,
        since: DateTime<Utc>,
    ) -> Result<Vec<ThreadTime>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.id, s.thread_id, s.practitioner_id, s.started_at, s.seconds FROM thread_time s
             JOIN threads t ON t.id = s.thread_id
             WHERE s.practitioner_id = ?1 AND t.patient_id = ?2 AND s.started_at > ?3",
        )?;
        let rows = stmt.query_map((who.to_string(), patient.to_string(), since.to_rfc3339()), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get(4)?,
            ))
        })?;
        rows.map(|r| {
            let (id, thread, who, at, seconds) = r?;
            Ok(ThreadTime {
                id: parse(&id, "slice id")?,
                thread_id: parse(&thread, "thread id")?,
                practitioner_id: parse(&who, "practitioner id")?,
                started_at: time(&at)?,
                seconds,
            })
        })
        .collect()
    }

    /// One window of `me`'s inbox: urgent first, then the soonest response due, then the latest
    /// message; with the number of rows the filter matches and the queues' counts.
    ///
    /// The window is chosen on the thread rows alone (the sort never touches messages or
    /// patients); only its rows are then joined with their patient, assignee and latest message.
    pub fn inbox(&self, me: PractitionerId, roles: &[Role], filter: &InboxFilter) -> Result<InboxPage> {
        // Role names are a closed set of identifiers: written into the SQL, not bound.
        let my_queues = if roles.is_empty() {
            "NULL".to_string()
        } else {
            roles.iter().map(|r| format!("'{}'", r.as_str())).collect::<Vec<_>>().join(", ")
        };
        let queue = match filter.queue {
            InboxQueue::Mine => "t.status != 'closed' AND t.assignee_id = ?1".to_string(),
            InboxQueue::MyRoles => {
                format!("t.status != 'closed' AND t.patient_id IS NOT NULL AND t.queue IN ({my_queues})")
            }
            InboxQueue::Unassigned => {
                "t.status != 'closed' AND t.patient_id IS NOT NULL AND t.assignee_id IS NULL".into()
            }
            InboxQueue::Review => "t.status = 'awaiting_review'".into(),
            InboxQueue::Triage => "t.status != 'closed' AND t.patient_id IS NULL".into(),
            InboxQueue::Closed => "t.status = 'closed'".into(),
        };
        // Read markers are looked up only for the unread filter and the window's rows.
        let unread = "t.last_message_at > coalesce((SELECT r.read_at FROM thread_reads r
                        WHERE r.practitioner_id = ?1 AND r.thread_id = t.id), '')";
        const ORDER: &str = "t.urgent DESC, t.respond_by IS NULL, t.respond_by, t.last_message_at DESC, t.id";
        // One pass over the matching threads: the window and, alongside, how many there are.
        let mut stmt = self.conn.prepare_cached(&format!(
            "WITH page AS MATERIALIZED (
                 SELECT t.id, count(*) OVER () AS total FROM threads t
                 WHERE {queue} AND (?2 = 0 OR t.urgent) AND (?3 IS NULL OR t.service_line = ?3)
                   AND (?4 = 0 OR {unread})
                 ORDER BY {ORDER} LIMIT ?5 OFFSET ?6)
             SELECT {THREAD_COLUMNS},
                    p.family_name || ', ' || p.given_name, p.birth_date, p.current_state,
                    (SELECT m.body || char(31) || m.direction FROM messages m WHERE m.thread_id = t.id
                     ORDER BY m.sent_at DESC, m.id DESC LIMIT 1),
                    {unread},
                    a.display_name,
                    page.total
             FROM page JOIN threads t ON t.id = page.id
             LEFT JOIN patients p ON p.id = t.patient_id
             LEFT JOIN practitioners a ON a.id = t.assignee_id
             ORDER BY {ORDER}"
        ))?;
        let mut total = 0;
        let rows = stmt.query_map(
            rusqlite::params![
                me.to_string(),
                filter.urgent_only,
                filter.service_line,
                filter.unread_only,
                filter.limit,
                filter.offset
            ],
            |r| Ok((inbox_item(r), r.get::<_, u32>(22)?)),
        )?;
        let rows = rows.map(|r| {
            let (item, n) = r?;
            total = n;
            item
        });
        let items = rows.collect::<Result<Vec<_>>>()?;
        if items.is_empty() && filter.offset > 0 {
            // Past the end: the count still matters (the list shrank while scrolled down).
            let first = InboxFilter { offset: 0, limit: 1, ..filter.clone() };
            total = self.inbox(me, roles, &first)?.total;
        }
        let counts = self.inbox_counts(me, &my_queues)?;
        Ok(InboxPage { items, total, counts })
    }

    fn inbox_counts(&self, me: PractitionerId, my_queues: &str) -> Result<InboxCounts> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT coalesce(sum(t.assignee_id = ?1), 0),
                        coalesce(sum(t.patient_id IS NOT NULL AND t.queue IN ({my_queues})), 0),
                        coalesce(sum(t.patient_id IS NOT NULL AND t.assignee_id IS NULL), 0),
                        coalesce(sum(t.status = 'awaiting_review'), 0),
                        coalesce(sum(t.patient_id IS NULL), 0)
                 FROM threads t WHERE t.status != 'closed'"
            ))?
            .query_row([me.to_string()], |r| {
                Ok(InboxCounts {
                    mine: r.get(0)?,
                    my_roles: r.get(1)?,
                    unassigned: r.get(2)?,
                    review: r.get(3)?,
                    triage: r.get(4)?,
                })
            })?)
    }
}

fn message_params(m: &Message) -> Result<[Box<dyn rusqlite::ToSql>; 8]> {
    Ok([
        Box::new(m.id.to_string()),
        Box::new(m.thread_id.to_string()),
        Box::new(enum_str(&m.direction)?),
        Box::new(m.author_id.map(|p| p.to_string())),
        Box::new(m.body.clone()),
        Box::new(m.sent_at.to_rfc3339()),
        Box::new(m.external_id.clone()),
        Box::new(m.delivery.as_ref().map(enum_str).transpose()?),
    ])
}

fn inbox_item(r: &Row<'_>) -> Result<InboxItem> {
    let thread = thread_from_row(r)?;
    let last: Option<String> = r.get(19)?;
    let (body, direction) = last.as_deref().and_then(|l| l.rsplit_once('\u{1f}')).unwrap_or(("", ""));
    let mut preview: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if preview.chars().count() > PREVIEW_CHARS {
        preview = format!("{}…", preview.chars().take(PREVIEW_CHARS - 1).collect::<String>());
    }
    Ok(InboxItem {
        thread,
        patient_name: r.get(16)?,
        birth_date: r.get::<_, Option<String>>(17)?.as_deref().map(|d| parse(d, "birth date")).transpose()?,
        state: r.get::<_, Option<String>>(18)?.as_deref().map(|s| parse(s, "state")).transpose()?,
        preview,
        last_from_patient: direction == "inbound",
        unread: r.get(20)?,
        assignee_name: r.get(21)?,
    })
}

pub(crate) fn thread_from_row(r: &Row<'_>) -> Result<Thread> {
    Ok(Thread {
        id: parse(&r.get::<_, String>(0)?, "thread id")?,
        patient_id: opt_id(r.get(1)?, "patient id")?,
        channel: parse_enum(&r.get::<_, String>(2)?)?,
        status: parse_enum(&r.get::<_, String>(3)?)?,
        assignee_id: opt_id(r.get(4)?, "assignee id")?,
        service_line: r.get(5)?,
        last_message_at: time(&r.get::<_, String>(6)?)?,
        version: r.get(7)?,
        urgent: r.get(8)?,
        from_number: r.get(9)?,
        respond_by: r.get::<_, Option<String>>(10)?.as_deref().map(time).transpose()?,
        reviewed_by: opt_id(r.get(11)?, "reviewer id")?,
        reviewed_at: r.get::<_, Option<String>>(12)?.as_deref().map(time).transpose()?,
        escalation: r.get::<_, Option<String>>(13)?.as_deref().map(from_json).transpose()?,
        encounter_id: opt_id(r.get(14)?, "encounter id")?,
        queue: parse_enum(&r.get::<_, String>(15)?)?,
    })
}

fn message_from_row(r: &Row<'_>) -> Result<Message> {
    Ok(Message {
        id: parse(&r.get::<_, String>(0)?, "message id")?,
        thread_id: parse(&r.get::<_, String>(1)?, "thread id")?,
        direction: parse_enum(&r.get::<_, String>(2)?)?,
        author_id: opt_id(r.get(3)?, "author id")?,
        body: r.get(4)?,
        sent_at: time(&r.get::<_, String>(5)?)?,
        external_id: r.get(6)?,
        delivery: r.get::<_, Option<String>>(7)?.as_deref().map(parse_enum).transpose()?,
    })
}
