import { useState, type FormEvent, type KeyboardEvent } from "react";
import type { Patient } from "../../bindings/Patient";
import { editPatient, toIpcError, type IpcError } from "../../lib/ipc";
import { Segmented } from "../common/Segmented";
import { useSync } from "../sync/SyncContext";
import { CHANNEL_OPTIONS, changedEdits, type ContactDraft } from "./contact";

interface Props {
  patient: Patient;
  draft: ContactDraft;
  onDraftChange: (draft: ContactDraft) => void;
  onCancel: () => void;
  onSaved: (patient: Patient) => void;
  onError?: ((error: IpcError) => void) | undefined;
  /** Put the cursor in the first field (only when the clinician just opened the form). */
  autoFocus: boolean;
}

export function saveErrorMessage(error: IpcError): string {
  switch (error.code) {
    case "not_found":
      return "Not saved: this patient is no longer on this device.";
    default:
      return `Not saved: ${error.message}`;
  }
}

/** The banner's contact block as a small form. What is typed stays until saved or cancelled. */
export function ContactForm({ patient, draft, onDraftChange, onCancel, onSaved, onError, autoFocus }: Props) {
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const sync = useSync();

  async function save() {
    if (saving) return;
    const edits = changedEdits(patient, draft);
    if (edits.length === 0) {
      onCancel();
      return;
    }
    setSaving(true);
    setError(null);
    let updated: Patient;
    try {
      updated = await editPatient(patient.id, edits);
    } catch (caught) {
      const failure = toIpcError(caught);
      setError(saveErrorMessage(failure));
      setSaving(false);
      onError?.(failure);
      return;
    }
    sync.refresh();
    onSaved(updated);
  }

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void save();
  }

  function handleKeyDown(event: KeyboardEvent<HTMLFormElement>) {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      if (!saving) onCancel();
    } else if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "s") {
      event.preventDefault();
      void save();
    }
  }

  const set = (change: Partial<ContactDraft>) => onDraftChange({ ...draft, ...change });

  return (
    <form
      className="contact-form"
      aria-label="Edit contact details"
      aria-busy={saving}
      noValidate
      onSubmit={handleSubmit}
      onKeyDown={handleKeyDown}
    >
      <div className="contact-form-fields">
        <div className="field field-phone">
          <label htmlFor="edit-phone">Phone</label>
          <input
            id="edit-phone"
            type="tel"
            autoComplete="off"
            spellCheck={false}
            autoFocus={autoFocus}
            value={draft.phone}
            readOnly={saving}
            onChange={(e) => set({ phone: e.target.value })}
          />
        </div>
        <div className="field field-email">
          <label htmlFor="edit-email">Email</label>
          <input
            id="edit-email"
            type="email"
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            value={draft.email}
            readOnly={saving}
            onChange={(e) => set({ email: e.target.value })}
          />
        </div>
        <div className="field field-state">
          <label htmlFor="edit-state">State</label>
          <input
            id="edit-state"
            type="text"
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            maxLength={2}
            value={draft.state}
            readOnly={saving}
            onChange={(e) => set({ state: e.target.value.toUpperCase() })}
          />
        </div>
        <div className="field field-channel">
          <span className="field-label" id="edit-channel-label">
            Preferred channel
          </span>
          <Segmented
            label="Preferred channel"
            labelledBy="edit-channel-label"
            options={CHANNEL_OPTIONS}
            value={draft.channel}
            disabled={saving}
            onChange={(channel) => set({ channel })}
          />
        </div>
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button id="save-patient" type="submit" className="button button-primary" disabled={saving}>
          {saving ? "Saving…" : "Save"}
        </button>
        <button type="button" className="button button-quiet" onClick={onCancel} disabled={saving}>
          Cancel
        </button>
        <span className="key-hint" aria-hidden="true">
          <kbd>Enter</kbd> save · <kbd>Esc</kbd> cancel
        </span>
      </div>
    </form>
  );
}
