import { useRef, useState, type KeyboardEvent } from "react";
import type { BreakGlassView } from "../../bindings/BreakGlassView";
import type { Encounter } from "../../bindings/Encounter";
import { formatClock, formatMoment, formatMomentDate } from "../../lib/format";
import { breakGlass, breakGlassChart, toIpcError, type IpcError } from "../../lib/ipc";
import { useNow } from "../../lib/useNow";
import { humanize, modeLabel } from "../charting/model";
import { DialogFooter } from "../common/DialogFooter";
import { Modal } from "../common/Modal";
import { PatientBanner } from "./PatientBanner";
import { displayName } from "./names";

/** The core's shortest reason. */
export const MIN_REASON_CHARS = 10;

interface Props {
  /** Prefills the MRN (a search that found nobody). */
  initialMrn?: string;
  onClose: () => void;
  onError?: ((error: IpcError) => void) | undefined;
}

/**
 * Emergency access to a patient outside the clinician's care teams: asks for the MRN and a
 * reason, then shows the chart read-only until the grant ends. Nothing of it is kept on the device.
 */
export function BreakGlass({ initialMrn = "", onClose, onError }: Props) {
  const [view, setView] = useState<BreakGlassView | null>(null);
  return view ? (
    <BreakGlassChart view={view} onClose={onClose} onError={onError} />
  ) : (
    <BreakGlassDialog initialMrn={initialMrn} onOpened={setView} onClose={onClose} onError={onError} />
  );
}

interface DialogProps {
  initialMrn: string;
  onOpened: (view: BreakGlassView) => void;
  onClose: () => void;
  onError?: ((error: IpcError) => void) | undefined;
}

function BreakGlassDialog({ initialMrn, onOpened, onClose, onError }: DialogProps) {
  const [mrn, setMrn] = useState(initialMrn);
  const [reason, setReason] = useState("");
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const mrnRef = useRef<HTMLInputElement>(null);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const mrnMissing = mrn.trim() === "";
  const reasonShort = reason.trim().length < MIN_REASON_CHARS;

  async function submit() {
    if (busy) return;
    setTried(true);
    if (mrnMissing || reasonShort) {
      (mrnMissing ? mrnRef : reasonRef).current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onOpened(await breakGlass(mrn.trim(), reason.trim()));
    } catch (caught) {
      const failure = toIpcError(caught);
      setError(failure.message);
      onError?.(failure);
      setBusy(false);
    }
  }

  function handleKeyDown(event: KeyboardEvent<HTMLElement>) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void submit();
    }
  }

  return (
    <Modal
      titleId="break-glass-title"
      title="Emergency access"
      className="thread-dialog"
      testId="break-glass-dialog"
      onClose={onClose}
      initialFocus={() => (initialMrn ? reasonRef.current : mrnRef.current)}
    >
      <p className="muted">
        Open the chart of a patient outside your care teams. Access is logged and reviewed, lasts 30 minutes, and
        is read-only. Nothing of the chart is kept on this device.
      </p>
      <div className="field">
        <label htmlFor="break-glass-mrn">MRN</label>
        <input
          id="break-glass-mrn"
          ref={mrnRef}
          className="text-input"
          type="text"
          autoComplete="off"
          spellCheck={false}
          aria-invalid={tried && mrnMissing ? true : undefined}
          aria-describedby={tried && mrnMissing ? "break-glass-mrn-error" : undefined}
          value={mrn}
          onChange={(e) => {
            setMrn(e.target.value);
            setError(null);
          }}
          onKeyDown={handleKeyDown}
        />
        {tried && mrnMissing && (
          <p id="break-glass-mrn-error" className="field-error">
            The patient's MRN is needed.
          </p>
        )}
      </div>
      <div className="field">
        <label htmlFor="break-glass-reason">Reason</label>
        <textarea
          id="break-glass-reason"
          ref={reasonRef}
          className="text-area"
          rows={3}
          aria-invalid={tried && reasonShort ? true : undefined}
          aria-describedby="break-glass-reason-hint"
          value={reason}
          onChange={(e) => {
            setReason(e.target.value);
            setError(null);
          }}
          onKeyDown={handleKeyDown}
        />
        <p id="break-glass-reason-hint" className={tried && reasonShort ? "field-error" : "field-hint"}>
          Why you need this chart now, in at least {MIN_REASON_CHARS} characters. Reviewers read it.
        </p>
      </div>
      <DialogFooter
        error={error}
        label={busy ? "Opening…" : "Open read-only chart"}
        disabled={busy}
        onConfirm={() => void submit()}
        onCancel={onClose}
      />
      <p className="key-hints dialog-hints" aria-hidden="true">
        <kbd>Ctrl</kbd> <kbd>Enter</kbd> open · <kbd>Esc</kbd> close
      </p>
    </Modal>
  );
}

function timeLeft(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${String(seconds % 60).padStart(2, "0")} left`;
}

interface ChartProps {
  view: BreakGlassView;
  onClose: () => void;
  onError?: ((error: IpcError) => void) | undefined;
}

function BreakGlassChart({ view: opened, onClose, onError }: ChartProps) {
  const [view, setView] = useState(opened);
  // The server said the grant is over (forbidden): only asking again opens the chart.
  const [revoked, setRevoked] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Every second: the countdown, and the end of access.
  const now = useNow(1000).getTime();
  const { patient } = view;
  const expiresAt = new Date(view.expires_at).getTime();
  // An unreadable expiry counts as ended: never show the chart longer than granted.
  const ended = revoked !== null || !(now < expiresAt);
  const until = formatClock(view.expires_at) ?? view.expires_at;

  async function refresh() {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      setView(await breakGlassChart(patient.id));
    } catch (caught) {
      const failure = toIpcError(caught);
      if (failure.code === "forbidden") setRevoked(failure.message);
      else setError(`Not refreshed: ${failure.message}`);
      onError?.(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal
      titleId="break-glass-chart-title"
      title={ended ? "Emergency access has ended" : `Emergency access — read-only — until ${until}`}
      className="break-glass"
      testId="break-glass-chart"
      onClose={onClose}
      headerActions={
        <div className="break-glass-status">
          {!ended && (
            <span className="status-badge break-glass-left" role="timer" aria-live="off">
              {timeLeft(expiresAt - now)}
            </span>
          )}
          {revoked === null && (
            <button
              type="button"
              className="button button-quiet button-small"
              disabled={busy}
              onClick={() => void refresh()}
            >
              {busy ? "Refreshing…" : "Refresh"}
            </button>
          )}
          <button type="button" className="button button-quiet button-small" onClick={onClose}>
            Close
          </button>
        </div>
      }
    >
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {ended ? (
        <div className="ops-notice" role="status">
          <p className="ops-notice-title">
            Your emergency access to {displayName(patient)} ended at {until}.
          </p>
          <p className="muted">
            {revoked ?? "Refresh to check with the server."} Nothing of this chart was kept on this device. Ask
            again with a new reason if you still need it.
          </p>
        </div>
      ) : (
        <>
          <p className="break-glass-reason">
            <span className="label">Reason</span> {view.reason}
          </p>
          <PatientBanner patient={patient} idPrefix="break-glass-" />
          <section className="break-glass-notes" aria-labelledby="break-glass-notes-heading">
            <h2 id="break-glass-notes-heading">Signed notes</h2>
            {view.encounters.length === 0 ? (
              <p className="none">No signed notes.</p>
            ) : (
              view.encounters.map((e) => <SignedNote key={e.id} encounter={e} />)
            )}
          </section>
        </>
      )}
    </Modal>
  );
}

function SignedNote({ encounter: e }: { encounter: Encounter }) {
  const complaints = e.chief_complaints.length ? e.chief_complaints.map(humanize).join(", ") : "No complaint";
  const date = formatMomentDate(e.started_at) ?? e.started_at;
  return (
    <article className="break-glass-note" data-testid="break-glass-note" aria-label={`Note of ${date}`}>
      <p className="encounter-row">
        <span className="encounter-date">{date}</span>
        <span className="encounter-mode">{modeLabel(e.mode)}</span>
        <span className="encounter-complaints">{complaints}</span>
        {e.signed_at && <span className="muted">Signed {formatMoment(e.signed_at) ?? e.signed_at}</span>}
      </p>
      <pre className="note">{e.note}</pre>
      {e.addenda.map((a) => (
        <div key={a.id} className="break-glass-addendum">
          <p className="muted">Addendum, signed {formatMoment(a.signed_at) ?? a.signed_at}</p>
          <pre className="note">{a.text}</pre>
        </div>
      ))}
    </article>
  );
}
