-- Rounds server schema on SQLite (the embedded default). Never edit a shipped migration.
CREATE TABLE organizations (
    id         BLOB PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE practitioners (
    id              BLOB PRIMARY KEY NOT NULL,
    organization_id BLOB NOT NULL REFERENCES organizations(id),
    display_name    TEXT NOT NULL,
    email           TEXT NOT NULL UNIQUE,   -- stored lower case
    password_hash   TEXT NOT NULL,          -- Argon2id PHC string
    failed_sign_ins INTEGER NOT NULL DEFAULT 0,   -- consecutive wrong passwords
    locked_until    TEXT                     -- no sign-in before this time
);

CREATE TABLE practitioner_roles (
    practitioner_id BLOB NOT NULL REFERENCES practitioners(id) ON DELETE CASCADE,
    role            TEXT NOT NULL,
    PRIMARY KEY (practitioner_id, role)
);

CREATE TABLE licenses (
    practitioner_id BLOB NOT NULL REFERENCES practitioners(id) ON DELETE CASCADE,
    state           TEXT NOT NULL,
    license_type    TEXT NOT NULL,
    number          TEXT NOT NULL,
    expires_on      TEXT NOT NULL,
    PRIMARY KEY (practitioner_id, state, license_type)
);
CREATE INDEX licenses_by_state ON licenses (state, expires_on);

CREATE TABLE sessions (
    token_hash      TEXT PRIMARY KEY NOT NULL,   -- SHA-256 of the bearer token; the token itself is never stored
    practitioner_id BLOB NOT NULL REFERENCES practitioners(id) ON DELETE CASCADE,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL
);

CREATE TABLE care_teams (
    id              BLOB PRIMARY KEY NOT NULL,
    organization_id BLOB NOT NULL REFERENCES organizations(id),
    name            TEXT NOT NULL
);

CREATE TABLE care_team_members (
    care_team_id    BLOB NOT NULL REFERENCES care_teams(id) ON DELETE CASCADE,
    practitioner_id BLOB NOT NULL REFERENCES practitioners(id) ON DELETE CASCADE,
    PRIMARY KEY (care_team_id, practitioner_id)
);
CREATE INDEX care_team_members_by_practitioner ON care_team_members (practitioner_id);

CREATE TABLE patients (
    id                BLOB PRIMARY KEY NOT NULL,
    organization_id   BLOB NOT NULL REFERENCES organizations(id),
    care_team_id      BLOB NOT NULL REFERENCES care_teams(id),
    mrn               TEXT NOT NULL,
    given_name        TEXT NOT NULL,
    family_name       TEXT NOT NULL,
    birth_date        TEXT NOT NULL,
    sex               TEXT NOT NULL,
    phone             TEXT,
    email             TEXT,
    preferred_channel TEXT NOT NULL,
    current_state     TEXT NOT NULL,
    guardian          TEXT,
    allergies         TEXT NOT NULL,
    medications       TEXT NOT NULL,
    problems          TEXT NOT NULL,
    version           INTEGER NOT NULL,
    UNIQUE (organization_id, mrn)
);
CREATE INDEX patients_by_team ON patients (care_team_id, id);

CREATE TABLE encounters (
    id               BLOB PRIMARY KEY NOT NULL,
    organization_id  BLOB NOT NULL REFERENCES organizations(id),
    patient_id       BLOB NOT NULL REFERENCES patients(id),
    author_id        BLOB NOT NULL REFERENCES practitioners(id),
    mode             TEXT NOT NULL,
    service_line     TEXT NOT NULL,
    state_of_care    TEXT NOT NULL,
    status           TEXT NOT NULL,
    chief_complaints TEXT NOT NULL,
    note             TEXT NOT NULL,
    started_at       TEXT NOT NULL,
    signed_at        TEXT,
    version          INTEGER NOT NULL
);
CREATE INDEX encounters_by_patient ON encounters (patient_id, started_at);

CREATE TABLE threads (
    id              BLOB PRIMARY KEY NOT NULL,
    organization_id BLOB NOT NULL REFERENCES organizations(id),
    patient_id      BLOB REFERENCES patients(id),
    channel         TEXT NOT NULL,
    status          TEXT NOT NULL,
    assignee_id     BLOB REFERENCES practitioners(id),
    service_line    TEXT NOT NULL,
    last_message_at TEXT NOT NULL,
    version         INTEGER NOT NULL
);
CREATE INDEX threads_by_patient ON threads (patient_id);

CREATE TABLE messages (
    id        BLOB PRIMARY KEY NOT NULL,
    thread_id BLOB NOT NULL REFERENCES threads(id),
    direction TEXT NOT NULL,
    author_id BLOB REFERENCES practitioners(id),
    body      TEXT NOT NULL,
    sent_at   TEXT NOT NULL
);
CREATE INDEX messages_by_thread ON messages (thread_id, sent_at);

CREATE TABLE tasks (
    id              BLOB PRIMARY KEY NOT NULL,
    organization_id BLOB NOT NULL REFERENCES organizations(id),
    kind            TEXT NOT NULL,
    patient_id      BLOB NOT NULL REFERENCES patients(id),
    queue           TEXT NOT NULL,
    license_state   TEXT NOT NULL,
    priority        TEXT NOT NULL,
    status          TEXT NOT NULL,
    owner_id        BLOB REFERENCES practitioners(id),
    description     TEXT NOT NULL,
    due_at          TEXT NOT NULL,
    version         INTEGER NOT NULL
);
CREATE INDEX tasks_by_queue ON tasks (organization_id, queue, status, due_at);

-- Sync (SYNC.md). One change log per organisation; positions are handed out in commit order by
-- locking the organisation's head row inside each write transaction.
CREATE TABLE log_heads (
    organization_id BLOB PRIMARY KEY NOT NULL REFERENCES organizations(id),
    position        INTEGER NOT NULL,
    epoch           BLOB NOT NULL          -- changes when the log is reset or restored
);

CREATE TABLE change_log (
    organization_id  BLOB NOT NULL REFERENCES organizations(id),
    position         INTEGER NOT NULL,
    entity           TEXT NOT NULL,
    entity_id        BLOB NOT NULL,
    scope_patient_id BLOB,                  -- who may pull it: the patient's care teams
    record           TEXT NOT NULL,         -- the record as of this change (JSON)
    committed_at     TEXT NOT NULL,
    PRIMARY KEY (organization_id, position)
);
CREATE INDEX change_log_by_patient ON change_log (scope_patient_id, position);

CREATE TABLE devices (
    id              BLOB PRIMARY KEY NOT NULL,
    practitioner_id BLOB NOT NULL REFERENCES practitioners(id),
    last_seq        INTEGER NOT NULL,       -- highest client_seq applied (the watermark)
    created_at      TEXT NOT NULL,
    last_seen_at    TEXT NOT NULL
);

-- The stored answer to every command, so a retried push gets the same answer.
CREATE TABLE command_results (
    device_id   BLOB NOT NULL REFERENCES devices(id),
    client_seq  INTEGER NOT NULL,
    mutation_id BLOB NOT NULL,
    outcome     TEXT NOT NULL,
    applied_at  TEXT NOT NULL,
    PRIMARY KEY (device_id, client_seq)
);

-- Audit trail (SECURITY.md): who did what to which patient, when (server time), from which
-- device. Append-only (the triggers refuse UPDATE and DELETE) and hash-chained per organisation:
-- each row's hash covers the previous row's hash, so an edit anywhere breaks the chain there.
CREATE TABLE audit_heads (
    organization_id BLOB PRIMARY KEY NOT NULL REFERENCES organizations(id),
    seq             INTEGER NOT NULL,
    hash            TEXT NOT NULL
);

CREATE TABLE audit_log (
    organization_id BLOB NOT NULL REFERENCES organizations(id),
    seq             INTEGER NOT NULL,
    at              TEXT NOT NULL,
    practitioner_id BLOB NOT NULL,
    device_id       BLOB,
    patient_id      BLOB,
    action          TEXT NOT NULL,
    detail          TEXT NOT NULL,
    severity        TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL,
    PRIMARY KEY (organization_id, seq)
);
CREATE INDEX audit_log_by_patient ON audit_log (patient_id, at);
CREATE INDEX audit_log_by_practitioner ON audit_log (practitioner_id, at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
