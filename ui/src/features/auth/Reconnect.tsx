import { useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { signIn, toIpcError, type IpcError } from "../../lib/ipc";
import { useSync } from "../sync/SyncContext";
import { signInErrorMessage } from "./messages";

interface Props {
  /** The signed-in practitioner's email: only the password is asked for. */
  email: string;
  onReconnected: (session: SessionInfo) => void;
  onError?: ((error: IpcError) => void) | undefined;
}

/**
 * Working offline (say after a restart, when the app has no server session):
 * sign in again with the password only, without leaving the chart.
 */
export function Reconnect({ email, onReconnected, onError }: Props) {
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState("");
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const sync = useSync();

  function close() {
    setOpen(false);
    setPassword("");
    setError(null);
    buttonRef.current?.focus();
  }

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending || password === "") return;
    setPending(true);
    setError(null);
    let session: SessionInfo;
    try {
      session = await signIn(email, password);
    } catch (caught) {
      const failure = toIpcError(caught);
      setError(signInErrorMessage(failure));
      setPassword("");
      setPending(false);
      passwordRef.current?.focus();
      onError?.(failure);
      return;
    }
    setPassword("");
    sync.refresh();
    onReconnected(session);
  }

  function handleKeyDown(event: KeyboardEvent<HTMLFormElement>) {
    if (event.key === "Escape" && !pending) {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  }

  return (
    <span className="reconnect">
      <button
        ref={buttonRef}
        type="button"
        className="button button-quiet button-small"
        aria-expanded={open}
        aria-controls={open ? "reconnect-form" : undefined}
        onClick={() => (open ? close() : setOpen(true))}
      >
        Reconnect
      </button>
      {open && (
        <form
          id="reconnect-form"
          className="reconnect-form"
          aria-label="Reconnect to the server"
          aria-busy={pending}
          onSubmit={handleSubmit}
          onKeyDown={handleKeyDown}
        >
          <div className="field">
            <label htmlFor="reconnect-password">Password for {email}</label>
            <input
              id="reconnect-password"
              ref={passwordRef}
              type="password"
              autoFocus
              required
              autoComplete="current-password"
              value={password}
              readOnly={pending}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? "reconnect-error" : undefined}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
          {error && (
            <p id="reconnect-error" className="form-error" role="alert">
              {error}
            </p>
          )}
          <div className="form-actions">
            <button id="reconnect-submit" type="submit" className="button button-primary" disabled={pending}>
              {pending ? "Connecting…" : "Connect"}
            </button>
            <button type="button" className="button button-quiet" onClick={close} disabled={pending}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </span>
  );
}
