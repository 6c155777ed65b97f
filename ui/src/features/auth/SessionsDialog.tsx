import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import type { SessionSummary } from "../../bindings/SessionSummary";
import { queryKeys } from "../../lib/data/keys";
import { useRead, useWrite } from "../../lib/data/query";
import { formatMoment, formatTimestamp, plural } from "../../lib/format";
import { revokeSession, sessions, toIpcError, type IpcError } from "../../lib/ipc";
import { useLatest } from "../../lib/useLatest";
import { ChoiceList } from "../common/ChoiceList";
import { Modal } from "../common/Modal";
import { OfflineNotice, ReadFailed } from "../common/Notices";
import { offlineReason } from "../common/serverRead";
import { TwoStepSetup } from "./TwoStepSetup";
import "./sessions.css";

interface Props {
  /** The server answers (sessions are kept there). */
  online: boolean;
  onClose: () => void;
  onError?: ((error: IpcError) => void) | undefined;
  /**
   * The organisation requires two-step sign-in and this account has not set it up: the dialog
   * opens at its setup.
   */
  secondFactorNeeded?: boolean;
  /** Two-step sign-in was turned on. */
  onSecondFactorOn?: (() => void) | undefined;
}

type Load =
  | { kind: "loading" }
  | { kind: "offline"; message: string | null }
  | { kind: "failed"; error: IpcError }
  | { kind: "loaded"; list: SessionSummary[] };

/**
 * The signed-in user's sessions, device by device; ends another device's session. Below them,
 * two-step sign-in is set up.
 */
export function SessionsDialog({ online, onClose, onError, secondFactorNeeded = false, onSecondFactorOn }: Props) {
  // Online only: offline (or when the server stops answering) a calm note instead.
  const query = useRead(queryKeys.sessions(), sessions, { enabled: online, onError });
  const revoke = useWrite(revokeSession, () => [queryKeys.sessions()]);
  const load: Load = !online
    ? { kind: "offline", message: null }
    : query.error?.code === "server_unreachable"
      ? { kind: "offline", message: query.error.message }
      : query.error
        ? { kind: "failed", error: query.error }
        : query.data
          ? { kind: "loaded", list: query.data }
          : { kind: "loading" };
  const [chosen, setActive] = useState(0);
  const [confirming, setConfirming] = useState<SessionSummary | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const setUpRef = useRef<HTMLButtonElement>(null);
  // Opened to set up two-step sign-in: the keyboard stays there until the list is used.
  const focusList = useRef(!secondFactorNeeded);
  const onErrorRef = useLatest(onError);

  const list = load.kind === "loaded" ? load.list : [];
  // The row chosen, kept inside the list as sessions end.
  const active = Math.max(0, Math.min(chosen, list.length - 1));

  // The list takes the keyboard once it is there (again after a session ends).
  useEffect(() => {
    if (focusList.current && query.data && query.data.length > 0) listRef.current?.focus();
  }, [query.data]);

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

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
      await revoke.mutateAsync(target.id);
      focusList.current = true;
      setConfirming(null);
      setNote(`Ended the session on ${target.client}. That device is signed out.`);
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
      initialFocus={secondFactorNeeded ? () => setUpRef.current : undefined}
    >
      <div className="sessions-body" onKeyDown={handleKeyDown}>
        <p id="sessions-list-label" className="muted">
          Where you are signed in now
          {load.kind === "loaded" && list.length > 0 && ` (${plural(list.length, "session", "sessions")})`}. End a
          session you do not recognise, or one on a device you no longer have.
        </p>
        {load.kind === "loading" && <p className="muted">Asking the server…</p>}
        {load.kind === "offline" && (
          <OfflineNotice title="Your sessions are kept by the server" testId="sessions-offline">
            {offlineReason(load.message)}They show again once Rounds is back online.
          </OfflineNotice>
        )}
        {load.kind === "failed" && (
          <ReadFailed what="Your sessions" message={load.error.message} onRetry={() => void query.refetch()} />
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
      <TwoStepSetup
        online={online}
        required={secondFactorNeeded}
        startRef={setUpRef}
        onTurnedOn={onSecondFactorOn}
        onError={onError}
      />
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
