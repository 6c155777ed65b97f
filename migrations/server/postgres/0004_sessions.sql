-- Sign-in sessions as families of rotating refresh tokens; access tokens live minutes.
-- Shipped migrations are never edited.

CREATE TABLE session_families (
    id              UUID PRIMARY KEY NOT NULL,
    practitioner_id UUID NOT NULL REFERENCES practitioners(id) ON DELETE CASCADE,
    created_at      TIMESTAMPTZ NOT NULL,
    last_used_at    TIMESTAMPTZ NOT NULL,
    client          TEXT NOT NULL,          -- what signed in (the user agent), for the session list
    revoked_at      TIMESTAMPTZ,
    revoked_reason  TEXT
);
CREATE INDEX session_families_by_practitioner ON session_families (practitioner_id, created_at);

-- Each refresh token is used once: using one again revokes its family (it was stolen).
CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,   -- SHA-256; the token itself is never stored
    family_id  UUID NOT NULL REFERENCES session_families(id) ON DELETE CASCADE,
    issued_at  TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);

ALTER TABLE sessions ADD COLUMN family_id UUID REFERENCES session_families(id) ON DELETE CASCADE;
CREATE INDEX sessions_by_family ON sessions (family_id);

-- The second factor (TOTP): the secret in use, one being enrolled, the last time step used (a
-- code is accepted once). An organisation can require it.
ALTER TABLE practitioners ADD COLUMN totp_secret TEXT;
ALTER TABLE practitioners ADD COLUMN totp_pending TEXT;
ALTER TABLE practitioners ADD COLUMN totp_last_step BIGINT;
ALTER TABLE organizations ADD COLUMN require_totp BOOLEAN NOT NULL DEFAULT FALSE;

-- Break-glass: who may open a chart outside their care teams in an emergency, and each grant
-- (its reason, for how long). Every grant and read is audited at high severity.
ALTER TABLE practitioners ADD COLUMN may_break_glass BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE break_glass_grants (
    id              UUID PRIMARY KEY NOT NULL,
    practitioner_id UUID NOT NULL REFERENCES practitioners(id),
    patient_id      UUID NOT NULL REFERENCES patients(id),
    reason          TEXT NOT NULL,
    granted_at      TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX break_glass_by_practitioner ON break_glass_grants (practitioner_id, patient_id, expires_at);
