import { useCallback, useEffect, useRef, useState } from "react";
import type { Patient } from "../../bindings/Patient";
import type { SessionInfo } from "../../bindings/SessionInfo";
import type { IpcError } from "../../lib/ipc";
import { isPlainShortcut } from "../../lib/keyboard";
import { PatientPanel, type OpenRequest } from "../patients/PatientPanel";
import { PatientSearch } from "../patients/PatientSearch";
import { SyncProvider } from "../sync/SyncContext";
import { TopBar } from "./TopBar";

interface Props {
  session: SessionInfo;
  onSignOut: () => Promise<void>;
  /** Reconnect signed in again. */
  onSessionChanged: (session: SessionInfo) => void;
  /** Any call failed because the core no longer has a session. */
  onSessionEnded: () => void;
}

export function MainScreen({ session, onSignOut, onSessionChanged, onSessionEnded }: Props) {
  const searchRef = useRef<HTMLInputElement>(null);
  const [openRequest, setOpenRequest] = useState<OpenRequest | null>(null);
  const [edited, setEdited] = useState<Patient | null>(null);
  const seq = useRef(0);

  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      if (event.key !== "/" || !isPlainShortcut(event)) return;
      event.preventDefault();
      searchRef.current?.focus();
      searchRef.current?.select();
    }
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, []);

  const handleOpen = useCallback((id: string) => {
    seq.current += 1;
    setOpenRequest({ id, seq: seq.current });
  }, []);

  const handleError = useCallback(
    (error: IpcError) => {
      if (error.code === "not_signed_in") onSessionEnded();
    },
    [onSessionEnded],
  );

  return (
    <SyncProvider onError={handleError}>
      <div className="main-layout">
        <TopBar
          session={session}
          onSignOut={onSignOut}
          onSessionChanged={onSessionChanged}
          onPatientEdited={setEdited}
          onError={handleError}
        />
        <div className="workspace">
          <nav className="search-pane" aria-label="Patients on this device">
            <PatientSearch
              inputRef={searchRef}
              openId={openRequest?.id ?? null}
              onOpen={handleOpen}
              onError={handleError}
            />
          </nav>
          <main className="patient-pane">
            <PatientPanel request={openRequest} onError={handleError} updated={edited} />
          </main>
        </div>
      </div>
    </SyncProvider>
  );
}
