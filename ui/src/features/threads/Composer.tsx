import type { KeyboardEvent, RefObject } from "react";
import { QUICK_REPLIES, fillTemplate } from "./labels";
import { KEYMAP } from "../../lib/keymap";
import { ShortcutKeys } from "../help/KeyHints";

interface Props {
  value: string;
  onChange: (text: string) => void;
  onSend: () => void;
  /** Puts quick reply `index` in the box (Alt+1… does the same). */
  onQuickReply: (index: number) => void;
  sending: boolean;
  /** A closed thread takes no replies until it is reopened. */
  closed: boolean;
  /** For the quick replies' wording. */
  firstName: string | null;
  error: string | null;
  textareaRef: RefObject<HTMLTextAreaElement | null>;
}

/** The reply box: Ctrl+Enter sends; quick replies one tap (or Alt+number) away. */
export function Composer({ value, onChange, onSend, onQuickReply, sending, closed, firstName, error, textareaRef }: Props) {
  function handleKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      onSend();
    } else if (event.key === "Escape") {
      // Out of the box, so single keys work again (the text stays).
      event.preventDefault();
      event.currentTarget.blur();
    }
  }

  return (
    <div className="composer" data-testid="composer">
      {closed && (
        <p className="composer-closed" data-testid="composer-closed">
          This thread is closed. Reopen it (o) to reply.
        </p>
      )}
      <div className="quick-replies" role="group" aria-label="Quick replies">
        {QUICK_REPLIES.map((reply, index) => (
          <button
            key={reply.label}
            type="button"
            className="quick-reply"
            disabled={closed}
            title={`${fillTemplate(reply.template, firstName)} (Alt+${index + 1})`}
            aria-keyshortcuts={`Alt+${index + 1}`}
            onClick={() => onQuickReply(index)}
          >
            <kbd aria-hidden="true">{index + 1}</kbd> {reply.label}
          </button>
        ))}
      </div>
      <div className="composer-row">
        <textarea
          ref={textareaRef}
          className="text-area composer-input"
          aria-label="Reply"
          aria-describedby={closed ? undefined : "composer-hint"}
          rows={3}
          disabled={closed}
          placeholder={closed ? "Closed" : "Reply to the patient"}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={handleKeyDown}
        />
        <button
          type="button"
          className="button button-primary"
          disabled={closed || sending || value.trim() === ""}
          title="Send (Ctrl+Enter)"
          aria-keyshortcuts="Control+Enter"
          onClick={onSend}
        >
          {sending ? "Sending…" : "Send"}
        </button>
      </div>
      {!closed && (
        <p id="composer-hint" className="composer-hint">
          <ShortcutKeys shortcut={KEYMAP.thread.shortcuts.send} /> send ·{" "}
          <ShortcutKeys shortcut={KEYMAP.thread.shortcuts.quickReply} /> quick reply · <kbd>Esc</kbd> leave the box.
          Sends when online; queued until then.
        </p>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
