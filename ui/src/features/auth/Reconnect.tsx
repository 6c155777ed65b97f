import { useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { session, signIn, toIpcError, type IpcError } from "../../lib/ipc";
import { useSync } from "../sync/SyncContext";
import { CodeField } from "./CodeField";
import { CODE_PROMPT, cleanCode, codeErrorMessage, signInErrorMessage } from "./messages";

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
  // The password was right and the account has two-step sign-in: its code is asked for too.
  const [codeAsked, setCodeAsked] = useState(false);
  const [code, setCode] = useState("");
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const codeRef = useRef<HTMLInputElement>(null);
  const sync = useSync();

  function close() {
    setOpen(false);
    setPassword("");
    setCodeAsked(false);
    setCode("");
    setError(null);
    buttonRef.current?.focus();
  }

  /** Another password: the code asked for belonged to the previous attempt. */
  function leaveCodeStep() {
    if (!codeAsked) return;
    setCodeAsked(false);
    setCode("");
    setError(null);
  }

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending || password === "") return;
    setPending(true);
    setError(null);
    let result: SessionInfo;
    try {
      result = await signIn(email, password, codeAsked ? cleanCode(code) : null);
    } catch (caught) {
      const failure = toIpcError(caught);
      if (failure.code === "second_factor_enrollment_required") {
        // Connected, but the server answers nothing else until the second factor is set up:
        // the app says so (onError) and offers the setup.
        const started = await session().catch(() => null);
        if (started) {
          finish(started);
          onError?.(failure);
          return;
        }
      }
      setPending(false);
      if (failure.code === "second_factor_required" && !codeAsked) {
        // The second step, not an error: the password stays as typed.
        setCodeAsked(true);
        return;
      }
      if (codeAsked) {
        setError(codeErrorMessage(failure));
        setCode("");
        codeRef.current?.focus();
      } else {
        setError(signInErrorMessage(failure));
        setPassword("");
        passwordRef.current?.focus();
      }
      onError?.(failure);
      return;
    }
    finish(result);
  }

  function finish(result: SessionInfo) {
    setPassword("");
    setCode("");
    sync.refresh();
    onReconnected(result);
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
              aria-invalid={error && !codeAsked ? true : undefined}
              aria-describedby={error && !codeAsked ? "reconnect-error" : undefined}
              onChange={(e) => {
                setPassword(e.target.value);
                leaveCodeStep();
              }}
            />
          </div>
          {codeAsked && (
            <>
              <p className="reconnect-code-prompt" role="status">
                {CODE_PROMPT}
              </p>
              <CodeField
                id="reconnect-code"
                inputRef={codeRef}
                value={code}
                onChange={setCode}
                readOnly={pending}
                errorId={error ? "reconnect-error" : undefined}
                autoFocus
              />
            </>
          )}
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
