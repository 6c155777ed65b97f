-- Rounds local cache, first schema. Shipped migrations are never edited: add a new file instead
-- (the store refuses to open a database whose applied migrations differ from the shipped ones).

-- Rows that arrive from the server carry the server's version; an upsert applies only when the
-- incoming version is newer (see SYNC.md).

CREATE TABLE practitioners (
    id              TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL,
    display_name    TEXT NOT NULL,
    email           TEXT NOT NULL,
    roles           TEXT NOT NULL,   -- JSON array of role names
    licenses        TEXT NOT NULL    -- JSON array of licenses
) STRICT;

-- Who is signed in on this device (one row at most).
CREATE TABLE local_session (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    practitioner_id TEXT NOT NULL REFERENCES practitioners(id),
    server_url      TEXT NOT NULL,
    signed_in_at    TEXT NOT NULL
) STRICT;

CREATE TABLE patients (
    seq               INTEGER PRIMARY KEY,          -- stable rowid for the full-text index
    id                TEXT NOT NULL UNIQUE,
    mrn               TEXT NOT NULL UNIQUE,
    given_name        TEXT NOT NULL,
    family_name       TEXT NOT NULL,
    birth_date        TEXT NOT NULL,                -- YYYY-MM-DD
    sex               TEXT NOT NULL,
    phone             TEXT,
    phone_digits      TEXT NOT NULL DEFAULT '',     -- national digits, for search
    email             TEXT,
    preferred_channel TEXT NOT NULL,
    current_state     TEXT NOT NULL,
    guardian          TEXT,                         -- JSON object or NULL
    allergies         TEXT NOT NULL,                -- JSON arrays
    medications       TEXT NOT NULL,
    problems          TEXT NOT NULL,
    version           INTEGER NOT NULL
) STRICT;

-- Type-ahead walks these in order and stops at the page size: a prefix costs the same on 200
-- patients or a million.
CREATE INDEX patients_by_name ON patients (family_name COLLATE NOCASE, given_name COLLATE NOCASE);
CREATE INDEX patients_by_given_name ON patients (given_name COLLATE NOCASE, family_name COLLATE NOCASE);
CREATE INDEX patients_by_phone ON patients (phone_digits);
CREATE INDEX patients_by_birth_date ON patients (birth_date);

-- Patient search: names, MRN, date of birth (as YYYYMMDD and MMDDYYYY) and phone digits.
CREATE VIRTUAL TABLE patients_fts USING fts5(
    name, mrn, dob, phone,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

CREATE TRIGGER patients_fts_insert AFTER INSERT ON patients BEGIN
    INSERT INTO patients_fts (rowid, name, mrn, dob, phone) VALUES (
        new.seq,
        new.given_name || ' ' || new.family_name,
        new.mrn,
        replace(new.birth_date, '-', '') || ' ' ||
            substr(new.birth_date, 6, 2) || substr(new.birth_date, 9, 2) || substr(new.birth_date, 1, 4),
        new.phone_digits
    );
END;

CREATE TRIGGER patients_fts_delete AFTER DELETE ON patients BEGIN
    DELETE FROM patients_fts WHERE rowid = old.seq;
END;

CREATE TRIGGER patients_fts_update AFTER UPDATE ON patients BEGIN
    DELETE FROM patients_fts WHERE rowid = old.seq;
    INSERT INTO patients_fts (rowid, name, mrn, dob, phone) VALUES (
        new.seq,
        new.given_name || ' ' || new.family_name,
        new.mrn,
        replace(new.birth_date, '-', '') || ' ' ||
            substr(new.birth_date, 6, 2) || substr(new.birth_date, 9, 2) || substr(new.birth_date, 1, 4),
        new.phone_digits
    );
END;

CREATE TABLE encounters (
    id               TEXT PRIMARY KEY NOT NULL,
    patient_id       TEXT NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    author_id        TEXT NOT NULL,
    mode             TEXT NOT NULL,
    service_line     TEXT NOT NULL,
    state_of_care    TEXT NOT NULL,
    status           TEXT NOT NULL,
    chief_complaints TEXT NOT NULL,   -- JSON array of complaint codes
    note             TEXT NOT NULL,
    started_at       TEXT NOT NULL,
    signed_at        TEXT,
    version          INTEGER NOT NULL
) STRICT;
CREATE INDEX encounters_by_patient ON encounters (patient_id, started_at);

CREATE TABLE complaint_catalog (
    service_line TEXT NOT NULL,
    code         TEXT NOT NULL,
    label        TEXT NOT NULL,
    rank         INTEGER NOT NULL,
    body         TEXT NOT NULL,      -- JSON: prompts, systems, red flags, ICD-10-CM suggestions
    PRIMARY KEY (service_line, code)
) STRICT;

CREATE TABLE threads (
    id              TEXT PRIMARY KEY NOT NULL,
    patient_id      TEXT REFERENCES patients(id) ON DELETE CASCADE,
    channel         TEXT NOT NULL,
    status          TEXT NOT NULL,
    assignee_id     TEXT,
    service_line    TEXT NOT NULL,
    last_message_at TEXT NOT NULL,
    version         INTEGER NOT NULL
) STRICT;
CREATE INDEX threads_by_patient ON threads (patient_id);

CREATE TABLE messages (
    id        TEXT PRIMARY KEY NOT NULL,
    thread_id TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    direction TEXT NOT NULL,
    author_id TEXT,
    body      TEXT NOT NULL,
    sent_at   TEXT NOT NULL
) STRICT;
CREATE INDEX messages_by_thread ON messages (thread_id, sent_at);

CREATE TABLE tasks (
    id            TEXT PRIMARY KEY NOT NULL,
    kind          TEXT NOT NULL,
    patient_id    TEXT NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    queue         TEXT NOT NULL,
    license_state TEXT NOT NULL,
    priority      TEXT NOT NULL,
    status        TEXT NOT NULL,
    owner_id      TEXT,
    description   TEXT NOT NULL,
    due_at        TEXT NOT NULL,
    version       INTEGER NOT NULL
) STRICT;
CREATE INDEX tasks_by_queue ON tasks (queue, status, due_at);

-- Sync (SYNC.md). This device's identity, its position in the server's change log, and the
-- outbox of commands it has applied locally and not yet had acknowledged.
CREATE TABLE sync_state (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    device_id      TEXT NOT NULL,
    next_seq       INTEGER NOT NULL,   -- the next client_seq to hand out; never reused
    cursor         INTEGER NOT NULL,   -- last change-log position applied; only moves forward
    epoch          TEXT,               -- the server log's epoch the cursor belongs to
    last_synced_at TEXT
) STRICT;

CREATE TABLE outbox (
    client_seq  INTEGER PRIMARY KEY,
    mutation_id TEXT NOT NULL UNIQUE,
    command     TEXT NOT NULL,                                   -- JSON
    state       TEXT NOT NULL CHECK (state IN ('pending', 'rejected')),
    outcome     TEXT,                                            -- JSON, once rejected
    created_at  TEXT NOT NULL
) STRICT;

-- Code sets (read-only on devices, replaced as versioned snapshots).
CREATE TABLE code_sets (
    name    TEXT PRIMARY KEY NOT NULL,   -- e.g. "icd10cm"
    version TEXT NOT NULL                -- e.g. "FY2026 (April 1, 2026)"
) STRICT;

-- ICD-10-CM, inserted in code order so the full-text index's rowid order is code order.
CREATE TABLE icd10_codes (
    seq         INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,    -- dotted, e.g. "J02.9"
    billable    INTEGER NOT NULL,        -- 1 for a billable (leaf) code
    description TEXT NOT NULL
) STRICT;

CREATE VIRTUAL TABLE icd10_fts USING fts5(
    description,
    content = 'icd10_codes',
    content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
