import { useEffect, useState, type FormEvent } from "react";
import { plural } from "../../lib/format";
import { securityPolicy, toIpcError, updateSecurityPolicy, type IpcError } from "../../lib/ipc";
import { useLatest } from "../../lib/useLatest";
import { ReadFailed } from "../common/Notices";
import "./autoLock.css";

/** The idle limits an administrator may set (the core refuses others with invalid_input). */
export const MIN_IDLE_MINUTES = 1;
export const MAX_IDLE_MINUTES = 120;

interface Props {
  online: boolean;
  onError?: ((error: IpcError) => void) | undefined;
}

type Load = { kind: "loading" } | { kind: "failed"; error: IpcError } | { kind: "loaded"; minutes: number };

/** The minutes typed, or null when they are not a whole number from 1 to 120. */
export function idleMinutesFrom(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const minutes = Number(trimmed);
  return minutes >= MIN_IDLE_MINUTES && minutes <= MAX_IDLE_MINUTES ? minutes : null;
}

/** Administrators: after how many idle minutes Rounds locks, on every device of the organisation. */
export function AutoLockSetting({ online, onError }: Props) {
  const [load, setLoad] = useState<Load>({ kind: "loading" });
  const [text, setText] = useState("");
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState("");
  const [reload, setReload] = useState(0);
  const onErrorRef = useLatest(onError);

  useEffect(() => {
    let current = true;
    securityPolicy().then(
      (policy) => {
        if (!current) return;
        setLoad({ kind: "loaded", minutes: policy.idle_lock_minutes });
        setText(String(policy.idle_lock_minutes));
      },
      (caught: unknown) => {
        if (!current) return;
        const failure = toIpcError(caught);
        setLoad({ kind: "failed", error: failure });
        onErrorRef.current?.(failure);
      },
    );
    return () => {
      current = false;
    };
  }, [reload, onErrorRef]);

  const saved = load.kind === "loaded" ? load.minutes : null;
  const changed = text.trim() !== String(saved);

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (saving || !online || !changed) return;
    const minutes = idleMinutesFrom(text);
    if (minutes === null) {
      setError(`Not saved: enter a whole number of minutes from ${MIN_IDLE_MINUTES} to ${MAX_IDLE_MINUTES}.`);
      setStatus("");
      return;
    }
    setSaving(true);
    setError(null);
    setStatus("");
    try {
      await updateSecurityPolicy({ idle_lock_minutes: minutes });
      setLoad({ kind: "loaded", minutes });
      setText(String(minutes));
      const limit = plural(minutes, "minute", "minutes");
      setStatus(`Saved. Rounds locks after ${limit} without activity; other devices follow once they sync.`);
    } catch (caught) {
      const failure = toIpcError(caught);
      setError(`Not saved: ${failure.message}`);
      if (failure.code !== "server_unreachable") onErrorRef.current?.(failure);
    } finally {
      setSaving(false);
    }
  }

  return (
    <section className="auto-lock" aria-labelledby="auto-lock-title" data-testid="auto-lock-setting">
      <h2 id="auto-lock-title" className="routing-title">
        Automatic lock
      </h2>
      <p className="muted routing-intro">
        Rounds locks on every device of the organisation after this long without keyboard or pointer activity; the
        clinician&apos;s password opens it again.
      </p>
      {load.kind === "loading" && <p className="muted">Loading the security policy…</p>}
      {load.kind === "failed" && (
        <ReadFailed what="The security policy" message={load.error.message} onRetry={() => setReload((n) => n + 1)} />
      )}
      {load.kind === "loaded" && (
        <form className="auto-lock-form" onSubmit={(e) => void save(e)} noValidate>
          <div className="field">
            <label htmlFor="auto-lock-minutes">Lock after (minutes)</label>
            <input
              id="auto-lock-minutes"
              type="number"
              min={MIN_IDLE_MINUTES}
              max={MAX_IDLE_MINUTES}
              step={1}
              inputMode="numeric"
              value={text}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? "auto-lock-error" : undefined}
              onChange={(e) => {
                setText(e.target.value);
                setError(null);
                setStatus("");
              }}
            />
          </div>
          <button type="submit" className="button button-primary" disabled={saving || !online || !changed}>
            {saving ? "Saving…" : "Save"}
          </button>
        </form>
      )}
      {error && (
        <p id="auto-lock-error" className="form-error" role="alert">
          {error}
        </p>
      )}
      {load.kind === "loaded" && !online && (
        <p className="field-flag">Saving needs the server. Rounds is offline now.</p>
      )}
      <p className="queue-status" role="status">
        {status}
      </p>
    </section>
  );
}
