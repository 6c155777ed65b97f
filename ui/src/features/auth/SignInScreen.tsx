import { useEffect, useRef, useState, type FormEvent } from "react";
import type { SyncProgress } from "../../bindings/SyncProgress";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { isDatabaseErrorCode } from "../../lib/errors";
import { signIn, syncStatus, toIpcError, type IpcError } from "../../lib/ipc";
import { signInErrorMessage } from "./messages";

interface Props {
  onSignedIn: (session: SessionInfo) => void;
  /** The local database cannot be opened: the app shows its full-screen error. */
  onDatabaseError: (error: IpcError) => void;
  /** A calm note shown above the form, e.g. after the session ended. */
  notice?: string | undefined;
}

export function SignInScreen({ onSignedIn, onDatabaseError, notice }: Props) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    setPending(true);
    setError(null);
    let session: SessionInfo;
    try {
      session = await signIn(email.trim(), password);
    } catch (caught) {
      const failure = toIpcError(caught);
      if (isDatabaseErrorCode(failure.code)) {
        onDatabaseError(failure);
        return;
      }
      setError(signInErrorMessage(failure));
      setPassword("");
      setPending(false);
      passwordRef.current?.focus();
      return;
    }
    onSignedIn(session);
  }

  return (
    <div className="screen-center signin-screen">
      <main className="signin-card">
        <h1 className="wordmark">Rounds</h1>
        <p className="signin-lede">Sign in to see your patients.</p>
        {notice && !error && (
          <p className="signin-notice" role="status">
            {notice}
          </p>
        )}
        <form className="signin-form" onSubmit={handleSubmit} aria-busy={pending}>
          <div className="field">
            <label htmlFor="email">Email</label>
            <input
              id="email"
              type="email"
              autoFocus
              required
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              value={email}
              readOnly={pending}
              onChange={(e) => setEmail(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="password">Password</label>
            <input
              id="password"
              ref={passwordRef}
              type="password"
              required
              autoComplete="current-password"
              value={password}
              readOnly={pending}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? "sign-in-error" : undefined}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
          {error && (
            <p id="sign-in-error" className="form-error" role="alert">
              {error}
            </p>
          )}
          <button id="sign-in" type="submit" className="button button-primary" disabled={pending}>
            {pending ? "Signing in…" : "Sign in"}
          </button>
          {pending && <DownloadProgress />}
        </form>
      </main>
    </div>
  );
}

/** While sign-in downloads the clinician's patients: a bar with counts once the core reports them. */
function DownloadProgress() {
  const [progress, setProgress] = useState<SyncProgress | null>(null);
  useEffect(() => {
    let live = true;
    const poll = () => {
      syncStatus()
        .then((status) => {
          if (live) setProgress(status.progress);
        })
        .catch(() => {
          // No status yet (the workspace is still opening): keep the plain message.
        });
    };
    poll();
    const timer = window.setInterval(poll, 250);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, []);
  const total = progress ? Math.max(progress.total, 1) : 0;
  return (
    <div className="signin-progress" role="status">
      <p>Downloading your patients to this device</p>
      {progress && (
        <>
          <progress value={progress.done} max={total} aria-label="Download progress" />
          <p className="muted" data-testid="download-count">
            {progress.done.toLocaleString()} of {progress.total.toLocaleString()} records
          </p>
        </>
      )}
    </div>
  );
}
