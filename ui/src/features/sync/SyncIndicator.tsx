import { useRef, useState, type ReactNode } from "react";
import type { Patient } from "../../bindings/Patient";
import type { SyncStatus } from "../../bindings/SyncStatus";
import { formatClock } from "../../lib/format";
import type { IpcError } from "../../lib/ipc";
import { RefusedPanel } from "./RefusedPanel";
import { useSync } from "./SyncContext";

interface Props {
  onPatientEdited: (patient: Patient) => void;
  onError?: ((error: IpcError) => void) | undefined;
}

interface Summary {
  text: string | null;
  title: string;
  tone: "synced" | "pending" | "offline";
}

/** The quiet part of the indicator; null when only the refused count needs saying. */
export function summarise(status: SyncStatus, now: Date = new Date()): Summary {
  const pending = Number(status.pending);
  const rejected = Number(status.rejected);
  const last = status.last_synced_at ? formatClock(status.last_synced_at, now) : null;
  const lastTitle = last ? `Last synced at ${last}` : "Not synced yet";
  if (status.offline_since) {
    const since = formatClock(status.offline_since, now) ?? "a while";
    return {
      text: `Offline since ${since}${pending > 0 ? ` · ${pending} pending` : ""}`,
      title: `The server is not answering. Changes are kept on this device and sent when it answers. ${lastTitle}.`,
      tone: "offline",
    };
  }
  if (pending > 0) {
    return {
      text: `${pending} pending`,
      title: `${pending === 1 ? "1 change is" : `${pending} changes are`} waiting to reach the server. ${lastTitle}.`,
      tone: "pending",
    };
  }
  return { text: rejected > 0 ? null : "Synced", title: lastTitle, tone: "synced" };
}

export function SyncIndicator({ onPatientEdited, onError }: Props) {
  const { status, error } = useSync();
  const [panelOpen, setPanelOpen] = useState(false);
  const refusedRef = useRef<HTMLButtonElement>(null);

  function closePanel() {
    setPanelOpen(false);
    // Back to the button that opened it, when there is still something refused.
    requestAnimationFrame(() => refusedRef.current?.focus());
  }

  let body: ReactNode;
  if (!status) {
    body = (
      <span className="sync-part sync-unknown" title={error?.message}>
        {error ? "Sync status unavailable" : "Checking sync…"}
      </span>
    );
  } else {
    const summary = summarise(status);
    const rejected = Number(status.rejected);
    body = (
      <>
        {summary.text && (
          <span className={`sync-part sync-${summary.tone}`} title={summary.title}>
            {summary.text}
          </span>
        )}
        {rejected > 0 && (
          <button
            ref={refusedRef}
            type="button"
            className="sync-refused"
            title="Review the changes the server refused"
            aria-haspopup="dialog"
            onClick={() => setPanelOpen(true)}
          >
            {rejected} refused
          </button>
        )}
      </>
    );
  }

  return (
    <>
      <span className="sync-indicator" data-testid="sync-indicator" role="status">
        {body}
      </span>
      {panelOpen && <RefusedPanel onClose={closePanel} onPatientEdited={onPatientEdited} onError={onError} />}
    </>
  );
}
