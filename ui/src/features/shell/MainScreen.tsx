import { useCallback, useEffect, useRef, useState } from "react";
import type { Patient } from "../../bindings/Patient";
import type { SessionInfo } from "../../bindings/SessionInfo";
import type { IpcError } from "../../lib/ipc";
import { isPlainShortcut } from "../../lib/keyboard";
import { useLatest } from "../../lib/useLatest";
import { ChartingScreen } from "../charting/ChartingScreen";
import type { OpenedChart } from "../charting/open";
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
  // The charting screen covers the workspace, which stays mounted (search and edits kept).
  const [chart, setChart] = useState<OpenedChart | null>(null);
  const charting = useLatest(chart !== null);
  const returnFocus = useRef<HTMLElement | null>(null);

  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      if (charting.current || event.key !== "/" || !isPlainShortcut(event)) return;
      event.preventDefault();
      searchRef.current?.focus();
      searchRef.current?.select();
    }
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [charting]);

  const handleOpen = useCallback((id: string) => {
    seq.current += 1;
    setOpenRequest({ id, seq: seq.current });
  }, []);

  const openChart = useCallback((opened: OpenedChart) => {
    returnFocus.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setChart(opened);
  }, []);

  const closeChart = useCallback(() => {
    setChart(null);
    // Back where the clinician was (the New visit button, say) once the workspace shows again.
    requestAnimationFrame(() => {
      const target = returnFocus.current;
      if (target?.isConnected && target !== document.body) target.focus();
      else document.querySelector<HTMLElement>('[data-testid="new-visit"]')?.focus();
    });
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
        {chart && (
          <ChartingScreen session={session} opened={chart} onClose={closeChart} onError={handleError} />
        )}
        <div className="workspace" hidden={chart !== null}>
          <nav className="search-pane" aria-label="Patients on this device">
            <PatientSearch
              inputRef={searchRef}
              openId={openRequest?.id ?? null}
              onOpen={handleOpen}
              onError={handleError}
            />
          </nav>
          <main className="patient-pane">
            <PatientPanel
              request={openRequest}
              onError={handleError}
              updated={edited}
              active={chart === null}
              onOpenChart={openChart}
            />
          </main>
        </div>
      </div>
    </SyncProvider>
  );
}
