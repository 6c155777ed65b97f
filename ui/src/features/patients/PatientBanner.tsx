import { useEffect, useRef, useState, type ReactNode } from "react";
import type { Patient } from "../../bindings/Patient";
import { channelLabel, formatAge, formatDate, formatPhone, sexLabel } from "../../lib/format";
import type { IpcError } from "../../lib/ipc";
import { isPlainShortcut } from "../../lib/keyboard";
import { KEYMAP, matches } from "../../lib/keymap";
import { useLatest } from "../../lib/useLatest";
import { ClinicalLists } from "./ClinicalLists";
import { ContactForm } from "./ContactForm";
import { draftFrom, type ContactDraft } from "./contact";
import { displayName } from "./names";

interface Props {
  patient: Patient;
  /** The contact form's unsaved text for this patient; null when not editing. */
  draft?: ContactDraft | null | undefined;
  onDraftChange?: ((draft: ContactDraft | null) => void) | undefined;
  /** edit_patient answered: the chart now shows this. */
  onSaved?: ((patient: Patient) => void) | undefined;
  onError?: ((error: IpcError) => void) | undefined;
  /** False while another screen covers the banner: its single-key shortcut rests. */
  shortcuts?: boolean;
  /** Prefixes the headings' ids: another banner may be in the page (emergency access). */
  idPrefix?: string;
  /** Small vital-sign trends under the patient's facts (left out where the cache has no chart). */
  trends?: ReactNode;
}

export function PatientBanner({
  patient,
  draft = null,
  onDraftChange,
  onSaved,
  onError,
  shortcuts = true,
  idPrefix = "",
  trends = null,
}: Props) {
  const age = formatAge(patient.birth_date);
  const { guardian } = patient;
  const editing = draft !== null && onDraftChange !== undefined;
  const [focusForm, setFocusForm] = useState(false);
  const editButtonRef = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(editing);

  function startEditing() {
    if (!onDraftChange || editing) return;
    setFocusForm(true);
    onDraftChange(draftFrom(patient));
  }
  const startEditingRef = useLatest(startEditing);

  // "e" edits the contact details from anywhere but a text field.
  useEffect(() => {
    if (editing || !onDraftChange || !shortcuts) return;
    function onKeyDown(event: KeyboardEvent) {
      // "E" too: with Caps Lock on.
      const edit = matches(KEYMAP.patients.shortcuts.edit, event) || event.key === "E";
      if (!edit || event.shiftKey || !isPlainShortcut(event)) return;
      event.preventDefault();
      startEditingRef.current();
    }
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [editing, onDraftChange, shortcuts, startEditingRef]);

  // Back on the Edit button after Save or Cancel, so the keyboard does not get lost.
  useEffect(() => {
    if (wasEditing.current && !editing) editButtonRef.current?.focus();
    wasEditing.current = editing;
  }, [editing]);

  return (
    <article className="banner" data-testid="patient-banner" aria-labelledby={`${idPrefix}banner-name`}>
      <header className="banner-header">
        <h1 id={`${idPrefix}banner-name`} className="banner-name" data-testid="banner-name">
          {displayName(patient)}
        </h1>
        <p className="banner-facts">
          <span className="banner-age">{age ? `${age} · ${sexLabel(patient.sex)}` : sexLabel(patient.sex)}</span>
          <span>
            <span className="label">DOB</span> {formatDate(patient.birth_date)}
          </span>
          <span>
            <span className="label">MRN</span> {patient.mrn}
          </span>
          <span>Located in {patient.current_state}</span>
        </p>
        {trends}
        {editing ? (
          <ContactForm
            patient={patient}
            draft={draft}
            autoFocus={focusForm}
            onDraftChange={onDraftChange}
            onCancel={() => onDraftChange(null)}
            onSaved={(updated) => onSaved?.(updated)}
            onError={onError}
          />
        ) : (
          <div className="banner-contact-row">
            <p className="banner-facts banner-contact" data-testid="banner-contact">
              <span>{patient.phone ? formatPhone(patient.phone) : "No phone on file"}</span>
              {patient.email && <span>{patient.email}</span>}
              <span>Prefers {channelLabel(patient.preferred_channel).toLowerCase()}</span>
            </p>
            {onDraftChange && (
              <button
                ref={editButtonRef}
                type="button"
                className="button button-quiet button-small"
                title="Edit phone, email, state and preferred channel (E)"
                aria-keyshortcuts="e"
                onClick={startEditing}
              >
                Edit
              </button>
            )}
          </div>
        )}
        {guardian && (
          <p className="banner-guardian">
            <span className="label">Guardian</span> {guardian.name} ({guardian.relationship}) ·{" "}
            {formatPhone(guardian.phone)}
          </p>
        )}
      </header>

      <ClinicalLists patient={patient} idPrefix={idPrefix} />
    </article>
  );
}
