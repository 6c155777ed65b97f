import { useRef, useState, type KeyboardEvent } from "react";
import type { ThreadAction } from "../../bindings/ThreadAction";
import { threadWriteKeys } from "../../lib/data/keys";
import { useWrite } from "../../lib/data/query";
import type { Thread } from "../../bindings/Thread";
import { threadAction, toIpcError, type IpcError } from "../../lib/ipc";
import { DialogFooter } from "../common/DialogFooter";
import { Modal } from "../common/Modal";
import { ACTION_REFUSED, NEW_TASK_ID } from "./labels";

/** The core's longest reason. */
export const MAX_REASON_CHARS = 500;

interface Props {
  threadId: string;
  about: string;
  onClose: () => void;
  onEscalated: (thread: Thread) => void;
  onError?: ((error: IpcError) => void) | undefined;
}

/** Hand the thread to the physicians' queue, saying why (required: it is what they read first). */
export function EscalateDialog({ threadId, about, onClose, onEscalated, onError }: Props) {
  const escalate = useWrite((a: ThreadAction) => threadAction(threadId, a), () => threadWriteKeys(threadId));
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [tried, setTried] = useState(false);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const missing = reason.trim() === "";

  async function submit() {
    if (busy) return;
    setTried(true);
    if (missing) {
      reasonRef.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const thread = await escalate.mutateAsync({
        action: "escalate",
        task_id: NEW_TASK_ID,
        to: "physician",
        reason: reason.trim(),
      });
      onEscalated(thread);
    } catch (caught) {
      const failure = toIpcError(caught);
      setError(`${ACTION_REFUSED.escalate}: ${failure.message}`);
      onError?.(failure);
      setBusy(false);
    }
  }

  function handleKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void submit();
    }
  }

  return (
    <Modal
      titleId="escalate-title"
      title="Escalate to physician"
      className="thread-dialog"
      testId="escalate-dialog"
      onClose={onClose}
      initialFocus={() => reasonRef.current}
    >
      <p className="muted">
        The thread with {about} goes to the physicians' queue, with a task for them. Say what they should look at.
      </p>
      <div className="field">
        <label htmlFor="escalate-reason">Reason</label>
        <textarea
          id="escalate-reason"
          ref={reasonRef}
          className="text-area"
          rows={3}
          maxLength={MAX_REASON_CHARS}
          required
          aria-invalid={tried && missing ? true : undefined}
          aria-describedby={tried && missing ? "escalate-reason-error" : undefined}
          value={reason}
          onChange={(e) => {
            setReason(e.target.value);
            setError(null);
          }}
          onKeyDown={handleKeyDown}
        />
        {tried && missing && (
          <p id="escalate-reason-error" className="field-error">
            A reason is needed to escalate.
          </p>
        )}
      </div>
      <DialogFooter
        error={error}
        label={busy ? "Escalating…" : "Escalate to physician"}
        disabled={busy}
        onConfirm={() => void submit()}
        onCancel={onClose}
      />
      <p className="key-hints dialog-hints" aria-hidden="true">
        <kbd>Ctrl</kbd> <kbd>Enter</kbd> escalate · <kbd>Esc</kbd> close
      </p>
    </Modal>
  );
}
