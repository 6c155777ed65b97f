import { useQueries, useQueryClient } from "@tanstack/react-query";
import { useMemo, useRef, useState, type KeyboardEvent } from "react";
import type { FieldConflict } from "../../bindings/FieldConflict";
import type { FieldEdit } from "../../bindings/FieldEdit";
import type { Patient } from "../../bindings/Patient";
import type { PatientField } from "../../bindings/PatientField";
import {
  dismissRejected,
  editPatient,
  getPatient,
  rejectedChanges,
  toIpcError,
  type IpcError,
  type RefusedChange,
} from "../../lib/ipc";
import { queryKeys } from "../../lib/data/keys";
import { useRead } from "../../lib/data/query";
import { Modal } from "../common/Modal";
import { Segmented, type SegmentOption } from "../common/Segmented";
import { CHANNEL_OPTIONS, SEX_OPTIONS, optionalText, stateCode } from "../patients/contact";
import { useSync } from "./SyncContext";
import { describeMutation, fieldHeading, fieldLabel, formatValue, rejectSummary } from "./describe";

interface Props {
  onClose: () => void;
  /** edit_patient answered while resolving: the chart should show this. */
  onPatientEdited: (patient: Patient) => void;
  onError?: ((error: IpcError) => void) | undefined;
}

/** The changes the server refused, with a way to settle each one. */
export function RefusedPanel({ onClose, onPatientEdited, onError }: Props) {
  const query = useRead(queryKeys.rejectedChanges(), rejectedChanges, { onError });
  const client = useQueryClient();
  const items = query.data;
  const headingRef = useRef<HTMLHeadingElement>(null);
  const sync = useSync();

  // Patient id -> "Ava Martinez", or null when the patient cannot be looked up (or not yet).
  const ids = useMemo(() => {
    const all = new Set<string>();
    for (const item of items ?? []) if (item.mutation.kind === "edit_patient") all.add(item.mutation.patient_id);
    return [...all];
  }, [items]);
  const patients = useQueries({
    queries: ids.map((id) => ({ queryKey: queryKeys.patient(id), queryFn: () => getPatient(id) })),
  });
  const names: Readonly<Record<string, string | null>> = Object.fromEntries(
    ids.map((id, i) => {
      const p = patients[i]?.data;
      return [id, p ? `${p.given_name} ${p.family_name}`.trim() || null : null];
    }),
  );

  function resolved(clientSeq: number) {
    client.setQueryData<RefusedChange[]>(queryKeys.rejectedChanges(), (all) =>
      all?.filter((i) => i.client_seq !== clientSeq),
    );
    sync.refresh();
    // The settled item's buttons are gone: keep the keyboard inside the panel.
    requestAnimationFrame(() => {
      const dialog = headingRef.current?.closest('[role="dialog"]');
      if (dialog && !dialog.contains(document.activeElement)) headingRef.current?.focus();
    });
  }

  return (
    <Modal
      variant="drawer"
      titleId="refused-title"
      title="Changes the server refused"
      testId="refused-changes"
      onClose={onClose}
      headingRef={headingRef}
      restoreFocus={false}
      headerActions={
        <button type="button" className="button button-quiet button-small" onClick={onClose}>
          Close
        </button>
      }
    >
      <p className="drawer-lede">
        These changes were not saved on the server. The chart shows what the server has. Choose what to keep.
      </p>

      <div className="drawer-body">
        {query.isLoading && <p className="muted">Loading refused changes…</p>}
        {query.error && (
          <p className="form-error" role="alert">
            Could not load the refused changes: {query.error.message}
          </p>
        )}
        {items?.length === 0 && <p className="muted">Nothing is waiting. Every change has been settled.</p>}
        {items && items.length > 0 && (
          <ul className="refused-list">
            {items.map((item) => (
              <RefusedItem
                key={item.client_seq}
                item={item}
                patientName={item.mutation.kind === "edit_patient" ? (names[item.mutation.patient_id] ?? null) : null}
                onResolved={() => resolved(item.client_seq)}
                onPatientEdited={onPatientEdited}
                onError={onError}
              />
            ))}
          </ul>
        )}
      </div>

      <p className="key-hints drawer-hints" aria-hidden="true">
        <kbd>Tab</kbd> move · <kbd>Esc</kbd> close
      </p>
    </Modal>
  );
}

interface ItemProps {
  item: RefusedChange;
  patientName: string | null;
  onResolved: () => void;
  onPatientEdited: (patient: Patient) => void;
  onError?: ((error: IpcError) => void) | undefined;
}

/** Fields the clinician can retype here; the rest can only be kept (theirs or mine). */
const TEXT_FIELDS: ReadonlySet<PatientField> = new Set([
  "given_name",
  "family_name",
  "birth_date",
  "phone",
  "email",
  "current_state",
]);
const CHOICE_FIELDS: Partial<Record<PatientField, readonly SegmentOption<string>[]>> = {
  sex: SEX_OPTIONS,
  preferred_channel: CHANNEL_OPTIONS,
};

function isEditable(field: PatientField): boolean {
  return TEXT_FIELDS.has(field) || field in CHOICE_FIELDS;
}

/** What the clinician typed for a field, as the value edit_patient expects. */
function typedValue(field: PatientField, text: string): unknown {
  switch (field) {
    case "phone":
    case "email":
      return optionalText(text);
    case "current_state":
      return stateCode(text);
    case "sex":
    case "preferred_channel":
      return text;
    default:
      return text.trim();
  }
}

function initialText(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** The server's reason as a sentence: "changed on…" -> "Changed on…". */
function sentence(text: string): string {
  const trimmed = text.trim();
  return trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
}

function itemErrorMessage(error: IpcError): string {
  switch (error.code) {
    case "not_found":
      return "Not saved: this patient is no longer on this device.";
    default:
      return `Not saved: ${error.message}`;
  }
}

function RefusedItem({ item, patientName, onResolved, onPatientEdited, onError }: ItemProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Field -> what is typed, while "Edit…" is open.
  const [typed, setTyped] = useState<Record<string, string> | null>(null);

  const { mutation, outcome } = item;
  const title = describeMutation(mutation, patientName);
  const rejected = outcome.status === "rejected" ? outcome : null;
  const conflicts: FieldConflict[] = rejected?.conflicts ?? [];
  const edit = mutation.kind === "edit_patient" ? mutation : null;
  const canResolve = edit !== null && conflicts.length > 0;
  const conflictFields = new Set(conflicts.map((c) => c.field));
  // The server refuses a whole edit: its fields that did not conflict were not saved either.
  const others = edit ? edit.changes.filter((c) => !conflictFields.has(c.field)) : [];
  const headingId = `refused-${item.client_seq}`;

  async function run(action: () => Promise<void>) {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (caught) {
      const failure = toIpcError(caught);
      setError(itemErrorMessage(failure));
      setBusy(false);
      onError?.(failure);
      return;
    }
    onResolved();
  }

  /** Sends the chosen values for the conflicting fields plus the rest of the edit, then dismisses. */
  function settle(chosen: FieldEdit[]) {
    return run(async () => {
      const edits = [...chosen, ...others.map((c) => ({ field: c.field, value: c.value }))];
      if (edit && edits.length > 0) onPatientEdited(await editPatient(edit.patient_id, edits));
      await dismissRejected(item.client_seq);
    });
  }

  const keepTheirs = () => settle([]);
  const keepMine = () => settle(conflicts.map((c) => ({ field: c.field, value: c.ours })));
  const saveTyped = () =>
    settle(
      conflicts.map((c) =>
        typed && isEditable(c.field)
          ? { field: c.field, value: typedValue(c.field, typed[c.field] ?? "") }
          : { field: c.field, value: c.ours },
      ),
    );
  const dismiss = () => run(() => dismissRejected(item.client_seq));

  function startEditing() {
    const initial: Record<string, string> = {};
    for (const c of conflicts) if (isEditable(c.field)) initial[c.field] = initialText(c.ours);
    setTyped(initial);
    setError(null);
  }

  function handleEditKeyDown(event: KeyboardEvent<HTMLFormElement>) {
    if (event.key === "Escape") {
      // Close the editor, not the whole panel.
      event.preventDefault();
      event.stopPropagation();
      if (!busy) setTyped(null);
    } else if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "s") {
      event.preventDefault();
      void saveTyped();
    }
  }

  return (
    <li className="refused-item" aria-labelledby={headingId} aria-busy={busy}>
      <h3 id={headingId} className="refused-title">
        {title}
      </h3>
      {rejected ? (
        <p className="refused-reason">
          {/* A conflict's message already says what happened; the table shows the rest. */}
          {rejected.code !== "conflict" && <span className="refused-code">{rejectSummary(rejected.code)}. </span>}
          {sentence(rejected.message)}
        </p>
      ) : (
        <p className="refused-reason">The server accepted this change.</p>
      )}

      {canResolve && (
        <table className="conflict-table">
          <thead>
            <tr>
              <th scope="col">
                <span className="visually-hidden">Field</span>
              </th>
              <th scope="col">On the server (theirs)</th>
              <th scope="col">Yours</th>
            </tr>
          </thead>
          <tbody>
            {conflicts.map((c) => (
              <tr key={c.field}>
                <th scope="row">{fieldHeading(c.field)}</th>
                <td>{formatValue(c.theirs)}</td>
                <td>{formatValue(c.ours)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canResolve && others.length > 0 && (
        <p className="refused-note">
          Also in this edit, not saved because of the conflict: {others.map((c) => fieldLabel(c.field)).join(", ")}.
          Either choice saves {others.length === 1 ? "it" : "them"} again.
        </p>
      )}

      {canResolve && typed && (
        <form
          className="conflict-edit"
          aria-label="Edit the conflicting fields"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void saveTyped();
          }}
          onKeyDown={handleEditKeyDown}
        >
          {conflicts.map((c, index) => {
            const inputId = `refused-${item.client_seq}-${c.field}`;
            const choices = CHOICE_FIELDS[c.field];
            if (choices) {
              return (
                <div className="field" key={c.field}>
                  <span className="field-label" id={`${inputId}-label`}>
                    {fieldHeading(c.field)}
                  </span>
                  <Segmented
                    label={fieldHeading(c.field)}
                    labelledBy={`${inputId}-label`}
                    options={choices}
                    value={typed[c.field] ?? null}
                    disabled={busy}
                    onChange={(v) => setTyped((t) => ({ ...t, [c.field]: v }))}
                  />
                </div>
              );
            }
            if (!TEXT_FIELDS.has(c.field)) {
              return (
                <p className="field refused-note" key={c.field}>
                  {fieldHeading(c.field)}: keeps yours ({formatValue(c.ours, 80)}). Change it in the chart afterwards.
                </p>
              );
            }
            return (
              <div className="field" key={c.field}>
                <label htmlFor={inputId}>{fieldHeading(c.field)}</label>
                <input
                  id={inputId}
                  type="text"
                  autoComplete="off"
                  spellCheck={false}
                  autoFocus={index === 0}
                  maxLength={c.field === "current_state" ? 2 : undefined}
                  value={typed[c.field] ?? ""}
                  readOnly={busy}
                  onChange={(e) => {
                    const text = c.field === "current_state" ? e.target.value.toUpperCase() : e.target.value;
                    setTyped((t) => ({ ...t, [c.field]: text }));
                  }}
                />
              </div>
            );
          })}
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={busy}>
              {busy ? "Saving…" : "Save"}
            </button>
            <button type="button" className="button button-quiet" disabled={busy} onClick={() => setTyped(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}

      {!(canResolve && typed) && (
        <>
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          <div className="form-actions">
            {canResolve ? (
              <>
                <button type="button" className="button button-quiet" disabled={busy} onClick={keepTheirs}>
                  Keep theirs
                </button>
                <button type="button" className="button button-quiet" disabled={busy} onClick={keepMine}>
                  Keep mine
                </button>
                <button type="button" className="button button-quiet" disabled={busy} onClick={startEditing}>
                  Edit…
                </button>
              </>
            ) : (
              <button type="button" className="button button-quiet" disabled={busy} onClick={dismiss}>
                Dismiss
              </button>
            )}
          </div>
        </>
      )}
    </li>
  );
}
