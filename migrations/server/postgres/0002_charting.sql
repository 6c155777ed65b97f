-- Structured charting: draft sections, signatures (immutable by trigger), addenda (append-only),
-- the organisation's co-signature setting. Shipped migrations are never edited.

ALTER TABLE encounters ADD COLUMN draft JSONB;
ALTER TABLE encounters ADD COLUMN signed_by UUID REFERENCES practitioners(id);
ALTER TABLE encounters ADD COLUMN content_hash TEXT;
ALTER TABLE encounters ADD COLUMN cosign_required BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE encounters ADD COLUMN cosigned_by UUID REFERENCES practitioners(id);
ALTER TABLE encounters ADD COLUMN cosigned_at TIMESTAMPTZ;

-- NP and PA notes need a physician's co-signature when set.
ALTER TABLE organizations ADD COLUMN cosign_np_notes BOOLEAN NOT NULL DEFAULT FALSE;

CREATE FUNCTION signed_notes_are_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'a signed note cannot be deleted';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status <> 'draft' AND (
        NEW.status = 'draft'
        OR NEW.note IS DISTINCT FROM OLD.note
        OR NEW.draft IS DISTINCT FROM OLD.draft
        OR NEW.content_hash IS DISTINCT FROM OLD.content_hash
        OR NEW.signed_by IS DISTINCT FROM OLD.signed_by
        OR NEW.signed_at IS DISTINCT FROM OLD.signed_at
        OR NEW.patient_id IS DISTINCT FROM OLD.patient_id
        OR NEW.author_id IS DISTINCT FROM OLD.author_id
        OR NEW.state_of_care IS DISTINCT FROM OLD.state_of_care
        OR NEW.mode IS DISTINCT FROM OLD.mode
        OR NEW.service_line IS DISTINCT FROM OLD.service_line
        OR NEW.chief_complaints IS DISTINCT FROM OLD.chief_complaints
        OR NEW.cosign_required IS DISTINCT FROM OLD.cosign_required
        OR (OLD.cosigned_by IS NOT NULL AND (NEW.cosigned_by IS DISTINCT FROM OLD.cosigned_by
            OR NEW.cosigned_at IS DISTINCT FROM OLD.cosigned_at))
    ) THEN
        RAISE EXCEPTION 'a signed note cannot be changed: add an addendum';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER signed_notes_are_immutable BEFORE UPDATE OR DELETE ON encounters
    FOR EACH ROW EXECUTE FUNCTION signed_notes_are_immutable();

CREATE TABLE addenda (
    id           UUID PRIMARY KEY NOT NULL,
    encounter_id UUID NOT NULL REFERENCES encounters(id),
    author_id    UUID NOT NULL REFERENCES practitioners(id),
    text         TEXT NOT NULL,
    signed_at    TIMESTAMPTZ NOT NULL,
    content_hash TEXT NOT NULL
);
CREATE INDEX addenda_by_encounter ON addenda (encounter_id, signed_at);

CREATE FUNCTION addenda_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'addenda are append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER addenda_append_only BEFORE UPDATE OR DELETE ON addenda
    FOR EACH ROW EXECUTE FUNCTION addenda_append_only();

-- Organisation data every device holds (complaint catalogs, the service menu), replaced whole by
-- an administrator; each replacement is a change in the log (scope: the whole organisation).
CREATE TABLE org_documents (
    organization_id UUID NOT NULL REFERENCES organizations(id),
    kind            TEXT NOT NULL,
    name            TEXT NOT NULL,
    version         TEXT NOT NULL,
    body            TEXT NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    updated_by      UUID REFERENCES practitioners(id),
    PRIMARY KEY (organization_id, kind, name)
);

-- The provider directory: supervision (for co-signatures) and who is on duty (coverage).
ALTER TABLE practitioners ADD COLUMN supervisor_id UUID REFERENCES practitioners(id);
ALTER TABLE practitioners ADD COLUMN on_duty BOOLEAN NOT NULL DEFAULT FALSE;

-- Coverage by state: open, unowned work per state straight from the index.
CREATE INDEX tasks_open_by_state ON tasks (organization_id, status, owner_id, license_state, queue, due_at);

-- Tasks: what they are about (an encounter, a thread) and what happened to them.
ALTER TABLE tasks ADD COLUMN focus JSONB;
ALTER TABLE tasks ADD COLUMN history JSONB NOT NULL DEFAULT '[]';
