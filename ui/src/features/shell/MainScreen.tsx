import { useCallback, useEffect, useRef, useState } from "react";
import type { SessionInfo } from "../../bindings/SessionInfo";
import type { IpcError } from "../../lib/ipc";
import { PatientPanel, type OpenRequest } from "../patients/PatientPanel";
import { PatientSearch } from "../patients/PatientSearch";
import { TopBar } from "./TopBar";

interface Props {
  session: SessionInfo;
  onSignOut: () => Promise<void>;
  /** Any call failed because the core no longer has a session. */
  onSessionEnded: () => void;
}

const TEXT_INPUT_TYPES = new Set(["text", "search", "email", "password", "tel", "url", "number", "date", "datetime-local", "month", "time", "week"]);

/** True when a "/" typed here belongs to the field, not to the shortcut. */
function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && TEXT_INPUT_TYPES.has(target.type);
}

export function MainScreen({ session, onSignOut, onSessionEnded }: Props) {
  const searchRef = useRef<HTMLInputElement>(null);
  const [openRequest, setOpenRequest] = useState<OpenRequest | null>(null);
  const seq = useRef(0);

  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
      if (isTypingTarget(event.target)) return;
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
    <div className="main-layout">
      <TopBar session={session} onSignOut={onSignOut} />
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
          <PatientPanel request={openRequest} onError={handleError} />
        </main>
      </div>
    </div>
  );
}
