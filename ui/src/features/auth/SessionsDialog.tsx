import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import type { SessionSummary } from "../../bindings/SessionSummary";
import { formatMoment, formatTimestamp, plural } from "../../lib/format";
import { revokeSession, sessions, toIpcError, type IpcError } from "../../lib/ipc";
import { useLatest } from "../../lib/useLatest";
import { ChoiceList } from "../common/ChoiceList";
import { Modal } from "../common/Modal";

interface Props {
  /** The server answers (sessions are kept there). */
  online: boolean;
  onClose: () => void;
  onError?: ((error: IpcError) => void) | undefined;
}

type Load =
  | { kind: "loading" }
  | { kind: "offline"; message: string | null }
  | { kind: "failed"; error: IpcError }
  | { kind: "loaded"; list: SessionSummary[] };

/** The signed-in user's sessions, device by device; ends another device's session. */
export function SessionsDialog({ online, onClose, onError }: Props) {
  const [load, setLoad] = useState<Load>({ kind: "loading" });
  const [reload, setReload] = useState(0);
  const [active, setActive] = useState(0);
  const [confirming, setConfirming] = useState<SessionSummary | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const onErrorRef = useLatest(onError);

  useEffect(() => {
    let current = true;
    if (!online) {
      setLoad({ kind: "offline", message: null });
      return;
    }
    sessions().then(
      (list) => {
        if (!current) return;
        setLoad({ kind: "loaded", list });
        setActive((a) => Math.max(0, Math.min(a, list.length - 1)));
      },
      (caught: unknown) => {
        if (!current) return;
        const failure = toIpcError(caught);
        if (failure.code === "server_unreachable") {
          setLoad({ kind: "offline", message: failure.message });
        } else {
          setLoad({ kind: "failed", error: failure });
          onErrorRef.current?.(failure);
        }
      },
    );
    return () => {
      current = false;
    };
  }, [online, reload, onErrorRef]);

  // The list takes the keyboard once it is there (again after a session ends).
  useEffect(() => {
    if (load.kind === "loaded" && load.list.length > 0) listRef.current?.focus();
  }, [load]);

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  const list = load.kind === "loaded" ? load.list : [];
  const selected = list[active];

  function select(index: number) {
    setActive(index);
    setConfirming(null);
    setNote(null);
  }

  /** Enter, Delete or the button: ask before ending the session (never this device's). */
  function askToEnd(index: number) {
    const chosen = list[index];
    if (!chosen || busy) return;
    setActive(index);
    setError(null);
    if (chosen.current) {
      setNote("This is the session you are using now. Sign out to end it.");
      return;
    }
    setNote(null);
    setConfirming(chosen);
  }

  function keepIt() {
    setConfirming(null);
    listRef.current?.focus();
  }

  async function end(target: SessionSummary) {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await revokeSession(target.id);
      setConfirming(null);
      setNote(`Ended the session on ${target.client}. That device is signed out.`);
      setReload((n) => n + 1);
    } catch (caught) {
      const failure = toIpcError(caught);
      setError(`Not ended: ${failure.message}`);
      if (failure.code !== "server_unreachable") onErrorRef.current?.(failure);
    } finally {
      setBusy(false);
    }
  }

  function handleKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    // Esc while asking: keep the session, stay in the dialog.
    if (event.key === "Escape" && confirming) {
      event.preventDefault();
      event.stopPropagation();
      keepIt();
      return;
    }
    if ((event.key === "Delete" || event.key === "Backspace") && event.target === listRef.current) {
      event.preventDefault();
      askToEnd(active);
    }
  }

  return (
    <Modal
      titleId="sessions-title"
      title="Your sessions"
      className="sessions-dialog"
      testId="sessions-dialog"
      onClose={onClose}
    >
      <div className="sessions-body" onKeyDown={handleKeyDown}>
        <p id="sessions-list-label" className="muted">
          Where you are signed in now
          {load.kind === "loaded" && list.length > 0 && ` (${plural(list.length, "session", "sessions")})`}. End a
          session you do not recognise, or one on a device you no longer have.
        </p>
        {load.kind === "loading" && <p className="muted">Asking the server…</p>}
        {load.kind === "offline" && (
          <div className="ops-notice" data-testid="sessions-offline">
            <p className="ops-notice-title">Your sessions are kept by the server</p>
            <p className="muted">
              {load.message ? `${load.message}. ` : "Rounds is offline now. "}They show again once Rounds is back
              online.
            </p>
          </div>
        )}
        {load.kind === "failed" && (
          <p className="form-error" role="alert">
            Your sessions could not be read: {load.error.message}{" "}
            <button type="button" className="link-button" onClick={() => setReload((n) => n + 1)}>
              Try again
            </button>
          </p>
        )}
        {load.kind === "loaded" && list.length === 0 && <p className="muted">No sessions are open.</p>}
        {list.length > 0 && (
          <ChoiceList
            items={list}
            active={active}
            onActive={select}
            onChoose={askToEnd}
            itemKey={(s) => s.id}
            labelledBy="sessions-list-label"
            idPrefix="session-option"
            listRef={listRef}
            digits={false}
            optionTestId="session-row"
            renderItem={(s) => <SessionLine session={s} />}
          />
        )}

        {confirming ? (
          <div className="session-confirm" role="group" aria-label="End this session?">
            <p>
              End the session on <strong>{confirming.client}</strong>? That device is signed out and has to sign in
              again.
            </p>
            <div className="form-actions">
              <button
                ref={confirmRef}
                type="button"
                className="button button-primary"
                disabled={busy}
                onClick={() => void end(confirming)}
              >
                {busy ? "Ending…" : "End session"}
              </button>
              <button type="button" className="button button-quiet" onClick={keepIt}>
                Keep it
              </button>
            </div>
          </div>
        ) : (
          selected &&
          !selected.current && (
            <div className="form-actions">
              <button type="button" className="button button-quiet" onClick={() => askToEnd(active)}>
                End session…
              </button>
            </div>
          )
        )}

        {note && (
          <p className="session-note" role="status">
            {note}
          </p>
        )}
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
      </div>
      <p className="key-hints dialog-hints" aria-hidden="true">
        <kbd>↑</kbd>
        <kbd>↓</kbd> choose · <kbd>Enter</kbd> or <kbd>Delete</kbd> end the session · <kbd>Esc</kbd> close
      </p>
    </Modal>
  );
}

function SessionLine({ session }: { session: SessionSummary }) {
  return (
    <>
      <span className="hand-off-name">
        {session.client || "Unknown client"}
        {session.current && <span className="status-badge this-device-badge">This device</span>}
      </span>
      <span className="hand-off-meta">
        Started <Moment iso={session.created_at} /> · last used <Moment iso={session.last_used_at} />
      </span>
    </>
  );
}

/** Local time ("09:30" today, with the date on other days); to the second on hover. */
function Moment({ iso }: { iso: string }) {
  return <time dateTime={iso} title={formatTimestamp(iso) ?? undefined}>{formatMoment(iso) ?? iso}</time>;
}
