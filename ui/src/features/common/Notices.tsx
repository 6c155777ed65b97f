import type { ReactNode } from "react";

interface ReadFailedProps {
  /** What could not be read, as the sentence starts: "The directory", "Messages". */
  what: string;
  message: string;
  onRetry: () => void;
}

/** A read that failed: what and why, with a way to try again. */
export function ReadFailed({ what, message, onRetry }: ReadFailedProps) {
  return (
    <p className="form-error" role="alert">
      {what} could not be read: {message}{" "}
      <button type="button" className="link-button" onClick={onRetry}>
        Try again
      </button>
    </p>
  );
}

interface OfflineNoticeProps {
  /** "Coverage needs the server". */
  title: string;
  testId: string;
  /** What happens meanwhile, in a sentence or two. */
  children: ReactNode;
}

/** Something only the server has, while Rounds is offline: a calm note, not an error. */
export function OfflineNotice({ title, testId, children }: OfflineNoticeProps) {
  return (
    <div className="ops-notice" data-testid={testId}>
      <p className="ops-notice-title">{title}</p>
      <p className="muted">{children}</p>
    </div>
  );
}
