import { useState } from "react";
import type { Patient } from "../../bindings/Patient";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { plural, rolesLabel } from "../../lib/format";
import { toIpcError, type IpcError } from "../../lib/ipc";
import { Reconnect } from "../auth/Reconnect";
import { useSync } from "../sync/SyncContext";
import { SyncIndicator } from "../sync/SyncIndicator";

interface Props {
  session: SessionInfo;
  onSignOut: () => Promise<void>;
  /** Reconnect signed in again: the new session (online). */
  onSessionChanged: (session: SessionInfo) => void;
  /** A refused change was settled by editing a patient. */
  onPatientEdited: (patient: Patient) => void;
  onError?: ((error: IpcError) => void) | undefined;
}

export function TopBar({ session, onSignOut, onSessionChanged, onPatientEdited, onError }: Props) {
  const [signingOut, setSigningOut] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const { practitioner } = session;
  // Offline either without a server session (after a restart) or while the server is not answering.
  const { status } = useSync();
  const online = session.online && !status?.offline_since;
  // ts-rs may emit 64-bit integers as bigint; Number() accepts either.
  const cached = Number(session.cached_patients);

  async function handleSignOut() {
    setSigningOut(true);
    setError(null);
    try {
      await onSignOut();
    } catch (caught) {
      setError(`Could not sign out: ${toIpcError(caught).message}`);
      setSigningOut(false);
    }
  }

  return (
    <header className="topbar">
      <span className="wordmark wordmark-small">Rounds</span>
      <span className="topbar-clinician">
        <span className="clinician-name">{practitioner.display_name}</span>
        {practitioner.roles.length > 0 && <span className="clinician-roles">{rolesLabel(practitioner.roles)}</span>}
      </span>
      <span className="topbar-spacer" />
      <span
        className={online ? "connection connection-online" : "connection connection-offline"}
        data-testid="connection-status"
      >
        {online ? "Online" : "Offline — working from this device"}
      </span>
      {!session.online && <Reconnect email={practitioner.email} onReconnected={onSessionChanged} onError={onError} />}
      <SyncIndicator onPatientEdited={onPatientEdited} onError={onError} />
      <span className="cache-count">{plural(cached, "patient", "patients")} on this device</span>
      {error && (
        <span className="topbar-error" role="alert">
          {error}
        </span>
      )}
      <button type="button" className="button button-quiet" onClick={handleSignOut} disabled={signingOut}>
        {signingOut ? "Signing out…" : "Sign out"}
      </button>
    </header>
  );
}
