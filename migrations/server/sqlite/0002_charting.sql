-- Structured charting: draft sections, signatures (immutable by trigger), addenda (append-only),
-- the organisation's co-signature setting. Shipped migrations are never edited.

ALTER TABLE encounters ADD COLUMN draft TEXT;
ALTER TABLE encounters ADD COLUMN signed_by BLOB REFERENCES practitioners(id);
ALTER TABLE encounters ADD COLUMN content_hash TEXT;
ALTER TABLE encounters ADD COLUMN cosign_required BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE encounters ADD COLUMN cosigned_by BLOB REFERENCES practitioners(id);
ALTER TABLE encounters ADD COLUMN cosigned_at TEXT;

-- NP and PA notes need a physician's co-signature when set.
ALTER TABLE organizations ADD COLUMN cosign_np_notes BOOLEAN NOT NULL DEFAULT 0;

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
    OR NEW.cosign_required IS NOT OLD.cosign_required
    OR (OLD.cosigned_by IS NOT NULL AND (NEW.cosigned_by IS NOT OLD.cosigned_by OR NEW.cosigned_at IS NOT OLD.cosigned_at))
)
BEGIN
    SELECT RAISE(ABORT, 'a signed note cannot be changed: add an addendum');
END;

CREATE TRIGGER signed_notes_are_kept BEFORE DELETE ON encounters
WHEN OLD.status <> 'draft'
BEGIN
    SELECT RAISE(ABORT, 'a signed note cannot be deleted');
END;

CREATE TABLE addenda (
    id           BLOB PRIMARY KEY NOT NULL,
    encounter_id BLOB NOT NULL REFERENCES encounters(id),
    author_id    BLOB NOT NULL REFERENCES practitioners(id),
    text         TEXT NOT NULL,
    signed_at    TEXT NOT NULL,
    content_hash TEXT NOT NULL
);
CREATE INDEX addenda_by_encounter ON addenda (encounter_id, signed_at);

CREATE TRIGGER addenda_no_update BEFORE UPDATE ON addenda
BEGIN SELECT RAISE(ABORT, 'addenda are append-only'); END;
CREATE TRIGGER addenda_no_delete BEFORE DELETE ON addenda
BEGIN SELECT RAISE(ABORT, 'addenda are append-only'); END;

-- Organisation data every device holds (complaint catalogs, the service menu), replaced whole by
-- an administrator; each replacement is a change in the log (scope: the whole organisation).
CREATE TABLE org_documents (
    organization_id BLOB NOT NULL REFERENCES organizations(id),
    kind            TEXT NOT NULL,
    name            TEXT NOT NULL,
    version         TEXT NOT NULL,
    body            TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    updated_by      BLOB REFERENCES practitioners(id),
    PRIMARY KEY (organization_id, kind, name)
);

-- The provider directory: supervision (for co-signatures) and who is on duty (coverage).
ALTER TABLE practitioners ADD COLUMN supervisor_id BLOB REFERENCES practitioners(id);
ALTER TABLE practitioners ADD COLUMN on_duty BOOLEAN NOT NULL DEFAULT 0;

-- Coverage by state: open, unowned work per state straight from the index.
CREATE INDEX tasks_open_by_state ON tasks (organization_id, status, owner_id, license_state, queue, due_at);

-- Tasks: what they are about (an encounter, a thread) and what happened to them.
ALTER TABLE tasks ADD COLUMN focus TEXT;
ALTER TABLE tasks ADD COLUMN history TEXT NOT NULL DEFAULT '[]';
