-- Rounds server schema on PostgreSQL. Never edit a shipped migration.
CREATE TABLE organizations (
    id         UUID PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE practitioners (
    id              UUID PRIMARY KEY NOT NULL,
    organization_id UUID NOT NULL REFERENCES organizations(id),
    display_name    TEXT NOT NULL,
    email           TEXT NOT NULL UNIQUE,   -- stored lower case
    password_hash   TEXT NOT NULL,          -- Argon2id PHC string
    failed_sign_ins BIGINT NOT NULL DEFAULT 0,    -- consecutive wrong passwords
    locked_until    TIMESTAMPTZ                     -- no sign-in before this time
);

CREATE TABLE practitioner_roles (
    practitioner_id UUID NOT NULL REFERENCES practitioners(id) ON DELETE CASCADE,
    role            TEXT NOT NULL,
    PRIMARY KEY (practitioner_id, role)
);

CREATE TABLE licenses (
    practitioner_id UUID NOT NULL REFERENCES practitioners(id) ON DELETE CASCADE,
    state           TEXT NOT NULL,
    license_type    TEXT NOT NULL,
    number          TEXT NOT NULL,
    expires_on      DATE NOT NULL,
    PRIMARY KEY (practitioner_id, state, license_type)
);
CREATE INDEX licenses_by_state ON licenses (state, expires_on);

CREATE TABLE sessions (
    token_hash      TEXT PRIMARY KEY NOT NULL,   -- SHA-256 of the bearer token; the token itself is never stored
    practitioner_id UUID NOT NULL REFERENCES practitioners(id) ON DELETE CASCADE,
    created_at      TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE care_teams (
    id              UUID PRIMARY KEY NOT NULL,
    organization_id UUID NOT NULL REFERENCES organizations(id),
    name            TEXT NOT NULL
);

CREATE TABLE care_team_members (
    care_team_id    UUID NOT NULL REFERENCES care_teams(id) ON DELETE CASCADE,
    practitioner_id UUID NOT NULL REFERENCES practitioners(id) ON DELETE CASCADE,
    PRIMARY KEY (care_team_id, practitioner_id)
);
CREATE INDEX care_team_members_by_practitioner ON care_team_members (practitioner_id);

CREATE TABLE patients (
    id                UUID PRIMARY KEY NOT NULL,
    organization_id   UUID NOT NULL REFERENCES organizations(id),
    care_team_id      UUID NOT NULL REFERENCES care_teams(id),
    mrn               TEXT NOT NULL,
    given_name        TEXT NOT NULL,
    family_name       TEXT NOT NULL,
    birth_date        DATE NOT NULL,
    sex               TEXT NOT NULL,
    phone             TEXT,
    email             TEXT,
    preferred_channel TEXT NOT NULL,
    current_state     TEXT NOT NULL,
    guardian          JSONB,
    allergies         JSONB NOT NULL,
    medications       JSONB NOT NULL,
    problems          JSONB NOT NULL,
    version           BIGINT NOT NULL,
    UNIQUE (organization_id, mrn)
);
CREATE INDEX patients_by_team ON patients (care_team_id, id);

CREATE TABLE encounters (
    id               UUID PRIMARY KEY NOT NULL,
    organization_id  UUID NOT NULL REFERENCES organizations(id),
    patient_id       UUID NOT NULL REFERENCES patients(id),
    author_id        UUID NOT NULL REFERENCES practitioners(id),
    mode             TEXT NOT NULL,
    service_line     TEXT NOT NULL,
    state_of_care    TEXT NOT NULL,
    status           TEXT NOT NULL,
    chief_complaints JSONB NOT NULL,
    note             TEXT NOT NULL,
    started_at       TIMESTAMPTZ NOT NULL,
    signed_at        TIMESTAMPTZ,
    version          BIGINT NOT NULL
);
CREATE INDEX encounters_by_patient ON encounters (patient_id, started_at);

CREATE TABLE threads (
    id              UUID PRIMARY KEY NOT NULL,
    organization_id UUID NOT NULL REFERENCES organizations(id),
    patient_id      UUID REFERENCES patients(id),
    channel         TEXT NOT NULL,
    status          TEXT NOT NULL,
    assignee_id     UUID REFERENCES practitioners(id),
    service_line    TEXT NOT NULL,
    last_message_at TIMESTAMPTZ NOT NULL,
    version         BIGINT NOT NULL
);
CREATE INDEX threads_by_patient ON threads (patient_id);

CREATE TABLE messages (
    id        UUID PRIMARY KEY NOT NULL,
    thread_id UUID NOT NULL REFERENCES threads(id),
    direction TEXT NOT NULL,
    author_id UUID REFERENCES practitioners(id),
    body      TEXT NOT NULL,
    sent_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX messages_by_thread ON messages (thread_id, sent_at);

CREATE TABLE tasks (
    id              UUID PRIMARY KEY NOT NULL,
    organization_id UUID NOT NULL REFERENCES organizations(id),
    kind            TEXT NOT NULL,
    patient_id      UUID NOT NULL REFERENCES patients(id),
    queue           TEXT NOT NULL,
    license_state   TEXT NOT NULL,
    priority        TEXT NOT NULL,
    status          TEXT NOT NULL,
    owner_id        UUID REFERENCES practitioners(id),
    description     TEXT NOT NULL,
    due_at          TIMESTAMPTZ NOT NULL,
    version         BIGINT NOT NULL
);
CREATE INDEX tasks_by_queue ON tasks (organization_id, queue, status, due_at);

-- Sync (SYNC.md). One change log per organisation; positions are handed out in commit order by
-- locking the organisation's head row inside each write transaction.
CREATE TABLE log_heads (
    organization_id UUID PRIMARY KEY NOT NULL REFERENCES organizations(id),
    position        BIGINT NOT NULL,
    epoch           UUID NOT NULL          -- changes when the log is reset or restored
);

CREATE TABLE change_log (
    organization_id  UUID NOT NULL REFERENCES organizations(id),
    position         BIGINT NOT NULL,
    entity           TEXT NOT NULL,
    entity_id        UUID NOT NULL,
    scope_patient_id UUID,                  -- who may pull it: the patient's care teams
    record           JSONB NOT NULL,        -- the record as of this change
    committed_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, position)
);
CREATE INDEX change_log_by_patient ON change_log (scope_patient_id, position);

CREATE TABLE devices (
    id              UUID PRIMARY KEY NOT NULL,
    practitioner_id UUID NOT NULL REFERENCES practitioners(id),
    last_seq        BIGINT NOT NULL,        -- highest client_seq applied (the watermark)
    created_at      TIMESTAMPTZ NOT NULL,
    last_seen_at    TIMESTAMPTZ NOT NULL
);

-- The stored answer to every command, so a retried push gets the same answer.
CREATE TABLE command_results (
    device_id   UUID NOT NULL REFERENCES devices(id),
    client_seq  BIGINT NOT NULL,
    mutation_id UUID NOT NULL,
    outcome     JSONB NOT NULL,
    applied_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (device_id, client_seq)
);

-- Audit trail (SECURITY.md): who did what to which patient, when (server time), from which
-- device. Append-only (the trigger refuses UPDATE and DELETE) and hash-chained per organisation:
-- each row's hash covers the previous row's hash, so an edit anywhere breaks the chain there.
CREATE TABLE audit_heads (
    organization_id UUID PRIMARY KEY NOT NULL REFERENCES organizations(id),
    seq             BIGINT NOT NULL,
    hash            TEXT NOT NULL
);

CREATE TABLE audit_log (
    organization_id UUID NOT NULL REFERENCES organizations(id),
    seq             BIGINT NOT NULL,
    at              TIMESTAMPTZ NOT NULL,
    practitioner_id UUID NOT NULL,
    device_id       UUID,
    patient_id      UUID,
    action          TEXT NOT NULL,
    detail          TEXT NOT NULL,
    severity        TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL,
    PRIMARY KEY (organization_id, seq)
);
CREATE INDEX audit_log_by_patient ON audit_log (patient_id, at);
CREATE INDEX audit_log_by_practitioner ON audit_log (practitioner_id, at);

CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
