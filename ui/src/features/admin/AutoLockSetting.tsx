import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import type { SecurityPolicy } from "../../bindings/SecurityPolicy";
import { queryKeys } from "../../lib/data/keys";
import { useRead } from "../../lib/data/query";
import { plural } from "../../lib/format";
import { securityPolicy, toIpcError, updateSecurityPolicy, type IpcError } from "../../lib/ipc";
import { useLatest } from "../../lib/useLatest";
import { QueryStatus } from "../common/QueryStatus";
import "./autoLock.css";

/** The idle limits an administrator may set (the core refuses others with invalid_input). */
export const MIN_IDLE_MINUTES = 1;
export const MAX_IDLE_MINUTES = 120;

interface Props {
  online: boolean;
  onError?: ((error: IpcError) => void) | undefined;
}

/** The minutes typed, or null when they are not a whole number from 1 to 120. */
export function idleMinutesFrom(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const minutes = Number(trimmed);
  return minutes >= MIN_IDLE_MINUTES && minutes <= MAX_IDLE_MINUTES ? minutes : null;
}

/** Administrators: after how many idle minutes Rounds locks, on every device of the organisation. */
export function AutoLockSetting({ online, onError }: Props) {
  const query = useRead(queryKeys.securityPolicy(), securityPolicy, { onError });
  const client = useQueryClient();
  // What was typed; until then, the minutes in force.
  const [typed, setText] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState("");
  const onErrorRef = useLatest(onError);

  const saved = query.data?.idle_lock_minutes ?? null;
  const text = typed ?? (saved === null ? "" : String(saved));
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
      client.setQueryData<SecurityPolicy>(queryKeys.securityPolicy(), { idle_lock_minutes: minutes });
      setText(null);
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
      <QueryStatus query={query} what="The security policy" loading="Loading the security policy…" />
      {saved !== null && (
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
      {saved !== null && !online && (
        <p className="field-flag">Saving needs the server. Rounds is offline now.</p>
      )}
      <p className="queue-status" role="status">
        {status}
      </p>
    </section>
  );
}
