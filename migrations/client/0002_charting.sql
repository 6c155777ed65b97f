-- Structured charting: the draft's sections, signatures, addenda, observations, order catalogs.
-- Shipped migrations are never edited: add a new file instead.

ALTER TABLE encounters ADD COLUMN draft TEXT;                 -- JSON sections; NULL for older notes
ALTER TABLE encounters ADD COLUMN signed_by TEXT;
ALTER TABLE encounters ADD COLUMN content_hash TEXT;          -- SHA-256 of note, once signed
ALTER TABLE encounters ADD COLUMN cosign_required INTEGER NOT NULL DEFAULT 0;
ALTER TABLE encounters ADD COLUMN cosigned_by TEXT;
ALTER TABLE encounters ADD COLUMN cosigned_at TEXT;
CREATE INDEX encounters_by_author ON encounters (author_id, status, started_at);

-- A note the server has confirmed as signed never changes here either. Only a co-signature
-- may be added and the status may move from signed to amended (an addendum).
CREATE TRIGGER signed_notes_are_immutable BEFORE UPDATE ON encounters
WHEN OLD.status <> 'draft' AND (
    NEW.status = 'draft'
    OR NEW.note IS NOT OLD.note
    OR NEW.draft IS NOT OLD.draft
    OR NEW.content_hash IS NOT OLD.content_hash
    OR NEW.signed_by IS NOT OLD.signed_by
    OR NEW.signed_at IS NOT OLD.signed_at
    OR NEW.patient_id IS NOT OLD.patient_id
    OR NEW.author_id IS NOT OLD.author_id
    OR NEW.state_of_care IS NOT OLD.state_of_care
    OR NEW.mode IS NOT OLD.mode
    OR NEW.service_line IS NOT OLD.service_line
    OR NEW.chief_complaints IS NOT OLD.chief_complaints
    OR (OLD.cosigned_by IS NOT NULL AND NEW.cosigned_by IS NOT OLD.cosigned_by)
)
BEGIN
    SELECT RAISE(ABORT, 'a signed note cannot be changed: add an addendum');
END;

CREATE TABLE addenda (
    id           TEXT PRIMARY KEY NOT NULL,
    encounter_id TEXT NOT NULL REFERENCES encounters(id) ON DELETE CASCADE,
    author_id    TEXT NOT NULL,
    text         TEXT NOT NULL,
    signed_at    TEXT NOT NULL,
    content_hash TEXT NOT NULL
) STRICT;
CREATE INDEX addenda_by_encounter ON addenda (encounter_id, signed_at);

CREATE TRIGGER addenda_are_append_only BEFORE UPDATE ON addenda
BEGIN
    SELECT RAISE(ABORT, 'an addendum cannot be changed');
END;

-- Vital signs of signed notes, one row per value, in canonical units (for the chart's latest
-- values and trends without reading every note).
CREATE TABLE observations (
    encounter_id TEXT NOT NULL REFERENCES encounters(id) ON DELETE CASCADE,
    patient_id   TEXT NOT NULL,
    loinc        TEXT NOT NULL,
    value        REAL NOT NULL,
    unit         TEXT NOT NULL,
    effective_at TEXT NOT NULL,
    PRIMARY KEY (encounter_id, loinc)
) STRICT, WITHOUT ROWID;
CREATE INDEX observations_by_patient ON observations (patient_id, loinc, effective_at);

-- Orderable labs (LOINC) and medications (RxNorm), loaded from the app's data files.
CREATE TABLE lab_tests (
    loinc    TEXT PRIMARY KEY NOT NULL,
    name     TEXT NOT NULL,
    display  TEXT NOT NULL,
    category TEXT NOT NULL
) STRICT;

CREATE TABLE drugs (
    rxcui       TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    display     TEXT NOT NULL,
    default_sig TEXT NOT NULL
) STRICT;

-- A command handed to the server in a push is never rewritten (see enqueue_draft_edit).
ALTER TABLE outbox ADD COLUMN pushed INTEGER NOT NULL DEFAULT 0;

-- The user's scope (roles, licensed states) the cursor was read under; a new scope re-reads
-- the log from the start.
ALTER TABLE sync_state ADD COLUMN scope TEXT;

-- The organisation's own data (complaint catalogs, service menu) as last pulled; it takes
-- precedence over the copies shipped with the app.
CREATE TABLE org_documents (
    kind    TEXT NOT NULL,
    name    TEXT NOT NULL,
    version TEXT NOT NULL,
    body    TEXT NOT NULL,
    PRIMARY KEY (kind, name)
) STRICT;

-- The provider directory, as pulled (every practitioner of the organisation).
ALTER TABLE practitioners ADD COLUMN supervisor_id TEXT;
ALTER TABLE practitioners ADD COLUMN on_duty INTEGER NOT NULL DEFAULT 0;

-- Queue screens over 100,000 tasks: counts and the first page of a role's unowned work by due
-- time or by priority come straight from these indexes.
ALTER TABLE tasks ADD COLUMN priority_rank INTEGER GENERATED ALWAYS AS
    (CASE priority WHEN 'stat' THEN 0 WHEN 'urgent' THEN 1 ELSE 2 END) VIRTUAL;
CREATE INDEX tasks_open_by_queue ON tasks (queue, status, owner_id, due_at);
CREATE INDEX tasks_open_by_priority ON tasks (queue, status, owner_id, priority_rank, due_at);
CREATE INDEX tasks_mine ON tasks (owner_id, due_at);
CREATE INDEX tasks_mine_open ON tasks (owner_id, status);

-- Tasks: what they are about (an encounter, a thread) and what happened to them.
ALTER TABLE tasks ADD COLUMN focus TEXT;
ALTER TABLE tasks ADD COLUMN history TEXT NOT NULL DEFAULT '[]';
