import { useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import type { DirectoryEntry } from "../../bindings/DirectoryEntry";
import type { Practitioner } from "../../bindings/Practitioner";
import type { PractitionerUpdate } from "../../bindings/PractitionerUpdate";
import type { Role } from "../../bindings/Role";
import { roleLabel } from "../../lib/format";
import { queryKeys } from "../../lib/data/keys";
import { useWrite } from "../../lib/data/query";
import { toIpcError, updatePractitioner, type IpcError } from "../../lib/ipc";
import { STATE_CODES } from "../charting/model";
import { ALL_ROLES } from "./labels";
import { Modal } from "../common/Modal";

interface LicenseDraft {
  /** React key only. */
  key: number;
  state: string;
  license_type: string;
  number: string;
  expires_on: string;
}

interface Draft {
  display_name: string;
  roles: Role[];
  licenses: LicenseDraft[];
  supervisor_id: string | null;
  on_duty: boolean;
}

let nextKey = 1;

function draftFrom(p: Practitioner): Draft {
  return {
    display_name: p.display_name,
    roles: [...p.roles],
    licenses: p.licenses.map((l) => ({ key: nextKey++, ...l })),
    supervisor_id: p.supervisor_id,
    on_duty: p.on_duty,
  };
}

/** The form as the core takes it. Checking (dates, duplicate states, roles) is the server's. */
export function updateFrom(draft: Draft): PractitionerUpdate {
  return {
    display_name: draft.display_name.trim(),
    roles: ALL_ROLES.filter((r) => draft.roles.includes(r)),
    licenses: draft.licenses.map((l) => ({
      state: l.state.trim().toUpperCase(),
      license_type: l.license_type.trim(),
      number: l.number.trim(),
      expires_on: l.expires_on,
    })),
    supervisor_id: draft.supervisor_id,
    on_duty: draft.on_duty,
  };
}

interface Props {
  entry: DirectoryEntry;
  /** Everyone in the directory: the supervisor choices are its physicians. */
  everyone: readonly DirectoryEntry[];
  online: boolean;
  onClose: () => void;
  onSaved: (practitioner: Practitioner) => void;
  onError?: ((error: IpcError) => void) | undefined;
}

/** An administrator edits one practitioner: name, roles, licenses, supervisor, on duty. */
export function PractitionerForm({ entry, everyone, online, onClose, onSaved, onError }: Props) {
  const p = entry.practitioner;
  const [draft, setDraft] = useState<Draft>(() => draftFrom(p));
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // The flags and the supervisor's name come from the core: the directory is read again.
  const update = useWrite(
    (v: { id: string; update: PractitionerUpdate }) => updatePractitioner(v.id, v.update),
    () => [queryKeys.directory()],
  );
  const nameRef = useRef<HTMLInputElement>(null);
  const idBase = `pf-${p.id}`;

  const physicians = everyone
    .map((e) => e.practitioner)
    .filter((x) => x.id !== p.id && (x.roles.includes("physician") || x.id === draft.supervisor_id));

  function change(patch: Partial<Draft>) {
    setDraft((d) => ({ ...d, ...patch }));
  }

  function changeLicense(key: number, patch: Partial<LicenseDraft>) {
    setDraft((d) => ({ ...d, licenses: d.licenses.map((l) => (l.key === key ? { ...l, ...patch } : l)) }));
  }

  async function save() {
    if (saving || !online) return;
    setSaving(true);
    setError(null);
    try {
      const saved = await update.mutateAsync({ id: p.id, update: updateFrom(draft) });
      onSaved(saved);
    } catch (caught) {
      const failure = toIpcError(caught);
      setError(`Not saved: ${failure.message}`);
      onError?.(failure);
      setSaving(false);
    }
  }

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void save();
  }

  function handleKeyDown(event: KeyboardEvent<HTMLFormElement>) {
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      event.preventDefault();
      void save();
    }
  }

  return (
    <Modal
      titleId="practitioner-form-title"
      title={`Edit ${p.display_name}`}
      className="practitioner-dialog"
      testId="practitioner-form"
      onClose={onClose}
      initialFocus={() => nameRef.current}
    >
      <form className="practitioner-form" onSubmit={handleSubmit} onKeyDown={handleKeyDown} noValidate>
        <div className="field">
          <label htmlFor={`${idBase}-name`}>Display name</label>
          <input
            id={`${idBase}-name`}
            ref={nameRef}
            type="text"
            value={draft.display_name}
            onChange={(e) => change({ display_name: e.target.value })}
            autoComplete="off"
          />
        </div>

        <fieldset className="form-group">
          <legend className="field-label">Roles</legend>
          <div className="role-checks">
            {ALL_ROLES.map((role) => (
              <label key={role} className="checkbox">
                <input
                  type="checkbox"
                  checked={draft.roles.includes(role)}
                  onChange={(e) =>
                    change({
                      roles: e.target.checked ? [...draft.roles, role] : draft.roles.filter((r) => r !== role),
                    })
                  }
                />
                {roleLabel(role)}
              </label>
            ))}
          </div>
        </fieldset>

        <fieldset className="form-group">
          <legend className="field-label">Licenses</legend>
          {draft.licenses.length === 0 && <p className="muted">No licenses.</p>}
          {draft.licenses.length > 0 && (
            <table className="license-table">
              <thead>
                <tr>
                  <th scope="col">State</th>
                  <th scope="col">Type</th>
                  <th scope="col">Number</th>
                  <th scope="col">Expires</th>
                  <th scope="col">
                    <span className="visually-hidden">Remove</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {draft.licenses.map((l, i) => {
                  const states = STATE_CODES.includes(l.state) || l.state === "" ? STATE_CODES : [l.state, ...STATE_CODES];
                  return (
                    <tr key={l.key} data-testid="license-edit-row">
                      <td>
                        <select
                          className="select"
                          aria-label={`License ${i + 1} state`}
                          value={l.state}
                          onChange={(e) => changeLicense(l.key, { state: e.target.value })}
                        >
                          <option value="">State…</option>
                          {states.map((s) => (
                            <option key={s} value={s}>
                              {s}
                            </option>
                          ))}
                        </select>
                      </td>
                      <td>
                        <input
                          className="text-input"
                          type="text"
                          aria-label={`License ${i + 1} type`}
                          placeholder="MD, APRN, RN…"
                          value={l.license_type}
                          onChange={(e) => changeLicense(l.key, { license_type: e.target.value })}
                        />
                      </td>
                      <td>
                        <input
                          className="text-input"
                          type="text"
                          aria-label={`License ${i + 1} number`}
                          value={l.number}
                          onChange={(e) => changeLicense(l.key, { number: e.target.value })}
                        />
                      </td>
                      <td>
                        <input
                          className="text-input"
                          type="date"
                          aria-label={`License ${i + 1} expires`}
                          value={l.expires_on}
                          onChange={(e) => changeLicense(l.key, { expires_on: e.target.value })}
                        />
                      </td>
                      <td>
                        <button
                          type="button"
                          className="button button-quiet button-small"
                          aria-label={`Remove license ${i + 1}${l.state ? ` (${l.state})` : ""}`}
                          onClick={() => change({ licenses: draft.licenses.filter((x) => x.key !== l.key) })}
                        >
                          Remove
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          <button
            type="button"
            className="button button-quiet button-small"
            onClick={() =>
              change({
                licenses: [
                  ...draft.licenses,
                  { key: nextKey++, state: "", license_type: "", number: "", expires_on: "" },
                ],
              })
            }
          >
            Add license
          </button>
        </fieldset>

        <div className="form-row">
          <div className="field">
            <label htmlFor={`${idBase}-supervisor`}>Supervising physician</label>
            <select
              id={`${idBase}-supervisor`}
              className="select"
              value={draft.supervisor_id ?? ""}
              onChange={(e) => change({ supervisor_id: e.target.value || null })}
            >
              <option value="">None</option>
              {physicians.map((x) => (
                <option key={x.id} value={x.id}>
                  {x.display_name}
                </option>
              ))}
            </select>
          </div>
          <label className="checkbox on-duty-toggle">
            <input type="checkbox" checked={draft.on_duty} onChange={(e) => change({ on_duty: e.target.checked })} />
            On duty (taking work now)
          </label>
        </div>

        {!online && <p className="field-flag">Saving needs the server. Rounds is offline now.</p>}
        {error && (
          <p className="form-error" role="alert" data-testid="practitioner-form-error">
            {error}
          </p>
        )}
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={saving || !online}>
            {saving ? "Saving…" : "Save"}
          </button>
          <button type="button" className="button button-quiet" onClick={onClose}>
            Cancel
          </button>
          <span className="key-hint" aria-hidden="true">
            <kbd>Ctrl</kbd>+<kbd>Enter</kbd> save · <kbd>Esc</kbd> close
          </span>
        </div>
      </form>
    </Modal>
  );
}
