-- Async threads on the device: the inbox's fields, delivery of replies, per-user read markers
-- and time on threads (e-visits). Shipped migrations are never edited.

ALTER TABLE threads ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE threads ADD COLUMN from_number TEXT;
ALTER TABLE threads ADD COLUMN respond_by TEXT;
ALTER TABLE threads ADD COLUMN reviewed_by TEXT;
ALTER TABLE threads ADD COLUMN reviewed_at TEXT;
ALTER TABLE threads ADD COLUMN escalation TEXT;
ALTER TABLE threads ADD COLUMN encounter_id TEXT;
ALTER TABLE threads ADD COLUMN queue TEXT NOT NULL DEFAULT 'nurse_practitioner';
-- The inbox in its order (urgent first, then the soonest response due, then the latest message),
-- covering every column its filters read: a window is found without reading a thread's row.
CREATE INDEX threads_inbox ON threads (urgent DESC, (respond_by IS NULL), respond_by, last_message_at DESC, id,
    status, queue, patient_id, assignee_id, service_line);

ALTER TABLE messages ADD COLUMN external_id TEXT;
ALTER TABLE messages ADD COLUMN delivery TEXT;

-- When each user last read each thread ("unread" and "new since you last read").
CREATE TABLE thread_reads (
    practitioner_id TEXT NOT NULL,
    thread_id       TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    read_at         TEXT NOT NULL,
    PRIMARY KEY (practitioner_id, thread_id)
) STRICT;

-- Clinicians' time on threads, insert-only (from the server, or written here and pushed).
CREATE TABLE thread_time (
    id              TEXT PRIMARY KEY NOT NULL,
    thread_id       TEXT NOT NULL,
    practitioner_id TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    seconds         INTEGER NOT NULL
) STRICT;
CREATE INDEX thread_time_by_practitioner ON thread_time (practitioner_id, started_at);
