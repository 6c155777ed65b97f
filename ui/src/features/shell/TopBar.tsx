import { useState } from "react";
import type { Patient } from "../../bindings/Patient";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { plural } from "../../lib/format";
import { ariaKeys, KEYMAP, keyText } from "../../lib/keymap";
import { toIpcError, type IpcError } from "../../lib/ipc";
import { SECOND_FACTOR_NEEDED } from "../auth/messages";
import { Reconnect } from "../auth/Reconnect";
import { SessionsDialog } from "../auth/SessionsDialog";
import { SyncIndicator } from "../sync/SyncIndicator";
import { useSync } from "../sync/SyncContext";
import { hasLiveSession, useOnline } from "../sync/useOnline";
import { ClinicianRoles } from "./ClinicianRoles";
import type { View, ViewEntry } from "./views";

interface Props {
  session: SessionInfo;
  /** The screens this user may open (viewsFor their roles). */
  views: readonly ViewEntry[];
  /** The screen shown; null while a visit is being charted (the tabs rest then). */
  view: View | null;
  onView: (view: View) => void;
  onSignOut: () => Promise<void>;
  /** Lock Rounds now (also Ctrl+L). */
  onLock?: (() => void) | undefined;
  /** Reconnect signed in again: the new session (online). */
  onSessionChanged: (session: SessionInfo) => void;
  /** A refused change was settled by editing a patient. */
  onPatientEdited: (patient: Patient) => void;
  onError?: ((error: IpcError) => void) | undefined;
  /** The organisation requires two-step sign-in this account has not set up: a note offers the setup. */
  secondFactorNeeded?: boolean;
  onSecondFactorOn?: (() => void) | undefined;
  /** The keyboard shortcuts (also ?). */
  onHelp?: (() => void) | undefined;
}

const { help, lock } = KEYMAP.anywhere.shortcuts;

export function TopBar({
  session,
  views,
  view,
  onView,
  onSignOut,
  onLock,
  onSessionChanged,
  onPatientEdited,
  onError,
  secondFactorNeeded = false,
  onSecondFactorOn,
  onHelp,
}: Props) {
  const [signingOut, setSigningOut] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [showSessions, setShowSessions] = useState(false);
  const { practitioner } = session;
  const online = useOnline(session);
  const { status } = useSync();
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
    <>
      <header className="topbar">
        <span className="wordmark wordmark-small">Rounds</span>
        <span className="topbar-clinician">
          <span className="clinician-name">{practitioner.display_name}</span>
          {practitioner.roles.length > 0 && <ClinicianRoles roles={practitioner.roles} />}
        </span>
        <nav className="topbar-nav" aria-label="Screens">
          {views.map((v) => (
            <button
              key={v.view}
              type="button"
              className="nav-tab"
              data-testid={`nav-${v.view}`}
              aria-current={view === v.view ? "page" : undefined}
              disabled={view === null}
              title={`${v.label} (g then ${v.key})`}
              onClick={() => onView(v.view)}
            >
              {v.label}
            </button>
          ))}
        </nav>
        <span className="topbar-spacer" />
        <span
          className={online ? "connection connection-online" : "connection connection-offline"}
          data-testid="connection-status"
        >
          {online ? "Online" : "Offline — working from this device"}
        </span>
        {!hasLiveSession(session, status?.session_live) && (
          <Reconnect email={practitioner.email} onReconnected={onSessionChanged} onError={onError} />
        )}
        <SyncIndicator onPatientEdited={onPatientEdited} onError={onError} />
        <span className="cache-count">{plural(cached, "patient", "patients")} on this device</span>
        {error && (
          <span className="topbar-error" role="alert">
            {error}
          </span>
        )}
        <button
          type="button"
          className="button button-quiet"
          aria-haspopup="dialog"
          title="Where you are signed in (end a session on another device), and two-step sign-in"
          onClick={() => setShowSessions(true)}
        >
          Sessions
        </button>
        {onHelp && (
          <button
            type="button"
            className="button button-quiet"
            aria-haspopup="dialog"
            aria-label="Keyboard shortcuts"
            aria-keyshortcuts={ariaKeys(help)}
            title={`Keyboard shortcuts (${keyText(help)})`}
            onClick={onHelp}
          >
            {keyText(help)}
          </button>
        )}
        {onLock && (
          <button
            type="button"
            className="button button-quiet"
            aria-keyshortcuts={ariaKeys(lock)}
            title={`Lock Rounds now (${keyText(lock)}): your password opens it again, where you were`}
            onClick={onLock}
          >
            Lock
          </button>
        )}
        <button type="button" className="button button-quiet" onClick={handleSignOut} disabled={signingOut}>
          {signingOut ? "Signing out…" : "Sign out"}
        </button>
        {showSessions && (
          <SessionsDialog
            online={online}
            onClose={() => setShowSessions(false)}
            onError={onError}
            secondFactorNeeded={secondFactorNeeded}
            onSecondFactorOn={onSecondFactorOn}
          />
        )}
      </header>
      {secondFactorNeeded && (
        <div className="second-factor-banner" role="status" data-testid="second-factor-banner">
          <span>{SECOND_FACTOR_NEEDED}</span>
          <button
            type="button"
            className="button button-primary button-small"
            aria-haspopup="dialog"
            onClick={() => setShowSessions(true)}
          >
            Set up two-step sign-in
          </button>
        </div>
      )}
    </>
  );
}
