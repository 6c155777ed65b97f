import { useState } from "react";
import type { Task } from "../../../bindings/Task";
import { formatAge, formatClock, formatDate, sexLabel } from "../../../lib/format";
import { handOffEncounter, toIpcError } from "../../../lib/ipc";
import { Segmented } from "../../common/Segmented";
import { MODE_OPTIONS, SERVICE_LINES, STATE_CODES, queueLabel } from "../model";
import { PageHeading, SaveRefusal, type PageProps } from "./common";

interface Props extends PageProps {
  /** Start the visit again in another service line (only before a complaint is chosen). */
  onServiceLine: (line: string) => void;
  switchingLine: boolean;
  switchError: string | null;
}

export function ContextPage({ api, onServiceLine, switchingLine, switchError, onError }: Props) {
  const { view, draft } = api;
  const patient = view.patient;
  const context = draft.context;
  const license = view.license;
  const age = formatAge(patient.birth_date);
  const tone = license.license ? (license.expiring_soon ? "warn" : "ok") : "alert";
  const lineLocked = draft.complaints.chosen.length > 0;

  return (
    <>
      <PageHeading>Context</PageHeading>

      <section className="context-patient" aria-label="Patient">
        <p className="context-facts">
          <span className="banner-age">{age ? `${age} · ${sexLabel(patient.sex)}` : sexLabel(patient.sex)}</span>
          <span>
            <span className="label">DOB</span> {formatDate(patient.birth_date)}
          </span>
          <span>
            <span className="label">MRN</span> {patient.mrn}
          </span>
        </p>
        <div className="context-lists">
          <div className={patient.allergies.length ? "context-list context-allergies" : "context-list"}>
            <h3>Allergies</h3>
            {patient.allergies.length === 0 ? (
              <p className="none">No known allergies</p>
            ) : (
              <ul>
                {patient.allergies.map((a, i) => (
                  <li key={`${a.substance}-${i}`}>
                    <span className="allergy-substance">{a.substance}</span>
                    {a.reaction && <span> — {a.reaction}</span>}
                  </li>
                ))}
              </ul>
            )}
          </div>
          <div className="context-list">
            <h3>Medications</h3>
            {patient.medications.length === 0 ? (
              <p className="none">None recorded</p>
            ) : (
              <ul>
                {patient.medications.map((m, i) => (
                  <li key={`${m.name}-${i}`}>
                    {m.name}
                    {m.dosage && <span className="muted"> · {m.dosage}</span>}
                  </li>
                ))}
              </ul>
            )}
          </div>
          <div className="context-list">
            <h3>Problems</h3>
            {patient.problems.length === 0 ? (
              <p className="none">None recorded</p>
            ) : (
              <ul>
                {patient.problems.map((p, i) => (
                  <li key={`${p.description}-${i}`}>
                    {p.description} {p.icd10 && <code className="code muted">{p.icd10}</code>}
                  </li>
                ))}
              </ul>
            )}
          </div>
        </div>
      </section>

      <div className="context-fields">
        <div className="field">
          <span className="field-label" id="mode-label">
            Visit mode
          </span>
          <Segmented
            label="Visit mode"
            labelledBy="mode-label"
            options={MODE_OPTIONS}
            value={context.mode}
            onChange={(mode) => void api.update({ section: "context", ...context, mode })}
          />
        </div>

        <div className="field field-state-of-care">
          <label htmlFor="state-of-care">State of care</label>
          <select
            id="state-of-care"
            className="select"
            value={context.state_of_care}
            onChange={(e) => void api.update({ section: "context", ...context, state_of_care: e.target.value })}
          >
            {STATE_CODES.map((code) => (
              <option key={code} value={code}>
                {code}
                {code === patient.current_state ? " (patient's current state)" : ""}
              </option>
            ))}
          </select>
        </div>

        <div className="field">
          <span className="field-label" id="line-label">
            Service line
          </span>
          <Segmented
            label="Service line"
            labelledBy="line-label"
            options={SERVICE_LINES}
            value={view.encounter.service_line}
            disabled={lineLocked || switchingLine}
            onChange={(line) => {
              if (line !== view.encounter.service_line) onServiceLine(line);
            }}
          />
          {lineLocked && <span className="field-hint">Fixed once a complaint is chosen.</span>}
          {switchingLine && <span className="field-hint">Switching…</span>}
          {switchError && (
            <span className="form-error" role="alert">
              {switchError}
            </span>
          )}
        </div>
      </div>

      <SaveRefusal api={api} section="context" />

      <section className={`license license-${tone}`} aria-labelledby="license-heading" data-testid="license">
        <h3 id="license-heading" className="visually-hidden">
          Licensure
        </h3>
        <p className="license-message">
          <span className="license-dot" aria-hidden="true" />
          {license.message}
          {tone === "warn" && " Expires within 30 days."}
        </p>
        {!license.license && <HandOff encounterId={view.encounter.id} onError={onError} />}
      </section>
    </>
  );
}

function HandOff({ encounterId, onError }: { encounterId: string; onError: PageProps["onError"] }) {
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [task, setTask] = useState<Task | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function handOff() {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      setTask(await handOffEncounter(encounterId, note.trim()));
    } catch (caught) {
      const failure = toIpcError(caught);
      setError(`Not handed off: ${failure.message}`);
      onError?.(failure);
    } finally {
      setBusy(false);
    }
  }

  if (task) {
    const due = formatClock(task.due_at);
    return (
      <p className="handoff-done" role="status" data-testid="handoff-task">
        Handed off: a task is in the {queueLabel(task.queue).toLowerCase()} queue for a clinician licensed in{" "}
        {task.license_state}
        {due ? `, due ${due}` : ""}. {task.description}
      </p>
    );
  }
  return (
    <div className="handoff">
      <div className="field">
        <label htmlFor="handoff-note">Note for the clinician who takes over</label>
        <textarea
          id="handoff-note"
          className="text-area"
          rows={2}
          value={note}
          onChange={(e) => setNote(e.target.value)}
        />
      </div>
      <div className="form-actions">
        <button type="button" className="button button-quiet" disabled={busy} onClick={() => void handOff()}>
          {busy ? "Handing off…" : "Hand off"}
        </button>
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
