import { useEffect, useRef, useState, type FormEvent } from "react";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { plural } from "../../lib/format";
import { signOut, toIpcError, unlock } from "../../lib/ipc";
import "./lock.css";

/** Why Rounds is locked, as far as the app knows. */
export type LockReason =
  /** The core locked after the idle limit (a command was refused as locked). */
  | "idle"
  /** The clinician locked it (Ctrl+L, or Lock in the top bar). */
  | "manual"
  /** Rounds started with a session kept on this device. */
  | "startup";

/**
 * After an automatic lock, what is typed or clicked in the first moment was meant for the screen
 * that went away: the form takes nothing until then (a stray Enter would cost a password try).
 */
export const LOCK_SETTLE_MS = 500;

interface Props {
  /** The signed-in clinician; null while not known. */
  displayName: string | null;
  /** The organisation's idle limit in force; null while not known. */
  idleMinutes: number | null;
  reason: LockReason;
  /** The core is still being told to lock: unlocking waits for it. */
  locking?: Promise<void> | undefined;
  /** The password was right: the session goes on. */
  onUnlocked: (session: SessionInfo) => void;
  /** The session cannot go on (too many wrong passwords, or it ended): the core's reason. */
  onSessionEnded: (message: string) => void;
  /** Signed out from here. */
  onSignedOut: () => void;
}

function reasonLine(reason: LockReason, idleMinutes: number | null): string {
  switch (reason) {
    case "idle":
      // The limit comes from lock_status; without it, no guess.
      if (idleMinutes === null) return "Locked.";
      return `Locked after ${plural(idleMinutes, "minute", "minutes")} without activity.`;
    case "manual":
      return "Locked.";
    case "startup":
      return "Your session was kept on this device. Enter your password to open it.";
  }
}

/**
 * Rounds locked (automatic logoff): the clinician's name and a password field, nothing about any
 * patient. The password opens the session again where it was; Sign out ends it.
 */
export function LockScreen({
  displayName,
  idleMinutes,
  reason,
  locking,
  onUnlocked,
  onSessionEnded,
  onSignedOut,
}: Props) {
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState<"unlocking" | "signing-out" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  // The clinician was not looking when the core locked: the screen appeared under their typing.
  const [settled, setSettled] = useState(reason !== "idle");

  useEffect(() => {
    if (settled) return;
    const timer = setTimeout(() => setSettled(true), LOCK_SETTLE_MS);
    return () => clearTimeout(timer);
  }, [settled]);

  function showError(message: string, clear: boolean) {
    setError(message);
    if (clear) setPassword("");
    passwordRef.current?.focus();
  }

  async function handleUnlock(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy || !settled) return;
    if (password === "") {
      showError("Enter your password to unlock.", false);
      return;
    }
    setBusy("unlocking");
    setError(null);
    let session: SessionInfo;
    try {
      await locking;
      session = await unlock(password);
    } catch (caught) {
      const failure = toIpcError(caught);
      if (failure.code === "not_signed_in") {
        onSessionEnded(failure.message);
        return;
      }
      setBusy(null);
      showError(failure.message, failure.code === "invalid_credentials");
      return;
    }
    onUnlocked(session);
  }

  async function handleSignOut() {
    if (busy || !settled) return;
    setBusy("signing-out");
    setError(null);
    try {
      await locking;
      await signOut();
    } catch (caught) {
      const failure = toIpcError(caught);
      // Already signed out in the core: the goal is reached.
      if (failure.code !== "not_signed_in") {
        setBusy(null);
        showError(`Could not sign out: ${failure.message}`, false);
        return;
      }
    }
    onSignedOut();
  }

  return (
    <div className="screen-center signin-screen lock-screen" data-testid="lock-screen">
      <main className="signin-card" aria-labelledby="lock-title">
        <h1 id="lock-title" className="lock-title">
          Rounds is locked
        </h1>
        {displayName && (
          <p className="signin-lede" data-testid="lock-who">
            Signed in as <strong>{displayName}</strong>
          </p>
        )}
        <p className="lock-reason" data-testid="lock-reason">
          {reasonLine(reason, idleMinutes)}
        </p>
        <form className="signin-form" onSubmit={handleUnlock} aria-busy={busy !== null} noValidate>
          <div className="field">
            <label htmlFor="unlock-password">Password</label>
            <input
              id="unlock-password"
              ref={passwordRef}
              type="password"
              autoFocus
              autoComplete="current-password"
              value={password}
              readOnly={busy !== null || !settled}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? "unlock-error" : undefined}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
          {error && (
            <p id="unlock-error" className="form-error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" className="button button-primary" disabled={busy !== null || !settled}>
            {busy === "unlocking" ? "Unlocking…" : "Unlock"}
          </button>
          <button
            type="button"
            className="button button-quiet"
            disabled={busy !== null || !settled}
            title="Ends your session. Changes not yet synced stay on this device for your next sign-in."
            onClick={() => void handleSignOut()}
          >
            {busy === "signing-out" ? "Signing out…" : "Sign out"}
          </button>
        </form>
      </main>
    </div>
  );
}
