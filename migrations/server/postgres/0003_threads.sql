-- Async threads: SMS in and out, response targets, review, escalation, e-visit time.
-- Shipped migrations are never edited.

ALTER TABLE threads ADD COLUMN urgent BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE threads ADD COLUMN from_number TEXT;       -- an unmatched thread's sender
ALTER TABLE threads ADD COLUMN respond_by TIMESTAMPTZ;        -- the response target of the waiting message
ALTER TABLE threads ADD COLUMN reviewed_by UUID REFERENCES practitioners(id);
ALTER TABLE threads ADD COLUMN reviewed_at TIMESTAMPTZ;
ALTER TABLE threads ADD COLUMN escalation JSONB;       -- JSON: who, to which queue, why, the task
ALTER TABLE threads ADD COLUMN queue TEXT NOT NULL DEFAULT 'nurse_practitioner';
ALTER TABLE threads ADD COLUMN encounter_id UUID REFERENCES encounters(id);
CREATE INDEX threads_by_from_number ON threads (organization_id, from_number) WHERE patient_id IS NULL;

ALTER TABLE messages ADD COLUMN external_id TEXT;      -- the provider's id (MessageSid)
ALTER TABLE messages ADD COLUMN delivery TEXT;         -- outbound: queued, sent, delivered, failed
CREATE UNIQUE INDEX messages_by_external_id ON messages (external_id) WHERE external_id IS NOT NULL;

-- Numbers patients text, by their last ten digits; several patients may share one (siblings).
CREATE TABLE patient_phones (
    organization_id UUID NOT NULL REFERENCES organizations(id),
    phone_key       TEXT NOT NULL,
    patient_id      UUID NOT NULL REFERENCES patients(id),
    PRIMARY KEY (organization_id, phone_key, patient_id)
);

-- The organisation's SMS numbers: which service line a text to each one belongs to.
CREATE TABLE sms_numbers (
    phone_key       TEXT PRIMARY KEY NOT NULL,
    organization_id UUID NOT NULL REFERENCES organizations(id),
    service_line    TEXT NOT NULL
);

-- Replies waiting for the SMS provider (written in the push's transaction: a reply pushed twice
-- is queued, and sent, once).
CREATE TABLE sms_outbox (
    message_id      UUID PRIMARY KEY NOT NULL REFERENCES messages(id),
    organization_id UUID NOT NULL REFERENCES organizations(id),
    to_number       TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    done_at         TIMESTAMPTZ
);
CREATE INDEX sms_outbox_due ON sms_outbox (next_attempt_at) WHERE done_at IS NULL;

-- Clinicians' time on threads (e-visit billing), insert-only.
CREATE TABLE thread_time (
    id              UUID PRIMARY KEY NOT NULL,
    organization_id UUID NOT NULL REFERENCES organizations(id),
    thread_id       UUID NOT NULL REFERENCES threads(id),
    practitioner_id UUID NOT NULL REFERENCES practitioners(id),
    started_at      TIMESTAMPTZ NOT NULL,
    seconds         BIGINT NOT NULL CHECK (seconds > 0 AND seconds <= 900)
);
CREATE INDEX thread_time_by_thread ON thread_time (thread_id, started_at);
