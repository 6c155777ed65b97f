import { useEffect, useRef, useState, type FormEvent } from "react";
import type { SyncProgress } from "../../bindings/SyncProgress";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { isDatabaseErrorCode } from "../../lib/errors";
import { session, signIn, syncStatus, toIpcError, type IpcError } from "../../lib/ipc";
import { CodeField } from "./CodeField";
import { CODE_PROMPT, cleanCode, codeErrorMessage, signInErrorMessage } from "./messages";

interface Props {
  /**
   * Signed in. `secondFactorNeeded`: the organisation requires two-step sign-in the account has not
   * set up; the session started, but the server answers nothing else until it is.
   */
  onSignedIn: (session: SessionInfo, secondFactorNeeded?: boolean) => void;
  /** The local database cannot be opened: the app shows its full-screen error. */
  onDatabaseError: (error: IpcError) => void;
  /** A calm note shown above the form, e.g. after the session ended. */
  notice?: string | undefined;
}

export function SignInScreen({ onSignedIn, onDatabaseError, notice }: Props) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  // The password was right and the account has two-step sign-in: its code is asked for too.
  const [codeAsked, setCodeAsked] = useState(false);
  const [code, setCode] = useState("");
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const codeRef = useRef<HTMLInputElement>(null);

  /** Another email or password: the code asked for belonged to the previous attempt. */
  function leaveCodeStep() {
    if (!codeAsked) return;
    setCodeAsked(false);
    setCode("");
    setError(null);
  }

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    setPending(true);
    setError(null);
    let result: SessionInfo;
    try {
      result = await signIn(email.trim(), password, codeAsked ? cleanCode(code) : null);
    } catch (caught) {
      const failure = toIpcError(caught);
      if (isDatabaseErrorCode(failure.code)) {
        onDatabaseError(failure);
        return;
      }
      if (failure.code === "second_factor_enrollment_required") {
        // Signed in, but nothing can be downloaded before the second factor is set up.
        const started = await session().catch(() => null);
        if (started) {
          onSignedIn(started, true);
          return;
        }
      }
      setPending(false);
      if (failure.code === "second_factor_required" && !codeAsked) {
        // Not an error: the second step. The email and password stay as typed.
        setCodeAsked(true);
        return;
      }
      if (codeAsked) {
        setError(codeErrorMessage(failure));
        setCode("");
        codeRef.current?.focus();
        return;
      }
      setError(signInErrorMessage(failure));
      setPassword("");
      passwordRef.current?.focus();
      return;
    }
    onSignedIn(result);
  }

  const passwordError = error !== null && !codeAsked;
  return (
    <div className="screen-center signin-screen">
      <main className="signin-card">
        <h1 className="wordmark">Rounds</h1>
        <p className="signin-lede">Sign in to see your patients.</p>
        {notice && !error && !codeAsked && (
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
              onChange={(e) => {
                setEmail(e.target.value);
                leaveCodeStep();
              }}
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
              aria-invalid={passwordError ? true : undefined}
              aria-describedby={passwordError ? "sign-in-error" : undefined}
              onChange={(e) => {
                setPassword(e.target.value);
                leaveCodeStep();
              }}
            />
          </div>
          {codeAsked && (
            <>
              <p className="signin-notice signin-code-prompt" role="status">
                {CODE_PROMPT}
              </p>
              <CodeField
                id="sign-in-code"
                inputRef={codeRef}
                value={code}
                onChange={setCode}
                readOnly={pending}
                errorId={error ? "sign-in-error" : undefined}
                autoFocus
              />
            </>
          )}
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
